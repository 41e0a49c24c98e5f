import Foundation
import QPVCore
import Synchronization

/// Distances from points to the boundaries of many polygons ("owners", e.g. perimeters), in a metric CRS.
///
/// Layout, all flat arrays (`Sendable`, shared read-only by every thread, serialisable into a pack):
/// every ring is cut into *runs* of up to 8 consecutive segments, runs into *blocks* of up to 8 runs of the
/// same owner; each run, block and owner has its envelope. A query finds candidate owners (an STR-tree over
/// owner envelopes, or for batches a precomputed grid of candidates), then scans an owner's blocks and runs
/// contiguously, skipping every box farther than the best distance found so far, and computes exact
/// point–segment distances (the computation GEOS's `distance` performs) only inside the remaining runs.
/// Squared distances throughout, one square root at the end.
public final class BoundaryIndex: Sendable {
    /// Segment endpoints, interleaved x, y, per ring (rings stored back to back).
    private let xy: [Double]
    /// Per run: first point (index into xy / 2) and number of segments.
    private let runStart: [Int32]
    private let runLength: [UInt8]
    /// Per run / block / owner: envelope as minX, minY, maxX, maxY.
    private let runBoxes: [Double]
    private let blockBoxes: [Double]
    private let ownerBoxes: [Double]
    /// Block b holds runs blockRuns[b]..<blockRuns[b + 1]; owner o holds blocks ownerBlocks[o]..<ownerBlocks[o + 1].
    private let blockRuns: [Int32]
    private let ownerBlocks: [Int32]
    private let ownerTree: PackedRTree
    public let polygonCount: Int
    /// Candidate owners per grid cell, built on the first large batch (`prepareForBatches`).
    private let grid = Mutex<CandidateGrid?>(nil)

    static let runSize = 8
    static let blockSize = 8

    /// - Parameter owners: for each owner, its polygons' rings in a metric CRS.
    public convenience init(owners: [[PolygonRings]]) {
        var xy: [Double] = []
        var runStart: [Int32] = []
        var runLength: [UInt8] = []
        var runBoxes: [Double] = []
        var blockBoxes: [Double] = []
        var blockRuns: [Int32] = []
        var ownerBoxes: [Double] = []
        var ownerBlocks: [Int32] = []
        func append(_ e: Envelope, to boxes: inout [Double]) { boxes.append(contentsOf: [e.minX, e.minY, e.maxX, e.maxY]) }
        for polygons in owners {
            ownerBlocks.append(Int32(blockRuns.count))
            var ownerBox = Envelope.empty
            var blockBox = Envelope.empty
            var runsInBlock = 0
            func closeBlock() {
                guard runsInBlock > 0 else { return }
                append(blockBox, to: &blockBoxes)
                ownerBox.expand(blockBox)
                blockBox = .empty
                runsInBlock = 0
            }
            for polygon in polygons {
                for ring in polygon where ring.count >= 2 {
                    let base = xy.count / 2
                    for c in ring { xy.append(c.x); xy.append(c.y) }
                    var s = 0
                    let segments = ring.count - 1
                    while s < segments {
                        if runsInBlock == 0 { blockRuns.append(Int32(runStart.count)) }
                        let len = min(BoundaryIndex.runSize, segments - s)
                        var e = Envelope.empty
                        for k in s...(s + len) { e.expand(x: ring[k].x, y: ring[k].y) }
                        runStart.append(Int32(base + s))
                        runLength.append(UInt8(len))
                        append(e, to: &runBoxes)
                        blockBox.expand(e)
                        runsInBlock += 1
                        if runsInBlock == BoundaryIndex.blockSize { closeBlock() }
                        s += len
                    }
                }
            }
            closeBlock()
            append(ownerBox, to: &ownerBoxes)
        }
        ownerBlocks.append(Int32(blockRuns.count))
        blockRuns.append(Int32(runStart.count))
        self.init(xy: xy, runStart: runStart, runLength: runLength, runBoxes: runBoxes, blockBoxes: blockBoxes,
                  ownerBoxes: ownerBoxes, blockRuns: blockRuns, ownerBlocks: ownerBlocks)
    }

    private init(xy: [Double], runStart: [Int32], runLength: [UInt8], runBoxes: [Double], blockBoxes: [Double],
                 ownerBoxes: [Double], blockRuns: [Int32], ownerBlocks: [Int32]) {
        self.xy = xy
        self.runStart = runStart
        self.runLength = runLength
        self.runBoxes = runBoxes
        self.blockBoxes = blockBoxes
        self.ownerBoxes = ownerBoxes
        self.blockRuns = blockRuns
        self.ownerBlocks = ownerBlocks
        self.polygonCount = ownerBoxes.count / 4
        self.ownerTree = PackedRTree(envelopes: (0..<(ownerBoxes.count / 4)).map {
            Envelope(minX: ownerBoxes[4 * $0], minY: ownerBoxes[4 * $0 + 1], maxX: ownerBoxes[4 * $0 + 2], maxY: ownerBoxes[4 * $0 + 3])
        })
    }

