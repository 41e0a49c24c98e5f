// The locate engine: `Locator` (one GEOS and one PROJ context per thread over a shared `PerimeterCatalog`),
// its per-(territory, zone) plans, the coverage and QIC-scope rules, the spatial order of batches, the
// French messages of unusable points, and the containment question alone (`containing`).

import Foundation
import QPVCore
import QPVGeometry

/// Answers "is this point in a QPV / QIC?" on a shared `PerimeterCatalog`. Owns one GEOS context, one PROJ
/// context and the prepared geometries it has used: create one per thread or worker, never share it.
public final class Locator {
    /// The perimeters answered from.
    public let catalog: PerimeterCatalog
    let geos: GeosContext
    let proj: ProjContext
    /// Prepared geometries by catalog perimeter index (an array: a dictionary's hashing showed in profiles).
    private var prepared: [PreparedGeometry?] = []
    private var transformers: [Int: CoordinateTransformer] = [:]
    /// Installed commune data (départements, EPCI), built on first use.
    private lazy var areaLookup: AreaLookup? =
        catalog.areas.isEmpty ? nil : AreaLookup(areas: catalog.areas, geos: geos, transformer: { [unowned self] in try self.transformer(to: $0) })

    /// A locator over `catalog`, with its own GEOS and PROJ contexts: use it on one thread at a time.
    public init(catalog: PerimeterCatalog) throws {
        self.catalog = catalog
        self.geos = try GeosContext()
        self.proj = try ProjContext()
    }

    func transformer(to crs: CRS) throws -> CoordinateTransformer {
        if let t = transformers[crs.epsg] { return t }
        let t = try CoordinateTransformer(from: .wgs84, to: crs, context: proj)
        transformers[crs.epsg] = t
        return t
    }

    /// The perimeter's geometry in its containment CRS, prepared (cached per locator).
    func preparedGeometry(_ index: Int) throws -> PreparedGeometry {
        if index < prepared.count, let p = prepared[index] { return p }
        let lp = catalog.perimeters[index]
        let g = try catalog.packs[lp.pack].withWKB(lp.record.geometry) { try Geometry(wkb: $0, context: geos) }
        let p = try g.prepared()
        if prepared.count != catalog.perimeters.count { prepared = Array(repeating: nil, count: catalog.perimeters.count) }
        prepared[index] = p
        return p
    }

    /// Geometry of a perimeter in WGS84 (for maps and exports), owned by this locator's context.
    public func wgs84Geometry(_ index: Int) throws -> Geometry {
        let lp = catalog.perimeters[index]
        return try catalog.packs[lp.pack].withWKB(lp.record.wgs84Geometry) { try Geometry(wkb: $0, context: geos) }
    }

    /// Geometry of a perimeter in its pack's containment CRS (the source file's CRS).
    public func containmentGeometry(_ index: Int) throws -> Geometry {
        let lp = catalog.perimeters[index]
        return try catalog.packs[lp.pack].withWKB(lp.record.geometry) { try Geometry(wkb: $0, context: geos) }
    }

    /// Geometry of a perimeter in its metric CRS.
    public func metricGeometry(_ index: Int) throws -> Geometry {
        let lp = catalog.perimeters[index]
        return try catalog.packs[lp.pack].withWKB(lp.record.metricGeometry) { try Geometry(wkb: $0, context: geos) }
    }

    /// Locates one point.
    /// `commune`: the INSEE code of the point's commune when known (the citycode of a geocoded address): it
    /// places the point in its département and EPCI without commune outlines.
    public func locate(lon: Double, lat: Double, on date: CivilDate, tolerance: Double = 20, commune: String? = nil) throws -> LocateResult {
        try locate(lons: [lon], lats: [lat], on: date, tolerance: tolerance, communes: commune.map { [$0] })[0]
    }

    /// Locates many points at once (coordinates transformed in arrays, shapely-style). Invalid coordinates
    /// (NaN, out of range, outside France) get an `invalid_coordinates` result, never an error.
    public func locate(lons: [Double], lats: [Double], on date: CivilDate, tolerance: Double = 20, communes: [String?]? = nil) throws
        -> [LocateResult]
    {
        let answers = try locateAnswers(lons: lons, lats: lats, on: date, tolerance: tolerance, communes: communes)
        return (0..<answers.count).map { answers.result($0) }
    }

