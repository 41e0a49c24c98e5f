// `OpenAPIDocument`: the version of the API's OpenAPI description (`Web/openapi.json`, written by
// Scripts/lib/make-openapi).

import Foundation

/// The API's OpenAPI 3 description, `Web/openapi.json` (served at `/openapi.json`). The server tests walk
/// every documented path and check that the server answers with the documented status and content type,
/// and that every route of `APIRoutes` is documented.
public enum OpenAPIDocument {
    /// `info.version` of the document.
    public static let apiVersion = "1.0.0"
}