    /// Writes the index (compiled packs store it, so opening a pack builds nothing).
    public func serialize(into w: inout BinaryWriter) {
        w.write(array: xy)
        w.write(array: runStart)
        w.write(array: runLength)
        w.write(array: runBoxes)
        w.write(array: blockBoxes)
        w.write(array: ownerBoxes)
        w.write(array: blockRuns)
        w.write(array: ownerBlocks)
    }

    /// Reads an index written by `serialize`, checking that its arrays are consistent.
    public convenience init(reader r: inout BinaryReader) throws {
        let xy = try r.readArray(of: Double.self)
        let runStart = try r.readArray(of: Int32.self)
        let runLength = try r.readArray(of: UInt8.self)
        let runBoxes = try r.readArray(of: Double.self)
        let blockBoxes = try r.readArray(of: Double.self)
        let ownerBoxes = try r.readArray(of: Double.self)
        let blockRuns = try r.readArray(of: Int32.self)
        let ownerBlocks = try r.readArray(of: Int32.self)
        let runs = runStart.count
        let blocks = blockBoxes.count / 4
        guard runLength.count == runs, runBoxes.count == 4 * runs, blockRuns.count == blocks + 1, ownerBlocks.count == ownerBoxes.count / 4 + 1,
            ownerBoxes.count % 4 == 0, blockBoxes.count % 4 == 0, blockRuns.last.map(Int.init) == runs, ownerBlocks.last.map(Int.init) == blocks,
            zip(runStart, runLength).allSatisfy({ Int($0) >= 0 && 2 * (Int($0) + Int($1)) < xy.count + 1 })
        else { throw BinaryReader.Corrupt(offset: r.offset) }
        self.init(xy: xy, runStart: runStart, runLength: runLength, runBoxes: runBoxes, blockBoxes: blockBoxes,
                  ownerBoxes: ownerBoxes, blockRuns: blockRuns, ownerBlocks: ownerBlocks)
    }

    public var segmentCount: Int { runLength.reduce(0) { $0 + Int($1) } }

    /// Envelope of one owner.
    public func envelope(ofOwner o: Int) -> Envelope {
        Envelope(minX: ownerBoxes[4 * o], minY: ownerBoxes[4 * o + 1], maxX: ownerBoxes[4 * o + 2], maxY: ownerBoxes[4 * o + 3])
    }

    /// The nearest boundary to (x, y): its owner's index and the distance, or nil when there is no polygon
    /// (or none within `maxDistance`). Among owners at exactly the same distance, the lowest index wins
    /// (whichever path answers).
    public func nearest(x: Double, y: Double, maxDistance: Double = .infinity) -> (owner: Int, distance: Double)? {
        let bound2 = maxDistance.isInfinite ? Double.infinity : maxDistance * maxDistance
        if let grid = gridSnapshot, let cell = grid.cell(x: x, y: y) {
            var best = -1
            var best2 = bound2
            ownerBoxes.withUnsafeBufferPointer { boxes in
                grid.forEachCandidate(cell) { owner in
                    guard BoundaryIndex.boxDistance2(boxes, owner, x, y) <= best2 else { return }
                    let d2 = ownerDistanceSquared(owner, x: x, y: y, bound: best2)
                    // Candidates come in ascending order: on a tie the lower index, found first, stays.
                    if d2 < best2 || (best < 0 && d2 <= best2 && d2.isFinite) {
                        best2 = d2
                        best = owner
                    }
                }
            }
            return best >= 0 ? (best, best2.squareRoot()) : nil
        }
        guard let hit = ownerTree.nearestSquared(x: x, y: y, maxSquaredDistance: bound2, boundedSquaredDistance: { ownerDistanceSquared($0, x: x, y: y, bound: $1) }) else {
            return nil
        }
        return (hit.index, hit.squaredDistance.squareRoot())
    }

    /// Distance from (x, y) to the boundary of one given owner.
    public func distance(x: Double, y: Double, toOwner owner: Int) -> Double {
        ownerDistanceSquared(owner, x: x, y: y, bound: .infinity).squareRoot()
    }

    @inline(__always)
    static func boxDistance2(_ b: UnsafeBufferPointer<Double>, _ i: Int, _ x: Double, _ y: Double) -> Double {
        let o = 4 * i
        let dx = x < b[o] ? b[o] - x : (x > b[o + 2] ? x - b[o + 2] : 0)
        let dy = y < b[o + 1] ? b[o + 1] - y : (y > b[o + 3] ? y - b[o + 3] : 0)
        return dx * dx + dy * dy
    }

