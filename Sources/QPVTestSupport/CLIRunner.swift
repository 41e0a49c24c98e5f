// `CLIRunner`: runs the real `qpv` binary built beside the tests and captures its status and outputs — how
// every CLI test checks what a user sees.

import Foundation

/// Runs the `qpv` executable built alongside the tests (same build folder and configuration) and captures
/// what it prints: CLI tests exercise the real binary, its exit status and its messages.
public enum CLIRunner {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The built `qpv` binary next to the test bundle.
    public static var binary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // `swift test` runs <build>/<config>/qpvPackageTests.xctest; walk up until a `qpv` file appears.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("qpv")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue { return candidate }
            dir.deleteLastPathComponent()
        }
        return SharedData.packageRoot.appendingPathComponent(".build/debug/qpv")
    }

    /// Runs `qpv args…` with an isolated data directory unless `environment` sets `QPV_DATA_DIR`.
    @discardableResult
    public static func run(_ args: [String], environment: [String: String] = [:], stdin: String? = nil, cwd: URL? = nil) throws -> Result {
        try run(executable: binary, args, environment: environment, stdin: stdin, cwd: cwd)
    }

    /// Runs any program (psql, pg_ctl…) the same way: arguments, extra environment, standard input, both
    /// outputs captured.
    @discardableResult
    public static func run(executable: URL, _ args: [String], environment: [String: String] = [:], stdin: String? = nil, cwd: URL? = nil) throws
        -> Result
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let cwd { process.currentDirectoryURL = cwd }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