    /// Locates many points, answers kept in flat arrays (`LocateAnswers`): what batches format from, with
    /// no object per point. Same answers as `locate(lons:lats:on:tolerance:)`.
    public func locateAnswers(lons: [Double], lats: [Double], on date: CivilDate, tolerance: Double = 20, communes: [String?]? = nil) throws
        -> LocateAnswers
    {
        precondition(lons.count == lats.count && (communes == nil || communes!.count == lons.count))
        guard lons.count >= 1000 else {
            return try locateSlice(lons: lons, lats: lats, on: date, tolerance: tolerance, batch: false, communes: communes)
        }
        // Batches work on the points copied into spatial (Morton) order: neighbours in space are processed
        // together, so the perimeter data they need stays in cache and the previous nearest boundary is a good
        // first guess; and every per-point array is then read and written sequentially. Answers are put back
        // in input order at the end.
        let order = Locator.spatialOrder(lons: lons, lats: lats)
        let sortedLons = order.map { lons[$0] }
        let sortedLats = order.map { lats[$0] }
        let sorted = try locateSlice(
            lons: sortedLons, lats: sortedLats, on: date, tolerance: tolerance, batch: true, communes: communes.map { c in order.map { c[$0] } })
        return sorted.inInputOrder(order, lons: lons, lats: lats)
    }

    /// What answers the points of one (territory, zone) on one date: sets in force, and the partitions of
    /// those sets in the zone's metric CRS. A class: the hot loop holds one reference, not four arrays.
    final class Plan: Sendable {
        let list: ListTerritory
        let zone: FrenchTerritory
        let qpvSets: [Int]
        let qicSets: [Int]
        let qpvParts: [Int]
        let qicParts: [Int]
        let metricSlot: Int
        /// When no QPV set is in force: the list needed (if any) and why, in French.
        let missingList: OfficialList?
        let noListProblem: String?
        /// Départements the QPV sets answer for; nil when one of them is complete (no check: today's speed).
        let qpvCovered: Set<String>?
        /// QIC sets whose EPCI must contain the point before it can be `out` (nil: none, the demo sets).
        let qicScopes: [(siren: String, communes: Set<String>)]?

        init(
            list: ListTerritory, zone: FrenchTerritory, qpvSets: [Int], qicSets: [Int], qpvParts: [Int], qicParts: [Int], metricSlot: Int,
            missingList: OfficialList?, noListProblem: String?, qpvCovered: Set<String>? = nil,
            qicScopes: [(siren: String, communes: Set<String>)]? = nil
        ) {
            self.qpvCovered = qpvCovered
            self.qicScopes = qicScopes
            self.list = list
            self.zone = zone
            self.qpvSets = qpvSets
            self.qicSets = qicSets
            self.qpvParts = qpvParts
            self.qicParts = qicParts
            self.metricSlot = metricSlot
            self.missingList = missingList
            self.noListProblem = noListProblem
        }
    }

    /// Per partition, the owner that held the previous point's nearest boundary (points come in spatial order).
    private var nearestHints: [BoundaryIndex.NearestHint] = []

