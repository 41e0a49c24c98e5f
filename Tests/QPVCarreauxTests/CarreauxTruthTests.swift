// Carreau shares of the 105 real Occitanie QPV against the shapely reference (`truth/carreaux-occitanie.csv`
// in ../shared): the fast clip path equals a GEOS intersection, a date without perimeters is refused.

import Foundation
import QPVCarreaux
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

/// The catalog of the 105 real Occitanie QPV (2015 list), compiled in memory as `--perimeters` does.
func occitanieGrid(date: String = "2020-01-01") throws -> GridPerimeters {
    let path = try SharedData.file("geodata/qpv-2015-occitanie.geojson").path
    let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: URL(fileURLWithPath: "/nonexistent-qpv")), perimetersFile: path)
    return try GridPerimeters(catalog: catalog, date: CivilDate(date)!)
}

/// `truth/carreaux-occitanie.csv`: carreau id → [code: share] (empty for carreaux touching none).
func loadCarreauxTruth() throws -> (order: [String], pairs: [String: [String: Double]]) {
    let reader = try CSVReader(path: try SharedData.file("truth/carreaux-occitanie.csv").path)
    let id = try reader.requireColumn("idcar_200m")
    let code = try reader.requireColumn("code_qp")
    let share = try reader.requireColumn("share")
    var order: [String] = []
    var pairs: [String: [String: Double]] = [:]
    while let r = try reader.next() {
        if pairs[r[id]] == nil {
            order.append(r[id])
            pairs[r[id]] = [:]
        }
        if !r[code].isEmpty { pairs[r[id]]![r[code]] = Double(r[share])! }
    }
    return (order, pairs)
}

@Suite(.enabled(if: SharedData.isAvailable)) struct CarreauxTruthTests {
    /// Every carreau × QPV pair of the reference, and no other, with shares within 1e-6.
    @Test func reproducesTheShapelyReference() throws {
        let grid = try occitanieGrid()
        #expect(grid.perimeters.count == 105)
        let truth = try loadCarreauxTruth()
        #expect(truth.order.count > 3000)
        let classifier = try CellClassifier(perimeters: grid)
        var compared = 0
        var worst = 0.0
        var partial = 0
        for id in truth.order {
            let cell = try GridCell(id: id)
            let mine = try classifier.shares(of: cell)
            let got = Dictionary(uniqueKeysWithValues: mine.map { (grid.perimeters[$0.perimeter].code, $0.share) })
            let expected = truth.pairs[id]!
            #expect(Set(got.keys) == Set(expected.keys), "\(id)")
            for (code, share) in expected {
                guard let g = got[code] else { continue }
                worst = max(worst, abs(g - share))
                #expect(abs(g - share) <= 1e-6, "\(id) \(code) : \(g) au lieu de \(share)")
                compared += 1
                if share > 0 && share < 1 { partial += 1 }
            }
        }
        #expect(compared > 1300)
        #expect(partial > 1000)
        print("carreaux-occitanie : \(compared) couples comparés, écart maximal \(worst)")
    }

    /// The fast path (prepared covers, ClipByRect) gives the same areas as a general GEOS intersection.
    @Test func clipAreaEqualsIntersectionArea() throws {
        let grid = try occitanieGrid()
        let truth = try loadCarreauxTruth()
        let classifier = try CellClassifier(perimeters: grid)
        var checked = 0
        for id in truth.order where !(truth.pairs[id]!.isEmpty) {
            let cell = try GridCell(id: id)
            for s in try classifier.shares(of: cell) {
                let reference = try classifier.shareByIntersection(of: cell, perimeter: s.perimeter)
                #expect(abs(reference - s.share) < 1e-9, "\(id)")
                checked += 1
            }
        }
        #expect(checked > 1300)
    }

    /// The 2015 list is not in force in 2024: nothing to classify against, said plainly.
    @Test func refusesADateWithoutPerimeters() throws {
        #expect(throws: CarreauxError.self) { try occitanieGrid(date: "2024-06-01") }
        do {
            _ = try occitanieGrid(date: "2024-06-01")
        } catch {
            #expect("\(error)".contains("1er juin 2024") || "\(error)".contains("2024"))
        }
    }
}
