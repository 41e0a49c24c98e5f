// `Similarity`: the edit-distance score comparing a query's words with a street or commune name (swaps cost
// one, trailing query letters cost little), used by the `Geocoder`.

/// String similarity used to compare a query's words with a street or commune name.
///
/// An optimal-string-alignment edit distance (insertions, deletions, substitutions and swaps of two adjacent
/// letters cost 1) between the name and a prefix of the query, where query letters left over after the name
/// cost only `trailingCost` each: extra words after the street ("Hôtel de Ville", a building name) weigh
/// less than letters missing from the name. The similarity is 1 − cost / length of the name, floored at 0.
/// Internal to the geocoder; `@_spi(Testing)` so that tests check its bounds against the full computation.
@_spi(Testing) public enum Similarity {
    static let unit: Int32 = 100

    /// - Parameters:
    ///   - trailing: cost per query letter after the aligned prefix, in hundredths of an edit.
    ///   - maxCost: give up (return 0) once every alignment costs more than this many edits.
    static func score(name: UnsafeBufferPointer<UInt8>, query: UnsafeBufferPointer<UInt8>, trailing: Int32 = 35, maxEdits: Double = .infinity)
        -> Double
    {
        let limit: Int32 = maxEdits.isFinite ? Int32(maxEdits * Double(unit)) : Int32.max / 4
        return alignment(name: name, query: query, trailing: trailing, rowLimit: limit, boundLimit: Int32.max / 4)
    }

    /// The similarity when it can exceed `threshold`, else 0 or any value below `threshold`: the same value as
    /// `score(name:query:trailing:maxEdits:)` whenever that one is at least `threshold` (and `maxEdits` is
    /// that of the call it replaces), computed faster because alignments that cannot reach `threshold` stop
    /// early (the cost of the letters left on both sides is bounded below at every row).
    static func score(
        name: UnsafeBufferPointer<UInt8>, query: UnsafeBufferPointer<UInt8>, trailing: Int32 = 35, maxEdits: Double, above threshold: Double
    ) -> Double {
        let n = name.count
        if threshold > 1 || n == 0 { return threshold > 1 ? 0 : score(name: name, query: query, trailing: trailing, maxEdits: maxEdits) }
        // Similarity below `threshold` ⇔ cost above (1 − threshold)·n edits; one hundredth of an edit of margin.
        let bound = Int32(((1 - threshold) * Double(n) * Double(unit)).rounded(.up)) + 1
        let limit: Int32 = maxEdits.isFinite ? Int32(maxEdits * Double(unit)) : Int32.max / 4
        return alignment(name: name, query: query, trailing: trailing, rowLimit: limit, boundLimit: bound)
    }

