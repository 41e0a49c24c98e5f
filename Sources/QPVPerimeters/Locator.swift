// The locate engine: `Locator` (one GEOS and one PROJ context per thread over a shared `PerimeterCatalog`),
// its answer types (`LocateStatus`, `KindAnswer`, `LocateResult`, flat `LocateAnswers` for batches), the
// coverage and QIC-scope rules, and the coordinate parsing and two-decimal formatting of the hot path.

import Foundation
import QPVCore
import QPVGeometry

/// The answer status for one kind of perimeter (QPV or QIC) at one point.
public enum LocateStatus: String, Sendable, Codable {
    /// Inside a perimeter, farther than the tolerance from every boundary.
    case inside = "in"
    /// Outside every perimeter, farther than the tolerance from every boundary.
    case outside = "out"
    /// Closer than the tolerance to a boundary (inside or outside): the official rule puts a boundary street's
    /// limit in its middle, so a geocoded point there is not a safe answer.
    case boundary
    /// No installed list covers this date and territory.
    case noList = "no_list"
    /// Coordinates missing, non-numeric, out of range or outside France.
    case invalidCoordinates = "invalid_coordinates"
    /// Outside every perimeter, but the installed list does not cover the point's département (partial list),
    /// or the département cannot be established (no commune data, near a département border): not a sure
    /// "out". The reason names what to install.
    case notCovered = "not_covered"
    /// QIC only: the point is outside the EPCI the installed QIC belong to (their columns stay empty).
    case notApplicable = "not_applicable"
}

/// A perimeter found at (or near) a point.
public struct PerimeterHit: Sendable, Equatable {
    /// Global perimeter index in the catalog.
    public let index: Int
    /// The perimeter's code.
    public let code: String
    /// Its name.
    public let name: String
}

/// What one kind of perimeter says about a point.
public struct KindAnswer: Sendable {
    /// The answer for this kind of perimeter.
    public var status: LocateStatus
    /// Perimeters whose polygon contains the point (GEOS `contains` on the original coordinates).
    public var containing: [PerimeterHit]
    /// Distance in metres to the nearest boundary of the sets used (metric CRS of the territory).
    public var distanceBoundaryM: Double?
    /// The nearest perimeter (the containing one when inside) and the distance to its boundary.
    public var nearest: PerimeterHit?
    /// Sets (catalog indices) the answer relied on.
    public var sets: [Int]
}

/// Full answer for one point on one date.
public struct LocateResult: Sendable {
    /// Longitude asked, WGS84.
    public var lon: Double
    /// Latitude asked, WGS84.
    public var lat: Double
    /// Date of the question.
    public var date: CivilDate
    /// Territory of the lists used, nil when none applies.
    public var territory: ListTerritory?
    /// The French territory the point is in (from its coordinates), nil when invalid.
    public var zone: FrenchTerritory?
    /// QPV answer (nil when the coordinates are invalid or no list is installed).
    public var qpv: KindAnswer?
    /// QIC answer (nil when no QIC set is in force there).
    public var qic: KindAnswer?
    /// The headline status, for the QPV question.
    public var status: LocateStatus
    /// The official list that should be installed (status `no_list`). Boxed: results stay small in batches.
    public var missingList: OfficialList? {
        get { missingListBox?.list }
        set { missingListBox = newValue.map(OfficialListBox.init) }
    }
    private var missingListBox: OfficialListBox?

    /// A result from its fields.
    public init(
        lon: Double, lat: Double, date: CivilDate, territory: ListTerritory? = nil, zone: FrenchTerritory? = nil, qpv: KindAnswer? = nil,
        qic: KindAnswer? = nil, status: LocateStatus, missingList: OfficialList? = nil, problem: String? = nil, toleranceM: Double
    ) {
        self.lon = lon
        self.lat = lat
        self.date = date
        self.territory = territory
        self.zone = zone
        self.qpv = qpv
        self.qic = qic
        self.status = status
        self.problem = problem
        self.toleranceM = toleranceM
        self.missingList = missingList
    }
    /// Why the answer is `invalid_coordinates`, `no_list` or `not_covered`, in French.
    public var problem: String?
    /// Distance to a boundary under which the answer is `boundary`, in metres.
    public var toleranceM: Double
    /// Why the QIC answer is `not_covered` or `not_applicable`, in French.
    public var qicProblem: String?
}