    private func locateSlice(lons: [Double], lats: [Double], on date: CivilDate, tolerance: Double, batch: Bool, communes: [String?]?) throws
        -> LocateAnswers
    {
        let n = lons.count
        let catalog = self.catalog
        let partitions = catalog.partitions
        var out = LocateAnswers(count: n, date: date, tolerance: tolerance, lons: lons, lats: lats, catalog: catalog)
        // Territory of each point (its code in `territories`, -1 for none) and which CRSs are needed.
        var territories = TerritoryCodes()
        var territoryOf = [Int32](repeating: -1, count: n)
        var needed: [Int] = []
        for i in 0..<n {
            let lon = lons[i]
            let lat = lats[i]
            if let problem = Locator.coordinateProblem(lon: lon, lat: lat) {
                out.problems[i] = problem
            } else if let t = catalog.territory(lon: lon, lat: lat) {
                let demo = TerritoryCodes.isDemo(t.list)
                territoryOf[i] = Int32(truncatingIfNeeded: territories.sameAsLast(zone: t.zone, demo: demo) ?? territories.code(of: t))
                // The metric CRS follows the zone, except in the demo area (placed by its own coordinates).
                let epsg = (demo ? CRS.metricCRS(lon: lon, lat: lat) : t.zone.metricCRS).epsg
                if !needed.contains(epsg) { needed.append(epsg) }
            } else {
                out.problems[i] = Locator.outsideFranceMessage(lon: lon, lat: lat)
            }
        }
        // Containment CRSs of the partitions, then every needed CRS transformed once, in arrays.
        for p in partitions where p.containmentCRS != .wgs84 && !needed.contains(p.containmentCRS.epsg) { needed.append(p.containmentCRS.epsg) }
        var projectedX: [[Double]] = []
        var projectedY: [[Double]] = []
        for epsg in needed {
            var xs = lons
            var ys = lats
            for i in 0..<n where territoryOf[i] < 0 {
                xs[i] = 0
                ys[i] = 0
            }
            try transformer(to: CRS(epsg: epsg)).transform(x: &xs, y: &ys)
            projectedX.append(xs)
            projectedY.append(ys)
        }
        /// Slot of a CRS in projectedX/Y (-1: WGS84, the input itself).
        func slot(_ crs: CRS) -> Int { crs == .wgs84 ? -1 : (needed.firstIndex(of: crs.epsg) ?? -1) }
        let containmentSlots = partitions.map { slot($0.containmentCRS) }
        // Batches look candidates up in grids (built once per catalog, fetched once per call).
        let grids: [UniformGrid]? = batch ? partitions.map(\.containmentGrid) : nil

        var metricX = [Double](repeating: .nan, count: n)
        var metricY = [Double](repeating: .nan, count: n)
        // The plan of each known territory, made on its first point.
        let known = territories.known
        var planOfTerritory = [Int](repeating: -1, count: known.count)
        for i in 0..<n {
            let ti = Int(territoryOf[i])
            guard ti >= 0 else { continue }
            let t = known[ti]
            let k: Int
            if planOfTerritory[ti] >= 0 {
                k = planOfTerritory[ti]
            } else if let found = out.plans.firstIndex(where: { $0.zone == t.zone && $0.list == t.list }) {
                k = found
                planOfTerritory[ti] = k
            } else {
                let metric = CRS.metricCRS(lon: lons[i], lat: lats[i])
                let qpvSets = catalog.setsInForce(kind: .qpv, territory: t.list, on: date)
                let qicSets = catalog.setsInForce(kind: .qic, territory: t.list, on: date)
                let missing = qpvSets.isEmpty ? catalog.officialList(kind: .qpv, territory: t.list, on: date) : nil
                let scope = catalog.scope(qpvSets: qpvSets, qicSets: qicSets)
                out.plans.append(
                    Plan(
                        list: t.list, zone: t.zone, qpvSets: qpvSets, qicSets: qicSets,
                        qpvParts: partitions.indices.filter { qpvSets.contains(partitions[$0].set) && partitions[$0].metricCRS == metric },
                        qicParts: partitions.indices.filter { qicSets.contains(partitions[$0].set) && partitions[$0].metricCRS == metric },
                        metricSlot: slot(metric), missingList: missing,
                        noListProblem: qpvSets.isEmpty ? Locator.noListProblem(missing: missing, territory: t.list, dateFrench: date.french) : nil,
                        qpvCovered: scope.qpvCovered, qicScopes: scope.qicScopes))
                k = out.plans.count - 1
                planOfTerritory[ti] = k
            }
            out.plan[i] = Int32(k)
            let s = out.plans[k].metricSlot
            metricX[i] = s < 0 ? lons[i] : projectedX[s][i]
            metricY[i] = s < 0 ? lats[i] : projectedY[s][i]
        }

        if nearestHints.count != partitions.count { nearestHints = Array(repeating: BoundaryIndex.NearestHint(), count: partitions.count) }
        var hints = nearestHints
        defer { nearestHints = hints }

        // Points grouped by plan (in order: still spatial), then each kind's partitions one at a time over
        // the plan's points: the partition's objects are fetched once per plan, not retained and released
        // for every point (the per-point loop over partitions was a tenth of a batch's atomic reference
        // counting, issue 17). Each point's answer is the same as partition by partition for that point.
        var pointsOfPlan = [[Int32]](repeating: [], count: out.plans.count)
        for i in 0..<n where out.plan[i] >= 0 { pointsOfPlan[Int(out.plan[i])].append(Int32(i)) }

        /// The answers of one kind for the points `points`, over the partitions `parts`, into `out`.
        func answer(_ parts: [Int], _ perimeterKind: PerimeterKind, _ points: [Int32]) throws {
            let m = points.count
            var firstHits = [Int32](repeating: -1, count: m)
            var moreHits: [Int: [Int32]] = [:]
            var best = [Int32](repeating: -1, count: m)
            var bestDistance = [Double](repeating: .infinity, count: m)
            for pi in parts {
                let part = partitions[pi]
                let s = containmentSlots[pi]
                let grid = grids?[pi]
                let boundary = part.boundary
                let owners = part.perimeters
                var hint = hints[pi]
                let xs = s < 0 ? lons : projectedX[s]
                let ys = s < 0 ? lats : projectedY[s]
                for j in 0..<m {
                    let i = Int(points[j])
                    let mx = metricX[i]
                    let my = metricY[i]
                    guard mx.isFinite, my.isFinite else { continue }
                    var hits = FirstAndMore()
                    hits.first = firstHits[j]
                    if !moreHits.isEmpty, let more = moreHits[j] { hits.more = more }
                    let before = hits.more.count
                    let hadFirst = hits.first >= 0
                    try collectContaining(part, grid: grid, x: xs[i], y: ys[i], into: &hits)
                    if !hadFirst && hits.first >= 0 { firstHits[j] = hits.first }
                    if hits.more.count != before { moreHits[j] = hits.more }
                    if let near = boundary.nearest(x: mx, y: my, hint: &hint), best[j] < 0 || near.distance < bestDistance[j] {
                        best[j] = Int32(owners[near.owner])
                        bestDistance[j] = near.distance
                    }
                }
                hints[pi] = hint
            }
            // `out.slot(kind, i)`, without calling a method of `out` (captured: the call copied it, every array
            // retained).
            let slotBase = perimeterKind.slot * n
            for j in 0..<m {
                let i = Int(points[j])
                let a = slotBase + i
                guard metricX[i].isFinite, metricY[i].isFinite else {
                    out.status[a] = .outside
                    continue
                }
                var first = firstHits[j]
                if !moreHits.isEmpty, let more = moreHits[j] {
                    var all = [first] + more
                    sortByCode(&all[...])
                    first = all[0]
                    out.moreHits[2 * i + perimeterKind.slot] = Array(all.dropFirst())
                }
                out.firstHit[a] = first
                out.nearest[a] = best[j]
                out.distance[a] = best[j] >= 0 ? bestDistance[j] : .nan
                var status: LocateStatus = first < 0 ? .outside : .inside
                if best[j] >= 0 && bestDistance[j] < tolerance { status = .boundary }
                out.status[a] = status
            }
        }

        for k in out.plans.indices {
            let p = out.plans[k]
            if p.qpvSets.isEmpty {
                for i in pointsOfPlan[k] { out.status[PerimeterKind.qpv.slot * n + Int(i)] = .noList }
            } else {
                try answer(p.qpvParts, .qpv, pointsOfPlan[k])
            }
            if !p.qicSets.isEmpty { try answer(p.qicParts, .qic, pointsOfPlan[k]) }
        }
        // What needs the answers: partial lists and QIC scopes, point by point.
        for i in 0..<n {
            let k = Int(out.plan[i])
            guard k >= 0 else { continue }
            let p = out.plans[k]
            if !p.qpvSets.isEmpty, let covered = p.qpvCovered, out.status[PerimeterKind.qpv.slot * n + i] == .outside,
                let why = try coverageProblem(lon: lons[i], lat: lats[i], commune: communes?[i] ?? nil, covered: covered, plan: p, date: date)
            {
                // A partial list: "out" only for a point surely in a covered département.
                out.clear(kind: .qpv, i, status: .notCovered, note: why)
            }
            if !p.qicSets.isEmpty, let scopes = p.qicScopes, out.status[PerimeterKind.qic.slot * n + i] == .outside {
                let (status, why) = try qicScope(lon: lons[i], lat: lats[i], commune: communes?[i] ?? nil, scopes: scopes)
                if status != .outside { out.clear(kind: .qic, i, status: status, note: why) }
            }
        }
        return out
    }

