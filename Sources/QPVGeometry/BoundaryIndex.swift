// `BoundaryIndex`: distance from a point to the nearest boundary of many polygons (flat, cache-friendly runs
// and blocks of segments, candidate grid, serialisable into packs). Point-in-polygon is GEOS's job
// (`PreparedGeometry`); this file answers only "how far from the limit".

import Foundation
import QPVCore

/// Distances from points to the boundaries of many polygons ("owners", e.g. perimeters), in a metric CRS.
///
/// Every ring is cut into *runs* of up to 4 consecutive segments, runs into *blocks* of up to 8 runs; each
/// run, block and owner has its envelope. Each owner's data is one contiguous region of a single array —
/// its block records, then its run records, then its coordinates — so that measuring a point against an
/// owner reads a few neighbouring cache lines (the search is bound by memory, not arithmetic). A query finds
/// candidate owners (a precomputed grid of candidates, or outside it an STR-tree over owner envelopes), then
/// visits blocks and runs nearest box first, cutting off every box farther than the best distance found so
/// far, and computes exact point–segment distances (the computation GEOS's `distance` performs) only
/// inside the remaining runs. Squared distances throughout, one square root at the end.
///
/// All storage is flat arrays of plain values: `Sendable`, shared read-only by every thread, serialisable
/// into a pack.
public final class BoundaryIndex: Sendable {
    /// Region of owner o: `memory[regionStart[o]..<regionStart[o + 1]]` =
    ///   blockCount, then per block (minX, minY, maxX, maxY, firstRun, runCount),
    ///   then per run (minX, minY, maxX, maxY, firstPoint, segmentCount),
    ///   then the points (x, y) of the owner's rings, back to back.
    /// Indices are stored as Doubles (exact below 2^53) and are relative to the region.
    /// In place in the pack's mapped bytes when read from a pack file (`init(reader:checkingStructure:owner:)`).
    private let memory: InPlaceArray<Double>
    private let regionStart: [Int64]
    /// Per owner: envelope as minX, minY, maxX, maxY (candidate pruning without touching the region).
    private let ownerBoxes: [Double]
    private let ownerTree: PackedRTree
    /// Number of owners (polygons or multipolygons) indexed.
    public let polygonCount: Int
    /// Whether the region memory lies in the pack's mapped bytes rather than in a copy (tests).
    public var readsInPlace: Bool { memory.isInPlace }
    /// Candidate owners per grid cell (nil: every query goes through `ownerTree`). Immutable, so queries
    /// read it without a lock.
    private let grid: UniformGrid?

    static let runSize = 4
    static let blockSize = 8
    static let recordSize = 6

    /// - Parameters:
    ///   - owners: for each owner, its polygons' rings in a metric CRS.
    ///   - candidateGridCells: about how many cells the candidate grid has over the owners' extent (nil: no
    ///     grid, queries use the STR-tree alone). On a grid cell, the owners that can hold the nearest
    ///     boundary of any point of the cell are precomputed (bound: the smallest "min-max" distance from the
    ///     cell to an owner's envelope, whose four sides each touch the boundary), so a query examines only
    ///     those. About 0.1 s for 1,575 perimeters; packs store the grid. At most ~1,024 cells per owner.
    public convenience init(owners: [[PolygonRings]], candidateGridCells: Int? = 1 << 16) {
        var memory: [Double] = []
        var regionStart: [Int64] = []
        var ownerBoxes: [Double] = []
        for polygons in owners {
            // Runs of this owner: (envelope, first point, segments), points back to back.
            var points: [Double] = []
            var runs: [(Envelope, Int, Int)] = []
            for polygon in polygons {
                for ring in polygon where ring.count >= 2 {
                    let base = points.count / 2
                    for c in ring { points.append(c.x); points.append(c.y) }
                    var s = 0
                    while s < ring.count - 1 {
                        let len = min(BoundaryIndex.runSize, ring.count - 1 - s)
                        var e = Envelope.empty
                        for k in s...(s + len) { e.expand(x: ring[k].x, y: ring[k].y) }
                        runs.append((e, base + s, len))
                        s += len
                    }
                }
            }
            var blocks: [(Envelope, Int, Int)] = []
            var r = 0
            while r < runs.count {
                let count = min(BoundaryIndex.blockSize, runs.count - r)
                var e = Envelope.empty
                for k in r..<(r + count) { e.expand(runs[k].0) }
                blocks.append((e, r, count))
                r += count
            }
            var ownerBox = Envelope.empty
            for b in blocks { ownerBox.expand(b.0) }
            regionStart.append(Int64(memory.count))
            let runsAt = 1 + BoundaryIndex.recordSize * blocks.count
            let pointsAt = runsAt + BoundaryIndex.recordSize * runs.count
            memory.append(Double(blocks.count))
            for b in blocks {
                memory.append(contentsOf: [b.0.minX, b.0.minY, b.0.maxX, b.0.maxY, Double(runsAt + BoundaryIndex.recordSize * b.1), Double(b.2)])
            }
            for run in runs {
                memory.append(contentsOf: [run.0.minX, run.0.minY, run.0.maxX, run.0.maxY, Double(pointsAt + 2 * run.1), Double(run.2)])
            }
            memory.append(contentsOf: points)
            ownerBoxes.append(contentsOf: [ownerBox.minX, ownerBox.minY, ownerBox.maxX, ownerBox.maxY])
        }
        regionStart.append(Int64(memory.count))
        // At most ~1,024 cells per owner: a pack of a few perimeters (the demonstration pack, compiled at each
        // start) built 65,536 cells, ~0.05 s, for nothing (issue 17). Packs of 64 owners or more are unchanged.
        let cells = candidateGridCells.map { min($0, max(1024, 1024 * owners.count)) }
        self.init(memory: InPlaceArray(memory), regionStart: regionStart, ownerBoxes: ownerBoxes, gridCells: cells)
    }