final class OfficialListBox: Sendable {
    let list: OfficialList
    init(_ list: OfficialList) { self.list = list }
}

/// Answers "is this point in a QPV / QIC?" on a shared `PerimeterCatalog`. Owns one GEOS context, one PROJ
/// context and the prepared geometries it has used: create one per thread or worker, never share it.
public final class Locator {
    /// The perimeters answered from.
    public let catalog: PerimeterCatalog
    let geos: GeosContext
    let proj: ProjContext
    private var prepared: [Int: PreparedGeometry] = [:]
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
        if let p = prepared[index] { return p }
        let lp = catalog.perimeters[index]
        let g = try catalog.packs[lp.pack].withWKB(lp.record.geometry) { try Geometry(wkb: $0, context: geos) }
        let p = try g.prepared()
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
    private var nearestHints: [Int] = []

    private func locateSlice(lons: [Double], lats: [Double], on date: CivilDate, tolerance: Double, batch: Bool, communes: [String?]?) throws
        -> LocateAnswers
    {
        let n = lons.count
        let catalog = self.catalog
        let partitions = catalog.partitions
        var out = LocateAnswers(count: n, date: date, tolerance: tolerance, lons: lons, lats: lats, catalog: catalog)
        // Territory of each point and which CRSs are needed.
        var territories: [(list: ListTerritory, zone: FrenchTerritory)?] = Array(repeating: nil, count: n)
        var needed: [Int] = []
        for i in 0..<n {
            let lon = lons[i]
            let lat = lats[i]
            if let problem = Locator.coordinateProblem(lon: lon, lat: lat) {
                out.problems[i] = problem
            } else if let t = catalog.territory(lon: lon, lat: lat) {
                territories[i] = t
                let epsg = CRS.metricCRS(lon: lon, lat: lat).epsg
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
            for i in 0..<n where territories[i] == nil {
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
        let grids: [EnvelopeGrid]? = batch ? partitions.map(\.containmentGrid) : nil

        var metricX = [Double](repeating: .nan, count: n)
        var metricY = [Double](repeating: .nan, count: n)
        for i in 0..<n {
            guard let t = territories[i] else { continue }
            let k: Int
            if let found = out.plans.firstIndex(where: { $0.zone == t.zone && $0.list == t.list }) {
                k = found
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
            }
            out.plan[i] = Int32(k)
            let s = out.plans[k].metricSlot
            metricX[i] = s < 0 ? lons[i] : projectedX[s][i]
            metricY[i] = s < 0 ? lats[i] : projectedY[s][i]
        }

        if nearestHints.count != partitions.count { nearestHints = Array(repeating: -1, count: partitions.count) }
        var hints = nearestHints
        defer { nearestHints = hints }

        /// One kind's answer for point i into `kind` (0 QPV, 1 QIC) of `out`.
        func answer(_ parts: [Int], _ kind: Int, _ i: Int) throws {
            let mx = metricX[i]
            let my = metricY[i]
            guard mx.isFinite, my.isFinite else {
                out.status[kind][i] = .outside
                return
            }
            var first: Int32 = -1
            var more: [Int32] = []
            var best = -1
            var bestDistance = Double.infinity
            for pi in parts {
                let part = partitions[pi]
                let s = containmentSlots[pi]
                let cx = s < 0 ? lons[i] : projectedX[s][i]
                let cy = s < 0 ? lats[i] : projectedY[s][i]
                func test(_ local: Int) throws {
                    let gi = part.perimeters[local]
                    if try preparedGeometry(gi).contains(x: cx, y: cy) {
                        if first < 0 { first = Int32(gi) } else { more.append(Int32(gi)) }
                    }
                }
                if let grids {
                    try grids[pi].forEachCandidate(x: cx, y: cy) { local in
                        if part.tree.envelopeContains(local, x: cx, y: cy) { try test(local) }
                    }
                } else {
                    try part.tree.forEach(intersecting: Envelope(minX: cx, minY: cy, maxX: cx, maxY: cy), test)
                }
                if let near = part.boundary.nearest(x: mx, y: my, hint: &hints[pi]), best < 0 || near.distance < bestDistance {
                    best = part.perimeters[near.owner]
                    bestDistance = near.distance
                }
            }
            if !more.isEmpty {
                var all = [first] + more
                all.sort { catalog.perimeters[Int($0)].code < catalog.perimeters[Int($1)].code }
                first = all[0]
                out.moreHits[2 * i + kind] = Array(all.dropFirst())
            }
            out.firstHit[kind][i] = first
            out.nearest[kind][i] = Int32(best)
            out.distance[kind][i] = best >= 0 ? bestDistance : .nan
            var status: LocateStatus = first < 0 ? .outside : .inside
            if best >= 0 && bestDistance < tolerance { status = .boundary }
            out.status[kind][i] = status
        }

        for i in 0..<n {
            let k = Int(out.plan[i])
            guard k >= 0 else { continue }
            let p = out.plans[k]
            if p.qpvSets.isEmpty {
                out.status[0][i] = .noList
            } else {
                try answer(p.qpvParts, 0, i)
                // A partial list: "out" only for a point surely in a covered département.
                if let covered = p.qpvCovered, out.status[0][i] == .outside,
                    let why = try coverageProblem(lon: lons[i], lat: lats[i], commune: communes?[i] ?? nil, covered: covered, plan: p, date: date)
                {
                    out.clear(kind: 0, i, status: .notCovered, note: why)
                }
            }
            if !p.qicSets.isEmpty {
                try answer(p.qicParts, 1, i)
                if let scopes = p.qicScopes, out.status[1][i] == .outside {
                    let (status, why) = try qicScope(lon: lons[i], lat: lats[i], commune: communes?[i] ?? nil, scopes: scopes)
                    if status != .outside { out.clear(kind: 1, i, status: status, note: why) }
                }
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
        if lon.isNaN || lat.isNaN { return "coordonnées absentes ou non numériques" }
        if !lon.isFinite || !lat.isFinite { return "coordonnées non finies" }
        if lon < -180 || lon > 180 { return "longitude \(lon) hors de [-180, 180]" }
        if lat < -90 || lat > 90 { return "latitude \(lat) hors de [-90, 90]" }
        return nil
    }

    /// The French message for a point outside every French territory.
    public static func outsideFranceMessage(lon: Double, lat: Double) -> String {
        if FrenchTerritory.of(lon: lat, lat: lon) != .unknown {
            return "point (\(lon), \(lat)) hors de France ; latitude et longitude semblent inversées (la longitude vient en premier)"
        }
        return "point (\(lon), \(lat)) hors de la France hexagonale et des outre-mer concernés par la politique de la ville"
    }
}

extension LocateResult {
    /// Parses a coordinate typed by a person or exported by Excel: "2.6303", "2,6303", " 2.6303 ".
    /// Plain decimals of up to 15 significant digits take an exact fast path (an integer and a power of ten,
    /// both exact in binary, divided once: the correctly rounded result, as strtod gives); anything else
    /// goes through the standard library's parser. Byte-level: this runs for every row of batches.
    public static func parseCoordinate(_ text: String) -> Double? {
        if let v = text.utf8.withContiguousStorageIfAvailable({ fastDecimal($0) }), let v { return v }
        var bytes = Array(text.utf8)
        while let f = bytes.first, f == 0x20 || f == 0x09 { bytes.removeFirst() }
        while let l = bytes.last, l == 0x20 || l == 0x09 || l == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty, bytes.count < 40 else { return nil }
        var commas = 0
        var dots = 0
        for b in bytes {
            if b == UInt8(ascii: ",") { commas += 1 } else if b == UInt8(ascii: ".") { dots += 1 }
        }
        if commas == 1 && dots == 0, let i = bytes.firstIndex(of: UInt8(ascii: ",")) { bytes[i] = UInt8(ascii: ".") }
        // Only plain decimal notation: digits, one sign, one dot, an exponent.
        for b in bytes where !((b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2D || b == 0x2B || b == 0x65 || b == 0x45) { return nil }
        guard let v = Double(String(decoding: bytes, as: UTF8.self)), v.isFinite else { return nil }
        return v
    }

    private static let exactPowersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// [spaces] [-|+] digits [.|, digits] [spaces] with at most 15 significant digits, else nil.
    @inline(__always)
    public static func fastDecimal(_ p: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        let n = p.count
        while i < n, p[i] == 0x20 || p[i] == 0x09 { i += 1 }
        var negative = false
        if i < n, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var seenSeparator = false
        var any = false
        while i < n {
            let c = p[i]
            if c >= 0x30 && c <= 0x39 {
                if mantissa != 0 || c != 0x30 { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(c - 0x30)
                if seenSeparator { fraction += 1 }
                any = true
            } else if (c == UInt8(ascii: ".") || c == UInt8(ascii: ",")) && !seenSeparator {
                seenSeparator = true
            } else {
                break
            }
            i += 1
        }
        while i < n, p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0D { i += 1 }
        guard i == n, any, digits <= 15, fraction <= 22 else { return nil }
        let v = Double(mantissa) / exactPowersOfTen[fraction]
        return negative ? -v : v
    }

    /// Appends `x` with exactly two decimals, as ASCII bytes (no intermediate string); `mark` is the decimal
    /// separator (`.`, or `,` for French spreadsheets).
    public static func appendTwoDecimals(_ x: Double, to out: inout [UInt8], mark: UInt8 = UInt8(ascii: ".")) {
        guard x.isFinite, abs(x) < 9e15 else { return }
        let v = UInt64((abs(x) * 100).rounded())
        if x < 0 && v != 0 { out.append(UInt8(ascii: "-")) }
        var whole = v / 100
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        )
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(whole % 10) + 0x30
                whole /= 10
                n += 1
            } while whole > 0
            for k in stride(from: n - 1, through: 0, by: -1) { out.append(d[k]) }
        }
        let frac = v % 100
        out.append(mark)
        out.append(UInt8(frac / 10) + 0x30)
        out.append(UInt8(frac % 10) + 0x30)
    }

    /// `x` with exactly two decimals ("12.30"), without Foundation formatting (hot path of batches).
    public static func twoDecimals(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        let v = Int64((abs(x) * 100).rounded())
        let frac = v % 100
        return (x < 0 && v != 0 ? "-" : "") + String(v / 100) + (frac < 10 ? ".0" : ".") + String(frac)
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

extension Locator {
    /// The containment question alone, shapely-2 style (`STRtree.query(points, predicate="within")`): for
    /// each point, the perimeters of `kind` in force on `date` for its territory whose polygon contains it,
    /// exactly as GEOS decides. Returns parallel arrays (point index, catalog perimeter index), by point.
    /// Points with invalid coordinates, outside France or without an installed list get no pair.
    public func containing(lons: [Double], lats: [Double], on date: CivilDate, kind: PerimeterKind = .qpv) throws -> (
        points: [Int32], perimeters: [Int32]
    ) {
        precondition(lons.count == lats.count)
        let n = lons.count
        let partitions = catalog.partitions
        // Points in the containment CRS of each partition that is not in WGS84.
        var projected: [Int: ([Double], [Double])] = [:]
        for p in partitions where p.containmentCRS != .wgs84 && projected[p.containmentCRS.epsg] == nil {
            var xs = lons.map { $0.isFinite ? $0 : 0 }
            var ys = lats.map { $0.isFinite ? $0 : 0 }
            try transformer(to: p.containmentCRS).transform(x: &xs, y: &ys)
            projected[p.containmentCRS.epsg] = (xs, ys)
        }
        let grids = partitions.map(\.containmentGrid)  // built once, shared; fetched once per call
        var plans: [(list: ListTerritory, zone: FrenchTerritory, parts: [Int])] = []
        var lastPlan = -1
        var outPoints: [Int32] = []
        var outPerimeters: [Int32] = []
        for i in 0..<n {
            let lon = lons[i]
            let lat = lats[i]
            guard Locator.coordinateProblem(lon: lon, lat: lat) == nil, let t = catalog.territory(lon: lon, lat: lat) else { continue }
            let parts: [Int]
            if lastPlan >= 0, plans[lastPlan].zone == t.zone, plans[lastPlan].list == t.list {
                parts = plans[lastPlan].parts
            } else if let k = plans.firstIndex(where: { $0.list == t.list && $0.zone == t.zone }) {
                lastPlan = k
                parts = plans[k].parts
            } else {
                let sets = catalog.setsInForce(kind: kind, territory: t.list, on: date)
                let metric = CRS.metricCRS(lon: lon, lat: lat)
                parts = partitions.indices.filter { sets.contains(partitions[$0].set) && partitions[$0].metricCRS == metric }
                plans.append((t.list, t.zone, parts))
                lastPlan = plans.count - 1
            }
            let first = outPerimeters.count
            for pi in parts {
                let part = partitions[pi]
                let (cx, cy) =
                    part.containmentCRS == .wgs84
                    ? (lon, lat) : (projected[part.containmentCRS.epsg]!.0[i], projected[part.containmentCRS.epsg]!.1[i])
                try grids[pi].forEachCandidate(x: cx, y: cy) { local in
                    guard part.tree.envelopeContains(local, x: cx, y: cy) else { return }
                    let gi = part.perimeters[local]
                    if try preparedGeometry(gi).contains(x: cx, y: cy) {
                        outPoints.append(Int32(i))
                        outPerimeters.append(Int32(gi))
                    }
                }
            }
            if outPerimeters.count - first > 1 {
                let sorted = outPerimeters[first...].sorted { catalog.perimeters[Int($0)].code < catalog.perimeters[Int($1)].code }
                outPerimeters.replaceSubrange(first..., with: sorted)
            }
        }
        return (outPoints, outPerimeters)
    }
}

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
    /// Per kind (0 QPV, 1 QIC) and point: status (QIC: nil when no QIC set applies), first containing
    /// perimeter (-1: none; others, sorted by code, in `moreHits[2 × point + kind]`), nearest boundary's
    /// perimeter (-1: none) and its distance (NaN: none).
    var status: [[LocateStatus?]]
    var firstHit: [[Int32]]
    var nearest: [[Int32]]
    var distance: [[Double]]
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
    mutating func clear(kind: Int, _ i: Int, status s: LocateStatus, note: String?) {
        status[kind][i] = s
        firstHit[kind][i] = -1
        if s == .notApplicable {
            nearest[kind][i] = -1
            distance[kind][i] = .nan
        }
        moreHits[2 * i + kind] = nil
        if let note { notes[2 * i + kind] = note }
    }

    init(count: Int, date: CivilDate, tolerance: Double, lons: [Double], lats: [Double], catalog: PerimeterCatalog) {
        self.count = count
        self.date = date
        self.tolerance = tolerance
        self.lons = lons
        self.lats = lats
        self.catalog = catalog
        status = [[LocateStatus?]](repeating: [LocateStatus?](repeating: nil, count: count), count: 2)
        firstHit = [[Int32]](repeating: [Int32](repeating: -1, count: count), count: 2)
        nearest = firstHit
        distance = [[Double]](repeating: [Double](repeating: .nan, count: count), count: 2)
        plan = [Int32](repeating: -1, count: count)
    }

    /// These answers, computed for points taken in `order` (answer j is point `order[j]`), put back in input
    /// order; `lons`, `lats` are the input arrays.
    func inInputOrder(_ order: [Int], lons: [Double], lats: [Double]) -> LocateAnswers {
        var r = LocateAnswers(count: count, date: date, tolerance: tolerance, lons: lons, lats: lats, catalog: catalog)
        r.plans = plans
        func scatter<T>(_ sorted: [T], into result: inout [T]) {
            for (j, i) in order.enumerated() { result[i] = sorted[j] }
        }
        for kind in 0..<2 {
            scatter(status[kind], into: &r.status[kind])
            scatter(firstHit[kind], into: &r.firstHit[kind])
            scatter(nearest[kind], into: &r.nearest[kind])
            scatter(distance[kind], into: &r.distance[kind])
        }
        scatter(plan, into: &r.plan)
        for (key, hits) in moreHits { r.moreHits[2 * order[key / 2] + key % 2] = hits }
        for (j, problem) in problems { r.problems[order[j]] = problem }
        for (key, note) in notes { r.notes[2 * order[key / 2] + key % 2] = note }
        return r
    }

    /// The headline (QPV) status of point i.
    public func status(_ i: Int) -> LocateStatus { plan[i] < 0 ? .invalidCoordinates : (status[0][i] ?? .outside) }

    /// Why point i has no sure answer (`invalid_coordinates`, `no_list`, `not_covered`), in French.
    public func problem(_ i: Int) -> String? {
        if plan[i] < 0 { return problems[i] }
        if status[0][i] == .notCovered { return notes[2 * i] }
        return status[0][i] == .noList ? plans[Int(plan[i])].noListProblem : nil
    }

    /// Why point i's QIC answer is `not_covered` / `not_applicable`, in French.
    public func qicProblem(_ i: Int) -> String? { notes[2 * i + 1] }

    /// Catalog indices of the perimeters of `kind` (0 QPV, 1 QIC) containing point i, sorted by code.
    public func hits(_ i: Int, kind: Int) -> [Int] {
        let f = firstHit[kind][i]
        guard f >= 0 else { return [] }
        return [Int(f)] + (moreHits[2 * i + kind] ?? []).map(Int.init)
    }

    /// Number of perimeters of `kind` (0 QPV, 1 QIC) containing point `i`.
    public func hitCount(_ i: Int, kind: Int) -> Int {
        firstHit[kind][i] < 0 ? 0 : 1 + (moreHits[2 * i + kind]?.count ?? 0)
    }

    /// Index of the first perimeter of `kind` containing point `i`, nil when none.
    public func firstHitIndex(_ i: Int, kind: Int) -> Int? { firstHit[kind][i] >= 0 ? Int(firstHit[kind][i]) : nil }

    /// Distance from point `i` to the nearest boundary of `kind`, in metres.
    public func distanceBoundary(_ i: Int, kind: Int) -> Double? {
        let d = distance[kind][i]
        return d.isNaN ? nil : d
    }

    /// The status of point `i` for `kind`, nil when no list applies.
    public func kindStatus(_ i: Int, kind: Int) -> LocateStatus? { plan[i] < 0 ? nil : status[kind][i] }

    /// Sets (catalog indices) that answered for point i.
    public func sets(_ i: Int, kind: Int) -> [Int] {
        guard plan[i] >= 0 else { return [] }
        return kind == 0 ? plans[Int(plan[i])].qpvSets : plans[Int(plan[i])].qicSets
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
        func kindAnswer(_ kind: Int, _ sets: [Int]) -> KindAnswer? {
            guard let st = status[kind][i], st != .noList else { return nil }
            let n = nearest[kind][i]
            return KindAnswer(
                status: st, containing: hits(i, kind: 0 + kind).map(hit), distanceBoundaryM: distanceBoundary(i, kind: kind),
                nearest: n >= 0 ? hit(Int(n)) : nil, sets: sets)
        }
        if status[0][i] == .noList {
            r.status = .noList
            r.missingList = p.missingList
            r.problem = p.noListProblem
        } else if let a = kindAnswer(0, p.qpvSets) {
            r.qpv = a
            r.status = a.status
            if a.status == .notCovered { r.problem = notes[2 * i] }
        }
        if !p.qicSets.isEmpty {
            r.qic = kindAnswer(1, p.qicSets)
            r.qicProblem = notes[2 * i + 1]
        }
        return r
    }
}
