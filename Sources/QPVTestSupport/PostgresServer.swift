// `PostgresServer`: a throwaway PostgreSQL + PostGIS cluster (initdb in a temporary folder, loopback port) for
// the export tests and benchmarks; skipped where not installed, required in CI.

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server for tests and benchmarks: a new cluster (`initdb`) in a temporary folder,
/// listening on 127.0.0.1 only, on a free port, stopped and deleted by `stop()` (or deinit).
///
/// PostgreSQL refuses to run as root: when the tests run as root (CI), the cluster belongs to the
/// `postgres` system user (created by Debian's packages) or `QPV_PG_USER`, and commands go through
/// `runuser`. Binaries: `QPV_PG_BINDIR`, else the newest `/usr/lib/postgresql/N/bin`, else `PATH`.
public final class PostgresServer: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public let bin: URL
    public let folder: URL
    public let port: Int
    public let database: String
    private let runAs: String?
    private var running = false

    /// The folder holding `initdb`, `pg_ctl`, `psql`, or nil.
    public static func binDirectory() -> URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["QPV_PG_BINDIR"], !env.isEmpty { return URL(fileURLWithPath: env) }
        let versions = ((try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted(by: >)
        for v in versions {
            let dir = URL(fileURLWithPath: "/usr/lib/postgresql/\(v)/bin")
            if fm.isExecutableFile(atPath: dir.appendingPathComponent("initdb").path) { return dir }
        }
        for p in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let dir = URL(fileURLWithPath: String(p))
            if fm.isExecutableFile(atPath: dir.appendingPathComponent("initdb").path) { return dir }
        }
        return nil
    }

    /// Why no server can be started here (nil when PostgreSQL and PostGIS are installed).
    public static var unavailableReason: String? {
        guard let bin = binDirectory() else {
            return "PostgreSQL introuvable (initdb absent ; apt-get install postgresql-15 postgresql-15-postgis-3)"
        }
        guard let config = try? CLIRunner.run(executable: bin.appendingPathComponent("pg_config"), ["--sharedir"]), config.status == 0 else {
            return "pg_config introuvable dans \(bin.path)"
        }
        let control = config.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/extension/postgis.control"
        guard FileManager.default.fileExists(atPath: control) else { return "PostGIS absent (\(control) ; apt-get install postgresql-15-postgis-3)" }
        return nil
    }

    /// Whether tests needing PostgreSQL run: when it is installed, and always in CI (where its absence fails).
    public static var shouldRun: Bool { SharedData.isCI || unavailableReason == nil }

    /// Starts a server and creates `database` with PostGIS.
    public init(database: String = "qpv_test", prefix: String = "qpv-pg") throws {
        if let reason = PostgresServer.unavailableReason { throw Failure("serveur PostgreSQL de test impossible : \(reason)") }
        bin = PostgresServer.binDirectory()!
        self.database = database
        runAs = geteuid() == 0 ? PostgresServer.serviceUser() : nil
        if geteuid() == 0 && runAs == nil {
            throw Failure("exécuté en root sans utilisateur « postgres » (ni QPV_PG_USER) pour faire tourner PostgreSQL")
        }
        var template = Array((FileManager.default.temporaryDirectory.path + "/\(prefix)-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Failure("mkdtemp : \(String(cString: strerror(errno)))")
        }
        folder = URL(fileURLWithPath: String(cString: made))
        if let runAs, let pw = getpwnam(runAs) {
            chown(folder.path, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        port = try PostgresServer.freePort()
        do {
            try command("initdb", ["-D", dataPath, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
            let options = [
                "-c listen_addresses=127.0.0.1", "-p \(port)", "-c unix_socket_directories=\(folder.path)", "-c fsync=off",
                "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_parallel_workers_per_gather=2",
            ].joined(separator: " ")
            try command(
                "pg_ctl", ["-D", dataPath, "-l", folder.appendingPathComponent("server.log").path, "-o", options, "-w", "-t", "120", "start"])
            running = true
            _ = try psql(["-d", "postgres", "-c", "CREATE DATABASE \(database)"])
            _ = try psql(["-c", "CREATE EXTENSION postgis"])
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    private var dataPath: String { folder.appendingPathComponent("data").path }

    /// The system user PostgreSQL runs as when we are root.
    static func serviceUser() -> String? {
        if let u = ProcessInfo.processInfo.environment["QPV_PG_USER"], !u.isEmpty { return u }
        return getpwnam("postgres") != nil ? "postgres" : nil
    }

    /// A TCP port free on 127.0.0.1 at this instant.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket : \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw Failure("aucun port libre sur 127.0.0.1 : \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Runs a PostgreSQL server program (as the service user when root), its output appended to
    /// `commands.log`. Spawned with posix_spawn and reaped with waitpid, every other descriptor closed:
    /// the server that `pg_ctl start` leaves running must inherit nothing a caller waits on (Foundation's
    /// `Process` waits for such descriptors and would hang).
    private func command(_ program: String, _ args: [String]) throws {
        let exe = bin.appendingPathComponent(program).path
        // sh changes to the cluster's folder (the caller's may be unreadable by the service user), then execs.
        let command = runAs.map { ["/usr/sbin/runuser", "-u", $0, "--", exe] + args } ?? [exe] + args
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", folder.path] + command
        let logPath = folder.appendingPathComponent("commands.log").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        PostgresServer.closeOnExec()
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ)
        guard spawned == 0 else { throw Failure("\(program) : lancement impossible (\(String(cString: strerror(spawned))))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7F) == 0
        let code = (status >> 8) & 0xFF
        guard exited && code == 0 else {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            let server = (try? String(contentsOf: folder.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            throw Failure("\(program) a échoué (statut \(status)) :\n\(text.suffix(2000))\n\(server.suffix(2000))")
        }
    }

    /// Marks every descriptor above 2 close-on-exec, so that no child (and no server it leaves behind)
    /// inherits one. Descriptors that Foundation hands to its children are dup2'ed, which clears the flag.
    static func closeOnExec() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            guard let fd = Int32(name), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// Environment for client programs (psql): this server, superuser `postgres`, no user files.
    public var clientEnvironment: [String: String] {
        [
            "PGHOST": "127.0.0.1", "PGPORT": String(port), "PGUSER": "postgres", "PGDATABASE": database, "PSQLRC": "/dev/null",
            "PGCONNECT_TIMEOUT": "10",
        ]
    }

    /// Runs psql with `args` (unaligned, tab-separated, tuples only, stop on error); throws with psql's
    /// message when it fails.
    public func psql(_ args: [String], stdin: String? = nil) throws -> String {
        let r = try psqlResult(args, stdin: stdin)
        guard r.status == 0 else { throw Failure("psql a échoué (\(r.status)) : \(r.stderr)") }
        return r.stdout
    }

    /// Runs psql and returns its status and outputs, failing or not.
    public func psqlResult(_ args: [String], stdin: String? = nil) throws -> CLIRunner.Result {
        try CLIRunner.run(
            executable: bin.appendingPathComponent("psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t", "-F", "\t"] + args,
            environment: clientEnvironment, stdin: stdin)
    }

    /// Rows of a query, fields split on tabs (NULL is the empty string).
    public func query(_ sql: String) throws -> [[String]] {
        try psql(["-c", sql]).split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// Stops the server and deletes its folder.
    public func stop() {
        if running {
            running = false
            try? command("pg_ctl", ["-D", dataPath, "-m", "fast", "-w", "stop"])
        }
        try? FileManager.default.removeItem(at: folder)
    }
}