    /// `grid` when read from a pack; otherwise one of about `gridCells` cells is built (nil: none).
    private init(memory: InPlaceArray<Double>, regionStart: [Int64], ownerBoxes: [Double], grid: UniformGrid? = nil, gridCells: Int? = nil) {
        self.memory = memory
        self.regionStart = regionStart
        self.ownerBoxes = ownerBoxes
        self.polygonCount = ownerBoxes.count / 4
        let envelopes = (0..<(ownerBoxes.count / 4)).map { BoundaryIndex.box($0, of: ownerBoxes) }
        self.ownerTree = PackedRTree(envelopes: envelopes)
        if let grid {
            self.grid = grid
        } else if let gridCells, !envelopes.isEmpty {
            self.grid = BoundaryIndex.candidateGrid(envelopes: envelopes, tree: ownerTree, targetCells: gridCells)
        } else {
            self.grid = nil
        }
    }

    /// Writes the index, candidate grid included (compiled packs store it, so opening a pack builds nothing).
    /// `memory` starts at a file offset that is a multiple of 8 (zero padding before it; `w.origin` must be the
    /// file offset of the writer's first byte), so that a pack file's mapping holds it ready to read.
    public func serialize(into w: inout BinaryWriter) {
        w.pad(toMultipleOf: 8)
        w.write(array: memory)
        w.write(array: regionStart)
        w.write(array: ownerBoxes)
        if let g = grid {
            w.write(UInt8(1))
            w.write(g.minX)
            w.write(g.minY)
            w.write(g.size)
            w.write(UInt64(g.nx))
            w.write(UInt64(g.ny))
            w.write(array: g.offsets)
            w.write(array: g.items)
        } else {
            w.write(UInt8(0))
        }
    }

