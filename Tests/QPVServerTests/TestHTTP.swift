// Server test support: `TestHTTP`, a minimal HTTP/1.1 client over a raw socket (bytes sent exactly as typed),
// captured logs, the one in-process server on demonstration data shared by the server suites, and `OwnServer`
// (a server of a test's own, stopped gracefully).

import Foundation
import Logging
import QPVCore
import QPVServer
import ServiceLifecycle
import Synchronization

/// A minimal HTTP/1.1 client over a raw loopback socket: sends exactly the bytes asked (a path with `..`
/// stays as typed, a 100 MB body is streamed from a second thread while the answer is read), decodes
/// chunked answers. One request per connection.
enum TestHTTP {
    /// A multipart/form-data body as api-adresse's /search/csv takes it: the text `fields`, then the CSV `data` as
    /// the file field `data` named `filename`, between `boundary` lines.
    static func multipartForm(boundary: String, fields: [(String, String)], filename: String, data: String) -> [UInt8] {
        var f = ""
        for (k, v) in fields { f += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n" }
        f +=
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"data\"; filename=\"\(filename)\"\r\nContent-Type: text/csv\r\n\r\n\(data)\r\n--\(boundary)--\r\n"
        return Array(f.utf8)
    }

    struct Answer: Sendable {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var mediaType: String {
            (headers["content-type"] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        }
        func json() throws -> JSONValue { try JSONParser.parse(body) }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// Body producer: called repeatedly on the writer thread; returns nil at the end.
    typealias BodyStream = @Sendable () -> [UInt8]?

    static func request(
        port: Int, method: String = "GET", target: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        stream: BodyStream? = nil, streamLength: Int? = nil
    ) throws -> Answer {
        let fd = try connectLoopback(port)
        defer { close(fd) }
        var tv = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))

        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body {
            head += "Content-Length: \(body.count)\r\n"
        } else if stream != nil {
            head += streamLength.map { "Content-Length: \($0)\r\n" } ?? "Transfer-Encoding: chunked\r\n"
        }
        head += "\r\n"
        _ = sendAll(fd, Array(head.utf8))
        let writer: Thread?
        let done = DispatchSemaphore(value: 0)
        if let body {
            _ = sendAll(fd, body)
            writer = nil
        } else if let stream {
            let chunked = streamLength == nil
            writer = Thread {
                defer { done.signal() }
                while let piece = stream() {
                    var bytes = piece
                    if chunked { bytes = Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8) }
                    if !sendAll(fd, bytes) { return }  // the server stopped reading: fine, read its answer
                }
                if chunked { _ = sendAll(fd, Array("0\r\n\r\n".utf8)) }
            }
            writer!.start()
        } else {
            writer = nil
        }
        // Read the answer (head, then body by Content-Length, chunks, or until close).
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var ending = ""
        func fill() -> Bool {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 {
                ending = n == 0 ? "connexion fermée par le serveur" : "pas de réponse en 60 s (errno \(errno))"
                return false
            }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        var headerEnd: Int?
        while headerEnd == nil {
            if let r = find(Array("\r\n\r\n".utf8), in: buffer) { headerEnd = r; break }
            guard fill() else { throw Failure("réponse sans en-tête complet (\(buffer.count) octets, \(ending))") }
        }
        let headText = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure("ligne de statut illisible : \(headText.prefix(80))") }
        var hs: [String: String] = [:]
        for l in lines {
            guard let c = l.firstIndex(of: ":") else { continue }
            hs[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)
        }
        var rest = Array(buffer[(headerEnd! + 4)...])
        buffer = rest
        var out: [UInt8] = []
        if method == "HEAD" {
            // No body follows a HEAD answer, whatever its Content-Length says.
        } else if let len = hs["content-length"].flatMap(Int.init) {
            while buffer.count < len { guard fill() else { break } }
            out = Array(buffer.prefix(len))
        } else if hs["transfer-encoding"]?.lowercased() == "chunked" {
            var pos = 0
            while true {
                var lineEnd = find(Array("\r\n".utf8), in: buffer, from: pos)
                while lineEnd == nil {
                    guard fill() else { throw Failure("réponse découpée tronquée") }; lineEnd = find(Array("\r\n".utf8), in: buffer, from: pos)
                }
                let sizeText = String(decoding: buffer[pos..<lineEnd!], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { throw Failure("taille de morceau illisible") }
                pos = lineEnd! + 2
                if size == 0 { break }
                while buffer.count < pos + size + 2 { guard fill() else { throw Failure("morceau tronqué") } }
                out.append(contentsOf: buffer[pos..<(pos + size)])
                pos += size + 2
            }
        } else {
            while fill() {}
            out = buffer
        }
        rest = []
        shutdown(fd, Int32(SHUT_RDWR))
        if writer != nil { done.wait() }
        return Answer(status: status, headers: hs, body: out)
    }

    /// A TCP connection to 127.0.0.1:`port`.
    static func connectLoopback(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else {
            close(fd)
            throw Failure("connexion refusée sur le port \(port)")
        }
        return fd
    }

    /// Sends a request and closes the connection at once, without reading the answer (a client that leaves).
    static func abandon(port: Int, method: String, target: String, body: [UInt8]) throws {
        let fd = try connectLoopback(port)
        defer { close(fd) }
        sendAll(fd, Array("\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
    }

    @discardableResult
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int = 0) -> Int? {
        guard hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        var i = from
        while i <= hay.count - needle.count {
            if hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// `request` on a GCD thread: blocking socket calls never occupy the cooperative pool the in-process
    /// server's handlers run on.
    static func send(
        port: Int, method: String = "GET", target: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        stream: BodyStream? = nil, streamLength: Int? = nil
    ) async throws -> Answer {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Answer, any Error>) in
            DispatchQueue.global().async {
                c.resume(
                    with: Result {
                        try request(
                            port: port, method: method, target: target, headers: headers, body: body, stream: stream, streamLength: streamLength)
                    })
            }
        }
    }

    static func get(_ port: Int, _ target: String) async throws -> Answer { try await send(port: port, target: target) }
}

/// Log lines captured from the in-process server (to check that no personal data is logged).
final class CapturedLogs: Sendable {
    let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let sink: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let line = "\(event.level) \(event.message) " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.lines.withLock { $0.append(line) }
    }
}

extension ServerOptions {
    /// Options of a test server (loopback, free port) whose subject is not the header deadline: two minutes instead
    /// of 10 s, so that an event loop starved by a loaded machine (the sanitizer runs, two shared cores) does not
    /// close a connection before it has read the request sent at once (three server tests failed so under ASan).
    static func forTests(maxBodyBytes: Int = 20 << 20, maxRows: Int = 100_000, batchThreads: Int) -> ServerOptions {
        var options = ServerOptions(host: "127.0.0.1", port: 0, maxBodyBytes: maxBodyBytes, maxRows: maxRows, batchThreads: batchThreads)
        options.headerTimeoutSeconds = 120
        return options
    }
}

/// One real server for the whole test run, started in this process on a free loopback port, answering from
/// the demonstration data (an empty data directory), with small limits so that they can be reached.
actor TestServer {
    static let shared = TestServer()
    static let logs = CapturedLogs()
    static let maxBodyBytes = 2 << 20
    static let maxRows = 2_000

    private var started: (port: Int, engine: ServerEngine)?

    func start() async throws -> (port: Int, engine: ServerEngine) {
        if let started { return started }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("qpv-server-tests-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let options = ServerOptions.forTests(maxBodyBytes: Self.maxBodyBytes, maxRows: Self.maxRows, batchThreads: 2)
        let engine = try ServerEngine.open(dataDirectory: DataDirectory(url: empty), options: options)
        let logger = Logger(label: "qpv.test") { _ in CapturingLogHandler(sink: TestServer.logs) }
        // Never stopped: it serves until the test process exits.
        let server = try await OwnServer.start(engine, logger: logger)
        started = (server.port, engine)
        return (server.port, engine)
    }
}

/// A server of a test's own (loopback, free port), run in a `ServiceGroup` and stopped by its graceful shutdown,
/// never by cancelling its task: a cancelled Hummingbird accept loop leaves the connections already accepted in
/// its buffer, and their `NIOAsyncWriter`s trap when deinitialised ("Deinited NIOAsyncWriter without calling
/// finish()", apple/swift-nio#3481). The CI run of stop 29 died so (signal 4) while the suites ran in parallel.
/// A graceful shutdown closes the listening socket, then serves every accepted connection to its end.
final class OwnServer: Sendable {
    let port: Int
    private let group: ServiceGroup

    private init(port: Int, group: ServiceGroup) {
        self.port = port
        self.group = group
    }

    static func start(_ engine: ServerEngine, label: String) async throws -> OwnServer {
        try await start(engine, logger: Logger(label: label))
    }

    static func start(_ engine: ServerEngine, logger: Logger) async throws -> OwnServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = QPVHTTPServer.application(engine: engine, logger: logger) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        Task.detached { try await group.run() }
        for await port in ports { return OwnServer(port: port, group: group) }
        await group.triggerGracefulShutdown()
        throw TestHTTP.Failure("le serveur n'a pas démarré")
    }

    /// Asks for the graceful shutdown and returns at once (usable in a `defer`): the server stops once the
    /// connections it accepted are done.
    func stop() {
        let group = group
        Task.detached { await group.triggerGracefulShutdown() }
    }
}
