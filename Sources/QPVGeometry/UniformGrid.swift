// `UniformGrid`: the one regular grid of the project — square cells over an extent, each listing item indices
// (compressed rows). Built by registering envelopes in the cells they touch (the containment pre-filter of batch
// locates, `PerimeterCatalog.Partition.containmentGrid`; the 2 km tiles of the carreaux, `GridPerimeters`) or
// from per-cell lists computed elsewhere (the nearest-boundary candidates of `BoundaryIndex`, stored in packs).

import Foundation

/// A regular grid of square cells, each listing item indices in ascending order (compressed rows: the items of
/// cell `c` are `items[offsets[c]..<offsets[c + 1]]`, cells numbered row by row from `(minX, minY)`). A point's
/// cell is one division per axis: "which items may concern this point" in constant time, where a tree walk would
/// cost a descent. Immutable and `Sendable`; a class, so that the hot loops that fetch it from an array or an
/// optional retain one reference instead of copying a struct of two arrays (callgrind: 25 instructions a point).
public final class UniformGrid: Sendable {
    /// West edge of the first column.
    public let minX: Double
    /// South edge of the first row.
    public let minY: Double
    /// Side of a cell, in the coordinates' unit.
    public let size: Double
    /// Number of columns.
    public let nx: Int
    /// Number of rows.
    public let ny: Int
    /// Start of each cell's items in `items`, then their end (`nx * ny + 1` values, non-decreasing).
    public let offsets: [Int32]
    /// The item indices, cell after cell.
    public let items: [Int32]

    /// A grid from its arrays (read from a pack or computed by its owner); they must be consistent.
    public init(minX: Double, minY: Double, size: Double, nx: Int, ny: Int, offsets: [Int32], items: [Int32]) {
        precondition(nx >= 0 && ny >= 0 && offsets.count == nx * ny + 1, "grille incohérente")
        self.minX = minX
        self.minY = minY
        self.size = size
        self.nx = nx
        self.ny = ny
        self.offsets = offsets
        self.items = items
    }

    /// `envelopes` registered in the cells they touch, on `nx` × `ny` cells of side `size` from `(minX, minY)`
    /// (an envelope reaching outside the grid is registered in its border cells; empty envelopes nowhere).
    /// Queries return positions in `envelopes`.
    public convenience init(envelopes: [Envelope], minX: Double, minY: Double, size: Double, nx: Int, ny: Int) {
        // Count, then fill (two passes, no per-cell arrays).
        var counts = [Int32](repeating: 0, count: nx * ny + 1)
        func index(_ v: Double, _ origin: Double, _ n: Int) -> Int {
            // Clamped before the conversion: a huge or NaN coordinate lands in a border cell instead of trapping.
            Int(Swift.max(0, Swift.min(Double(n - 1), ((v - origin) / size).rounded(.down))))
        }
        func range(_ e: Envelope) -> (Int, Int, Int, Int) {
            (index(e.minX, minX, nx), index(e.maxX, minX, nx), index(e.minY, minY, ny), index(e.maxY, minY, ny))
        }
        if nx > 0 && ny > 0 {
            for e in envelopes where !e.isEmpty {
                let (i0, i1, j0, j1) = range(e)
                for j in j0...j1 { for i in i0...i1 { counts[j * nx + i + 1] += 1 } }
            }
        }
        for k in counts.indices.dropFirst() { counts[k] += counts[k - 1] }
        var cursor = counts
        var items = [Int32](repeating: 0, count: Int(counts.last!))
        if nx > 0 && ny > 0 {
            for (position, e) in envelopes.enumerated() where !e.isEmpty {
                let (i0, i1, j0, j1) = range(e)
                for j in j0...j1 {
                    for i in i0...i1 {
                        let c = j * nx + i
                        items[Int(cursor[c])] = Int32(position)
                        cursor[c] += 1
                    }
                }
            }
        }
        self.init(minX: minX, minY: minY, size: size, nx: nx, ny: ny, offsets: counts, items: items)
    }

    /// A grid fitted to the envelopes' extent with about `targetCells` cells (at most 4,096 along the longer side).
    public convenience init(envelopes: [Envelope], targetCells: Int = 1 << 16) {
        var extent = Envelope.empty
        for e in envelopes { extent.expand(e) }
        if extent.isEmpty { extent = Envelope(minX: 0, minY: 0, maxX: 1, maxY: 1) }
        let w = Swift.max(extent.width, 1e-9)
        let h = Swift.max(extent.height, 1e-9)
        let size = Swift.max((w * h / Double(targetCells)).squareRoot(), Swift.max(w, h) / 4096)
        self.init(
            envelopes: envelopes, minX: extent.minX, minY: extent.minY, size: size,
            nx: Swift.max(1, Int((w / size).rounded(.up))), ny: Swift.max(1, Int((h / size).rounded(.up))))
    }

    /// Square tiles of side `tileSize` aligned on its multiples, over the envelopes' extent (no cell when there is
    /// no envelope).
    public convenience init(envelopes: [Envelope], tileSize: Double) {
        var all = Envelope.empty
        for e in envelopes { all.expand(e) }
        let originX = (all.minX / tileSize).rounded(.down) * tileSize
        let originY = (all.minY / tileSize).rounded(.down) * tileSize
        let columns = all.isEmpty ? 0 : Int(((all.maxX - originX) / tileSize).rounded(.down)) + 1
        let rows = all.isEmpty ? 0 : Int(((all.maxY - originY) / tileSize).rounded(.down)) + 1
        self.init(envelopes: envelopes, minX: all.isEmpty ? 0 : originX, minY: all.isEmpty ? 0 : originY, size: tileSize, nx: columns, ny: rows)
    }

    /// The cell holding the point, nil outside the grid. Inlinable: hot loops of other modules call it per point
    /// (a call across modules was ~100 instructions, callgrind, issue 17).
    @inlinable @inline(__always)
    public func cell(x: Double, y: Double) -> Int? {
        let fi = (x - minX) / size
        let fj = (y - minY) / size
        guard fi >= 0, fj >= 0, fi < Double(nx), fj < Double(ny) else { return nil }
        return Int(fj) * nx + Int(fi)
    }

    /// Calls `body` with each item of `cell`, in ascending order.
    @inline(__always)
    public func forEachItem(inCell cell: Int, _ body: (Int) throws -> Void) rethrows {
        let lo = Int(offsets[cell])
        let hi = Int(offsets[cell + 1])
        guard lo < hi else { return }
        try items.withUnsafeBufferPointer { p in
            for k in lo..<hi { try body(Int(p[k])) }
        }
    }

    /// Calls `body` with each item of the point's cell (nothing outside the grid): for envelopes registered by
    /// `init(envelopes:…)`, a superset of those containing the point (the caller tests containment). Hot loops
    /// read `offsets` and `items` themselves instead: a closure that captures the caller's mutable state boxes
    /// it on the heap at every call.
    @inline(__always)
    public func forEachCandidate(x: Double, y: Double, _ body: (Int) throws -> Void) rethrows {
        guard let c = cell(x: x, y: y) else { return }
        try forEachItem(inCell: c, body)
    }

    /// Number of cells and mean number of items per cell.
    public var statistics: (cells: Int, meanItems: Double) { (nx * ny, Double(items.count) / Double(Swift.max(1, nx * ny))) }
}
