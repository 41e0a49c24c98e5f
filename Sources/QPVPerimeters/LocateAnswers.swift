// `LocateAnswers`: the answers of many points in flat arrays (what `Locator.locateAnswers` fills and batches
// format from, no object per point), put back in input order, and the full `LocateResult` of one point.

import QPVCore

/// Answers for many points in flat arrays (`Locator.locateAnswers`): batches format straight from them;
/// `result(_:)` gives the full `LocateResult` of one point.
public struct LocateAnswers: Sendable {
    /// Number of points.
    public let count: Int
    /// Date of the question.
    public let date: CivilDate
    /// Boundary tolerance, in metres.
    public let tolerance: Double
    let lons: [Double]
    let lats: [Double]
    let catalog: PerimeterCatalog
    /// Per answer (`slot(kind, point)`: the QPV answers of every point, then the QIC ones): status (QIC: nil
    /// when no QIC set applies), first containing perimeter (-1: none; others, sorted by code, in
    /// `moreHits[2 × point + kind]`), nearest boundary's perimeter (-1: none) and its distance (NaN: none).
    /// Flat arrays: nested ones cost a uniqueness check and a retain per write in the hot loop (callgrind).
    var status: [LocateStatus?]
    var firstHit: [Int32]
    var nearest: [Int32]
    var distance: [Double]
    var moreHits: [Int: [Int32]] = [:]
    /// Per point: its plan (-1: coordinates unusable); why coordinates are unusable.
    var plan: [Int32]
    var plans: [Locator.Plan] = []
    var problems: [Int: String] = [:]
    /// Why answer (2 × point + kind) is `not_covered` / `not_applicable`.
    var notes: [Int: String] = [:]

    /// Marks point i's answer for `kind` as `status` (no containing perimeter) with its reason.
    /// The QPV distance and nearest perimeter are kept for `not_covered` (facts, and what the reference
    /// answers compare); a `not_applicable` QIC answer has none.
    mutating func clear(kind: PerimeterKind, _ i: Int, status s: LocateStatus, note: String?) {
        let k = kind.slot
        let a = slot(kind, i)
        status[a] = s
        firstHit[a] = -1
        if s == .notApplicable {
            nearest[a] = -1
            distance[a] = .nan
        }
        moreHits[2 * i + k] = nil
        if let note { notes[2 * i + k] = note }
    }

    init(count: Int, date: CivilDate, tolerance: Double, lons: [Double], lats: [Double], catalog: PerimeterCatalog) {
        self.count = count
        self.date = date
        self.tolerance = tolerance
        self.lons = lons
        self.lats = lats
        self.catalog = catalog
        status = [LocateStatus?](repeating: nil, count: 2 * count)
        firstHit = [Int32](repeating: -1, count: 2 * count)
        nearest = firstHit
        distance = [Double](repeating: .nan, count: 2 * count)
        plan = [Int32](repeating: -1, count: count)
    }

    /// Position of point i's answer for `kind` in the per-answer arrays.
    @inline(__always) func slot(_ kind: PerimeterKind, _ i: Int) -> Int { kind.slot &* count &+ i }

    /// These answers, computed for points taken in `order` (answer j is point `order[j]`), put back in input
    /// order; `lons`, `lats` are the input arrays.
    func inInputOrder(_ order: [Int], lons: [Double], lats: [Double]) -> LocateAnswers {
        var r = LocateAnswers(count: count, date: date, tolerance: tolerance, lons: lons, lats: lats, catalog: catalog)
        r.plans = plans
        func scatter<T>(_ sorted: [T], into result: inout [T]) {
            let answersPerPoint = sorted.count / Swift.max(1, count)
            for kind in 0..<answersPerPoint {
                let base = kind * count
                for (j, i) in order.enumerated() { result[base + i] = sorted[base + j] }
            }
        }
        scatter(status, into: &r.status)
        scatter(firstHit, into: &r.firstHit)
        scatter(nearest, into: &r.nearest)
        scatter(distance, into: &r.distance)
        scatter(plan, into: &r.plan)
        for (key, hits) in moreHits { r.moreHits[2 * order[key / 2] + key % 2] = hits }
        for (j, problem) in problems { r.problems[order[j]] = problem }
        for (key, note) in notes { r.notes[2 * order[key / 2] + key % 2] = note }
        return r
    }