    /// Why a point outside every perimeter of a partial list cannot be `out`, or nil when it is surely in a
    /// covered département.
    func coverageProblem(lon: Double, lat: Double, commune: String?, covered: Set<String>, plan: Plan, date: CivilDate) throws -> String? {
        let lists = catalog.coverageLabel(plan.qpvSets)
        let install =
            catalog.officialList(kind: .qpv, territory: plan.list, on: date)
            .map { " ; installez la liste complète : \($0.installHint)" } ?? ""
        var departement: String?
        if let commune, !commune.isEmpty, let d = Departement.of(commune: commune) {
            departement = d
        } else if let lookup = areaLookup, let answer = try lookup.departement(lon: lon, lat: lat) {
            switch answer {
            case .known(let d): departement = d
            case .ambiguous:
                return
                    "hors de tout quartier de la \(lists), mais le point est à moins de \(FrenchFormat.metres(AdminAreas.margin)) d'une limite de département (ou du bord des communes installées) : département incertain, réponse « hors QPV » impossible\(install)"
            }
        }
        guard let departement else {
            return
                "hors de tout quartier de la \(lists), mais le département du point est inconnu (aucune commune installée à cet endroit : qpv data import-communes FICHIER, contours IGN ADMIN EXPRESS) : réponse « hors QPV » impossible\(install)"
        }
        if covered.contains(departement) { return nil }
        return "département \(departement) non couvert par la \(lists) : réponse « hors QPV » impossible\(install)"
    }

