import Foundation
import Logging
import QPVCore
import QPVPerimeters
import QPVTestSupport
import Testing

import QPVServer

/// Issue 16, findings 5, 8 and 12: a damaged pack does not stop the server (it is reported on /health);
/// JSON answers carry nosniff, the page forbids framing.
@Suite("Serveur : paquets endommagés, en-têtes de sécurité", .serialized)
struct ServerRobustnessTests {
    @Test("un paquet endommagé : le serveur démarre, /health le signale")
    func damagedPackIsReportedNotFatal() async throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.url.appendingPathComponent("perimeters")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A pack that is not one (a crashing pack before issue 16 stopped `qpv serve`).
        let bad = folder.appendingPathComponent("qpv-2015-hexagone-abimé.qpvpack")
        try Data(Array("QPVPACK".utf8) + [0, 5, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F] + [UInt8](repeating: 0xAB, count: 64)).write(to: bad)
        let options = ServerOptions(host: "127.0.0.1", port: 0, batchThreads: 1)
        let engine = try ServerEngine.open(dataDirectory: DataDirectory(url: tmp.url), options: options)
        #expect(engine.damagedPacks.count == 1)
        #expect(engine.damagedPacks.first?.contains(bad.path) == true && engine.damagedPacks.first?.contains("réimportez") == true)
        // The demonstration data does not stand in for the damaged list.
        #expect(!engine.catalog.includesDemo)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = QPVHTTPServer.application(engine: engine, logger: Logger(label: "qpv.test.damaged")) { continuation.yield($0) }
        let task = Task.detached { try await app.run() }
        defer { task.cancel() }
        var port = 0
        for await p in ports {
            port = p
            break
        }
        let health = try await TestHTTP.get(port, "/health")
        #expect(health.status == 200)
        let json = try health.json()
        #expect(json["status"]?.stringValue == "degraded")
        #expect(json["damaged_packs"]?.arrayValue?.first?.stringValue?.contains("abimé") == true, "\(health.text)")
    }

    @Test("réponses JSON en nosniff, page interdite en cadre")
    func securityHeaders() async throws {
        let (port, _) = try await TestServer.shared.start()
        for target in ["/health", "/locate?lon=-4.6181818&lat=46.2107914", "/locate?lon=abc&lat=1", "/inconnu"] {
            let r = try await TestHTTP.get(port, target)
            #expect(r.headers["x-content-type-options"] == "nosniff", "\(target)")
        }
        let page = try await TestHTTP.get(port, "/")
        #expect(page.headers["content-security-policy"]?.contains("frame-ancestors 'none'") == true)
    }
}
