// `PackedRTree`: an immutable Sort-Tile-Recursive R-tree over envelopes (box and point queries, best-first
// nearest search), `Sendable` and shared by every thread.

import Foundation

/// An immutable R-tree over envelopes, bulk-loaded with the Sort-Tile-Recursive algorithm (the packing GEOS
/// and shapely's `STRtree` use), stored in flat arrays.
///
/// Like shapely 2.0's `STRtree`, queries return item indices (positions in the array given at build time),
/// never objects. The tree is a value of plain arrays: `Sendable`, shared read-only by every thread, so
/// workers need no copy of it (unlike GEOS's own STRtree, bound to one context).
public final class PackedRTree: Sendable {
    /// Number of items indexed.
    public let count: Int
    /// Children per node.
    public let nodeCapacity: Int
    /// Node envelopes of every level, bottom (leaves = items in tree order) first, as [minX, minY, maxX, maxY]*.
    private let boxes: [Double]
    /// First node of each level in `boxes` (in nodes, not doubles), and the number of nodes per level.
    private let levelStart: [Int]
    private let levelCount: [Int]
    /// Item index of each leaf slot (leaf level order), and the leaf slot of each item.
    private let order: [Int32]
    private let leafSlot: [Int32]

    /// Builds the tree. Empty envelopes are kept (they never match a query).
    public init(envelopes: [Envelope], nodeCapacity: Int = 16) {
        precondition(nodeCapacity >= 2)
        self.count = envelopes.count
        self.nodeCapacity = nodeCapacity
        let n = envelopes.count
        guard n > 0 else {
            boxes = []
            levelStart = []
            levelCount = []
            order = []
            leafSlot = []
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
        var slots = [Int32](repeating: 0, count: n)
        for (slot, item) in idx.enumerated() { slots[item] = Int32(slot) }
        leafSlot = slots
        var boxes = [Double]()
        boxes.reserveCapacity(4 * (n + n / (nodeCapacity - 1) + 2))
        for i in idx {
            let e = envelopes[i]
            boxes.append(contentsOf: [e.minX, e.minY, e.maxX, e.maxY])
        }
        var levelStart = [0]
        var levelCount = [n]
        // Upper levels: group consecutive nodes of the level below.
        while levelCount.last! > 1 {
            let below = levelStart.last!
            let m = levelCount.last!
            levelStart.append(boxes.count / 4)
            var i = 0
            var made = 0
            while i < m {
                var e = Envelope.empty
                for k in (below + i)..<(below + min(i + nodeCapacity, m)) {
                    e.expand(Envelope(minX: boxes[4 * k], minY: boxes[4 * k + 1], maxX: boxes[4 * k + 2], maxY: boxes[4 * k + 3]))
                }
                boxes.append(contentsOf: [e.minX, e.minY, e.maxX, e.maxY])
                made += 1
                i += nodeCapacity
            }
            levelCount.append(made)
        }
        self.boxes = boxes
        self.levelStart = levelStart
        self.levelCount = levelCount
    }

    /// Whether item `item`'s envelope contains the point (boundary included).
    @inline(__always)
    public func envelopeContains(_ item: Int, x: Double, y: Double) -> Bool {
        let o = 4 * Int(leafSlot[item])
        return boxes.withUnsafeBufferPointer { b in x >= b[o] && x <= b[o + 2] && y >= b[o + 1] && y <= b[o + 3] }
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
        guard !levelCount.isEmpty, !box.isEmpty else { return }
        try boxes.withUnsafeBufferPointer { b in
            try visit(b, level: levelCount.count - 1, node: 0, box: box, body)
        }
    }

    private func visit(_ b: UnsafeBufferPointer<Double>, level: Int, node: Int, box: Envelope, _ body: (Int) throws -> Void) rethrows {
        let o = 4 * (levelStart[level] + node)
        if b[o] > box.maxX || b[o + 2] < box.minX || b[o + 1] > box.maxY || b[o + 3] < box.minY { return }
        if level == 0 {
            try body(Int(order[node]))
            return
        }
        let first = node * nodeCapacity
        let last = min(first + nodeCapacity, levelCount[level - 1])
        for child in first..<last { try visit(b, level: level - 1, node: child, box: box, body) }
    }

    /// Best-first nearest-neighbour search.
    ///
    /// `distance(item)` returns the exact distance from the query to an item (it is only called for items
    /// whose envelope is closer than the best distance found so far). Returns the nearest item and its
    /// distance (the lowest index among equals), or nil for an empty tree or when nothing is within
    /// `maxDistance`.
    public func nearest(x: Double, y: Double, maxDistance: Double = .infinity, distance: (Int) throws -> Double) rethrows -> (
        index: Int, distance: Double
    )? {
        try nearest(x: x, y: y, bound: maxDistance, squared: false, distance: { item, _ in try distance(item) })
    }

    /// Like `nearest`, with squared distances throughout (no square roots in the search): `squaredDistance`
    /// returns the squared exact distance, `maxSquaredDistance` bounds it, and the result is squared.
    public func nearestSquared(x: Double, y: Double, maxSquaredDistance: Double = .infinity, squaredDistance: (Int) throws -> Double) rethrows -> (
        index: Int, squaredDistance: Double
    )? {
        try nearest(x: x, y: y, bound: maxSquaredDistance, squared: true, distance: { item, _ in try squaredDistance(item) }).map {
            ($0.index, $0.distance)
        }
    }

    /// Like `nearestSquared`, but the callback also receives the current bound (the best squared distance so
    /// far): an item whose exact distance is necessarily larger may return any value above it (e.g. infinity)
    /// without finishing its computation.
    public func nearestSquared(x: Double, y: Double, maxSquaredDistance: Double = .infinity, boundedSquaredDistance: (Int, Double) throws -> Double)
        rethrows -> (index: Int, squaredDistance: Double)?
    {
        try nearest(x: x, y: y, bound: maxSquaredDistance, squared: true, distance: boundedSquaredDistance).map { ($0.index, $0.distance) }
    }

    @inline(__always)
    private func nearest(x: Double, y: Double, bound maxDistance: Double, squared: Bool, distance: (Int, Double) throws -> Double) rethrows -> (
        index: Int, distance: Double
    )? {
        guard !levelCount.isEmpty else { return nil }
        return try boxes.withUnsafeBufferPointer { b -> (index: Int, distance: Double)? in
            @inline(__always) func boxDistance(_ global: Int) -> Double {
                let o = 4 * global
                let dx = x < b[o] ? b[o] - x : (x > b[o + 2] ? x - b[o + 2] : 0)
                let dy = y < b[o + 1] ? b[o + 1] - y : (y > b[o + 3] ? y - b[o + 3] : 0)
                let d2 = dx * dx + dy * dy
                return squared ? d2 : d2.squareRoot()
            }
            // The heap never holds more entries than the tree has nodes: allocate it once per query, on the
            // stack when small (no malloc in the hot path).
            let capacity = levelStart.last! + levelCount.last!
            return try withUnsafeTemporaryAllocation(of: MinHeap.Entry.self, capacity: capacity) { storage -> (index: Int, distance: Double)? in
                var heap = MinHeap(storage: storage)
                let top = levelCount.count - 1
                heap.push(boxDistance(levelStart[top]), level: top, node: 0)
                var best: (index: Int, distance: Double)?
                var bound = maxDistance
                while let e = heap.pop() {
                    if e.key > bound { break }
                    let level = Int(e.level)
                    let node = Int(e.node)
                    if level == 0 {
                        let item = Int(order[node])
                        let exact = try distance(item, bound)
                        if exact <= bound, best == nil || exact < best!.distance || (exact == best!.distance && item < best!.index) {
                            best = (item, exact)
                            bound = exact
                        }
                        continue
                    }
                    let first = node * nodeCapacity
                    let last = min(first + nodeCapacity, levelCount[level - 1])
                    let base = levelStart[level - 1]
                    for child in first..<last {
                        let cd = boxDistance(base + child)
                        if cd <= bound { heap.push(cd, level: level - 1, node: child) }
                    }
                }
                return best
            }
        }
    }
}

/// A binary min-heap of (distance, level, node) over caller-provided storage, for the nearest search.
struct MinHeap {
    struct Entry {
        var key: Double
        var level: Int32
        var node: Int32
    }
    private let a: UnsafeMutableBufferPointer<Entry>
    private var count = 0

    init(storage: UnsafeMutableBufferPointer<Entry>) { a = storage }

    mutating func push(_ key: Double, level: Int, node: Int) {
        let e = Entry(key: key, level: Int32(level), node: Int32(node))
        var i = count
        count += 1
        while i > 0 {
            let p = (i - 1) >> 1
            if a[p].key <= key { break }
            a[i] = a[p]
            i = p
        }
        a[i] = e
    }

    mutating func pop() -> Entry? {
        guard count > 0 else { return nil }
        let top = a[0]
        count -= 1
        guard count > 0 else { return top }
        let last = a[count]
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= count { break }
            let r = l + 1
            let m = (r < count && a[r].key < a[l].key) ? r : l
            if a[m].key >= last.key { break }
            a[i] = a[m]
            i = m
        }
        a[i] = last
        return top
    }
}
