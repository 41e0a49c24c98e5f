import Foundation
import Testing
import QPVCore
import QPVPerimeters
import QPVTestSupport

@Suite struct ExplorerTests {
    let catalog: PerimeterCatalog
    init() throws {
        let tmp = try TemporaryDirectory()
        catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url))  // demo pack
    }

    @Test func listFiltersByDateCommuneAndKind() {
        let e = PerimeterExplorer(catalog: catalog)
        let in2023 = e.list(on: CivilDate("2023-06-01")!).map(\.code)
        #expect(in2023 == ["QX000101", "QX000102", "QX000103"])
        let in2024 = e.list(on: CivilDate("2024-06-01")!, kind: .qpv).map(\.code)
        #expect(in2024 == ["QX000201", "QX000202", "QX000204"])
        #expect(e.list(on: CivilDate("2023-06-01")!, commune: "00102").map(\.code) == ["QX000103"])
        #expect(e.list(on: nil, kind: .qic).count == 2)
        #expect(e.list(on: nil, epci: "000000019").count == catalog.perimeters.count)
    }

    @Test func diffFindsNewRemovedAndChanged() throws {
        let diffs = try PerimeterExplorer(catalog: catalog).diff(from: "2015", to: "2024", locator: try Locator(catalog: catalog))
        let q = try #require(diffs.first { $0.commune == "00101" })
        #expect(q.new.map(\.code) == ["QX000204"])
        #expect(q.removed.map(\.code) == ["QX000103"])
        #expect(q.unchanged == ["QX000202"])
        let tilleuls = try #require(q.changed.first)
        #expect(tilleuls.from_codes == ["QX000101"] && tilleuls.to_code == "QX000201")
        // The 2024 Tilleuls grew east by a 0.5 km × 0.8–1.1 km strip and lost nothing but projection slivers
        // (an old corner lying on a new edge in lon/lat is a few centimetres off it in Lambert-93).
        #expect(tilleuls.area_gained_m2 > 400_000 && tilleuls.area_gained_m2 < 550_000)
        #expect(tilleuls.area_lost_m2 < 100)
        #expect(abs(tilleuls.area_to_m2 - tilleuls.area_from_m2 - (tilleuls.area_gained_m2 - tilleuls.area_lost_m2)) < 1)
    }

    @Test func showExportsGeoJSONAndExplainsMissingCodes() throws {
        let env = ["QPV_DATA_DIR": try TemporaryDirectory().url.path]
        let geo = try CLIRunner.run(["perimeters", "show", "QX000102", "--format", "geojson"], environment: env)
        #expect(geo.status == 0)
        let fc = try JSONParser.parse(geo.stdout)
        let feature = try #require(fc["features"]?.arrayValue?.first)
        #expect(feature["geometry"]?["type"]?.stringValue == "MultiPolygon")  // one geometry type per layer (RFC 7946)
        #expect(feature["geometry"]?["coordinates"]?.arrayValue?.first?.arrayValue?.count == 2)  // the park is a hole
        #expect(feature["properties"]?["code"]?.stringValue == "QX000102")
        let missing = try CLIRunner.run(["perimeters", "show", "QN06208M"], environment: env)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("Géométrie non installée"))
        #expect(missing.stderr.contains("2023-1314"))
        // The Béthune-Bruay registry knows it: name and communes, without geometry.
        #expect(missing.stdout.contains("Mont Liébaut") && missing.stdout.contains("Béthune") && missing.stdout.contains("200072460"))
        let qic = try CLIRunner.run(["perimeters", "show", "Cité du Transvaal"], environment: env)
        #expect(qic.status == 1)
        #expect(qic.stdout.contains("Divion") && qic.stdout.contains("940 habitants"))
        #expect(qic.stderr.contains("géométrie non installée"))
    }
}
