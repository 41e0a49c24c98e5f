// `StatsBatch` and `ClassifyBatch` on the real Béthune Filosofi carreaux (../shared, `SharedData`) against
// test perimeters drawn on grid lines, with sums computed by hand; helpers for EPSG:3035 test perimeters.

import Foundation
import QPVCarreaux
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

/// GeoJSON perimeters drawn in EPSG:3035 (rings of [easting, northing]).
func perimeters3035(_ features: [(code: String, rings: [[(Double, Double)]])]) -> String {
    let fs = features.map { f in
        let rings = f.rings.map { r in "[" + (r + [r[0]]).map { "[\($0.0),\($0.1)]" }.joined(separator: ",") + "]" }.joined(separator: ",")
        return
            "{\"type\":\"Feature\",\"properties\":{\"code_qp\":\"\(f.code)\",\"lib_qp\":\"Test \(f.code)\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[\(rings)]}}"
    }
    return
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::3035\"}},\"features\":[\(fs.joined(separator: ","))]}"
}

func grid(fromGeoJSON text: String, in dir: TemporaryDirectory, date: String = "2024-06-01") throws -> GridPerimeters {
    let path = try dir.write("perimetres.geojson", text)
    var options = ImportOptions()
    options.vintage = "2024"
    options.coverage = "national"  // a test fixture standing for a complete list (issue 12: a partial one answers not_covered)
    let catalog = try PerimeterCatalog.open(
        dataDirectory: DataDirectory(url: dir.url.appendingPathComponent("data")), perimetersFile: path, options: options)
    return try GridPerimeters(catalog: catalog, date: CivilDate(date)!)
}

/// Two test perimeters on the real Béthune carreaux, drawn on grid lines:
/// - QT00001: the 3 × 2 block E 3 798 400–3 799 000, N 3 073 600–3 074 000, plus the west half of the carreau
///   N3073600E3799000 (E 3 799 000–3 799 100, N 3 073 600–3 073 800);
/// - QT00002: exactly the (imputed) carreau N3073600E3798000;
/// - QT00003: N3074400E3799000 and N3074400E3799200, whose ind_snv is empty in the published file.
func bethunePerimeters(_ dir: TemporaryDirectory) throws -> GridPerimeters {
    try grid(
        fromGeoJSON: perimeters3035([
            (
                "QT00001",
                [
                    [
                        (3_798_400, 3_073_600), (3_799_100, 3_073_600), (3_799_100, 3_073_800), (3_799_000, 3_073_800), (3_799_000, 3_074_000),
                        (3_798_400, 3_074_000),
                    ]
                ]
            ),
            ("QT00002", [[(3_798_000, 3_073_600), (3_798_200, 3_073_600), (3_798_200, 3_073_800), (3_798_000, 3_073_800)]]),
            ("QT00003", [[(3_799_000, 3_074_400), (3_799_400, 3_074_400), (3_799_400, 3_074_600), (3_799_000, 3_074_600)]]),
        ]), in: dir)
}

