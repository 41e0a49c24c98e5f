// Geocoding accuracy per query kind on the real Nord-Pas-de-Calais extract with 1.13 M synthetic homonyms
// (../shared, read in place), against `truth/geocodage-npdc.csv`.

import Foundation
import QPVGeocoding
import QPVTabular
import QPVTestSupport
import Testing

/// The packs built once for the accuracy suite: the 860 real addresses of `adresses-npdc-extrait.csv` loaded
/// together with the 1.13 M synthetic homonyms of `adresses-npdc-distracteurs.csv.gz` (the reference the issue
/// names), and the same plus La Poste's postcode table (the municipality fallback, as installed in practice).
/// Reads ../shared in place.
enum NPDCReference {
    struct Built: @unchecked Sendable {
        let geocoder: Geocoder
        let directory: TemporaryDirectory
        let importSeconds: Double
    }

    static func build(withPostcodes: Bool) -> Result<Built, any Error> {
        Result {
            let dir = try TemporaryDirectory(prefix: "qpv-ban-npdc")
            let t0 = Date()
            let builder = AddressPackBuilder()
            try builder.addBAN(path: SharedData.file("geodata/adresses-npdc-extrait.csv").path)
            try builder.addBAN(path: SharedData.file("geodata/adresses-npdc-distracteurs.csv.gz").path)
            if withPostcodes { try builder.addPostcodes(path: SharedData.file("geodata/laposte-codes-postaux.csv").path) }
            let pack = dir.url.appendingPathComponent("ban.qpvaddr")
            try builder.write(to: pack)
            let seconds = Date().timeIntervalSince(t0)
            return Built(geocoder: try Geocoder(packPath: pack.path), directory: dir, importSeconds: seconds)
        }
    }

    static let banOnly = build(withPostcodes: false)
    static let withPostcodes = build(withPostcodes: true)
}

/// One line of `truth/geocodage-npdc.csv`.
struct TruthRow {
    var query: String
    var kind: String
    var expectedType: String
    var expectedID: String
    var expectedStreet: String
    var expectedINSEE: String
    var lon: Double
    var lat: Double

    static func load() throws -> [TruthRow] {
        let reader = try CSVReader(path: SharedData.file("truth/geocodage-npdc.csv").path)
        let c = try ["query", "kind", "expected_type", "expected_id", "expected_street", "expected_code_insee", "expected_lon", "expected_lat"]
            .map { try reader.requireColumn($0) }
        var rows: [TruthRow] = []
        while let r = try reader.next() {
            rows.append(
                TruthRow(
                    query: r[c[0]], kind: r[c[1]], expectedType: r[c[2]], expectedID: r[c[3]], expectedStreet: r[c[4]],
                    expectedINSEE: r[c[5]], lon: Double(r[c[6]]) ?? .nan, lat: Double(r[c[7]]) ?? .nan))
        }
        return rows
    }

    /// Whether `result` answers this query, by the issue's yardstick: the same BAN id or within 30 m for
    /// addresses; the right street (name and commune) when the number is absent; the right INSEE code for
    /// commune-only queries.
    func isRight(_ result: GeocodeResult?) -> Bool {
        guard let result else { return false }
        switch expectedType {
        case "housenumber":
            guard result.type == .housenumber else { return false }
            return result.id == expectedID || metres(result.lon, result.lat, lon, lat) <= 30
        case "street":
            return result.citycode == expectedINSEE && AddressNormalizer.tokens(result.street) == AddressNormalizer.tokens(expectedStreet)
        default:
            return result.citycode == expectedINSEE
        }
    }
}

func metres(_ lon1: Double, _ lat1: Double, _ lon2: Double, _ lat2: Double) -> Double {
    let r = 6_371_008.8
    let d = Double.pi / 180
    let dlat = (lat2 - lat1) * d
    let dlon = (lon2 - lon1) * d
    let a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * d) * cos(lat2 * d) * sin(dlon / 2) * sin(dlon / 2)
    return 2 * r * asin(min(1, sqrt(a)))
}

@Suite(.serialized, .enabled(if: SharedData.isAvailable, "../shared absent : test de précision ignoré"))
struct AccuracyTests {
    static let thresholds: [String: Double] = [
        "raw": 0.98, "poste": 0.98, "sans_cp": 0.98, "minuscules": 0.98, "abrev": 0.98,
        "faute": 0.90, "numero_absent": 0.95, "commune_seule": 0.99,
    ]

    @Test(arguments: [false, true])
    func accuracyPerKindOnTheNPDCTruthWithDistractors(withPostcodes: Bool) throws {
        let built = try (withPostcodes ? NPDCReference.withPostcodes : NPDCReference.banOnly).get()
        let geocoder = built.geocoder
        let rows = try TruthRow.load()
        #expect(rows.count > 3000)
        var total: [String: Int] = [:]
        var right: [String: Int] = [:]
        var failures: [String: [String]] = [:]
        let t0 = Date()
        for row in rows {
            let best = geocoder.geocode(row.query, options: GeocodeOptions(limit: 1)).first
            total[row.kind, default: 0] += 1
            if row.isRight(best) {
                right[row.kind, default: 0] += 1
            } else {
                let got = best.map { "\($0.type.rawValue) \($0.label) [\($0.citycode)] \(String(format: "%.3f", $0.score))" } ?? "rien"
                failures[row.kind, default: []].append(
                    "  « \(row.query) » → \(got) ; attendu \(row.expectedStreet) [\(row.expectedINSEE)] \(row.expectedID)")
            }
        }
        let seconds = Date().timeIntervalSince(t0)
        var table =
            "Précision du géocodage sur truth/geocodage-npdc.csv (référence : extrait réel + \(geocoder.addressCount - 860) adresses synthétiques"
        table += withPostcodes ? " + table La Poste)\n" : ", BAN seule)\n"
        table += "import : \(String(format: "%.1f", built.importSeconds)) s ; \(rows.count) requêtes en \(String(format: "%.2f", seconds)) s\n"
        table += "kind            requêtes  justes   taux    seuil\n"
        for kind in ["raw", "poste", "sans_cp", "minuscules", "abrev", "faute", "numero_absent", "commune_seule"] {
            let n = total[kind] ?? 0
            let ok = right[kind] ?? 0
            let rate = n > 0 ? Double(ok) / Double(n) : 0
            table +=
                kind.padding(toLength: 16, withPad: " ", startingAt: 0)
                + String(format: "%8d %7d  %6.2f %%  %3.0f %%\n", n, ok, rate * 100, (Self.thresholds[kind] ?? 0) * 100)
        }
        print(table)
        for (kind, list) in failures.sorted(by: { $0.key < $1.key }) {
            print("échecs \(kind) (\(list.count)) :")
            for line in list.prefix(12) { print(line) }
        }
        for (kind, threshold) in Self.thresholds {
            let n = total[kind] ?? 0
            #expect(n > 0, "aucune requête de type \(kind)")
            let rate = Double(right[kind] ?? 0) / Double(max(n, 1))
            #expect(rate >= threshold, "\(kind) : \(String(format: "%.2f", rate * 100)) % < \(threshold * 100) %")
        }
    }
}
