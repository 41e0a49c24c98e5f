import Foundation
import Synchronization

/// Distances from points to the boundaries of many polygons, in a metric CRS.
///
/// Every ring of every polygon is cut into runs of a few consecutive segments. Two levels of `PackedRTree`:
/// one over the owners' envelopes, and one per owner over its runs' envelopes. A best-first search over the
/// owners, each evaluated by a best-first search over its runs, finds the nearest boundary segment exactly
/// (point–segment distance, the computation GEOS's `distance` performs). Plain arrays: `Sendable`, built once and shared
/// read-only by all threads. For a point outside every polygon, the distance to the nearest boundary is
/// also its distance to the nearest polygon.
public final class BoundaryIndex: Sendable {
    /// Segment endpoints, interleaved x, y, per ring (rings stored back to back).
    private let xy: [Double]
    /// Per run: first coordinate index (in points, not doubles), number of segments, owner polygon.
    private let runStart: [Int32]
    private let runLength: [UInt8]
    private let runOwner: [Int32]
    /// Per owner, an STR-tree over its runs (item i = run `ownerRuns[o] + i`).
    private let runTrees: [PackedRTree]
    /// Per owner: its runs are `ownerRuns[o]..<ownerRuns[o + 1]`; its envelope is in `ownerTree`.
    private let ownerRuns: [Int32]
    private let ownerEnvelopes: [Envelope]
    private let ownerTree: PackedRTree
    public let polygonCount: Int
    /// Candidate owners per grid cell, built on the first large batch (`prepareForBatches`).
    private let grid = Mutex<CandidateGrid?>(nil)

    /// Segments per run: a trade-off between tree size and work per leaf.
    static let runSize = 8

    /// - Parameter polygons: for each owner (perimeter), its polygons' rings in a metric CRS.
    public init(owners: [[PolygonRings]]) {
        var xy: [Double] = []
        var runStart: [Int32] = []
        var runLength: [UInt8] = []
        var runOwner: [Int32] = []
        var envelopes: [Envelope] = []
        var ownerRuns: [Int32] = []
        var ownerEnvelopes: [Envelope] = []
        for (owner, polygons) in owners.enumerated() {
            ownerRuns.append(Int32(runStart.count))
            var ownerEnvelope = Envelope.empty
            for polygon in polygons {
                for ring in polygon where ring.count >= 2 {
                    let base = xy.count / 2
                    for c in ring { xy.append(c.x); xy.append(c.y) }
                    let segments = ring.count - 1
                    var s = 0
                    while s < segments {
                        let len = min(BoundaryIndex.runSize, segments - s)
                        var e = Envelope.empty
                        for k in s...(s + len) { e.expand(x: ring[k].x, y: ring[k].y) }
                        runStart.append(Int32(base + s))
                        runLength.append(UInt8(len))
                        runOwner.append(Int32(owner))
                        envelopes.append(e)
                        ownerEnvelope.expand(e)
                        s += len
                    }
                }
            }
            ownerEnvelopes.append(ownerEnvelope)
        }
        ownerRuns.append(Int32(runStart.count))
        self.xy = xy
        self.runStart = runStart
        self.runLength = runLength
        self.runOwner = runOwner
        self.runTrees = (0..<owners.count).map { o in
            PackedRTree(envelopes: Array(envelopes[Int(ownerRuns[o])..<Int(ownerRuns[o + 1])]), nodeCapacity: 16)
        }
        self.ownerRuns = ownerRuns
        self.ownerEnvelopes = ownerEnvelopes
        self.ownerTree = PackedRTree(envelopes: ownerEnvelopes, nodeCapacity: 16)
        self.polygonCount = owners.count
    }

    public var segmentCount: Int { runLength.reduce(0) { $0 + Int($1) } }

    /// The nearest boundary to (x, y): its owner's index and the distance, or nil when there is no polygon
    /// (or none within `maxDistance`). Squared distances throughout, one square root at the end. Among
    /// owners at exactly the same distance, the lowest index wins (whichever path answers).
    public func nearest(x: Double, y: Double, maxDistance: Double = .infinity) -> (owner: Int, distance: Double)? {
        let bound2 = maxDistance.isInfinite ? Double.infinity : maxDistance * maxDistance
        if let grid = gridSnapshot, let cell = grid.cell(x: x, y: y) {
            var best = -1
            var best2 = bound2
            grid.forEachCandidate(cell) { owner in
                let e = ownerEnvelopes[owner]
                let dx = x < e.minX ? e.minX - x : (x > e.maxX ? x - e.maxX : 0)
                let dy = y < e.minY ? e.minY - y : (y > e.maxY ? y - e.maxY : 0)
                guard dx * dx + dy * dy <= best2 else { return }
                let d2 = ownerDistanceSquared(owner, x: x, y: y, bound: best2)
                // Candidates come in ascending order: on a tie the lower index, found first, stays.
                if d2 < best2 || (best < 0 && d2 <= best2 && d2.isFinite) {
                    best2 = d2
                    best = owner
                }
            }
            return best >= 0 ? (best, best2.squareRoot()) : nil
        }
        guard let hit = ownerTree.nearestSquared(x: x, y: y, maxSquaredDistance: bound2, boundedSquaredDistance: { ownerDistanceSquared($0, x: x, y: y, bound: $1) }) else {
            return nil
        }
        return (hit.index, hit.squaredDistance.squareRoot())
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
        if gridSnapshot != nil || ownerEnvelopes.isEmpty { return }
        grid.withLock { g in
            if g == nil { g = CandidateGrid(envelopes: ownerEnvelopes, tree: ownerTree, targetCells: cells) }
        }
    }

    @inline(__always)
    private func ownerDistanceSquared(_ owner: Int, x: Double, y: Double, bound: Double = .infinity) -> Double {
        let first = Int(ownerRuns[owner])
        return runTrees[owner].nearestSquared(x: x, y: y, maxSquaredDistance: bound, squaredDistance: { runDistanceSquared(first + $0, x: x, y: y) })?.squaredDistance ?? .infinity
    }

    /// Distance from (x, y) to the nearest boundary of one given owner (linear in its segment count).
    public func distance(x: Double, y: Double, toOwner owner: Int) -> Double {
        ownerDistanceSquared(owner, x: x, y: y).squareRoot()
    }

    @inline(__always)
    private func runDistanceSquared(_ run: Int, x: Double, y: Double) -> Double {
        var best2 = Double.infinity
        let start = Int(runStart[run])
        let n = Int(runLength[run])
        xy.withUnsafeBufferPointer { p in
            var ax = p[2 * start]
            var ay = p[2 * start + 1]
            for k in 1...n {
                let bx = p[2 * (start + k)]
                let by = p[2 * (start + k) + 1]
                let d2 = BoundaryIndex.segmentDistanceSquared(px: x, py: y, ax: ax, ay: ay, bx: bx, by: by)
                if d2 < best2 { best2 = d2 }
                ax = bx
                ay = by
            }
        }
        return best2
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
