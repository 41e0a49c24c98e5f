// `WebAssets`: the page's files (`Web/` resources) loaded once and served from memory; `ServerStartError`.

import Foundation

/// The page's files (`Web/` resources of this module), read once at start and served from memory by exact
/// path: nothing is ever read from the file system per request, so no path can reach another file.
struct WebAssets: Sendable {
    struct Asset: Sendable {
        var contentType: String
        var bytes: [UInt8]
    }

    /// URL path → file in `Web/`.
    static let files: [(path: String, file: String, type: String)] = [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "app.css", "text/css; charset=utf-8"),
        ("/openapi.json", "openapi.json", "application/json"),
    ]

    let byPath: [String: Asset]

    static func load() throws -> WebAssets {
        guard let base = Bundle.module.resourceURL?.appendingPathComponent("Web") else {
            throw ServerStartError("fichiers de la page introuvables (ressources du module QPVServer absentes)")
        }
        var map: [String: Asset] = [:]
        for f in files {
            let url = base.appendingPathComponent(f.file)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ServerStartError("fichier de la page introuvable : \(url.path)")
            }
            map[f.path] = Asset(contentType: f.type, bytes: Array(data))
        }
        return WebAssets(byPath: map)
    }

    subscript(path: String) -> Asset? { byPath[path] }
}

/// The server cannot start (missing resources, unusable data).
public struct ServerStartError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
