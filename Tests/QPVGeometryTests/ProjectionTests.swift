// Tests of the PROJ wrappers: Lambert-93 and EPSG:3035 axis order, array transforms, CRS spellings, unknown
// CRS errors, the metric CRS per territory and Shapefile WKT identification.

import Foundation
import QPVGeometry
import Testing

@Suite struct ProjectionTests {
    /// The points where `a` and `b` give different bits, and `a`'s coordinates.
    static func differingBits(_ a: CoordinateTransformer, _ b: CoordinateTransformer, xs: [Double], ys: [Double]) throws -> (
        [Int], [Double], [Double]
    ) {
        let (ax, ay, bx, by) = try transformedByBoth(a, b, xs: xs, ys: ys)
        return (xs.indices.filter { ax[$0].bitPattern != bx[$0].bitPattern || ay[$0].bitPattern != by[$0].bitPattern }, ax, ay)
    }

    /// The points transformed by `a`, then by `b`.
    static func transformedByBoth(_ a: CoordinateTransformer, _ b: CoordinateTransformer, xs: [Double], ys: [Double]) throws -> (
        [Double], [Double], [Double], [Double]
    ) {
        var ax = xs
        var ay = ys
        var bx = xs
        var by = ys
        try a.transform(x: &ax, y: &ay)
        try b.transform(x: &bx, y: &by)
        return (ax, ay, bx, by)
    }

    @Test func bareProjectionIsThePipelineBitForBit() throws {
        // The forward precompiled pairs run PROJ's projection alone on coordinates converted here: the same
        // bits as PROJ's own pipeline (unitconvert then projection), on 20,000 random points per territory,
        // the origin included (where unusable points are parked).
        let ctx = try ProjContext()
        var rng = SystemRandomNumberGenerator()
        let pairs: [(CRS, FrenchTerritory)] = [
            (.lambert93, .hexagone), (.antilles, .antilles), (.guyane, .guyane), (.reunion, .reunion), (.mayotte, .mayotte),
        ]
        for (target, territory) in pairs {
            let box = try #require(FrenchTerritory.boxes.first { $0.territory == territory }?.box).expanded(by: 2)
            var xs = (0..<20_000).map { _ in Double.random(in: box.minX...box.maxX, using: &rng) }
            var ys = (0..<20_000).map { _ in Double.random(in: box.minY...box.maxY, using: &rng) }
            xs[0] = 0
            ys[0] = 0
            let pipeline = try #require(CoordinateTransformer.precompiledPipeline(from: .wgs84, to: target))
            #expect(pipeline.contains("unitconvert"))
            let bare = try CoordinateTransformer(from: .wgs84, to: target, context: ctx)
            let full = try CoordinateTransformer(definition: pipeline, from: .wgs84, to: target, context: ctx)
            // The bare projection is built on the context without PROJ's database, the pipeline with it.
            #expect(!bare.usesProjDatabase && full.usesProjDatabase)
            let (differing, bx, by) = try Self.differingBits(bare, full, xs: xs, ys: ys)
            #expect(differing.isEmpty, "\(target) : \(differing.count) points diffèrent, par exemple \(differing.prefix(3).map { (xs[$0], ys[$0]) })")
            #expect(bx[1].isFinite && by[1].isFinite)
        }
    }

