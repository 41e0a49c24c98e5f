// `DataDirectory`: where installed data lives (`--data-dir`, else QPV_DATA_DIR, else XDG_DATA_HOME/qpv, else
// ~/.local/share/qpv) and its `perimeters/` and `addresses/` folders. What is inside is opened by QPVPerimeters
// (`PackStore`) and QPVGeocoding (`Geocoder`).

import Foundation

/// Where installed data lives (compiled perimeter packs, address packs).
///
/// Resolution order: an explicit `--data-dir`, then the `QPV_DATA_DIR` environment variable, then
/// `$XDG_DATA_HOME/qpv`, then `~/.local/share/qpv`.
public struct DataDirectory: Sendable, Equatable {
    public let url: URL

    public init(url: URL) { self.url = url }

    public static func resolve(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> DataDirectory {
        if let explicit, !explicit.isEmpty { return DataDirectory(url: URL(fileURLWithPath: explicit)) }
        if let env = environment["QPV_DATA_DIR"], !env.isEmpty { return DataDirectory(url: URL(fileURLWithPath: env)) }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return DataDirectory(url: URL(fileURLWithPath: xdg).appendingPathComponent("qpv"))
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return DataDirectory(url: URL(fileURLWithPath: home).appendingPathComponent(".local/share/qpv"))
    }

    /// `<data-dir>/perimeters`: compiled perimeter packs.
    public var perimetersURL: URL { url.appendingPathComponent("perimeters") }
    /// `<data-dir>/addresses`: compiled address (BAN) packs.
    public var addressesURL: URL { url.appendingPathComponent("addresses") }

    public func ensure(_ sub: URL) throws {
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
    }
}
