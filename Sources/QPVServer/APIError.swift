// `APIError`: every error of the API answered as JSON with a stable code and a French message, its headers,
// and the mapping of any error met while answering (Hummingbird's HTTP errors, faults) to it.

import HTTPTypes
import Hummingbird
import NIOCore
import QPVCore

/// An error answered as JSON: `{"error": "missing_parameter", "message": "…", "status": 400}`, the message
/// in French. Bad input is always a 4xx; 500 is kept for faults of the server itself.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// Stable machine-readable code (snake_case).
    public var code: String
    public var message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status.code) \(code) : \(message)" }

    static func missing(_ name: String, _ hint: String = "") -> APIError {
        APIError(.badRequest, "missing_parameter", "paramètre « \(name) » manquant" + (hint.isEmpty ? "" : " : \(hint)"))
    }

    static func invalid(_ name: String, _ reason: String) -> APIError {
        APIError(.badRequest, "invalid_parameter", "paramètre « \(name) » invalide : \(reason)")
    }

    var json: String {
        "{\"error\":\(jsonQuoted(code)),\"message\":\(jsonQuoted(message)),\"status\":\(status.code)}"
    }

    /// The headers of every JSON error (also written by `ConnectionGuard` for requests Hummingbird cannot parse).
    var headerFields: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        return headers
    }

    func response() -> Response {
        Response(status: status, headers: headerFields, body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }

    /// The JSON error for any error met while answering: our own errors as they are, Hummingbird's HTTP
    /// errors (unknown route, body too large…) with a French message, anything else as a 500.
    static func from(_ error: any Error) -> APIError {
        if let e = error as? APIError { return e }
        if let e = error as? HTTPError {
            switch e.status {
            case .notFound: return APIError(.notFound, "not_found", "adresse (URL) inconnue de l'API ; voir /openapi.json")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", "méthode HTTP non acceptée pour cette adresse")
            case .contentTooLarge: return APIError(.contentTooLarge, "body_too_large", "corps de requête trop volumineux")
            default:
                if (400..<500).contains(e.status.code) {
                    return APIError(e.status, "bad_request", "requête refusée (\(e.status.code))" + (e.body.map { " : \($0)" } ?? ""))
                }
            }
        }
        return APIError(.internalServerError, "internal_error", "erreur interne du serveur : \(error)")
    }
}