    @Test func swiftLambert93IsProjBitForBit() throws {
        // WGS84 → Lambert-93 is computed in Swift with PROJ's formulas (`LambertConformalConic`), once the
        // transformer has found them equal to PROJ on its reference points: the same bits as PROJ's own
        // pipeline on 300,000 random points over France with a wide margin, and on the points left to PROJ
        // (more than 180° from the central meridian, poles, beyond the poles, non-finite), mixed in.
        let ctx = try ProjContext()
        let swift = try CoordinateTransformer(from: .wgs84, to: .lambert93, context: ctx)
        #expect(swift.usesSwiftProjection, "les formules de PROJ en Swift ne donnent plus les bits de PROJ \(ProjContext.projVersion)")
        let pipeline = try #require(CoordinateTransformer.precompiledPipeline(from: .wgs84, to: .lambert93))
        let proj = try CoordinateTransformer(definition: pipeline, from: .wgs84, to: .lambert93, context: ctx)
        #expect(!proj.usesSwiftProjection)
        var rng = SystemRandomNumberGenerator()
        var xs = (0..<300_000).map { _ in Double.random(in: -20...25, using: &rng) }
        var ys = (0..<300_000).map { _ in Double.random(in: 30...62, using: &rng) }
        let special: [(Double, Double)] = [
            (0, 0), (-177.5, 45), (-177, 45), (183.5, 45), (2, 90), (2, -90), (2, 89.999_999_999_9), (2, 91), (.nan, 45), (2, .infinity),
            (-.infinity, 45), (-180, 0), (180, 0),
        ]
        for (k, p) in special.enumerated() {
            xs[k * 1000] = p.0
            ys[k * 1000] = p.1
        }
        let (differing, sx, _) = try Self.differingBits(swift, proj, xs: xs, ys: ys)
        #expect(differing.isEmpty, "\(differing.count) points diffèrent, par exemple \(differing.prefix(3).map { (xs[$0], ys[$0]) })")
        // The points left to PROJ did go to PROJ: the pole is finite there, the point beyond it is not.
        #expect(sx[4000].isFinite && !sx[7000].isFinite)
        // A call of points left to PROJ only fails (or not) as with PROJ alone, with the same coordinates.
        for bad in [(Double.nan, 45.0), (2.0, 91.0), (-177.5, 45.0)] {
            var ax = [bad.0]
            var ay = [bad.1]
            var bx = [bad.0]
            var by = [bad.1]
            let swiftFailed = (try? swift.transform(x: &ax, y: &ay)) == nil
            let projFailed = (try? proj.transform(x: &bx, y: &by)) == nil
            #expect(swiftFailed == projFailed, "\(bad)")
            #expect(swiftFailed || (ax[0].bitPattern == bx[0].bitPattern && ay[0].bitPattern == by[0].bitPattern), "\(bad)")
        }
    }

    @Test func wgs84AreaOfUseIsPROJs() throws {
        // The area of use of EPSG:4326 is given without loading PROJ (GeoJSON imports, the demonstration pack):
        // it must be PROJ's own.
        let proj = try #require(try ProjContext().databaseAreaOfUse(of: .wgs84))
        #expect(proj.box == ProjContext.wgs84AreaOfUse.box && proj.name == ProjContext.wgs84AreaOfUse.name, "\(proj)")
        #expect(try ProjContext().areaOfUse(of: .wgs84)?.box == proj.box)
    }

    @Test func lambert93RoundTripInLonLatOrder() throws {
        let ctx = try ProjContext()
        let fwd = try CoordinateTransformer(from: .wgs84, to: .lambert93, context: ctx)
        let inv = try CoordinateTransformer(from: .lambert93, to: .wgs84, context: ctx)
        // Béthune, lon first. Lambert-93 easting ≈ 673 746 m, northing ≈ 7 048 110 m (PROJ cs2cs reference).
        let (x, y) = try fwd.transform(x: 2.6303, y: 50.5297)
        #expect(abs(x - 673_745.646) < 0.01)
        #expect(abs(y - 7_048_110.203) < 0.01)
        let (lon, lat) = try inv.transform(x: x, y: y)
        #expect(abs(lon - 2.6303) < 1e-9)
        #expect(abs(lat - 50.5297) < 1e-9)
    }

