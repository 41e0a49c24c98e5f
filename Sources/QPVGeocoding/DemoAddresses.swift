// `Geocoder.demo()` / `installedOrDemo`: the fictional demonstration addresses (GeoData/demo/demo-adresses.csv)
// compiled once into a cache pack in the temporary folder, used when no BAN is installed.

import Foundation
import QPVCore
import QPVGeoData

extension Geocoder {
    /// The fictional addresses of the demonstration town (GeoData/demo/demo-adresses.csv, BAN format),
    /// compiled once into a cache file next to the system's temporary files.
    public static func demo() throws -> Geocoder {
        guard let csv = GeoDataBundle.url("demo/demo-adresses.csv") else {
            throw GeocodingError.noPackInstalled(directory: "GeoData/demo (jeu de démonstration absent du paquet logiciel)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: csv.path)
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        // The cache name carries the formats: qpv builds of other formats on the same machine keep their own.
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent(
            "qpv-demo-adresses-\(size)-f\(PackFile.formatVersion)n\(AddressNormalizer.version)-\(getuid()).qpvaddr")
        if FileManager.default.fileExists(atPath: cache.path), let g = try? Geocoder(packPath: cache.path) { return g }
        // Missing or unreadable (damaged): rebuilt, written atomically (OutputFile) so that concurrent
        // processes never read half a file.
        let builder = AddressPackBuilder()
        try builder.addBAN(path: csv.path)
        _ = try builder.write(to: cache, importDate: Date(timeIntervalSince1970: 0))
        return try Geocoder(packPath: cache.path)
    }

    /// The address pack installed in `dataDirectory`, or the demonstration addresses when none is installed
    /// (`isDemo` tells which: callers must say so to the user).
    public static func installedOrDemo(dataDirectory: DataDirectory) throws -> (geocoder: Geocoder, isDemo: Bool) {
        if FileManager.default.fileExists(atPath: packURL(in: dataDirectory).path) {
            return (try Geocoder(dataDirectory: dataDirectory), false)
        }
        return (try demo(), true)
    }
}
