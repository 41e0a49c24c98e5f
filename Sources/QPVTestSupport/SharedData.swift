// QPVTestSupport — helpers for the test targets only: locating the real reference data in ../shared,
// temporary directories that clean up after themselves, running the built `qpv` binary (`CLIRunner`), a
// throwaway PostgreSQL server and isolated probes. This file: `SharedData` and `TemporaryDirectory`.

import Foundation

/// The workplace's read-only reference data (`../shared` beside the repository): real open data and the
/// GEOS/PROJ reference answers. Tests read it in place; nothing from it is ever copied into the repository.
///
/// Tests that need it use the `SharedData.available` trait: they run whenever the folder exists, and always
/// in CI (`CI` set in the environment) so that a missing file fails loudly instead of being skipped.
public enum SharedData {
    /// The package root (the folder holding Package.swift), found from this source file's path.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// The fictional programme of the rule-format tests (`Tests/QPVEligibilityTests/rules/aide-fictive-quartville.json`).
    public static var fictionalProgramme: URL {
        packageRoot.appendingPathComponent("Tests/QPVEligibilityTests/rules/aide-fictive-quartville.json")
    }

    /// `QPV_SHARED_DIR` if set, else `<package root>/../shared`.
    public static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["QPV_SHARED_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    public static var isCI: Bool {
        let v = ProcessInfo.processInfo.environment["CI"] ?? ""
        return !v.isEmpty && v != "0" && v.lowercased() != "false"
    }

    /// True when the shared folder exists, or in CI (where its absence must fail the tests).
    public static var isAvailable: Bool {
        isCI || FileManager.default.fileExists(atPath: root.path)
    }

    public struct Missing: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "donnée de référence introuvable : \(path) (attendue dans ../shared)" }
    }

    /// The URL of a shared file, e.g. `file("geodata/qpv-2015-occitanie.geojson")`; throws when missing.
    public static func file(_ relative: String) throws -> URL {
        let url = root.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: url.path) }
        return url
    }

    /// Path of a file the project itself ships in `GeoData/`.
    public static func geoData(_ relative: String) -> URL {
        packageRoot.appendingPathComponent("GeoData").appendingPathComponent(relative)
    }
}

/// A fresh directory under the system temporary directory, removed on deinit.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init(prefix: String = "qpv-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `text` (UTF-8) or raw bytes to `name` and returns the path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let p = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> String {
        let p = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    public func read(_ name: String) throws -> String {
        try String(contentsOfFile: path(name), encoding: .utf8)
    }

    /// Compresses the file at `path` with the system's gzip (an independent writer), keeping it, and returns the
    /// `.gz` path.
    @discardableResult
    public func gzip(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        p.arguments = ["-k", "-f", path]
        try p.run()
        p.waitUntilExit()
        return path + ".gz"
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
