import Foundation

/// An immutable R-tree over envelopes, bulk-loaded with the Sort-Tile-Recursive algorithm (the packing GEOS
/// and shapely's `STRtree` use), stored in flat arrays.
///
/// Like shapely 2.0's `STRtree`, queries return item indices (positions in the array given at build time),
/// never objects. The tree is a value of plain arrays: `Sendable`, shared read-only by every thread, so
/// workers need no copy of it (unlike GEOS's own STRtree, bound to one context).
public struct PackedRTree: Sendable {
    public let count: Int
    public let nodeCapacity: Int
    /// Per level, bottom (leaves = items in tree order) first: node envelopes as [minX, minY, maxX, maxY]*.
    private let levels: [[Double]]
    /// Item index of each leaf slot (leaf level order).
    private let order: [Int32]

    /// Builds the tree. Empty envelopes are kept (they never match a query).
    public init(envelopes: [Envelope], nodeCapacity: Int = 16) {
        precondition(nodeCapacity >= 2)
        self.count = envelopes.count
        self.nodeCapacity = nodeCapacity
        let n = envelopes.count
        guard n > 0 else {
            levels = []
            order = []
            return
        }
        // STR ordering of the leaves: sort by centre x into vertical slices, each slice by centre y.
        var idx = Array(0..<n)
        let cx = envelopes.map { $0.isEmpty ? Double.infinity : ($0.minX + $0.maxX) / 2 }
        let cy = envelopes.map { $0.isEmpty ? Double.infinity : ($0.minY + $0.maxY) / 2 }
        idx.sort { cx[$0] < cx[$1] || (cx[$0] == cx[$1] && $0 < $1) }
        let leafCount = (n + nodeCapacity - 1) / nodeCapacity
        let slices = Int(Double(leafCount).squareRoot().rounded(.up))
        let sliceSize = slices * nodeCapacity
        var s = 0
        while s < n {
            let e = min(s + sliceSize, n)
            idx[s..<e].sort { cy[$0] < cy[$1] || (cy[$0] == cy[$1] && $0 < $1) }
            s = e
        }
        order = idx.map { Int32($0) }
        var leaf = [Double]()
        leaf.reserveCapacity(4 * n)
        for i in idx {
            let e = envelopes[i]
            leaf.append(contentsOf: [e.minX, e.minY, e.maxX, e.maxY])
        }
        var levels = [leaf]
        // Upper levels: group consecutive nodes.
        while levels.last!.count / 4 > 1 {
            let below = levels.last!
            let m = below.count / 4
            var up = [Double]()
            up.reserveCapacity(4 * ((m + nodeCapacity - 1) / nodeCapacity))
            var i = 0
            while i < m {
                var e = Envelope.empty
                for k in i..<min(i + nodeCapacity, m) {
                    e.expand(Envelope(minX: below[4 * k], minY: below[4 * k + 1], maxX: below[4 * k + 2], maxY: below[4 * k + 3]))
                }
                up.append(contentsOf: [e.minX, e.minY, e.maxX, e.maxY])
                i += nodeCapacity
            }
            levels.append(up)
        }
        self.levels = levels
    }

    /// Indices of the items whose envelope intersects `box`, in tree order.
    public func query(_ box: Envelope) -> [Int] {
        var out: [Int] = []
        forEach(intersecting: box) { out.append($0) }
        return out
    }

    /// Indices of the items whose envelope contains the point.
    public func query(x: Double, y: Double) -> [Int] {
        query(Envelope(minX: x, minY: y, maxX: x, maxY: y))
    }

    /// Calls `body` with each item whose envelope intersects `box`, without allocating.
    public func forEach(intersecting box: Envelope, _ body: (Int) throws -> Void) rethrows {
        guard !levels.isEmpty, !box.isEmpty else { return }
        try visit(level: levels.count - 1, node: 0, box: box, body)
    }

    private func visit(level: Int, node: Int, box: Envelope, _ body: (Int) throws -> Void) rethrows {
        let env = levels[level]
        let b = 4 * node
        if env[b] > box.maxX || env[b + 2] < box.minX || env[b + 1] > box.maxY || env[b + 3] < box.minY { return }
        if level == 0 {
            try body(Int(order[node]))
            return
        }
        let first = node * nodeCapacity
        let last = min(first + nodeCapacity, levels[level - 1].count / 4)
        for child in first..<last { try visit(level: level - 1, node: child, box: box, body) }
    }

    /// Best-first nearest-neighbour search.
    ///
    /// `distance(item)` returns the exact distance from the query to an item (it is only called for items
    /// whose envelope is closer than the best distance found so far). Returns the nearest item and its
    /// distance, or nil for an empty tree or when nothing is within `maxDistance`.
    public func nearest(x: Double, y: Double, maxDistance: Double = .infinity, distance: (Int) throws -> Double) rethrows -> (index: Int, distance: Double)? {
        guard !levels.isEmpty else { return nil }
        var heap = MinHeap()
        let top = levels.count - 1
        heap.push(boxDistance(level: top, node: 0, x: x, y: y), top, 0)
        var best: (index: Int, distance: Double)?
        var bound = maxDistance
        while let (d, level, node) = heap.pop() {
            if d > bound { break }
            if level == 0 {
                let item = Int(order[node])
                let exact = try distance(item)
                if exact <= bound, best == nil || exact < best!.distance || (exact == best!.distance && item < best!.index) {
                    best = (item, exact)
                    bound = exact
                }
                continue
            }
            let first = node * nodeCapacity
            let last = min(first + nodeCapacity, levels[level - 1].count / 4)
            for child in first..<last {
                let cd = boxDistance(level: level - 1, node: child, x: x, y: y)
                if cd <= bound { heap.push(cd, level - 1, child) }
            }
        }
        return best
    }

    @inline(__always)
    private func boxDistance(level: Int, node: Int, x: Double, y: Double) -> Double {
        let env = levels[level]
        let b = 4 * node
        let dx = x < env[b] ? env[b] - x : (x > env[b + 2] ? x - env[b + 2] : 0)
        let dy = y < env[b + 1] ? env[b + 1] - y : (y > env[b + 3] ? y - env[b + 3] : 0)
        return (dx * dx + dy * dy).squareRoot()
    }
}

/// A small binary min-heap of (distance, level, node) used by the nearest search.
struct MinHeap {
    private var keys: [Double] = []
    private var levels: [Int32] = []
    private var nodes: [Int32] = []

    init() {
        keys.reserveCapacity(64)
        levels.reserveCapacity(64)
        nodes.reserveCapacity(64)
    }

    mutating func push(_ key: Double, _ level: Int, _ node: Int) {
        keys.append(key)
        levels.append(Int32(level))
        nodes.append(Int32(node))
        var i = keys.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if keys[p] <= keys[i] { break }
            swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> (Double, Int, Int)? {
        guard !keys.isEmpty else { return nil }
        let top = (keys[0], Int(levels[0]), Int(nodes[0]))
        let last = keys.count - 1
        swapAt(0, last)
        keys.removeLast()
        levels.removeLast()
        nodes.removeLast()
        var i = 0
        let n = keys.count
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var m = i
            if l < n && keys[l] < keys[m] { m = l }
            if r < n && keys[r] < keys[m] { m = r }
            if m == i { break }
            swapAt(i, m)
            i = m
        }
        return top
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        keys.swapAt(a, b)
        levels.swapAt(a, b)
        nodes.swapAt(a, b)
    }
}
