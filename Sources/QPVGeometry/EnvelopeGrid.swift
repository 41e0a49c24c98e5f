// `EnvelopeGrid`: a regular grid listing, per cell, the envelopes that overlap it — the constant-time
// containment pre-filter of batch locates (`PerimeterCatalog.Partition.containmentGrid`).

import Foundation

/// A regular grid over a set of envelopes that lists, for each cell, the envelopes overlapping it (CSR
/// arrays, ascending indices). `forEachCandidate(x:y:_:)` answers "which envelopes may contain this point" in
/// constant time — for batches of points where most fall far from every polygon, it replaces a tree walk by
/// one array lookup. Immutable and `Sendable`.
public final class EnvelopeGrid: Sendable {
    private let minX: Double
    private let minY: Double
    private let size: Double
    private let nx: Int
    private let ny: Int
    private let offsets: [Int32]
    private let items: [Int32]

    /// A grid over `envelopes`, each registered in the cells it touches.
    /// - Parameters:
    ///   - envelopes: the items' envelopes; queries return positions in this array.
    ///   - targetCells: about how many cells (the cell side follows from the extent).
    public init(envelopes: [Envelope], targetCells: Int = 1 << 16) {
        var extent = Envelope.empty
        for e in envelopes { extent.expand(e) }
        if extent.isEmpty { extent = Envelope(minX: 0, minY: 0, maxX: 1, maxY: 1) }
        let w = max(extent.width, 1e-9)
        let h = max(extent.height, 1e-9)
        let size = max((w * h / Double(targetCells)).squareRoot(), max(w, h) / 4096)
        let nx = max(1, Int((w / size).rounded(.up)))
        let ny = max(1, Int((h / size).rounded(.up)))
        // Count, then fill (two passes, no per-cell arrays).
        var counts = [Int32](repeating: 0, count: nx * ny + 1)
        func range(_ e: Envelope) -> (Int, Int, Int, Int) {
            let i0 = max(0, min(nx - 1, Int(((e.minX - extent.minX) / size).rounded(.down))))
            let i1 = max(0, min(nx - 1, Int(((e.maxX - extent.minX) / size).rounded(.down))))
            let j0 = max(0, min(ny - 1, Int(((e.minY - extent.minY) / size).rounded(.down))))
            let j1 = max(0, min(ny - 1, Int(((e.maxY - extent.minY) / size).rounded(.down))))
            return (i0, i1, j0, j1)
        }
        for e in envelopes where !e.isEmpty {
            let (i0, i1, j0, j1) = range(e)
            for j in j0...j1 { for i in i0...i1 { counts[j * nx + i + 1] += 1 } }
        }
        for k in 1..<counts.count { counts[k] += counts[k - 1] }
        var cursor = counts
        var items = [Int32](repeating: 0, count: Int(counts.last!))
        for (index, e) in envelopes.enumerated() where !e.isEmpty {
            let (i0, i1, j0, j1) = range(e)
            for j in j0...j1 {
                for i in i0...i1 {
                    let c = j * nx + i
                    items[Int(cursor[c])] = Int32(index)
                    cursor[c] += 1
                }
            }
        }
        self.minX = extent.minX
        self.minY = extent.minY
        self.size = size
        self.nx = nx
        self.ny = ny
        self.offsets = counts
        self.items = items
    }

    /// Calls `body` with the index of every envelope overlapping the point's cell (a superset of the
    /// envelopes containing the point; the caller tests containment).
    @inline(__always)
    public func forEachCandidate(x: Double, y: Double, _ body: (Int) throws -> Void) rethrows {
        let fi = (x - minX) / size
        let fj = (y - minY) / size
        guard fi >= 0, fj >= 0, fi < Double(nx), fj < Double(ny) else { return }
        let c = Int(fj) * nx + Int(fi)
        let lo = Int(offsets[c])
        let hi = Int(offsets[c + 1])
        guard lo < hi else { return }
        try items.withUnsafeBufferPointer { p in
            for k in lo..<hi { try body(Int(p[k])) }
        }
    }

    /// Number of cells and mean number of envelopes per cell.
    public var statistics: (cells: Int, meanItems: Double) { (nx * ny, Double(items.count) / Double(nx * ny)) }
}
