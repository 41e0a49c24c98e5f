// Tests of the GEOS wrappers: WKT round trip, construction, errors as Swift errors, repair, prepared
// containment on the boundary, no leak (an `IsolatedProbe` measures RSS), one context per thread.

import Foundation
import QPVGeometry
import QPVTestSupport
import Testing

@Suite struct GeometryTests {
    let ctx: GeosContext
    init() throws { ctx = try GeosContext() }

    @Test func wktRoundTripAndProperties() throws {
        let g = try Geometry(wkt: "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 4 2, 4 4, 2 4, 2 2))", context: ctx)
        #expect(g.kind == .polygon)
        #expect(try g.area() == 96)
        #expect(try g.isValid)
        #expect(g.envelope == Envelope(minX: 0, minY: 0, maxX: 10, maxY: 10))
        #expect(g.numCoordinates == 10)
        let back = try Geometry(wkt: try g.wkt(), context: ctx)
        #expect(try back.equalsExact(g))
        let viaWKB = try Geometry(wkb: try g.wkb(), context: ctx)
        #expect(try viaWKB.equalsExact(g))
        #expect(try g.polygons().count == 1)
        #expect(try g.polygons()[0].count == 2)
    }

    @Test("géométries de deux contextes GEOS dans un même appel : arrêt net (précondition), jamais un appel GEOS mêlé")
    func mixedContextsTrap() async {
        await #expect(processExitsWith: .failure) {
            let a = try GeosContext()
            let b = try GeosContext()
            let g = try Geometry(wkt: "POINT (0 0)", context: a)
            let h = try Geometry(wkt: "POINT (1 1)", context: b)
            _ = try g.distance(to: h)
        }
    }

    @Test("contains(x:y:) préparé : même réponse que contains d'un point (intérieur, trou, limite, extérieur)")
    func preparedContainsXY() throws {
        let g = try Geometry(wkt: "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 4 2, 4 4, 2 4, 2 2))", context: ctx)
        let p = try g.prepared()
        for (x, y) in [(5.0, 5.0), (3.0, 3.0), (0.0, 5.0), (11.0, 5.0), (2.0, 3.0)] {
            #expect(try p.contains(x: x, y: y) == (try g.contains(try Geometry.point(x: x, y: y, context: ctx))))
        }
        #expect(try p.contains(x: 5, y: 5))
        #expect(try !p.contains(x: 3, y: 3))
    }

    @Test func constructionFromCoordinatesClosesRings() throws {
        let g = try Geometry.polygon([[Coordinate(x: 0, y: 0), Coordinate(x: 1, y: 0), Coordinate(x: 1, y: 1)]], context: ctx)
        #expect(try g.area() == 0.5)
        #expect(try g.coordinatesOfExterior().count == 4)
    }

    @Test func errorPathsBecomeSwiftErrors() throws {
        #expect(throws: GeometryError.self) { try Geometry(wkt: "POLYGON ((0 0, 1 1", context: ctx) }
        #expect(throws: GeometryError.self) { try Geometry(wkb: [0x01, 0x03, 0x00], context: ctx) }
        #expect(throws: GeometryError.self) { try Geometry.polygon([[Coordinate(x: 0, y: 0), Coordinate(x: 1, y: 1)]], context: ctx) }
        #expect(throws: GeometryError.self) { try Geometry.polygon([], context: ctx) }
        #expect(throws: GeometryError.self) {
            try Geometry.polygon([[Coordinate(x: 0, y: 0), Coordinate(x: .nan, y: 0), Coordinate(x: 1, y: 1)]], context: ctx)
        }
        do {
            _ = try Geometry(wkt: "LINESTRING (0 0)", context: ctx)
            Issue.record("a one-point line must be rejected")
        } catch let e as GeometryError {
            #expect(e.description.contains("WKT"))
        }
    }

    @Test func repairOfASelfIntersectingPolygon() throws {
        let bowtie = try Geometry(wkt: "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))", context: ctx)
        #expect(try !bowtie.isValid)
        #expect(bowtie.validityReason.contains("Self-intersection"))
        let fixed = try bowtie.makeValid()
        #expect(try fixed.isValid)
        let polygonal = try #require(try fixed.polygonalPart())
        #expect(polygonal.kind == .multiPolygon)
        #expect(polygonal.numGeometries == 2)
        #expect(abs(try polygonal.area() - 50) < 1e-9)
    }

    @Test func preparedContainsFollowsGEOSBoundaryRule() throws {
        let square = try Geometry(wkt: "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", context: ctx)
        let p = try square.prepared()
        #expect(try p.contains(x: 5, y: 5))
        #expect(try !p.contains(x: 10, y: 5))  // on the boundary: not contained
        #expect(try !p.contains(x: 11, y: 5))
        #expect(try p.covers(try Geometry.point(x: 10, y: 5, context: ctx)))
    }

    /// Creates and drops many geometries, prepared geometries, WKB buffers and buffers in a child process
    /// of its own (other tests would disturb the measurement): resident memory must stay flat.
    @Test func repeatedUseDoesNotLeak() throws {
        let values = try IsolatedProbe.run(filter: "GeometryTests/leakProbe")
        let delta = try #require(values["rss_delta_kib"], "the probe did not report")
        let baseline = try #require(values["rss_after_warmup_kib"])
        #expect(baseline > 0)
        // 60 000 iterations: leaking even 100 bytes per iteration would add 6 000 KiB.
        #expect(delta < 2_000, "RSS grew by \(delta) KiB over 60 000 create/prepare/serialise cycles")
    }

    @Test(.enabled(if: IsolatedProbe.isChild)) func leakProbe() throws {
        func churn() throws {
            for i in 0..<20_000 {
                let g = try Geometry.polygon(
                    [[Coordinate(x: 0, y: 0), Coordinate(x: Double(i % 7 + 1), y: 0), Coordinate(x: 0, y: 3)]], context: ctx)
                let p = try g.prepared()
                _ = try p.contains(x: 0.1, y: 0.1)
                _ = try g.wkb()
                _ = try g.buffer(0.5).area()
                _ = try? Geometry(wkt: "POLYGON ((0 0, 1", context: ctx)
            }
        }
        try churn()
        let before = IsolatedProbe.residentKiB()
        for _ in 0..<3 { try churn() }
        let after = IsolatedProbe.residentKiB()
        print("PROBE rss_after_warmup_kib=\(before)")
        print("PROBE rss_delta_kib=\(after - before)")
    }

    @Test func oneContextPerThreadWorksConcurrently() async throws {
        try await withThrowingTaskGroup(of: Double.self) { group in
            for k in 0..<4 {
                group.addTask {
                    let ctx = try GeosContext()
                    var total = 0.0
                    for i in 0..<2_000 {
                        let g = try Geometry(wkt: "POLYGON ((0 0, \(k + 1) 0, \(k + 1) \(i % 5 + 1), 0 0))", context: ctx)
                        total += try g.area()
                    }
                    return total
                }
            }
            var sum = 0.0
            for try await v in group { sum += v }
            #expect(sum > 0)
        }
    }

    @Test func distanceAndSetOperations() throws {
        let a = try Geometry(wkt: "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))", context: ctx)
        let b = try Geometry(wkt: "POLYGON ((2 2, 6 2, 6 6, 2 6, 2 2))", context: ctx)
        #expect(try a.intersection(b).area() == 4)
        #expect(try a.union(b).area() == 28)
        let far = try Geometry.point(x: 7, y: 4, context: ctx)
        #expect(try a.distance(to: far) == 3)
        #expect(try a.boundary().kind == .lineString || (try a.boundary().kind) == .multiLineString)
    }
}

extension Geometry {
    func coordinatesOfExterior() throws -> [Coordinate] { try polygons()[0][0] }
}