    /// Reads an index written by `serialize`, checking every region's structure (a damaged pack must not
    /// make a query read out of bounds). `checkingStructure: false` skips the checks that read every region and
    /// grid cell, for bytes already checked in this state (a pack file remembered as verified, whose `.verified`
    /// note is written only after these checks passed): a single query then touches only what it reads.
    /// With `owner`, the object that keeps `r`'s bytes alive (a `StableBytes`), the region memory is read in
    /// place, not copied (6 MB for the national pack).
    public convenience init(reader r: inout BinaryReader, checkingStructure: Bool = true, owner: AnyObject? = nil) throws {
        try r.skipPadding(toMultipleOf: 8)
        let memory = try r.readArrayInPlace(of: Double.self, owner: owner)
        let regionStart = try r.readArray(of: Int64.self)
        let ownerBoxes = try r.readArray(of: Double.self)
        let corrupt = BinaryReader.Corrupt(offset: r.offset)
        guard ownerBoxes.count % 4 == 0, regionStart.count == ownerBoxes.count / 4 + 1, regionStart.first == 0,
            regionStart.last == Int64(memory.count),
            // Every region starts after the previous one and inside `memory`: the sizes below are then small
            // non-negative numbers (no overflow in the differences and products, no read outside `memory`).
            zip(regionStart, regionStart.dropFirst()).allSatisfy({ $0 < $1 })
        else { throw corrupt }
        func index(_ v: Double, below limit: Int) throws -> Int {
            guard v >= 0, v < Double(limit) else { throw corrupt }  // NaN fails here too
            let i = Int(v)  // in range: no trap; integral when it converts back (no call to libm's round)
            guard Double(i) == v else { throw corrupt }
            return i
        }
        for o in 0..<(checkingStructure ? regionStart.count - 1 : 0) {
            guard BoundaryIndex.box(o, of: ownerBoxes).isWellFormed else { throw corrupt }
            let a = Int(regionStart[o])
            let size = Int(regionStart[o + 1]) - a
            guard size >= 1 else { throw corrupt }
            let blocks = try index(memory[a], below: size)
            guard 1 + BoundaryIndex.recordSize * blocks <= size else { throw corrupt }
            for b in 0..<blocks {
                let rec = a + 1 + BoundaryIndex.recordSize * b
                let first = try index(memory[rec + 4], below: size)
                let count = try index(memory[rec + 5], below: BoundaryIndex.blockSize + 1)
                guard first + BoundaryIndex.recordSize * count <= size else { throw corrupt }
                for k in 0..<count {
                    let run = a + first + BoundaryIndex.recordSize * k
                    let p = try index(memory[run + 4], below: size)
                    let segments = try index(memory[run + 5], below: size)
                    guard segments >= 1, p + 2 * (segments + 1) <= size else { throw corrupt }
                }
            }
        }
        var grid: UniformGrid?
        if try r.read(UInt8.self) == 1 {
            let minX = try r.readDouble()
            let minY = try r.readDouble()
            let size = try r.readDouble()
            let nx = Int(truncatingIfNeeded: try r.read(UInt64.self))
            let ny = Int(truncatingIfNeeded: try r.read(UInt64.self))
            let offsets = try r.readArray(of: Int32.self)
            let owners = try r.readArray(of: Int32.self)
            guard nx > 0, ny > 0, nx < 1 << 20, ny < 1 << 20, size > 0, size.isFinite, minX.isFinite, minY.isFinite, offsets.count == nx * ny + 1,
                offsets.first == 0,
                offsets.last.map(Int.init) == owners.count,
                !checkingStructure
                    || (zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 })
                        && owners.allSatisfy({ $0 >= 0 && Int($0) < ownerBoxes.count / 4 }))
            else { throw corrupt }
            grid = UniformGrid(minX: minX, minY: minY, size: size, nx: nx, ny: ny, offsets: offsets, items: owners)
        }
        self.init(memory: memory, regionStart: regionStart, ownerBoxes: ownerBoxes, grid: grid)
    }

    /// Number of boundary segments stored, over every owner.
    public var segmentCount: Int {
        var n = 0
        for o in 0..<polygonCount {
            let a = Int(regionStart[o])
            for b in 0..<Int(memory[a]) {
                let rec = a + 1 + BoundaryIndex.recordSize * b
                for k in 0..<Int(memory[rec + 5]) { n += Int(memory[a + Int(memory[rec + 4]) + BoundaryIndex.recordSize * k + 5]) }
            }
        }
        return n
    }

    /// Envelope of one owner.
    public func envelope(ofOwner o: Int) -> Envelope { BoundaryIndex.box(o, of: ownerBoxes) }

    /// Owner `o`'s box in `boxes` (four doubles per owner: minX, minY, maxX, maxY).
    private static func box(_ o: Int, of boxes: [Double]) -> Envelope {
        Envelope(minX: boxes[4 * o], minY: boxes[4 * o + 1], maxX: boxes[4 * o + 2], maxY: boxes[4 * o + 3])
    }

    /// The nearest boundary to (x, y): its owner's index and the distance, or nil when there is no polygon
    /// (or none within `maxDistance`). Among owners at exactly the same distance, the lowest index wins
    /// (whichever path answers).
    public func nearest(x: Double, y: Double, maxDistance: Double = .infinity) -> (owner: Int, distance: Double)? {
        var hint = -1
        return nearest(x: x, y: y, maxDistance: maxDistance, hint: &hint)
    }

    /// Like `nearest(x:y:maxDistance:)`, trying first the owner `hint` (the previous answer, for points
    /// visited in spatial order): its exact distance, usually read from cache, bounds the search so that the
    /// other candidates are mostly cut off by their envelope. `hint` is updated with the answer. The result
    /// is the same as without a hint, ties included (lowest index).
    public func nearest(x: Double, y: Double, maxDistance: Double = .infinity, hint: inout Int) -> (owner: Int, distance: Double)? {
        var full = NearestHint()
        full.owner = hint
        full.index = ObjectIdentifier(self)
        defer { hint = full.owner }
        return nearest(x: x, y: y, maxDistance: maxDistance, hint: &full)
    }

    /// The previous answer of `nearest`, kept between points visited in spatial order: its owner and the run
    /// of segments that held its nearest boundary. The next query measures that run first, so that the
    /// owner's other blocks are cut off by their boxes at once. Opaque: start from `NearestHint()`, one per
    /// index (a hint of another index is ignored).
    public struct NearestHint: Sendable {
        var owner = -1
        /// Position in `memory` of the run record, -1 when unknown.
        var run = -1
        var index: ObjectIdentifier?
        /// No previous answer.
        public init() {}
    }

    /// Like `nearest(x:y:maxDistance:hint:)` with an owner hint, also starting from the run that held the
    /// previous answer. Same result as without a hint, ties included.
    public func nearest(x: Double, y: Double, maxDistance: Double = .infinity, hint: inout NearestHint) -> (owner: Int, distance: Double)? {
        let bound2 = maxDistance.isInfinite ? Double.infinity : maxDistance * maxDistance
        if hint.index != ObjectIdentifier(self) {
            hint = NearestHint()
            hint.index = ObjectIdentifier(self)
        }
        guard let grid, let cell = grid.cell(x: x, y: y) else {
            guard
                let hit = ownerTree.nearestSquared(
                    x: x, y: y, maxSquaredDistance: bound2, boundedSquaredDistance: { ownerDistanceSquared($0, x: x, y: y, bound: $1) })
            else {
                hint.owner = -1
                hint.run = -1
                return nil
            }
            hint.owner = hit.index
            hint.run = -1
            return (hit.index, hit.squaredDistance.squareRoot())
        }
        var best = -1
        var best2 = bound2
        var bestRun = -1
        // Plain loops over unsafe buffers: a closure capturing `best` and `best2` would box them on the heap
        // (an allocation and dynamic exclusivity checks on every query; callgrind, issue 17).
        memory.withUnsafeBufferPointer { all in
            regionStart.withUnsafeBufferPointer { starts in
                let base = all.baseAddress!
                let owner = hint.owner
                if owner >= 0 && owner < polygonCount {
                    let a = Int(starts[owner])
                    // The previous run, if it is one of this owner's (positions come from this index only).
                    let size = Int(starts[owner + 1]) - a
                    var seed = hint.run - a
                    if seed <= 0 || seed + BoundaryIndex.recordSize > size {
                        seed = -1
                    } else {
                        let p = base[hint.run + 4]
                        let segments = base[hint.run + 5]
                        if !(p >= 0 && p == p.rounded() && segments >= 1 && segments <= Double(BoundaryIndex.runSize)
                            && p + 2 * (segments + 1) <= Double(size))
                        {
                            seed = -1
                        }
                    }
                    var run = -1
                    let d2 = BoundaryIndex.ownerDistanceSquared(base + a, x: x, y: y, bound: best2, seedRun: seed, bestRun: &run)
                    if d2.isFinite && d2 <= best2 {
                        best2 = d2
                        best = owner
                        bestRun = a + run
                    }
                }
                let lo = Int(grid.offsets[cell])
                let hi = Int(grid.offsets[cell + 1])
                guard lo < hi else { return }
                ownerBoxes.withUnsafeBufferPointer { boxes in
                    grid.items.withUnsafeBufferPointer { items in
                        for k in lo..<hi {
                            let owner = Int(items[k])
                            guard owner != best, BoundaryIndex.boxDistance2(boxes, owner, x, y) <= best2 else { continue }
                            let a = Int(starts[owner])
                            var run = -1
                            let d2 = BoundaryIndex.ownerDistanceSquared(base + a, x: x, y: y, bound: best2, seedRun: -1, bestRun: &run)
                            guard d2.isFinite else { continue }
                            // On a tie the lower index wins.
                            if d2 < best2 || best < 0 || (d2 == best2 && owner < best) {
                                best2 = d2
                                best = owner
                                bestRun = a + run
                            }
                        }
                    }
                }
            }
        }
        hint.owner = best
        hint.run = best >= 0 ? bestRun : -1
        return best >= 0 ? (best, best2.squareRoot()) : nil
    }

    /// Distance from (x, y) to the boundary of one given owner.
    public func distance(x: Double, y: Double, toOwner owner: Int) -> Double {
        ownerDistanceSquared(owner, x: x, y: y, bound: .infinity).squareRoot()
    }

    @inline(__always)
    static func boxDistance2(_ b: UnsafeBufferPointer<Double>, _ i: Int, _ x: Double, _ y: Double) -> Double {
        let o = 4 &* i
        let dx = gap(x, b[o], b[o &+ 2])
        let dy = gap(y, b[o &+ 1], b[o &+ 3])
        return dx * dx + dy * dy
    }

    /// The larger of two values, written so that the compiler emits `maxsd` (no branch).
    @inline(__always)
    static func larger(_ a: Double, _ b: Double) -> Double { a > b ? a : b }

    /// Moves the nearest of `order[q..<n]` to `q`: a selection step by conditional moves (which box is
    /// nearer is close to random).
    @inline(__always)
    static func selectNearest(_ order: UnsafeMutableBufferPointer<(Double, Int32)>, from q: Int, count n: Int) {
        var k = q
        var j = q &+ 1
        while j < n {
            k = order[j].0 < order[k].0 ? j : k
            j &+= 1
        }
        if k != q { order.swapAt(q, k) }
    }

    /// 1 when `d <= limit`, else 0, from the comparison's flag: written as a select, the compiler made it a
    /// branch (x86 needs two flags for `<=` on doubles), mispredicted about one time in three.
    @inline(__always)
    static func oneUnlessAbove(_ d: Double, _ limit: Double) -> Int {
        1 &- Int(truncatingIfNeeded: unsafeBitCast(d > limit, to: UInt8.self))
    }

    /// Distance from `v` to the interval [lo, hi] (0 inside): `lo - v` below, `v - hi` above — the same
    /// subtractions as the comparisons would choose, computed without branches. Whether a point is left of,
    /// right of or inside a box is close to random from one box to the next: branches there were most of the
    /// nearest-boundary search's mispredictions (cachegrind --branch-sim, issue 17).
    @inline(__always)
    static func gap(_ v: Double, _ lo: Double, _ hi: Double) -> Double { larger(larger(lo - v, v - hi), 0) }

    /// Squared distance from (x, y) to the box of the record at `m[at]` (minX, minY, maxX, maxY).
    @inline(__always)
    static func recordDistance2(_ m: UnsafePointer<Double>, _ at: Int, _ x: Double, _ y: Double) -> Double {
        let dx = gap(x, m[at], m[at &+ 2])
        let dy = gap(y, m[at &+ 1], m[at &+ 3])
        return dx * dx + dy * dy
    }

    /// Squared distance to an owner's boundary if at most `bound` (ties included), otherwise +infinity.
    @inline(__always)
    private func ownerDistanceSquared(_ owner: Int, x: Double, y: Double, bound: Double) -> Double {
        memory.withUnsafeBufferPointer { all in
            var run = -1
            return BoundaryIndex.ownerDistanceSquared(
                all.baseAddress! + Int(regionStart[owner]), x: x, y: y, bound: bound, seedRun: -1, bestRun: &run)
        }
    }

    /// `ownerDistanceSquared` over the owner's region `m`. `seedRun` (a run record's position in the region,
    /// or -1) is measured first: a real distance to the boundary, it cuts off the other blocks by their boxes
    /// without changing the minimum. `bestRun` receives the run record holding the answer. No closure captures
    /// the running best (it would be boxed on the heap on every call): the helpers take it `inout`.
    @inline(__always)
    static func ownerDistanceSquared(_ m: UnsafePointer<Double>, x: Double, y: Double, bound: Double, seedRun: Int, bestRun: inout Int) -> Double {
        var best2 = Double.infinity
        var limit = bound
        if seedRun >= 0 {
            let d2 = BoundaryIndex.runDistanceSquared(m, seedRun, x, y)
            if d2 <= limit {
                best2 = d2
                limit = d2
                bestRun = seedRun
            }
        }
        let blocks = Int(m[0])
        let size = BoundaryIndex.recordSize
        // Blocks nearest box first (few per owner: selection on the stack). Kept without branches where the
        // outcome is close to random (which boxes pass, which is nearer): compaction by a 0/1 increment,
        // selection by conditional moves.
        withUnsafeTemporaryAllocation(of: (Double, Int32).self, capacity: max(blocks, 1)) { order in
            var n = 0
            for b in 0..<blocks {
                let at = 1 &+ size &* b
                let d = BoundaryIndex.recordDistance2(m, at, x, y)
                order[n] = (d, Int32(truncatingIfNeeded: at))
                n &+= BoundaryIndex.oneUnlessAbove(d, limit)
            }
            for q in 0..<n {
                BoundaryIndex.selectNearest(order, from: q, count: n)
                if order[q].0 > limit { break }
                let at = Int(order[q].1)
                scanRuns(m, Int(m[at &+ 4]), Int(m[at &+ 5]), x, y, &best2, &limit, &bestRun)
            }
        }
        return best2
    }

    /// The runs `first ..< first + count` records of a block, nearest box first (up to 8, selection on the
    /// stack, same branch-free forms as the blocks): exact segment distances inside those not cut off by
    /// `limit`. Which of two runs at exactly the same distance becomes `bestRun` depends on the visiting
    /// order; the distance does not (it is the minimum), and `bestRun` only seeds the next query.
    @inline(__always)
    static func scanRuns(
        _ m: UnsafePointer<Double>, _ first: Int, _ count: Int, _ x: Double, _ y: Double, _ best2: inout Double, _ limit: inout Double,
        _ bestRun: inout Int
    ) {
        let size = BoundaryIndex.recordSize
        withUnsafeTemporaryAllocation(of: (Double, Int32).self, capacity: BoundaryIndex.blockSize) { order in
            var n = 0
            for k in 0..<min(count, BoundaryIndex.blockSize) {
                let at = first &+ size &* k
                let d = BoundaryIndex.recordDistance2(m, at, x, y)
                order[n] = (d, Int32(truncatingIfNeeded: at))
                n &+= BoundaryIndex.oneUnlessAbove(d, limit)
            }
            for q in 0..<n {
                BoundaryIndex.selectNearest(order, from: q, count: n)
                if order[q].0 > limit { break }
                let at = Int(order[q].1)
                var p = Int(m[at &+ 4])
                let segments = Int(m[at &+ 5])
                var ax = m[p]
                var ay = m[p &+ 1]
                for _ in 0..<segments {
                    p &+= 2
                    let bx = m[p]
                    let by = m[p &+ 1]
                    let d2 = BoundaryIndex.segmentDistanceSquared(px: x, py: y, ax: ax, ay: ay, bx: bx, by: by)
                    let better = d2 <= limit && d2 < best2
                    best2 = better ? d2 : best2
                    limit = better ? d2 : limit
                    bestRun = better ? at : bestRun
                    ax = bx
                    ay = by
                }
            }
        }
    }

    /// Squared distance from (x, y) to the segments of the run record at `m[at]` (same arithmetic as `scanRuns`).
    @inline(__always)
    static func runDistanceSquared(_ m: UnsafePointer<Double>, _ at: Int, _ x: Double, _ y: Double) -> Double {
        var p = Int(m[at + 4])
        var ax = m[p]
        var ay = m[p + 1]
        var best2 = Double.infinity
        for _ in 0..<Int(m[at + 5]) {
            p += 2
            let bx = m[p]
            let by = m[p + 1]
            best2 = min(best2, BoundaryIndex.segmentDistanceSquared(px: x, py: y, ax: ax, ay: ay, bx: bx, by: by))
            ax = bx
            ay = by
        }
        return best2
    }

    /// Size of the candidate grid: cells, cell side, mean candidates per cell (nil: no grid).
    public var gridStatistics: (cells: Int, cellSize: Double, meanCandidates: Double)? {
        grid.map { ($0.nx * $0.ny, $0.size, $0.statistics.meanItems) }
    }

    /// Squared distance from P to segment AB (projection clamped to the segment).
    @inline(__always)
    public static func segmentDistanceSquared(px: Double, py: Double, ax: Double, ay: Double, bx: Double, by: Double) -> Double {
        let dx = bx - ax
        let dy = by - ay
        let len2 = dx * dx + dy * dy
        var t = 0.0
        if len2 > 0 {
            t = ((px - ax) * dx + (py - ay) * dy) / len2
            t = BoundaryIndex.larger(t, 0)  // clamped without branches (maxsd, minsd); -0 becomes +0: same distance
            t = t < 1 ? t : 1
        }
        let qx = ax + t * dx - px
        let qy = ay + t * dy - py
        return qx * qx + qy * qy
    }
}
/// The nearest-boundary candidates of `BoundaryIndex`, one `UniformGrid` cell at a time.
extension BoundaryIndex {
    /// On each cell of a grid of about `targetCells` cells over the owners' extent (plus a margin, so that nearby
    /// points use it too), the owners that can hold the nearest boundary of a point of the cell.
    static func candidateGrid(envelopes: [Envelope], tree: PackedRTree, targetCells: Int) -> UniformGrid {
        var extent = Envelope.empty
        for e in envelopes { extent.expand(e) }
        // A margin around the perimeters so nearby points use the grid too.
        let margin = max(extent.width, extent.height) * 0.05 + 1000
        extent = extent.expanded(by: margin)
        let size = max(((extent.width * extent.height) / Double(targetCells)).squareRoot(), 50)
        let nx = max(1, Int((extent.width / size).rounded(.up)))
        let ny = max(1, Int((extent.height / size).rounded(.up)))
        var offsets = [Int32](repeating: 0, count: nx * ny + 1)
        var owners: [Int32] = []
        owners.reserveCapacity(nx * ny * 4)
        for j in 0..<ny {
            for i in 0..<nx {
                let cell = Envelope(
                    minX: extent.minX + Double(i) * size, minY: extent.minY + Double(j) * size,
                    maxX: extent.minX + Double(i + 1) * size, maxY: extent.minY + Double(j + 1) * size)
                let c = cell.center
                // A first owner near the cell gives a bound; the owners within that bound of the cell refine it.
                var bound = Double.infinity
                if let near = tree.nearest(x: c.x, y: c.y, distance: { envelopes[$0].distance(x: c.x, y: c.y) }) {
                    bound = BoundaryIndex.minMaxDistance(cell, envelopes[near.index])
                }
                var candidates = tree.query(cell.expanded(by: bound))
                for o in candidates { bound = min(bound, BoundaryIndex.minMaxDistance(cell, envelopes[o])) }
                candidates = candidates.filter { BoundaryIndex.minDistance(cell, envelopes[$0]) <= bound * (1 + 1e-12) }
                candidates.sort()
                owners.append(contentsOf: candidates.map { Int32($0) })
                offsets[j * nx + i + 1] = Int32(owners.count)
            }
        }
        return UniformGrid(minX: extent.minX, minY: extent.minY, size: size, nx: nx, ny: ny, offsets: offsets, items: owners)
    }

