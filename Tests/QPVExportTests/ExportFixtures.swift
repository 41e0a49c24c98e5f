// Shared fixtures of the export tests: the real Occitanie 2015 list installed through the real CLI (and its
// Lambert-93 copy), the CLI's locate answers to compare with SQL, odd points, a `qpv` runner that throws.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular
import QPVTestSupport

/// Data directories and exports built through the real CLI, shared by the export tests.
enum ExportFixtures {
    static func occitanie() throws -> String { try SharedData.file("geodata/qpv-2015-occitanie.geojson").path }

    /// Runs `qpv args…`; throws with its error output when it fails.
    @discardableResult
    static func qpv(_ args: [String]) throws -> CLIRunner.Result {
        let r = try CLIRunner.run(args)
        guard r.status == 0 else { throw PostgresServer.Failure("qpv \(args.joined(separator: " ")) : code \(r.status)\n\(r.stderr)") }
        return r
    }

    /// A data directory with the real 2015 Occitanie list installed.
    static func occitanieDataDirectory(in tmp: TemporaryDirectory) throws -> String {
        let dir = tmp.path("data")
        try qpv(["data", "import", try occitanie(), "--data-dir", dir])
        return dir
    }

    /// The Occitanie file reprojected to Lambert-93 (a GeoJSON with a `crs` member, like the ANCT's LB93
    /// files), written in `tmp`: packs made from it decide containment in EPSG:2154.
    static func occitanieLambert93(in tmp: TemporaryDirectory) throws -> String {
        let source = try PerimeterFileReader.read(path: try occitanie(), context: try GeosContext())
        let toL93 = try CoordinateTransformer(from: .wgs84, to: .lambert93, context: try ProjContext())
        var features: [String] = []
        for f in source.features {
            let polygons = try f.polygons.map { polygon in
                try polygon.map { ring -> [Coordinate] in
                    var xs = ring.map(\.x)
                    var ys = ring.map(\.y)
                    try toL93.transform(x: &xs, y: &ys)
                    return zip(xs, ys).map { Coordinate(x: $0, y: $1) }
                }
            }
            let props = ["code_qp", "nom_qp"].compactMap { k in f.properties[k].map { jsonQuoted(k) + ":" + jsonQuoted($0) } }
            features.append(
                "{\"type\":\"Feature\",\"properties\":{\(props.joined(separator: ","))},\"geometry\":\(GeoJSONGeometry.text(polygons: polygons, decimals: nil))}"
            )
        }
        let text =
            "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::2154\"}},\"features\":[\n"
            + features.joined(separator: ",\n") + "\n]}\n"
        return try tmp.write("qpv-2015-occitanie-lb93.geojson", text)
    }

    /// CSV output of `qpv locate --input`, as rows keyed by `id`.
    static func cliLocate(input: String, date: String, dataDir: String, extra: [String] = []) throws -> [String: [String: String]] {
        let out = input + ".\(date).out.csv"
        try qpv(["locate", "--input", input, "--output", out, "--date", date, "--data-dir", dataDir] + extra)
        let reader = try CSVReader(path: out)
        var rows: [String: [String: String]] = [:]
        while let r = try reader.next() {
            var row: [String: String] = [:]
            for (k, name) in reader.header.enumerated() { row[name] = r[k] }
            rows[row["id"] ?? ""] = row
        }
        return rows
    }

    /// psql's tab-separated output as rows of named fields (NULL is the empty string).
    static func rows(tsv text: String, header: [String]) throws -> [[String: String]] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var row: [String: String] = [:]
            for (k, name) in header.enumerated() { row[name] = k < fields.count ? fields[k] : "" }
            return row
        }
    }

    /// Points that exercise every status and the CLI's coordinate parsing, as text (id,lon,lat).
    static let oddPoints: [(String, String, String)] = [
        ("odd_comma", "1,4447", "43,6045"), ("odd_spaces", " 1.44 ", " 43.60 "), ("odd_abc", "abc", "43.6"), ("odd_empty", "", "43.6"),
        ("odd_both_bad", "x", "y"), ("odd_lon_range", "200", "43.6"), ("odd_lat_range", "1.4", "95"), ("odd_swapped", "43.6045", "1.4447"),
        ("odd_sea", "-30", "40"), ("odd_reunion", "55.45", "-20.88"), ("odd_guyane", "-52.33", "4.93"), ("odd_paris", "2.35", "48.85"),
        ("odd_exp", "1.4447e0", "4.36045e1"), ("odd_nan", "nan", "43.6"), ("odd_inf", "inf", "43.6"), ("odd_edge_box", "-5.5", "41.0"),
    ]

    static func writeOddPoints(to tmp: TemporaryDirectory) throws -> String {
        var text = "id,lon,lat\n"
        for (id, lon, lat) in oddPoints { text += "\(id),\"\(lon)\",\"\(lat)\"\n" }
        return try tmp.write("odd.csv", text)
    }
}