    /// QIC scope of a point outside every QIC: `out` when it is surely in one of the EPCIs, `not_applicable`
    /// when surely in none, else `not_covered` (the EPCI's communes cannot be established here).
    func qicScope(lon: Double, lat: Double, commune: String?, scopes: [(siren: String, communes: Set<String>)]) throws -> (LocateStatus, String?) {
        var unknown: [String] = []
        var outside: [String] = []
        for s in scopes {
            var placement: ZonePlacement?
            if let commune, !commune.isEmpty {
                if let member = areaLookup?.epci(s.siren, commune: commune) {
                    placement = member ? .inside : .outside
                } else if s.communes.contains(commune) {
                    placement = .inside
                }
            }
            if placement == nil, let lookup = areaLookup { placement = try lookup.epci(s.siren, lon: lon, lat: lat) }
            switch placement {
            case .inside: return (.outside, nil)
            case .outside: outside.append(s.siren)
            case .ambiguous, nil: unknown.append(s.siren)
            }
        }
        if unknown.isEmpty {
            return (
                .notApplicable,
                "point hors de l'EPCI \(outside.joined(separator: ", ")) auquel appartiennent les QIC installés : les QIC ne s'appliquent pas ici"
            )
        }
        return (
            .notCovered,
            "impossible d'établir si le point est dans l'EPCI \(unknown.joined(separator: ", ")) des QIC installés (communes de l'EPCI non installées ici, ou point à moins de \(FrenchFormat.metres(AdminAreas.margin)) de sa limite) : installez ses communes avec qpv data import-communes FICHIER --epci SIREN"
        )
    }

    /// Indices of the points sorted by the Morton code of their (lon, lat) quantised to about 0.005°.
    static func spatialOrder(lons: [Double], lats: [Double]) -> [Int] {
        let n = lons.count
        guard n > 32 else { return Array(0..<n) }
        @inline(__always) func spread(_ v: UInt64) -> UInt64 {
            var x = v & 0xFFFF_FFFF
            x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF
            x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF
            x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F
            x = (x | (x << 2)) & 0x3333_3333_3333_3333
            x = (x | (x << 1)) & 0x5555_5555_5555_5555
            return x
        }
        // Morton code (2 × 17 bits) in the high bits, the index in the low 24, sorted by the code with a
        // stable LSD radix sort (3 passes of 12 bits): equal codes keep input order.
        guard n < 1 << 24 else { return Array(0..<n) }
        var keys = [UInt64](repeating: 0, count: n)
        for i in 0..<n {
            let lon = lons[i].isFinite ? min(max(lons[i], -180), 180) : 0
            let lat = lats[i].isFinite ? min(max(lats[i], -90), 90) : 0
            let code = spread(UInt64((lon + 180) * 200) & 0x1FFFF) | (spread(UInt64((lat + 90) * 200) & 0x1FFFF) << 1)
            keys[i] = code << 24 | UInt64(i)
        }
        var other = [UInt64](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 4097)
        for shift: UInt64 in [24, 36, 48] {
            for k in counts.indices { counts[k] = 0 }
            for key in keys { counts[Int((key >> shift) & 0xFFF) + 1] += 1 }
            for k in 1..<counts.count { counts[k] += counts[k - 1] }
            for key in keys {
                let d = Int((key >> shift) & 0xFFF)
                other[counts[d]] = key
                counts[d] += 1
            }
            swap(&keys, &other)
        }
        return keys.map { Int($0 & 0xFF_FFFF) }
    }

