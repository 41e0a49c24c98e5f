// `PackedRTree`, `UniformGrid` and `BoundaryIndex` against brute force and GEOS on seeded random data: queries,
// nearest search, boundary distances, hints and the candidate grid never changing an answer.

import Foundation
import QPVCore
import QPVGeometry
import QPVTestSupport
import Testing

@Suite struct IndexTests {
    @Test func rtreeQueryMatchesBruteForce() {
        var rng = SplitMix(state: 42)
        let boxes: [Envelope] = (0..<3000).map { _ in
            let x = Double.random(in: 0..<1000, using: &rng)
            let y = Double.random(in: 0..<1000, using: &rng)
            return Envelope(minX: x, minY: y, maxX: x + Double.random(in: 0..<30, using: &rng), maxY: y + Double.random(in: 0..<30, using: &rng))
        }
        let tree = PackedRTree(envelopes: boxes)
        for _ in 0..<500 {
            let x = Double.random(in: -10..<1010, using: &rng)
            let y = Double.random(in: -10..<1010, using: &rng)
            let q = Envelope(minX: x, minY: y, maxX: x + 25, maxY: y + 25)
            let expected = boxes.indices.filter { boxes[$0].intersects(q) }
            #expect(tree.query(q).sorted() == expected)
        }
        #expect(PackedRTree(envelopes: []).query(Envelope(minX: 0, minY: 0, maxX: 1, maxY: 1)).isEmpty)
    }

    @Test func uniformGridListsEveryEnvelopeContainingAPointInAscendingOrder() {
        var rng = SplitMix(state: 11)
        let boxes: [Envelope] = (0..<2000).map { k in
            if k % 500 == 0 { return Envelope.empty }
            let x = Double.random(in: 0..<1000, using: &rng)
            let y = Double.random(in: 0..<800, using: &rng)
            return Envelope(minX: x, minY: y, maxX: x + Double.random(in: 0..<60, using: &rng), maxY: y + Double.random(in: 0..<60, using: &rng))
        }
        for grid in [UniformGrid(envelopes: boxes, targetCells: 4096), UniformGrid(envelopes: boxes, tileSize: 50)] {
            #expect(grid.offsets.count == grid.nx * grid.ny + 1)
            for _ in 0..<2000 {
                let x = Double.random(in: -20..<1080, using: &rng)
                let y = Double.random(in: -20..<880, using: &rng)
                var listed: [Int] = []
                grid.forEachCandidate(x: x, y: y) { listed.append($0) }
                #expect(listed == listed.sorted())
                let containing = boxes.indices.filter { !boxes[$0].isEmpty && boxes[$0].contains(x: x, y: y) }
                #expect(Set(containing).isSubset(of: Set(listed)), "(\(x), \(y)) : \(containing) hors de \(listed)")
                // A listed envelope touches the point's cell.
                if let c = grid.cell(x: x, y: y) {
                    let i = c % grid.nx
                    let j = c / grid.nx
                    let cell = Envelope(
                        minX: grid.minX + Double(i) * grid.size, minY: grid.minY + Double(j) * grid.size,
                        maxX: grid.minX + Double(i + 1) * grid.size, maxY: grid.minY + Double(j + 1) * grid.size)
                    #expect(listed.allSatisfy { boxes[$0].intersects(cell.expanded(by: 1e-9)) })
                } else {
                    #expect(listed.isEmpty)
                }
            }
        }
        // Tiles are aligned on multiples of their side.
        let tiles = UniformGrid(envelopes: [Envelope(minX: 3150, minY: 4010, maxX: 7900, maxY: 4100)], tileSize: 2000)
        #expect(tiles.minX == 2000 && tiles.minY == 4000 && tiles.nx == 3 && tiles.ny == 1)
        // No envelope: no cell, nothing listed; an absurd coordinate lands in a border cell instead of trapping.
        let none = UniformGrid(envelopes: [], tileSize: 2000)
        var count = 0
        none.forEachCandidate(x: 0, y: 0) { _ in count += 1 }
        #expect(count == 0 && none.nx * none.ny == 0)
        let huge = UniformGrid(
            envelopes: [Envelope(minX: 0, minY: 0, maxX: 1e308, maxY: 10), Envelope(minX: 0, minY: 0, maxX: 1, maxY: 1)], minX: 0, minY: 0,
            size: 1, nx: 4, ny: 4)
        var inLast: [Int] = []
        huge.forEachCandidate(x: 3.5, y: 0.5) { inLast.append($0) }
        #expect(inLast == [0])
    }