    /// Smallest distance between two boxes.
    static func minDistance(_ a: Envelope, _ b: Envelope) -> Double {
        let dx = max(0, max(a.minX - b.maxX, b.minX - a.maxX))
        let dy = max(0, max(a.minY - b.maxY, b.minY - a.maxY))
        return (dx * dx + dy * dy).squareRoot()
    }

    /// An upper bound, valid for every point of `cell`, of the distance to a boundary whose envelope is `e`:
    /// each side of `e` holds a boundary point, so the distance is at most the largest distance from the
    /// cell to that side; take the best side.
    static func minMaxDistance(_ cell: Envelope, _ e: Envelope) -> Double {
        let sides = [
            (Coordinate(x: e.minX, y: e.minY), Coordinate(x: e.maxX, y: e.minY)),
            (Coordinate(x: e.minX, y: e.maxY), Coordinate(x: e.maxX, y: e.maxY)),
            (Coordinate(x: e.minX, y: e.minY), Coordinate(x: e.minX, y: e.maxY)),
            (Coordinate(x: e.maxX, y: e.minY), Coordinate(x: e.maxX, y: e.maxY)),
        ]
        let corners = [
            Coordinate(x: cell.minX, y: cell.minY), Coordinate(x: cell.maxX, y: cell.minY),
            Coordinate(x: cell.minX, y: cell.maxY), Coordinate(x: cell.maxX, y: cell.maxY),
        ]
        var best = Double.infinity
        for (a, b) in sides {
            var worst = 0.0
            for c in corners {
                for q in [a, b] { worst = max(worst, (c.x - q.x) * (c.x - q.x) + (c.y - q.y) * (c.y - q.y)) }
            }
            best = min(best, worst)
        }
        return best.squareRoot()
    }
}