    /// Why a point of `territory` gets `no_list` on a date (`dateFrench`, as `CivilDate.french` writes it):
    /// the official list it needs and how to install it, or why no list exists. Also exported to other engines.
    public static func noListProblem(missing list: OfficialList?, territory: ListTerritory, dateFrench: String) -> String {
        if let list {
            return "\(list.label) non installée (\(list.periodFrench), \(list.legalBasis)) ; \(list.installHint)"
        } else if territory == .demo {
            return "aucune liste de démonstration pour le \(dateFrench) (le jeu fictif couvre 2015 et après)"
        } else {
            var s =
                "aucune liste de QPV n'existe le \(dateFrench) pour \(territory.french) : les QPV existent depuis le 1er janvier 2015 (avant : zones urbaines sensibles, ZUS"
            // The registries holding a pre-2015 geography (the 2011 PTCS of Valenciennes Métropole) are mainland ones.
            let pre = territory == .hexagone ? TerritoryRegistry.shippedPre2015 : []
            if pre.isEmpty { return s + ")" }
            s += ", et quartiers des contrats urbains de cohésion sociale, CUCS) ; géographie d'avant 2015 connue de qpv pour "
            s += pre.map { "\($0.epci.name) (\($0.contract.title)) : qpv perimeters list --epci \($0.epci.siren)" }.joined(separator: " ; ")
            return s
        }
    }

    /// Why coordinates cannot be used, or nil when they are finite and in range.
    public static func coordinateProblem(lon: Double, lat: Double) -> String? {
        if isUsable(lon: lon, lat: lat) { return nil }
        if lon.isNaN || lat.isNaN { return "coordonnées absentes ou non numériques" }
        if !lon.isFinite || !lat.isFinite { return "coordonnées non finies" }
        if lon < -180 || lon > 180 { return "longitude \(lon) hors de [-180, 180]" }
        if lat < -90 || lat > 90 { return "latitude \(lat) hors de [-90, 90]" }
        return nil
    }

    /// Whether `coordinateProblem` finds nothing to say: finite longitude in [-180, 180], latitude in [-90, 90]
    /// (NaN fails every comparison). Four comparisons, for loops over many points.
    @inline(__always)
    public static func isUsable(lon: Double, lat: Double) -> Bool {
        lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
    }

    /// The French message for a point outside every French territory.
    public static func outsideFranceMessage(lon: Double, lat: Double) -> String {
        if FrenchTerritory.of(lon: lat, lat: lon) != .unknown {
            return "point (\(lon), \(lat)) hors de France ; latitude et longitude semblent inversées (la longitude vient en premier)"
        }
        return "point (\(lon), \(lat)) hors de la France hexagonale et des outre-mer concernés par la politique de la ville"
    }
}

extension Locator {
    /// Candidate-grid statistics of every partition, for benchmarks.
    public static func gridStatistics(_ catalog: PerimeterCatalog) -> [String] {
        catalog.partitions.map { p in
            guard let s = p.boundary.gridStatistics else { return "\(p.metricCRS): -" }
            return "\(p.metricCRS): \(s.cells) cellules de \(Int(s.cellSize)) m, \(String(format: "%.1f", s.meanCandidates)) candidats en moyenne"
        }
    }
}

/// The first containing perimeter found and the others (a batch answer; `Locator.collectContaining` fills it
/// inout, not through a closure whose captured state would be boxed on the heap).
struct FirstAndMore {
    var first: Int32 = -1
    var more: [Int32] = []
    @inline(__always) mutating func add(_ perimeter: Int32) {
        if first < 0 { first = perimeter } else { more.append(perimeter) }
    }
}

