import Foundation

/// Distances from points to the boundaries of many polygons, in a metric CRS.
///
/// Every ring of every polygon is cut into runs of a few consecutive segments; a `PackedRTree` indexes the
/// runs' envelopes, and a best-first search finds the nearest boundary segment exactly (point–segment
/// distance, the computation GEOS's `distance` performs). Plain arrays: `Sendable`, built once and shared
/// read-only by all threads. For a point outside every polygon, the distance to the nearest boundary is
/// also its distance to the nearest polygon.
public struct BoundaryIndex: Sendable {
    /// Segment endpoints, interleaved x, y, per ring (rings stored back to back).
    private let xy: [Double]
    /// Per run: first coordinate index (in points, not doubles), number of segments, owner polygon.
    private let runStart: [Int32]
    private let runLength: [UInt8]
    private let runOwner: [Int32]
    private let tree: PackedRTree
    public let polygonCount: Int

    /// Segments per run: a trade-off between tree size and work per leaf.
    static let runSize = 8

    /// - Parameter polygons: for each owner (perimeter), its polygons' rings in a metric CRS.
    public init(owners: [[PolygonRings]]) {
        var xy: [Double] = []
        var runStart: [Int32] = []
        var runLength: [UInt8] = []
        var runOwner: [Int32] = []
        var envelopes: [Envelope] = []
        for (owner, polygons) in owners.enumerated() {
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
                        s += len
                    }
                }
            }
        }
        self.xy = xy
        self.runStart = runStart
        self.runLength = runLength
        self.runOwner = runOwner
        self.tree = PackedRTree(envelopes: envelopes)
        self.polygonCount = owners.count
    }

    public var segmentCount: Int { runLength.reduce(0) { $0 + Int($1) } }

    /// The nearest boundary to (x, y): its owner's index and the distance, or nil when there is no polygon
    /// (or none within `maxDistance`).
    public func nearest(x: Double, y: Double, maxDistance: Double = .infinity) -> (owner: Int, distance: Double)? {
        guard let hit = tree.nearest(x: x, y: y, maxDistance: maxDistance, distance: { runDistance($0, x: x, y: y) }) else { return nil }
        return (Int(runOwner[hit.index]), hit.distance)
    }

    /// Distance from (x, y) to the nearest boundary of one given owner (linear in its segment count).
    public func distance(x: Double, y: Double, toOwner owner: Int) -> Double {
        var best = Double.infinity
        for r in 0..<runOwner.count where runOwner[r] == Int32(owner) {
            best = min(best, runDistance(r, x: x, y: y))
        }
        return best
    }

    @inline(__always)
    private func runDistance(_ run: Int, x: Double, y: Double) -> Double {
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
        return best2.squareRoot()
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