    @Test func rtreeNearestMatchesBruteForce() {
        var rng = SplitMix(state: 7)
        let pts = (0..<2000).map { _ in Coordinate(x: Double.random(in: 0..<100, using: &rng), y: Double.random(in: 0..<100, using: &rng)) }
        let tree = PackedRTree(envelopes: pts.map { Envelope(minX: $0.x, minY: $0.y, maxX: $0.x, maxY: $0.y) })
        for _ in 0..<300 {
            let q = Coordinate(x: Double.random(in: -20..<120, using: &rng), y: Double.random(in: -20..<120, using: &rng))
            func d(_ i: Int) -> Double { ((pts[i].x - q.x) * (pts[i].x - q.x) + (pts[i].y - q.y) * (pts[i].y - q.y)).squareRoot() }
            let best = pts.indices.min { d($0) < d($1) }!
            let hit = tree.nearest(x: q.x, y: q.y, distance: d)
            #expect(hit?.distance == d(best))
        }
    }

    @Test func boundaryDistanceEqualsGEOS() throws {
        let ctx = try GeosContext()
        var rng = SplitMix(state: 99)
        var owners: [[PolygonRings]] = []
        var geoms: [Geometry] = []
        for k in 0..<40 {
            let cx = Double(k % 8) * 500 + 100
            let cy = Double(k / 8) * 500 + 100
            let ring = (0..<24).map { i -> Coordinate in
                let a = Double(i) / 24 * 2 * .pi
                let r = Double.random(in: 80..<200, using: &rng)
                return Coordinate(x: cx + r * cos(a), y: cy + r * sin(a))
            }
            let polygon: PolygonRings = [ring + [ring[0]]]
            owners.append([polygon])
            geoms.append(try Geometry.polygon(polygon, context: ctx))
        }
        let index = BoundaryIndex(owners: owners)
        let boundaries = try geoms.map { try $0.boundary() }
        for _ in 0..<400 {
            let x = Double.random(in: -300..<4300, using: &rng)
            let y = Double.random(in: -300..<2800, using: &rng)
            let p = try Geometry.point(x: x, y: y, context: ctx)
            let expected = try boundaries.map { try $0.distance(to: p) }.min()!
            let got = try #require(index.nearest(x: x, y: y))
            #expect(abs(got.distance - expected) < 1e-9)
            #expect(abs((try boundaries[got.owner].distance(to: p)) - expected) < 1e-9)
        }
    }

    @Test func hintsAndGridNeverChangeTheAnswer() throws {
        var rng = SplitMix(state: 1234)
        var owners: [[PolygonRings]] = []
        for k in 0..<200 {
            // Clusters of squares sharing edges, so that exact ties between owners happen.
            let cx = Double(k % 10) * 1000 + Double(k / 100) * 20_000
            let cy = Double((k / 10) % 10) * 1000
            let ring = [
                Coordinate(x: cx, y: cy), Coordinate(x: cx + 1000, y: cy), Coordinate(x: cx + 1000, y: cy + 1000), Coordinate(x: cx, y: cy + 1000),
                Coordinate(x: cx, y: cy),
            ]
            owners.append([[ring]])
        }
        let plain = BoundaryIndex(owners: owners, candidateGridCells: nil)
        let gridded = BoundaryIndex(owners: owners, candidateGridCells: 2048)
        #expect(plain.gridStatistics == nil && gridded.gridStatistics != nil)
        var hint = -1
        var runHint = BoundaryIndex.NearestHint()
        for i in 0..<20_000 {
            let x = i % 3 == 0 ? Double(Int.random(in: -5...45, using: &rng)) * 1000 : Double.random(in: -5000..<45_000, using: &rng)
            let y = i % 3 == 0 ? Double(Int.random(in: -5...15, using: &rng)) * 1000 : Double.random(in: -5000..<15_000, using: &rng)
            let a = try #require(plain.nearest(x: x, y: y))
            let b = try #require(gridded.nearest(x: x, y: y))
            if Int.random(in: 0..<4, using: &rng) == 0 { hint = Int.random(in: 0..<200, using: &rng) }
            let c = try #require(gridded.nearest(x: x, y: y, hint: &hint))
            var cold = Int.random(in: -1..<200, using: &rng)
            let d = try #require(plain.nearest(x: x, y: y, hint: &cold))
            #expect(a.owner == b.owner && a.distance == b.distance, "\(x), \(y)")
            #expect(a.owner == c.owner && a.distance == c.distance, "\(x), \(y) hint")
            #expect(a.owner == d.owner && a.distance == d.distance, "\(x), \(y) tree + hint")
            // The run hint (previous answer's run measured first) of a random previous point, and of a
            // neighbour a few metres away (the case it is made for).
            let e = try #require(gridded.nearest(x: x, y: y, hint: &runHint))
            #expect(a.owner == e.owner && a.distance == e.distance, "\(x), \(y) run hint")
            let nx = x + Double.random(in: -3..<3, using: &rng)
            let ny = y + Double.random(in: -3..<3, using: &rng)
            let f = try #require(gridded.nearest(x: nx, y: ny, hint: &runHint))
            let g = try #require(plain.nearest(x: nx, y: ny))
            #expect(f.owner == g.owner && f.distance == g.distance, "\(nx), \(ny) run hint, neighbour")
        }
        // A hint of another index is ignored, not followed.
        var foreign = BoundaryIndex.NearestHint()
        _ = gridded.nearest(x: 500, y: 500, hint: &foreign)
        let other = BoundaryIndex(owners: [[[[Coordinate(x: 0, y: 0), Coordinate(x: 1, y: 0), Coordinate(x: 0, y: 1), Coordinate(x: 0, y: 0)]]]])
        #expect(other.nearest(x: 500, y: 500, hint: &foreign)?.owner == 0)
    }