/// The territories of points visited one after another, each numbered on first sight (`known[code]`): a
/// small code per point instead of an optional (list, zone) pair, whose list enum has a payload (creating,
/// comparing and destroying one per point was a tenth of a batch, callgrind, issue 17). `territory` derives the
/// list from the zone, or gives the demo's, so (zone, demo) identify a territory: consecutive points of the
/// same one cost two comparisons.
struct TerritoryCodes {
    private(set) var known: [(list: ListTerritory, zone: FrenchTerritory)] = []
    private var last = -1
    private var lastZone = FrenchTerritory.unknown
    private var lastDemo = false

    /// Whether the list is the demonstration one.
    @inline(__always)
    static func isDemo(_ list: ListTerritory) -> Bool {
        if case .demo = list { return true }
        return false
    }

    /// The previous point's code when this point's zone and demo flag are the same, else nil (then `code(of:)`).
    @inline(__always)
    func sameAsLast(zone: FrenchTerritory, demo: Bool) -> Int? {
        last >= 0 && zone == lastZone && demo == lastDemo ? last : nil
    }

    /// The code of `t` (its position in `known`, appended when new).
    mutating func code(of t: (list: ListTerritory, zone: FrenchTerritory)) -> Int {
        last = known.firstIndex { $0.list == t.list && $0.zone == t.zone } ?? known.count
        if last == known.count { known.append(t) }
        lastZone = t.zone
        lastDemo = TerritoryCodes.isDemo(t.list)
        return last
    }
}

extension Locator {
    /// The perimeters of `part` whose polygon contains the point (containment CRS), exactly as GEOS decides,
    /// into `hits` (catalog indices, in candidate order). `grid`: the partition's containment grid (batches);
    /// nil: its STR-tree (a single point, where building the grid would cost more than it saves).
    @inline(__always)
    func collectContaining(_ part: PerimeterCatalog.Partition, grid: UniformGrid?, x: Double, y: Double, into hits: inout FirstAndMore)
        throws
    {
        @inline(__always) func test(_ local: Int) throws {
            let gi = part.perimeters[local]
            if try preparedGeometry(gi).contains(x: x, y: y) { hits.add(Int32(gi)) }
        }
        if let grid {
            guard let cell = grid.cell(x: x, y: y) else { return }
            for k in Int(grid.offsets[cell])..<Int(grid.offsets[cell + 1]) {
                let local = Int(grid.items[k])
                if part.tree.envelopeContains(local, x: x, y: y) { try test(local) }
            }
        } else {
            var candidates: [Int] = []
            part.tree.forEach(intersecting: Envelope(minX: x, minY: y, maxX: x, maxY: y)) { candidates.append($0) }
            for local in candidates { try test(local) }
        }
    }

    /// Sorts catalog perimeter indices by code (the order answers list several containing perimeters in).
    func sortByCode(_ hits: inout ArraySlice<Int32>) {
        let perimeters = catalog.perimeters
        hits.sort { perimeters[Int($0)].code < perimeters[Int($1)].code }
    }
}