    @Test("opérations précompilées (sans la base SQLite de PROJ) : mêmes coordonnées que celles de la base, sur chaque territoire")
    func precompiledPipelinesMatchTheDatabase() throws {
        let ctx = try ProjContext()
        let pairs: [(CRS, CRS, FrenchTerritory)] = [
            (.wgs84, .lambert93, .hexagone), (.wgs84, .antilles, .antilles), (.wgs84, .guyane, .guyane),
            (.wgs84, .reunion, .reunion), (.wgs84, .mayotte, .mayotte),
        ]
        for (source, target, territory) in pairs {
            let box = try #require(FrenchTerritory.boxes.first { $0.territory == territory }?.box)
            var xs: [Double] = []
            var ys: [Double] = []
            for i in 0...20 {
                for j in 0...20 {
                    xs.append(box.minX + box.width * Double(i) / 20)
                    ys.append(box.minY + box.height * Double(j) / 20)
                }
            }
            let fast = try CoordinateTransformer(from: source, to: target, context: ctx)
            let db = try CoordinateTransformer(from: source, to: target, context: ctx, precompiled: false)
            #expect(!fast.usesProjDatabase && db.usesProjDatabase)
            let (fx, fy, dx, dy) = try Self.transformedByBoth(fast, db, xs: xs, ys: ys)
            for k in xs.indices {
                #expect(abs(fx[k] - dx[k]) < 1e-6 && abs(fy[k] - dy[k]) < 1e-6, "\(source) → \(target) en (\(xs[k]), \(ys[k]))")
            }
            if target == .lambert93 {
                // And back.
                let back = try CoordinateTransformer(from: target, to: source, context: ctx)
                let backDB = try CoordinateTransformer(from: target, to: source, context: ctx, precompiled: false)
                let (bx, by, cx, cy) = try Self.transformedByBoth(back, backDB, xs: fx, ys: fy)
                for k in xs.indices { #expect(abs(bx[k] - cx[k]) < 1e-12 && abs(by[k] - cy[k]) < 1e-12) }
                // The same PROJ string on the context with the database: the same bits.
                let inverse = try #require(CoordinateTransformer.precompiledPipeline(from: target, to: source))
                let backWithDatabase = try CoordinateTransformer(definition: inverse, from: target, to: source, context: ctx)
                #expect(!back.usesProjDatabase && backWithDatabase.usesProjDatabase)
                var wx = fx
                var wy = fy
                try backWithDatabase.transform(x: &wx, y: &wy)
                #expect(xs.indices.allSatisfy { bx[$0].bitPattern == wx[$0].bitPattern && by[$0].bitPattern == wy[$0].bitPattern })
            }
        }
    }

    @Test func laea3035IsEastingNorthingOrder() throws {
        let ctx = try ProjContext()
        let t = try CoordinateTransformer(from: .wgs84, to: .laea3035, context: ctx)
        let (e, n) = try t.transform(x: 2.6303, y: 50.5297)
        // EPSG:3035's official axis order is northing first; qpv always returns easting first.
        #expect(e > 3_700_000 && e < 3_900_000)
        #expect(n > 3_000_000 && n < 3_150_000)
        let cell = try GridCell(containingEasting: e, northing: n)
        #expect(cell.id.hasPrefix("CRS3035RES200mN\(Int(n) / 200 * 200)E\(Int(e) / 200 * 200)"))
    }

    @Test func arraysTransformInOneCall() throws {
        let ctx = try ProjContext()
        let t = try CoordinateTransformer(from: .wgs84, to: .lambert93, context: ctx)
        var xs = [2.0, 3.0, 4.0]
        var ys = [48.0, 49.0, 50.0]
        try t.transform(x: &xs, y: &ys)
        for (k, (lon, lat)) in [(2.0, 48.0), (3.0, 49.0), (4.0, 50.0)].enumerated() {
            let single = try t.transform(x: lon, y: lat)
            #expect(single.x == xs[k] && single.y == ys[k])
        }
    }

    @Test func crsSpellings() {
        #expect(CRS(string: "urn:ogc:def:crs:OGC:1.3:CRS84") == .wgs84)
        #expect(CRS(string: "urn:ogc:def:crs:EPSG::2154") == .lambert93)
        #expect(CRS(string: "EPSG:3035") == .laea3035)
        #expect(CRS(string: "epsg:5490") == .antilles)
        #expect(CRS(string: "2972") == .guyane)
        #expect(CRS(string: "http://www.opengis.net/def/crs/EPSG/0/2975") == .reunion)
        #expect(CRS(string: "Lambert") == nil)
    }

    @Test func unknownCRSIsAnError() throws {
        let ctx = try ProjContext()
        #expect(throws: GeometryError.unknownCRS("EPSG:999999")) {
            try CoordinateTransformer(from: .wgs84, to: CRS(epsg: 999_999), context: ctx)
        }
    }

    @Test func metricCRSByTerritory() {
        #expect(CRS.metricCRS(lon: 2.35, lat: 48.85) == .lambert93)
        #expect(CRS.metricCRS(lon: -61.53, lat: 16.24) == .antilles)
        #expect(CRS.metricCRS(lon: -52.33, lat: 4.93) == .guyane)
        #expect(CRS.metricCRS(lon: 55.45, lat: -20.88) == .reunion)
        #expect(CRS.metricCRS(lon: 45.23, lat: -12.78) == .mayotte)
        #expect(FrenchTerritory.of(lon: 48.85, lat: 2.35) == .unknown)  // swapped axes land nowhere
    }

    @Test func shapefileWKTIsIdentified() throws {
        let ctx = try ProjContext()
        let wkt = """
            PROJCS["RGF93_Lambert_93",GEOGCS["GCS_RGF_1993",DATUM["D_RGF_1993",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",700000.0],PARAMETER["False_Northing",6600000.0],PARAMETER["Central_Meridian",3.0],PARAMETER["Standard_Parallel_1",49.0],PARAMETER["Standard_Parallel_2",44.0],PARAMETER["Latitude_Of_Origin",46.5],UNIT["Meter",1.0]]
            """
        #expect(try ctx.identifyEPSG(wkt: wkt) == 2154)
    }
}
