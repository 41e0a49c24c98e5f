// Server robustness (issue 16): a damaged pack reported on /health without stopping the server, slow
// connections closed after the idle timeout, nosniff and anti-framing headers.

import Foundation
import Glibc
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
    /// A server of its own on `engine` (loopback, free port); cancel the task to stop it.
    static func run(_ engine: ServerEngine) async -> (port: Int, task: Task<Void, any Error>) {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = QPVHTTPServer.application(engine: engine, logger: Logger(label: "qpv.test.robustesse")) { continuation.yield($0) }
        let task = Task.detached { try await app.run() }
        for await p in ports { return (p, task) }
        return (0, task)
    }

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
        let (port, task) = await Self.run(engine)
        defer { task.cancel() }
        let health = try await TestHTTP.get(port, "/health")
        #expect(health.status == 200)
        let json = try health.json()
        #expect(json["status"]?.stringValue == "degraded")
        #expect(json["damaged_packs"]?.arrayValue?.first?.stringValue?.contains("abimé") == true, "\(health.text)")
    }

    @Test("connexions lentes (slowloris, bornées, boucle locale) : fermées après le délai d'inactivité")
    func slowConnectionsAreClosed() async throws {
        let tmp = try TemporaryDirectory()
        var options = ServerOptions(host: "127.0.0.1", port: 0, batchThreads: 1)
        options.idleTimeoutSeconds = 1
        let engine = try ServerEngine.open(dataDirectory: DataDirectory(url: tmp.url), options: options)
        let (port, task) = await Self.run(engine)
        defer { task.cancel() }
        // 40 connections that start a request and never finish its headers, and 10 that send nothing.
        var sockets: [Int32] = []
        defer { for s in sockets { close(s) } }
        for k in 0..<50 {
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            #expect(r == 0)
            if k < 40 { _ = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Lent: ".withCString { send(s, $0, strlen($0), 0) } }
            var tv = timeval(tv_sec: 6, tv_usec: 0)
            setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            sockets.append(s)
        }
        // Meanwhile normal requests are answered.
        #expect(try await TestHTTP.get(port, "/health").status == 200)
        // Each slow connection is closed by the server (read returns 0) within the bound, not left open.
        let started = Date()
        var closed = 0
        for s in sockets {
            var buf = [UInt8](repeating: 0, count: 512)
            var n = recv(s, &buf, buf.count, 0)
            while n > 0 { n = recv(s, &buf, buf.count, 0) }  // a 408 or nothing, then the end
            if n == 0 { closed += 1 }
        }
        #expect(closed == 50)
        #expect(Date().timeIntervalSince(started) < 6)
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