    /// The alignment cost turned into a similarity. 0 once a row's cheapest cell costs more than `rowLimit`,
    /// or once every alignment is sure to cost more than `boundLimit` (a row's cells plus the least cost of
    /// the letters left: missing name letters at one edit each, extra query letters at `trailing`).
    @inline(__always)
    private static func alignment(
        name: UnsafeBufferPointer<UInt8>, query: UnsafeBufferPointer<UInt8>, trailing: Int32, rowLimit limit: Int32, boundLimit: Int32
    ) -> Double {
        let n = name.count
        let m = query.count
        if n == 0 { return m == 0 ? 1 : 0 }
        if m == 0 { return 0 }
        let bounded = boundLimit < Int32.max / 4
        // Least cost of the rest from cell (i, j): e = (m − j) − (n − i) extra query letters (trailing each) or
        // −e missing name letters (one edit each).
        @inline(__always) func rest(_ e: Int) -> Int32 { e >= 0 ? trailing * Int32(e) : -Int32(e) * unit }
        if bounded && rest(m - n) > boundLimit { return 0 }
        // Name letters the whole query cannot supply (counted by letter class, byte & 31: merged classes only
        // lower the count) each cost a full edit, whatever the alignment: a substitution or a missing letter
        // (a swap matches two letters the query has). A bound in ~150 instructions, where the alignment takes
        // thousands (issue 17: most streets compared do not reach the threshold).
        if bounded {
            let excess = withUnsafeTemporaryAllocation(of: Int32.self, capacity: 32) { h -> Int32 in
                h.initialize(repeating: 0)
                for b in query { h[Int(b & 31)] &+= 1 }
                var e: Int32 = 0
                for b in name {
                    let k = Int(b & 31)
                    if h[k] > 0 { h[k] &-= 1 } else { e &+= 1 }
                }
                return e
            }
            if excess * unit > boundLimit { return 0 }
        }
        // The band (issue 17): reaching cell (i, j) costs at least |i − j| edits (only insertions and deletions
        // leave a diagonal), and the rest at least `rest`. A cell whose two bounds exceed `boundLimit` lies on no
        // alignment that reaches the threshold, and neither does any cell computed from it (the bounds are
        // consistent: one move costs at least what it lowers them), so row i is computed only over
        // j ∈ [i − left, i + right], cells outside reading as `unreachable`. The cells of an alignment that
        // reaches the threshold are then exact, the others at least their true value: the similarity is the
        // full computation's whenever that one reaches the threshold, and below it otherwise. Only when
        // `boundLimit ≤ rowLimit` (always so for the geocoder's calls): otherwise a row's minimum over the band
        // could pass `rowLimit` where the full row's does not.
        var left = n + m
        var right = n + m
        if bounded && boundLimit <= limit {
            left = 0
            while left < n && Int32(left + 1) * unit + rest(m - n + left + 1) <= boundLimit { left += 1 }
            right = 0
            while right < m && Int32(right + 1) * unit + rest(m - n - right - 1) <= boundLimit { right += 1 }
        }
        let unreachable = Int32.max / 4
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 3 * (m + 1) + (n + m + 1)) { buf -> Double in
            var prev2 = buf.baseAddress!
            var prev = prev2 + (m + 1)
            var cur = prev + (m + 1)
            // rest(e) for e = −n … m, at index e + n: rest(d − j) of row i is restAt[m + i − j].
            let restAt = cur + (m + 1)
            for k in 0...(n + m) { restAt[k] = rest(k - n) }
            for j in 0...m { prev[j] = Int32(j) * unit }  // name[0..<0] against query[0..<j]: j insertions
            var lo = 1
            var hi = 0
            for i in 1...n {
                cur[0] = Int32(i) &* unit
                lo = max(1, i - left)
                hi = min(m, i + right)
                if lo > hi { return 0 }  // no cell of this row lies on an alignment that reaches the threshold
                if lo > 1 { cur[lo - 1] = unreachable }
                var rowMin = cur[0]
                var least = bounded ? cur[0] &+ restAt[m + i] : 0
                let a = name[i - 1]
                let before = i > 1 ? Int(name[i - 2]) : -1  // the name letter before `a`, -1 at the start
                var last = lo > 1 ? Int(query[lo - 2]) : -1  // the query letter before `b`, -1 at the start
                for j in lo...hi {
                    let b = query[j - 1]
                    var v = prev[j - 1] &+ (a == b ? 0 : unit)
                    v = min(v, prev[j] &+ unit)
                    v = min(v, cur[j - 1] &+ unit)
                    if Int(a) == last && before == Int(b) { v = min(v, prev2[j - 2] &+ unit) }
                    last = Int(b)
                    cur[j] = v
                    rowMin = min(rowMin, v)
                    if bounded { least = min(least, v &+ restAt[m + i - j]) }
                }
                if hi < m { cur[hi + 1] = unreachable }
                if rowMin > limit || (bounded && least > boundLimit) { return 0 }
                let t = prev2
                prev2 = prev
                prev = cur
                cur = t
            }
            // The last row: its band, and column 0 (exact).
            var best = prev[0] &+ trailing &* Int32(m)
            for j in lo...hi { best = min(best, prev[j] &+ trailing &* Int32(m - j)) }
            let s = 1 - Double(best) / Double(Int32(n) * unit)
            return max(0, s)
        }
    }

    /// `score(name:query:trailing:maxEdits:)` on arrays.
    @_spi(Testing) public static func score(name: [UInt8], query: [UInt8], trailing: Int32 = 35, maxEdits: Double = .infinity) -> Double {
        name.withUnsafeBufferPointer { a in query.withUnsafeBufferPointer { b in score(name: a, query: b, trailing: trailing, maxEdits: maxEdits) } }
    }

    /// `score(name:query:trailing:maxEdits:above:)` on arrays.
    @_spi(Testing) public static func score(name: [UInt8], query: [UInt8], trailing: Int32 = 35, maxEdits: Double, above threshold: Double) -> Double
    {
        name.withUnsafeBufferPointer { a in
            query.withUnsafeBufferPointer { b in score(name: a, query: b, trailing: trailing, maxEdits: maxEdits, above: threshold) }
        }
    }
}