    /// The headline (QPV) status of point i.
    public func status(_ i: Int) -> LocateStatus { plan[i] < 0 ? .invalidCoordinates : (status[i] ?? .outside) }

    /// Why point i has no sure answer (`invalid_coordinates`, `no_list`, `not_covered`), in French.
    public func problem(_ i: Int) -> String? {
        if plan[i] < 0 { return problems[i] }
        if status[i] == .notCovered { return notes[2 * i] }
        return status[i] == .noList ? plans[Int(plan[i])].noListProblem : nil
    }

    /// Why point i's QIC answer is `not_covered` / `not_applicable`, in French.
    public func qicProblem(_ i: Int) -> String? { notes[2 * i + 1] }

    /// Catalog indices of the perimeters of `kind` containing point i, sorted by code.
    public func hits(_ i: Int, kind: PerimeterKind) -> [Int] {
        let f = firstHit[slot(kind, i)]
        guard f >= 0 else { return [] }
        return [Int(f)] + (moreHits[2 * i + kind.slot] ?? []).map(Int.init)
    }

    /// Number of perimeters of `kind` containing point `i`.
    public func hitCount(_ i: Int, kind: PerimeterKind) -> Int {
        firstHit[slot(kind, i)] < 0 ? 0 : 1 + (moreHits[2 * i + kind.slot]?.count ?? 0)
    }

    /// Index of the first perimeter of `kind` containing point `i`, nil when none.
    public func firstHitIndex(_ i: Int, kind: PerimeterKind) -> Int? { firstHit[slot(kind, i)] >= 0 ? Int(firstHit[slot(kind, i)]) : nil }

    /// Distance from point `i` to the nearest boundary of `kind`, in metres.
    public func distanceBoundary(_ i: Int, kind: PerimeterKind) -> Double? {
        let d = distance[slot(kind, i)]
        return d.isNaN ? nil : d
    }

    /// The status of point `i` for `kind`, nil when no list applies.
    public func kindStatus(_ i: Int, kind: PerimeterKind) -> LocateStatus? { plan[i] < 0 ? nil : status[slot(kind, i)] }

    /// Sets (catalog indices) that answered for point i.
    public func sets(_ i: Int, kind: PerimeterKind) -> [Int] {
        guard plan[i] >= 0 else { return [] }
        return kind == .qpv ? plans[Int(plan[i])].qpvSets : plans[Int(plan[i])].qicSets
    }

    /// The full answer of point i.
    public func result(_ i: Int) -> LocateResult {
        var r = LocateResult(lon: lons[i], lat: lats[i], date: date, status: .invalidCoordinates, toleranceM: tolerance)
        guard plan[i] >= 0 else {
            r.problem = problems[i]
            return r
        }
        let p = plans[Int(plan[i])]
        r.territory = p.list
        r.zone = p.zone
        func hit(_ g: Int) -> PerimeterHit { PerimeterHit(index: g, code: catalog.perimeters[g].code, name: catalog.perimeters[g].name) }
        func kindAnswer(_ kind: PerimeterKind, _ sets: [Int]) -> KindAnswer? {
            guard let st = status[slot(kind, i)], st != .noList else { return nil }
            let n = nearest[slot(kind, i)]
            return KindAnswer(
                status: st, containing: hits(i, kind: kind).map(hit), distanceBoundaryM: distanceBoundary(i, kind: kind),
                nearest: n >= 0 ? hit(Int(n)) : nil, sets: sets)
        }
        if status[i] == .noList {
            r.status = .noList
            r.missingList = p.missingList
            r.problem = p.noListProblem
        } else if let a = kindAnswer(.qpv, p.qpvSets) {
            r.qpv = a
            r.status = a.status
            if a.status == .notCovered { r.problem = notes[2 * i] }
        }
        if !p.qicSets.isEmpty {
            r.qic = kindAnswer(.qic, p.qicSets)
            r.qicProblem = notes[2 * i + 1]
        }
        return r
    }
}

extension PerimeterKind {
    /// Index of this kind in the per-kind arrays of `LocateAnswers` (0 QPV, 1 QIC).
    @inline(__always) var slot: Int { self == .qpv ? 0 : 1 }
}