    /// Squared distance to an owner's boundary if at most `bound`, otherwise +infinity.
    @inline(__always)
    private func ownerDistanceSquared(_ owner: Int, x: Double, y: Double, bound: Double) -> Double {
        let first = Int(ownerBlocks[owner])
        let last = Int(ownerBlocks[owner + 1])
        return xy.withUnsafeBufferPointer { p in
            runBoxes.withUnsafeBufferPointer { rb in
                blockBoxes.withUnsafeBufferPointer { bb in
                    runStart.withUnsafeBufferPointer { rs in
                        runLength.withUnsafeBufferPointer { rl in
                            blockRuns.withUnsafeBufferPointer { br in
                                // Exact minimum over the segments that can reach `bound` (ties included);
                                // +infinity when none can.
                                var best2 = Double.infinity
                                var limit = bound
                                func scan(_ b: Int) {
                                    for r in Int(br[b])..<Int(br[b + 1]) where BoundaryIndex.boxDistance2(rb, r, x, y) <= limit {
                                        let s = Int(rs[r])
                                        var ax = p[2 * s]
                                        var ay = p[2 * s + 1]
                                        for k in 1...Int(rl[r]) {
                                            let bx = p[2 * (s + k)]
                                            let by = p[2 * (s + k) + 1]
                                            let d2 = BoundaryIndex.segmentDistanceSquared(px: x, py: y, ax: ax, ay: ay, bx: bx, by: by)
                                            if d2 <= limit && d2 < best2 {
                                                best2 = d2
                                                limit = d2
                                            }
                                            ax = bx
                                            ay = by
                                        }
                                    }
                                }
                                // The closest block first, so that the others are mostly skipped.
                                var nearestBlock = first
                                var nearestD2 = Double.infinity
                                for b in first..<last {
                                    let d2 = BoundaryIndex.boxDistance2(bb, b, x, y)
                                    if d2 < nearestD2 {
                                        nearestD2 = d2
                                        nearestBlock = b
                                    }
                                }
                                guard nearestD2 <= limit else { return .infinity }
                                scan(nearestBlock)
                                for b in first..<last where b != nearestBlock && BoundaryIndex.boxDistance2(bb, b, x, y) <= limit { scan(b) }
                                return best2
                            }
                        }
                    }
                }
            }
        }
    }

    private var gridSnapshot: CandidateGrid? { grid.withLock { $0 } }

    /// Size of the candidate grid once built: cells, cell side, mean candidates per cell.
    public var gridStatistics: (cells: Int, cellSize: Double, meanCandidates: Double)? {
        gridSnapshot.map { ($0.nx * $0.ny, $0.size, Double($0.owners.count) / Double($0.nx * $0.ny)) }
    }

    /// Precomputes, on a grid of about `cells` cells over the owners' extent, which owners can hold the
    /// nearest boundary of any point of each cell (bound: the smallest "min-max" distance from the cell to an
    /// owner's envelope, whose four sides each touch the boundary). Later `nearest` calls inside the grid
    /// then examine only those owners. Worth it for batches of many points; idempotent and thread-safe.
    public func prepareForBatches(cells: Int = 1 << 16) {
        if gridSnapshot != nil || polygonCount == 0 { return }
        grid.withLock { g in
            if g == nil { g = CandidateGrid(envelopes: (0..<polygonCount).map(envelope(ofOwner:)), tree: ownerTree, targetCells: cells) }
        }
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
            if t < 0 { t = 0 } else if t > 1 { t = 1 }
        }
        let qx = ax + t * dx - px
        let qy = ay + t * dy - py
        return qx * qx + qy * qy
    }
}
/// Candidate owners per cell of a regular grid (CSR arrays), for `BoundaryIndex.nearest`.
struct CandidateGrid: Sendable {
    let minX: Double
    let minY: Double
    let size: Double
    let nx: Int
    let ny: Int
    let offsets: [Int32]
    let owners: [Int32]

    init(envelopes: [Envelope], tree: PackedRTree, targetCells: Int) {
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
                    bound = CandidateGrid.minMaxDistance(cell, envelopes[near.index])
                }
                var candidates = tree.query(cell.expanded(by: bound))
                for o in candidates { bound = min(bound, CandidateGrid.minMaxDistance(cell, envelopes[o])) }
                candidates = candidates.filter { CandidateGrid.minDistance(cell, envelopes[$0]) <= bound * (1 + 1e-12) }
                candidates.sort()
                owners.append(contentsOf: candidates.map { Int32($0) })
                offsets[j * nx + i + 1] = Int32(owners.count)
            }
        }
        self.minX = extent.minX
        self.minY = extent.minY
        self.size = size
        self.nx = nx
        self.ny = ny
        self.offsets = offsets
        self.owners = owners
    }

    @inline(__always)
    func cell(x: Double, y: Double) -> Int? {
        let fi = (x - minX) / size
        let fj = (y - minY) / size
        guard fi >= 0, fj >= 0, fi < Double(nx), fj < Double(ny) else { return nil }
        return Int(fj) * nx + Int(fi)
    }

    @inline(__always)
    func forEachCandidate(_ cell: Int, _ body: (Int) -> Void) {
        owners.withUnsafeBufferPointer { o in
            for k in Int(offsets[cell])..<Int(offsets[cell + 1]) { body(Int(o[k])) }
        }
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
