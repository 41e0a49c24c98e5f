// `Similarity`: the edit-distance score comparing a query's words with a street or commune name (swaps cost
// one, trailing query letters cost little), used by the `Geocoder`.

/// String similarity used to compare a query's words with a street or commune name.
///
/// An optimal-string-alignment edit distance (insertions, deletions, substitutions and swaps of two adjacent
/// letters cost 1) between the name and a prefix of the query, where query letters left over after the name
/// cost only `trailingCost` each: extra words after the street ("Hôtel de Ville", a building name) weigh
/// less than letters missing from the name. The similarity is 1 − cost / length of the name, floored at 0.
enum Similarity {
    static let unit: Int32 = 100

    /// - Parameters:
    ///   - trailing: cost per query letter after the aligned prefix, in hundredths of an edit.
    ///   - maxCost: give up (return 0) once every alignment costs more than this many edits.
    static func score(name: UnsafeBufferPointer<UInt8>, query: UnsafeBufferPointer<UInt8>, trailing: Int32 = 35, maxEdits: Double = .infinity)
        -> Double
    {
        let n = name.count
        let m = query.count
        if n == 0 { return m == 0 ? 1 : 0 }
        if m == 0 { return 0 }
        let limit: Int32 = maxEdits.isFinite ? Int32(maxEdits * Double(unit)) : Int32.max / 4
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 3 * (m + 1)) { buf -> Double in
            var prev2 = buf.baseAddress!
            var prev = prev2 + (m + 1)
            var cur = prev + (m + 1)
            for j in 0...m { prev[j] = Int32(j) * unit }  // name[0..<0] against query[0..<j]: j insertions
            for i in 1...n {
                cur[0] = Int32(i) * unit
                var rowMin = cur[0]
                let a = name[i - 1]
                for j in 1...m {
                    let b = query[j - 1]
                    var v = prev[j - 1] + (a == b ? 0 : unit)
                    let del = prev[j] + unit
                    if del < v { v = del }
                    let ins = cur[j - 1] + unit
                    if ins < v { v = ins }
                    if i > 1 && j > 1 && a == query[j - 2] && name[i - 2] == b {
                        let t = prev2[j - 2] + unit
                        if t < v { v = t }
                    }
                    cur[j] = v
                    if v < rowMin { rowMin = v }
                }
                if rowMin > limit { return 0 }
                let t = prev2
                prev2 = prev
                prev = cur
                cur = t
            }
            var best = Int32.max
            for j in 0...m {
                let c = prev[j] + trailing * Int32(m - j)
                if c < best { best = c }
            }
            let s = 1 - Double(best) / Double(Int32(n) * unit)
            return max(0, s)
        }
    }

    static func score(name: [UInt8], query: [UInt8], trailing: Int32 = 35, maxEdits: Double = .infinity) -> Double {
        name.withUnsafeBufferPointer { a in query.withUnsafeBufferPointer { b in score(name: a, query: b, trailing: trailing, maxEdits: maxEdits) } }
    }
}
