// `IsolatedProbe`: runs one test alone in a child process for measurements other tests would disturb
// (resident memory of the leak probes).

import Foundation

/// Runs one test of this test bundle alone in a child process, for measurements that other tests running in
/// parallel would disturb (resident memory). The child sees `QPV_ISOLATED_PROBE=1`; a probe test runs only
/// then (trait `.enabled(if: IsolatedProbe.isChild)`) and prints `PROBE name=value` lines.
public enum IsolatedProbe {
    public static var isChild: Bool { ProcessInfo.processInfo.environment["QPV_ISOLATED_PROBE"] == "1" }

    /// Runs the test named `filter` in a child process; returns the `PROBE` values it printed.
    public static func run(filter: String) throws -> [String: Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--testing-library", "swift-testing", "--filter", filter]
        var env = ProcessInfo.processInfo.environment
        env["QPV_ISOLATED_PROBE"] = "1"
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var values: [String: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let r = line.range(of: "PROBE ") else { continue }
            let kv = line[r.upperBound...].split(separator: "=")
            if kv.count == 2, let v = Double(kv[1].trimmingCharacters(in: .whitespaces)) { values[String(kv[0])] = v }
        }
        return values
    }

    /// Current resident set size of this process in KiB (Linux /proc).
    public static func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}
