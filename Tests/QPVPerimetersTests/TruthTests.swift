// The locate engine against the GEOS/PROJ reference answers of ../shared/truth (shapely, pyproj), from the
// file directly and from an installed pack.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

@Suite(.enabled(if: SharedData.isAvailable)) struct TruthTests {
    /// Every point of points-occitanie.csv: codes exactly as GEOS decides, distances within 0.05 m.
    func check(_ catalog: PerimeterCatalog) throws {
        let truth = try TruthPoint.load()
        #expect(truth.count > 5000)
        let locator = try Locator(catalog: catalog)
        let results = try locator.locate(lons: truth.map(\.lon), lats: truth.map(\.lat), on: CivilDate("2023-06-01")!)
        var codeMismatches: [String] = []
        var worst = 0.0
        for (t, r) in zip(truth, results) {
            let got = Set(r.qpv?.containing.map(\.code) ?? [])
            if got != t.codes { codeMismatches.append("\(t.id): attendu \(t.codes.sorted()) obtenu \(got.sorted())") }
            let d = try #require(r.qpv?.distanceBoundaryM, "\(t.id) sans distance")
            worst = max(worst, abs(d - t.distance))
        }
        #expect(codeMismatches.isEmpty, "\(codeMismatches.count) codes différents : \(codeMismatches.prefix(5))")
        #expect(worst <= 0.05 + 0.005, "écart de distance maximal \(worst) m")  // truth is rounded to 0.01 m
        let inside = results.filter { $0.status == .inside || ($0.status == .boundary && !($0.qpv?.containing.isEmpty ?? true)) }.count
        #expect(inside == truth.filter { !$0.codes.isEmpty }.count)
    }

    @Test func directFileAgreesWithTruth() throws {
        let tmp = try TemporaryDirectory()
        let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url), perimetersFile: try occitaniePath())
        #expect(catalog.perimeters.count == 105)
        #expect(catalog.packs[0].manifest.repairedFeatureCount == 2)
        let repaired = catalog.perimeters.filter { !$0.record.repairs.isEmpty }.map(\.code).sorted()
        #expect(repaired == ["QP030001", "QP034021"])
        try check(catalog)
    }

    @Test func containmentAloneAgreesWithTruth() throws {
        // `Locator.containing` (the containment question alone, over arrays): exactly GEOS's codes for every
        // truth point, pairs by point then by code, in the points' order whatever it is (shuffled here, twice:
        // the batch order must not matter).
        let tmp = try TemporaryDirectory()
        let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url), perimetersFile: try occitaniePath())
        let truth = try TruthPoint.load()
        var rng = SplitMix(seed: 17)
        for _ in 0..<2 {
            let order = truth.indices.shuffled(using: &rng)
            let (points, perimeters) = try Locator(catalog: catalog).containing(
                lons: order.map { truth[$0].lon }, lats: order.map { truth[$0].lat }, on: CivilDate("2023-06-01")!)
            #expect(points.count == perimeters.count)
            #expect(zip(points, points.dropFirst()).allSatisfy { $0 <= $1 }, "paires hors de l'ordre des points")
            var got = [[String]](repeating: [], count: truth.count)
            for (p, g) in zip(points, perimeters) { got[Int(p)].append(catalog.perimeters[Int(g)].code) }
            let mismatches = order.indices.filter { got[$0] != truth[order[$0]].codes.sorted() }
            #expect(mismatches.count == 0, "\(mismatches.count) points diffèrent : \(mismatches.prefix(3).map { (truth[order[$0]].id, got[$0]) })")
        }
    }

    @Test func installedPackAgreesWithTruth() throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        try installPack(try occitaniePath(), into: dir)
        let catalog = try PerimeterCatalog.open(dataDirectory: dir)
        #expect(!catalog.includesDemo)
        #expect(catalog.sets.count == 1)
        #expect(catalog.sets[0].info.listId == "qpv-2015-hexagone")
        #expect(catalog.sets[0].source.sha256 == (try PerimeterFileReader.sha256(path: try occitaniePath())))
        try check(catalog)
    }
}
