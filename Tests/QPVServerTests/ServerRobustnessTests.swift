// Server robustness (issue 16): a damaged pack reported on /health without stopping the server, slow
// connections closed after the idle timeout, nosniff and anti-framing headers.

import Foundation
import Glibc
import Logging
import QPVCore
import QPVPerimeters
import QPVServer
import QPVTestSupport
import Synchronization
import Testing

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
        let options = ServerOptions.forTests(batchThreads: 1)
        let engine = try ServerEngine.open(dataDirectory: DataDirectory(url: tmp.url), options: options)
        #expect(engine.damagedPacks.count == 1)
        #expect(engine.damagedPacks.first?.contains(bad.path) == true && engine.damagedPacks.first?.contains("réimportez") == true)
        // The demonstration data does not stand in for the damaged list.
        #expect(!engine.catalog.includesDemo)
        let server = try await OwnServer.start(engine, label: "qpv.test.robustesse")
        defer { server.stop() }
        let port = server.port
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
        let server = try await OwnServer.start(engine, label: "qpv.test.robustesse")
        defer { server.stop() }
        let port = server.port
        // 40 connections that start a request and never finish its headers, and 10 that send nothing.
        var sockets: [Int32] = []
        defer { for s in sockets { close(s) } }
        for k in 0..<50 {
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let r = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
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

    // `qpv serve` stops on SIGTERM by the same graceful shutdown. Cancelling the server instead traps at once
    // with connections still in its accept buffer (checked: the same 200 connections and a `task.cancel()`
    // end the test process on signal 4 in `NIOAsyncWriter.InternalClass.deinit` in the first rounds).
    @Test("arrêt en douceur avec 200 connexions tout juste acceptées : chacune fermée, plus d'écoute, aucun plantage")
    func gracefulStopWithConnectionsJustAccepted() async throws {
        let tmp = try TemporaryDirectory()
        let engine = try ServerEngine.open(dataDirectory: DataDirectory(url: tmp.url), options: ServerOptions.forTests(batchThreads: 1))
        for _ in 0..<5 {
            let server = try await OwnServer.start(engine, label: "qpv.test.robustesse")
            let sockets = try Self.connections(200, port: server.port)
            defer { for s in sockets { close(s) } }
            server.stop()
            let (closed, seconds) = try await Self.offPool { () -> (Int, Double) in
                let started = Date()
                var open = Set(sockets)
                while !open.isEmpty && Date().timeIntervalSince(started) < 20 {
                    for s in open where Self.isClosed(s) { open.remove(s) }
                    if !open.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
                }
                return (sockets.count - open.count, Date().timeIntervalSince(started))
            }
            #expect(closed == 200, "\(closed) connexions fermées sur 200 en \(seconds) s après l'arrêt")
            #expect((try? TestHTTP.connectLoopback(server.port)).map { close($0) } == nil, "le port \(server.port) écoute encore")
        }
    }

    /// A server of its own on the demonstration data, its options set by `configure`.
    static func run(_ configure: (inout ServerOptions) -> Void) async throws -> (port: Int, server: OwnServer, data: TemporaryDirectory) {
        let tmp = try TemporaryDirectory()
        var options = ServerOptions(host: "127.0.0.1", port: 0, batchThreads: 1)
        configure(&options)
        let server = try await OwnServer.start(
            try ServerEngine.open(dataDirectory: DataDirectory(url: tmp.url), options: options), label: "qpv.test.robustesse")
        return (server.port, server, tmp)
    }

    /// Open TCP connections to the loopback `port` (non-blocking reads through `isClosed`).
    static func connections(_ count: Int, port: Int) throws -> [Int32] {
        try (0..<count).map { _ in try TestHTTP.connectLoopback(port) }
    }

    /// Whether the server closed `s` (end of stream or reset), without waiting.
    static func isClosed(_ s: Int32) -> Bool {
        var buf = [UInt8](repeating: 0, count: 512)
        while true {
            let n = recv(s, &buf, buf.count, Int32(MSG_DONTWAIT))
            if n > 0 { continue }  // a 408 or anything: read on to the end
            return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
        }
    }

    /// Runs `body` on a GCD thread (blocking socket calls stay off the cooperative pool the server uses).
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in DispatchQueue.global().async { c.resume(with: Result { try body() }) } }
    }

    // Finding 12: 200 connections that trickle their headers a byte a second (each byte would reset a
    // read timer) are closed by the header deadline, while normal requests are answered. Checked to fail
    // without the fix: with `headerTimeoutSeconds = nil` the 200 stay open past the bound (Hummingbird's
    // idle timeout, set to 60 s here, is the only other limit).
    @Test("slowloris : 200 connexions qui envoient un octet par seconde, fermées au délai des en-têtes (boucle locale, borné)")
    func tricklingConnectionsAreClosedAtTheHeaderDeadline() async throws {
        let (port, server, data) = try await Self.run {
            $0.idleTimeoutSeconds = 60
            $0.headerTimeoutSeconds = 2
        }
        defer { withExtendedLifetime(data) { server.stop() } }
        let sockets = try Self.connections(200, port: port)
        defer { for s in sockets { close(s) } }
        for s in sockets { _ = TestHTTP.sendAll(s, Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Lent: ".utf8)) }
        let started = Date()
        // One byte a second on every connection still open, for at most 10 s.
        let trickle = Task {
            try await Self.offPool { () -> (closed: Int, seconds: Double) in
                var open = Set(sockets)
                while !open.isEmpty && Date().timeIntervalSince(started) < 10 {
                    for s in open where Self.isClosed(s) || !TestHTTP.sendAll(s, [UInt8(ascii: "a")]) { open.remove(s) }
                    if !open.isEmpty { Thread.sleep(forTimeInterval: 1) }
                }
                return (sockets.count - open.count, Date().timeIntervalSince(started))
            }
        }
        // Meanwhile normal requests are answered.
        for _ in 0..<3 {
            #expect(try await TestHTTP.get(port, "/health").status == 200)
            try await Task.sleep(for: .milliseconds(500))
        }
        let (closed, seconds) = try await trickle.value
        #expect(closed == 200, "\(closed) connexions lentes fermées sur 200 en \(seconds) s")
        #expect(seconds < 6, "fermées en \(seconds) s pour un délai de 2 s")
        #expect(try await TestHTTP.get(port, "/locate?lon=-4.6181818&lat=46.2107914").status == 200)
    }

    // Finding 12: beyond `maxConnections`, a connection is closed at once; once places are free, requests
    // are served again. (Without the cap, the 21st connection stays open: recv times out, the test fails.)
    @Test("plafond de connexions : la connexion en trop est fermée aussitôt, le service reprend ensuite")
    func connectionsBeyondTheCapAreClosed() async throws {
        let (port, server, data) = try await Self.run {
            $0.maxConnections = 20
            $0.headerTimeoutSeconds = 30
        }
        defer { withExtendedLifetime(data) { server.stop() } }
        var silent = try Self.connections(20, port: port)
        defer { for s in silent { close(s) } }
        try await Task.sleep(for: .milliseconds(300))
        let extra = try await Self.offPool { () -> (closed: Bool, seconds: Double) in
            let s = try TestHTTP.connectLoopback(port)
            defer { close(s) }
            var tv = timeval(tv_sec: 3, tv_usec: 0)
            setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let t0 = Date()
            var buf = [UInt8](repeating: 0, count: 64)
            let n = recv(s, &buf, buf.count, 0)
            return (n == 0 || (n < 0 && errno == ECONNRESET), Date().timeIntervalSince(t0))
        }
        #expect(extra.closed && extra.seconds < 2, "connexion au-delà du plafond : fermée \(extra.closed), \(extra.seconds) s")
        for s in silent.prefix(5) { close(s) }
        silent.removeFirst(5)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await TestHTTP.get(port, "/health").status == 200)
    }

    // Finding 12: oversized requests (a JSON or multipart body over the limit, headers over 80 Kio) get
    // the JSON error body of every other 4xx: same keys, same headers, the status repeated in it.
    @Test("requêtes trop grosses : le même corps d'erreur JSON que toute autre erreur 4xx")
    func oversizedRequestsGetTheJSONErrorBody() async throws {
        let (port, server, data) = try await Self.run { $0.maxBodyBytes = 2048 }
        defer { withExtendedLifetime(data) { server.stop() } }
        func expectJSONError(_ a: TestHTTP.Answer, _ status: Int, _ code: String, _ what: String) throws {
            #expect(a.status == status, "\(what) : \(a.status) \(a.text)")
            #expect(a.mediaType == "application/json", "\(what)")
            #expect(a.headers["x-content-type-options"] == "nosniff", "\(what)")
            let json = try a.json()
            #expect(json["error"]?.stringValue == code, "\(what) : \(a.text)")
            #expect(json["status"]?.numberValue == Double(status), "\(what) : \(a.text)")
            #expect(json["message"]?.stringValue?.isEmpty == false, "\(what) : \(a.text)")
        }
        // Reference: an ordinary 4xx.
        try expectJSONError(try await TestHTTP.get(port, "/locate?lon=abc&lat=1"), 400, "invalid_coordinates", "coordonnées invalides")
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 4096)
        let asJSON = Array(#"{"adresse":""#.utf8) + big + Array(#""}"#.utf8)
        try expectJSONError(
            try await TestHTTP.send(port: port, method: "POST", target: "/search/csv", headers: [("Content-Type", "application/json")], body: asJSON),
            413, "body_too_large", "corps JSON trop gros")
        let boundary = "XyZ"
        let form =
            Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a.csv\"\r\n\r\nadresse\n".utf8) + big
            + Array("\r\n--\(boundary)--\r\n".utf8)
        try expectJSONError(
            try await TestHTTP.send(
                port: port, method: "POST", target: "/search/csv", headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")],
                body: form),
            413, "body_too_large", "envoi CSV trop gros")
        let chunked = Mutex(0)
        try expectJSONError(
            try await TestHTTP.send(
                port: port, method: "POST", target: "/search/csv?columns=adresse", headers: [("Content-Type", "text/csv")],
                stream: {
                    chunked.withLock { n in
                        n += 1; return n <= 4 ? Array(big.prefix(1024)) : nil
                    }
                }),
            413, "body_too_large", "envoi CSV par morceaux trop gros")
        let hugeHeader = String(repeating: "b", count: 100 * 1024)
        try expectJSONError(
            try await TestHTTP.send(port: port, target: "/health", headers: [("X-Enorme", hugeHeader)]), 431, "headers_too_large",
            "en-têtes trop gros")
        #expect(try await TestHTTP.get(port, "/health").status == 200)
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
