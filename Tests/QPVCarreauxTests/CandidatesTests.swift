// Unit tests of `CandidatesBatch`: edge-adjacency clusters and their size flags on a hand-made carreaux file,
// the official low-income threshold formula, and a run without perimeters.

import Foundation
import QPVCarreaux
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

@Suite struct CandidatesTests {
    /// A: three carreaux in a row (3 × 400 inhabitants, 10 000 € each) → QPV-sized, two thirds inside the
    /// test perimeter. B: two carreaux sharing an edge (2 × 200) → QIC candidate. C: touches B by a corner
    /// only (250 inhabitants) → its own cluster, too small. D: a well-off carreau next to A. E: empty.
    static let file = """
        idcar_200m,ind,men,men_pauv,ind_snv,i_est_200
        CRS3035RES200mN2800000E3700000,400,160,60,4000000,0
        CRS3035RES200mN2800000E3700200,400,160,60,4000000,0
        CRS3035RES200mN2800000E3700400,400,160,60,4000000,1
        CRS3035RES200mN2800200E3700000,300,120,5,9000000,0
        CRS3035RES200mN2801000E3701000,200,80,30,2200000,0
        CRS3035RES200mN2801200E3701000,200,80,30,2200000,0
        CRS3035RES200mN2801400E3701200,250,100,40,2500000,0
        CRS3035RES200mN2802000E3702000,0,0,0,0,0
        """

    @Test func clustersByEdgeAdjacencyAndFlagsSizes() throws {
        let dir = try TemporaryDirectory()
        let grid = try squarePerimeter(dir)
        let reader = try CSVReader(path: try dir.write("f.csv", Self.file))
        var options = CandidatesOptions(threshold: 12_600)
        options.read.chunkSize = 3
        let report = try CandidatesBatch(perimeters: grid, options: options).run(reader: reader)
        #expect(report.lowIncomeCells == 6)
        #expect(report.cellsWithoutPopulation == 1)
        #expect(report.clusters.count == 2)
        #expect(report.clustersTooSmall == 1)
        let a = report.clusters[0]
        #expect(a.category == .qpvSized)
        #expect(a.population == 1200)
        #expect(a.cells.count == 3)
        #expect(a.imputed == 1)
        #expect(abs(a.poorHouseholdShare! - 180.0 / 480.0) < 1e-12)
        #expect(abs(a.meanStandardOfLiving - 10_000) < 1e-9)
        #expect(a.overlaps.count == 1)
        #expect(abs(a.overlaps[0].share - 2.0 / 3.0) < 1e-9)
        let b = report.clusters[1]
        #expect(b.category == .qicCandidate)
        #expect(b.population == 400)
        #expect(b.overlaps.isEmpty)

        // GeoJSON: RFC 7946 (lon/lat, exterior counter-clockwise, closed), properties QGIS can list.
        let json = try JSONParser.parse(report.geoJSON(perimeters: grid))
        #expect(json["type"]?.stringValue == "FeatureCollection")
        #expect(json["qpv_method"]?.stringValue?.contains("approximation") == true)
        #expect(json["qpv_adjacency"]?.stringValue?.contains("côté commun") == true)
        let features = try #require(json["features"]?.arrayValue)
        #expect(features.count == 2)
        #expect(features[0]["properties"]?["category"]?.stringValue == "qpv_sized")
        #expect(features[0]["properties"]?["qpv_overlap"]?.stringValue == "QT00009:0.6667")
        #expect(features[1]["properties"]?["category"]?.stringValue == "qic_candidate")
        for f in features {
            let polys = try GeoJSONGeometry.polygons(from: try #require(f["geometry"]))
            #expect(polys.count == 1)
            let ring = polys[0][0]
            #expect(ring.first == ring.last)
            #expect(Rings.signedArea(ring) > 0)
            #expect(ring.allSatisfy { FrenchTerritory.of(lon: $0.x, lat: $0.y) == .hexagone })
        }
    }

    @Test func officialThresholdFormula() {
        #expect(abs(CandidatesOptions.threshold(nationalMedian: 22_040, urbanUnitMedian: 20_000) - 12_856.8) < 1e-9)
    }

    @Test func worksWithoutPerimeters() throws {
        let dir = try TemporaryDirectory()
        let reader = try CSVReader(path: try dir.write("f.csv", Self.file))
        let report = try CandidatesBatch(perimeters: nil, options: CandidatesOptions(threshold: 12_600)).run(reader: reader)
        #expect(report.clusters.count == 2)
        #expect(report.notes.contains { $0.contains("recouvrements") })
    }
}