@Suite(.enabled(if: SharedData.isAvailable)) struct BethuneStatsTests {
    @Test func sumsEqualTheHandComputedValues() throws {
        let dir = try TemporaryDirectory()
        let grid = try bethunePerimeters(dir)
        let reader = try CSVReader(path: try SharedData.file("geodata/filosofi-2021-200m-bethune.csv").path)
        var options = StatsOptions()
        options.workers = 2
        options.chunkSize = 7  // several chunks, out-of-order completion exercised
        let report = try StatsBatch(perimeters: grid, options: options).run(reader: reader)
        #expect(report.counts.rows == 86)
        #expect(report.counts.rejected == 0)
        #expect(report.carreauxUsed == 10)
        #expect(report.carreauxOutside == 76)
        #expect(report.columns.starts(with: ["ind", "men", "men_pauv", "men_1ind", "men_5ind", "men_prop", "men_fmp", "ind_snv"]))
        #expect(report.imputedColumn == "i_est_200")

        let a = try #require(report.perimeters.first { $0.perimeter.code == "QT00001" })
        let s = report.sums(a)
        // Six whole carreaux + half of N3073600E3799000 (ind 127, men 55, men_pauv 6, men_1ind 15, ind_snv 3 065 615.9).
        // Neighbours touching the perimeter along a grid line only have no area in it and are not counted.
        #expect(a.carreaux == 7)
        #expect(a.carreauxImputed == 0)
        #expect(abs(a.weight - 6.5) < 1e-9)
        // ind: 153.5 + 72 + 119 + 144 + 82.5 + 121.5 = 692.5, + 127 / 2
        #expect(abs(s["ind"]! - 756.0) < 1e-6)
        // men: 69 + 24 + 52 + 70 + 30 + 53 = 298, + 55 / 2
        #expect(abs(s["men"]! - 325.5) < 1e-6)
        // men_pauv: 6 + 3 + 6 + 18 + 5 + 11 = 49, + 6 / 2
        #expect(abs(s["men_pauv"]! - 52.0) < 1e-6)
        // men_1ind: 16 + 6 + 14 + 29 + 8 + 14 = 87, + 15 / 2
        #expect(abs(s["men_1ind"]! - 94.5) < 1e-6)
        // ind_snv: 3 635 912.7 + 1 570 010.9 + 2 491 898.6 + 2 889 146.4 + 1 879 887.7 + 2 390 713.6 = 14 857 569.9, + 3 065 615.9 / 2
        #expect(abs(s["ind_snv"]! - 16_390_377.85) < 1e-4)
        let indicators = Dictionary(uniqueKeysWithValues: report.indicators(a))
        #expect(abs(indicators["mean_standard_of_living"]! - 16_390_377.85 / 756.0) < 1e-6)
        #expect(abs(indicators["poor_household_share"]! - 52.0 / 325.5) < 1e-12)
        #expect(abs(indicators["single_person_household_share"]! - 94.5 / 325.5) < 1e-12)
        #expect(abs(a.perimeter.area - 260_000) < 1e-6)

        let b = try #require(report.perimeters.first { $0.perimeter.code == "QT00002" })
        #expect(b.carreaux == 1)
        #expect(b.carreauxImputed == 1)
        #expect(abs(report.sums(b)["ind"]! - 24) < 1e-9)
        #expect(abs(report.sums(b)["ind_snv"]! - 592_804.2) < 1e-6)

        // An empty ind_snv is a missing value, not an error: the carreau counts, the ratio uses complete
        // carreaux only. ind: 116.5 + 2; ind_snv: 2 593 950.4 (+ empty); mean standard of living 2 593 950.4 / 116.5.
        let c = try #require(report.perimeters.first { $0.perimeter.code == "QT00003" })
        #expect(c.carreaux == 2)
        #expect(abs(report.sums(c)["ind"]! - 118.5) < 1e-9)
        #expect(abs(report.sums(c)["ind_snv"]! - 2_593_950.4) < 1e-6)
        #expect(c.missing[report.columns.firstIndex(of: "ind_snv")!] == 1)
        let ci = Dictionary(uniqueKeysWithValues: report.indicators(c))
        #expect(abs(ci["mean_standard_of_living"]! - 2_593_950.4 / 116.5) < 1e-9)
        #expect(abs(ci["population"]! - 118.5) < 1e-9)

        // The JSON and CSV outputs carry the same figures and the uniform-density caveat.
        let json = try JSONParser.parse(report.json())
        #expect(json["method"]?.stringValue?.contains("uniformément") == true)
        let perims = try #require(json["perimeters"]?.arrayValue)
        #expect(perims.count == 3)
        #expect(perims[2]["missing_values"]?["ind_snv"]?.numberValue == 1)
        #expect(perims[0]["sums"]?["ind"]?.numberValue == 756)
        #expect(report.csvHeader.contains("mean_standard_of_living"))
        #expect(report.csvRow(a).last == CarreauxMethod.statsNote)
        #expect(report.csvRow(c).dropLast().last == "ind_snv:1")
    }

    /// Classify on the same file: the half carreau gets 0.5, whole ones 1, grid-line neighbours nothing.
    @Test func classifiesTheBethuneCarreaux() throws {
        let dir = try TemporaryDirectory()
        let grid = try bethunePerimeters(dir)
        let reader = try CSVReader(path: try SharedData.file("geodata/filosofi-2021-200m-bethune.csv").path)
        let writer = try CSVWriter(path: dir.path("long.csv"), dialect: reader.dialect)
        let summary = try ClassifyBatch(perimeters: grid, options: ClassifyOptions()).run(reader: reader, writer: writer)
        #expect(summary.counts.rows == 86)
        #expect(summary.inQPV == 10)
        let lines = try dir.read("long.csv").split(whereSeparator: \.isNewline).map(String.init)
        #expect(lines[0] == "idcar_200m,code_qp,share,kind,error")
        #expect(lines.count == 1 + 86)
        #expect(lines.contains("CRS3035RES200mN3073600E3799000,QT00001,0.5,qpv,"))
        #expect(lines.contains("CRS3035RES200mN3073600E3798400,QT00001,1,qpv,"))
        #expect(lines.contains("CRS3035RES200mN3073600E3798200,,0,,"))
    }
}