extension Locator {
    /// The containment question alone, shapely-2 style (`STRtree.query(points, predicate="within")`): for
    /// each point, the perimeters of `kind` in force on `date` for its territory whose polygon contains it,
    /// exactly as GEOS decides. Returns parallel arrays (point index, catalog perimeter index), by point, and
    /// by code when a point has several. Points with invalid coordinates, outside France or without an
    /// installed list get no pair.
    ///
    /// Two passes (issue 17, goal 2): each point's plan (its territory's partitions), then partition by
    /// partition one tight loop over its points — cell of the containment grid, candidate envelopes, GEOS only
    /// inside an envelope — over unsafe buffers fetched once, instead of the per-point copies, reference counts
    /// and exclusivity checks of a loop over partitions inside the loop over points (callgrind, 1,000,000
    /// points, one thread: 1,155 M instructions before).
    public func containing(lons: [Double], lats: [Double], on date: CivilDate, kind: PerimeterKind = .qpv) throws -> (
        points: [Int32], perimeters: [Int32]
    ) {
        precondition(lons.count == lats.count)
        let n = lons.count
        let partitions = catalog.partitions
        // Pass 1: each point's plan (its territory's code: one plan per territory), -1 for none (unusable
        // coordinates, outside France).
        var territories = TerritoryCodes()
        var planParts: [[Int]] = []
        var planOf = [Int32](repeating: -1, count: n)
        planOf.withUnsafeMutableBufferPointer { planOf in
            for i in 0..<n {
                let lon = lons[i]
                let lat = lats[i]
                guard Locator.isUsable(lon: lon, lat: lat), let t = catalog.territory(lon: lon, lat: lat) else { continue }
                let k = territories.sameAsLast(zone: t.zone, demo: TerritoryCodes.isDemo(t.list)) ?? territories.code(of: t)
                if k == planParts.count {
                    let sets = catalog.setsInForce(kind: kind, territory: t.list, on: date)
                    let metric = CRS.metricCRS(lon: lon, lat: lat)
                    planParts.append(partitions.indices.filter { sets.contains(partitions[$0].set) && partitions[$0].metricCRS == metric })
                }
                planOf[i] = Int32(truncatingIfNeeded: k)
            }
        }
        let used = partitions.indices.filter { pi in planParts.contains { $0.contains(pi) } }
        // Points in the containment CRS of each partition used that is not in WGS84 (slot -1: WGS84, the input).
        var needed: [Int] = []
        var projectedX: [[Double]] = []
        var projectedY: [[Double]] = []
        for pi in used where partitions[pi].containmentCRS != .wgs84 && !needed.contains(partitions[pi].containmentCRS.epsg) {
            var xs = lons.map { $0.isFinite ? $0 : 0 }
            var ys = lats.map { $0.isFinite ? $0 : 0 }
            try transformer(to: partitions[pi].containmentCRS).transform(x: &xs, y: &ys)
            needed.append(partitions[pi].containmentCRS.epsg)
            projectedX.append(xs)
            projectedY.append(ys)
        }
        // Pass 2: partition by partition, the points whose plan tests it.
        var points: [Int32] = []
        var perimeters: [Int32] = []
        for pi in used {
            let part = partitions[pi]
            let crs = part.containmentCRS
            let xs = crs == .wgs84 ? lons : projectedX[needed.firstIndex(of: crs.epsg)!]
            let ys = crs == .wgs84 ? lats : projectedY[needed.firstIndex(of: crs.epsg)!]
            let inPlan = planParts.map { $0.contains(pi) }
            let grid = part.containmentGrid
            let owners = part.perimeters
            try grid.offsets.withUnsafeBufferPointer { offsets in
                try grid.items.withUnsafeBufferPointer { items in
                    try part.envelopes.withUnsafeBufferPointer { boxes in
                        try planOf.withUnsafeBufferPointer { plan in
                            try xs.withUnsafeBufferPointer { xs in
                                try ys.withUnsafeBufferPointer { ys in
                                    for i in 0..<n {
                                        let k = Int(plan[i])
                                        guard k >= 0, inPlan[k] else { continue }
                                        let x = xs[i]
                                        let y = ys[i]
                                        guard let cell = grid.cell(x: x, y: y) else { continue }
                                        var c = Int(offsets[cell])
                                        let end = Int(offsets[cell &+ 1])
                                        while c < end {
                                            let local = Int(items[c])
                                            c &+= 1
                                            guard boxes[local].contains(x: x, y: y) else { continue }
                                            let gi = owners[local]
                                            if try preparedGeometry(gi).contains(x: x, y: y) {
                                                points.append(Int32(truncatingIfNeeded: i))
                                                perimeters.append(Int32(truncatingIfNeeded: gi))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // By point, then by code where a point has several (several partitions, or overlapping perimeters).
        var ordered = true
        for k in points.indices.dropFirst() where points[k] <= points[k - 1] {
            ordered = false
            break
        }
        if !ordered {
            let byPoint = points.indices.sorted { points[$0] != points[$1] ? points[$0] < points[$1] : $0 < $1 }
            points = byPoint.map { points[$0] }
            perimeters = byPoint.map { perimeters[$0] }
            var a = 0
            while a < points.count {
                var b = a + 1
                while b < points.count && points[b] == points[a] { b += 1 }
                if b - a > 1 { sortByCode(&perimeters[a..<b]) }
                a = b
            }
        }
        return (points, perimeters)
    }
}