    // Fuzzing finding (target `pack`, project CI of 51ab8c5): region starts read from a pack were only
    // checked at both ends, so a damaged middle one (Int64.min, huge) made a difference overflow and trap.
    // Every damaged start, and an infinite or NaN owner box or grid origin, must throw `Corrupt`.
    @Test func damagedSerialisedIndexThrowsInsteadOfTrapping() throws {
        func square(_ x: Double) -> [PolygonRings] {
            [[[Coordinate(x: x, y: 0), Coordinate(x: x + 1, y: 0), Coordinate(x: x + 1, y: 1), Coordinate(x: x, y: 1), Coordinate(x: x, y: 0)]]]
        }
        var w = BinaryWriter()
        BoundaryIndex(owners: [square(0), square(5), square(10)], candidateGridCells: 64).serialize(into: &w)
        let good = w.bytes
        func u64(_ b: [UInt8], _ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(b[at + $1]) << (8 * $1) } }
        func put(_ b: inout [UInt8], _ at: Int, _ bits: UInt64) { for k in 0..<8 { b[at + k] = UInt8(truncatingIfNeeded: bits >> (8 * k)) } }
        func read(_ b: [UInt8]) throws -> BoundaryIndex {
            try b.withUnsafeBytes { raw in
                var r = BinaryReader(raw)
                return try BoundaryIndex(reader: &r)
            }
        }
        #expect(try read(good).polygonCount == 3)
        // Layout: u64 n · n doubles (segments) · u64 4 · 4 Int64 (region starts) · u64 12 · 12 doubles (boxes)
        // · u8 grid flag · minX · minY · size · …
        let starts = 8 + 8 * u64(good, 0) + 8
        #expect(u64(good, starts - 8) == 4)
        for value: Int64 in [.min, -1, .max, .max / 2, 0, 1 << 40] {
            for k in 1...2 {
                var b = good
                put(&b, starts + 8 * k, UInt64(bitPattern: value))
                #expect(throws: BinaryReader.Corrupt.self, "début de région \(k) = \(value)") { _ = try read(b) }
            }
        }
        let boxes = starts + 8 * 4 + 8
        let grid = boxes + 8 * 12 + 1
        #expect(good[grid - 1] == 1)
        for (at, what) in [(boxes, "boîte"), (boxes + 8 * 6, "boîte 2"), (grid, "origine de la grille"), (grid + 16, "taille de maille")] {
            for v in [Double.infinity, -.infinity, .nan] {
                var b = good
                put(&b, at, v.bitPattern)
                #expect(throws: BinaryReader.Corrupt.self, "\(what) = \(v)") { _ = try read(b) }
            }
        }
    }

    @Test func gridCellIds() throws {
        let c = try GridCell(id: "CRS3035RES200mN3073200E3798000")
        #expect(c.northing == 3_073_200)
        #expect(c.easting == 3_798_000)
        #expect(c.id == "CRS3035RES200mN3073200E3798000")
        #expect(c.envelope == Envelope(minX: 3_798_000, minY: 3_073_200, maxX: 3_798_200, maxY: 3_073_400))
        #expect(c.parent1km.id == "CRS3035RES1000mN3073000E3798000")
        #expect(try GridCell(id: "crs3035res1000mn3073000e3798000").resolution == 1000)
        for bad in [
            "CRS3035RES200mE3798000N3073200", "CRS3035RES200mN3073250E3798000", "CRS3035RES300mN3073200E3798000", "CRS2154RES200mN1E2",
            "CRS3035RES200mN3073200E3798000X", "",
        ] {
            #expect(throws: GridCellError.self) { try GridCell(id: bad) }
        }
        #expect(try GridCell(id: "CRS3035RES200mN3073200E3798000").sharesEdge(with: try GridCell(id: "CRS3035RES200mN3073400E3798000")))
        #expect(try !GridCell(id: "CRS3035RES200mN3073200E3798000").sharesEdge(with: try GridCell(id: "CRS3035RES200mN3073400E3798200")))
    }
}
