// `AccessLog`: wraps the router — every error becomes a JSON `APIError`, one log line per request with method,
// route template, status and duration, never the query string or the body.

import Foundation
import Hummingbird
import Logging

/// Wraps the router: turns every error into a JSON answer (`APIError`) and writes one log line per request
/// with the method, the route *template* (`/perimeters/{code}`, never the path asked nor its query string),
/// the status and the time taken. Nothing a person typed (an address, a query) reaches the logs.
struct AccessLog<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BasicRequestContext {
    typealias Context = BasicRequestContext
    let inner: Inner
    let logger: Logger

    func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await inner.respond(to: request, context: context)
        } catch {
            let e = APIError.from(error)
            if e.status == .internalServerError {
                logger.error("erreur interne", metadata: ["route": .string(Self.route(context)), "error": .string("\(type(of: error))")])
            }
            response = e.response()
        }
        if Self.route(context) == "-" && response.status == .notFound {
            // No route for this path and method: a JSON 404, or 405 when the path exists for another method.
            let allowed = APIRoutes.methods(forPath: request.uri.path)
            if allowed.isEmpty {
                response = APIError(.notFound, "not_found", "adresse (URL) inconnue de l'API ; voir /openapi.json").response()
            } else {
                response = APIError(
                    .methodNotAllowed, "method_not_allowed",
                    "méthode \(request.method.rawValue) non acceptée ici ; méthodes possibles : \(allowed.joined(separator: ", "))"
                ).response()
                response.headers[.allow] = allowed.joined(separator: ", ")
            }
        }
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.info(
            "requête",
            metadata: [
                "method": .string(request.method.rawValue), "route": .string(Self.route(context)),
                "status": .stringConvertible(response.status.code), "ms": .string(String(format: "%.2f", ms)),
            ])
        return response
    }

    /// The matched route template, or "-" when no route matched (the raw path is not logged).
    static func route(_ context: Context) -> String {
        // Hummingbird names the not-found responder's endpoint "NotFound".
        guard let template = context.endpointPath, template.hasPrefix("/") else { return "-" }
        return template.utf8.contains(UInt8(ascii: ":")) ? template.replacingOccurrences(of: ":code", with: "{code}") : template
    }
}
