// Batches computed in spatial order and put back in input order give, point by point, the answer the same
// point gets alone (overlapping perimeters and unusable coordinates included).

import Foundation
import QPVCore
import QPVPerimeters
import QPVTestSupport
import Testing

/// Batches (≥ 1,000 points) are computed on the points copied into spatial order and put back in input order;
/// every answer must be the one the same point gets alone, overlapping perimeters and unusable coordinates
/// included.
struct BatchOrderTests {
    /// Two overlapping squares and a separate triangle near Lille (WGS84), as a 2024 list.
    static let geojson = """
        {"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"code_qp":"QN05901A","lib_qp":"Carré A"},"geometry":{"type":"Polygon","coordinates":[[[3.00,50.60],[3.02,50.60],[3.02,50.62],[3.00,50.62],[3.00,50.60]]]}},
        {"type":"Feature","properties":{"code_qp":"QN05902B","lib_qp":"Carré B"},"geometry":{"type":"Polygon","coordinates":[[[3.01,50.61],[3.03,50.61],[3.03,50.63],[3.01,50.63],[3.01,50.61]]]}},
        {"type":"Feature","properties":{"code_qp":"QN05903C","lib_qp":"Triangle C"},"geometry":{"type":"Polygon","coordinates":[[[3.05,50.60],[3.07,50.60],[3.06,50.62],[3.05,50.60]]]}}
        ]}
        """

    @Test func batchAnswersEqualSinglePointAnswers() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("perimetres.geojson", Self.geojson)
        var options = ImportOptions()
        options.vintage = "2024"
        options.coverage = "national"  // a test fixture standing for a complete list (issue 12: a partial one answers not_covered)
        let catalog = try PerimeterCatalog.open(
            dataDirectory: DataDirectory(url: dir.url.appendingPathComponent("data")), perimetersFile: path, options: options)
        let date = CivilDate("2024-06-01")!

        // Points in a box around the perimeters (many in both squares), some on exactly the same spot, some
        // unusable: NaN, out of range, outside France, latitude and longitude swapped.
        var rng = SystemRandomNumberGenerator()
        var lons: [Double] = []
        var lats: [Double] = []
        for k in 0..<3000 {
            switch k % 50 {
            case 0: lons.append(.nan); lats.append(50.61)
            case 1: lons.append(200); lats.append(50.61)
            case 2: lons.append(-40); lats.append(10)
            case 3: lons.append(50.615); lats.append(3.015)
            case 4: lons.append(3.015); lats.append(50.615)  // inside both squares, repeated
            default:
                lons.append(Double.random(in: 2.98..<3.09, using: &rng))
                lats.append(Double.random(in: 50.58..<50.65, using: &rng))
            }
        }
        let batch = try Locator(catalog: catalog).locate(lons: lons, lats: lats, on: date)
        let single = try Locator(catalog: catalog)
        var inBoth = 0
        for i in lons.indices {
            let a = batch[i]
            let b = try single.locate(lon: lons[i], lat: lats[i], on: date)
            #expect(a.lon.isNaN ? b.lon.isNaN : a.lon == b.lon, "point \(i)")
            #expect(a.status == b.status, "point \(i) (\(lons[i]), \(lats[i]))")
            #expect(a.problem == b.problem, "point \(i)")
            #expect(a.qpv?.containing.map(\.code) == b.qpv?.containing.map(\.code), "point \(i)")
            #expect(a.qpv?.nearest?.code == b.qpv?.nearest?.code, "point \(i)")
            #expect(a.qpv?.distanceBoundaryM == b.qpv?.distanceBoundaryM, "point \(i)")
            if a.qpv?.containing.count == 2 { inBoth += 1 }
        }
        // The fixture does what it claims: overlaps and every kind of unusable coordinate are exercised.
        #expect(inBoth >= 60)
        #expect(batch.filter { $0.status == .invalidCoordinates }.count == 4 * 60)
        #expect(Set(batch.map(\.status)).isSuperset(of: [.inside, .outside, .boundary, .invalidCoordinates]))
    }
}
