// QPVServer — the HTTP API and the counsellor's web page (`qpv serve`).
//
// This module owns: the server's engine (`ServerEngine`: one `PerimeterCatalog`, one `Geocoder` and its
// `ReverseGeocoder`, the rule books, shared read-only by every request; GEOS/PROJ state in a pool of
// per-request `EligibilityLocator`s, never used by two requests at once), the routes and their JSON /
// GeoJSON answers (`APIRoutes`), the streamed CSV batch (`CSVBatchEndpoint`), the OpenAPI document and the
// web page (files in `Web/`, shipped as resources and served from memory), request logs without personal
// data (`AccessLog`: method, route template, status, duration — never a query string or a body) and the
// Hummingbird application with graceful shutdown (`QPVHTTPServer`), its connections guarded by
// `ConnectionGuard` (header-read deadline, connection cap). It computes nothing itself: every answer comes from
// QPVPerimeters, QPVGeocoding, QPVAddressing and QPVEligibility. This file: `ServerOptions` and `QPVHTTPServer`.

import Foundation
import Hummingbird
import Logging
import NIOCore
import QPVCore

/// What `qpv serve` is told.
public struct ServerOptions: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted (`POST /search/csv`); larger bodies get 413.
    public var maxBodyBytes: Int
    /// Largest number of data rows of a CSV batch; the rows beyond get status `error` and the batch stops.
    public var maxRows: Int
    /// Distance (m) to a boundary under which the answer is `boundary` (à vérifier).
    public var boundaryTolerance: Double
    /// Worker threads of a CSV batch.
    public var batchThreads: Int
    /// Largest `limit` of `/search` and `/reverse`.
    public var maxResults: Int
    /// A connection that sends nothing for this long (seconds) while its request is incomplete, or between
    /// requests, is closed: slow or silent clients do not pile up to the file-descriptor limit.
    public var idleTimeoutSeconds: Double = 30
    /// A connection that has not sent the complete headers of its request this long (seconds) after opening or
    /// after the previous response is closed, even if it trickles bytes (slowloris); nil: no deadline.
    public var headerTimeoutSeconds: Double? = 10
    /// Largest number of connections open at once; those beyond are closed at once.
    public var maxConnections: Int = 512

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 20 << 20, maxRows: Int = 100_000,
        boundaryTolerance: Double = 20, batchThreads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount), maxResults: Int = 20
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxRows = maxRows
        self.boundaryTolerance = boundaryTolerance
        self.batchThreads = batchThreads
        self.maxResults = maxResults
    }
}

/// The Hummingbird application serving the API and the page on one engine.
public enum QPVHTTPServer {
    /// Builds the application. `onRunning` receives the port actually bound (useful with port 0).
    public static func application(
        engine: ServerEngine, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        // HEAD answers every GET route (same status and headers, no body), as HTTP asks of GET resources.
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        APIRoutes(engine: engine).register(on: router)
        let responder = AccessLog(inner: router.buildResponder(), logger: logger)
        let counter = ConnectionCounter(limit: engine.options.maxConnections)
        let headerTimeout = engine.options.headerTimeoutSeconds
        return Application(
            responder: responder,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [ConnectionGuard(counter: counter, headerTimeoutSeconds: headerTimeout)],
                    idleTimeout: .milliseconds(Int64(engine.options.idleTimeoutSeconds * 1000)))),
            configuration: ApplicationConfiguration(
                address: .hostname(engine.options.host, port: engine.options.port), serverName: "qpv/\(ServerEngine.softwareVersion)"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? engine.options.port) },
            logger: logger)
    }

    /// Runs until SIGINT or SIGTERM, then stops accepting connections and lets requests in flight finish.
    public static func run(engine: ServerEngine, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(engine: engine, logger: logger, onRunning: onRunning).runService()
    }
}
