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
}

/// A perimeter found at (or near) a point.
public struct PerimeterHit: Sendable, Equatable {
    /// Global perimeter index in the catalog.
    public let index: Int
    public let code: String
    public let name: String
}

/// What one kind of perimeter says about a point.
public struct KindAnswer: Sendable {
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
    public var lon: Double
    public var lat: Double
    public var date: CivilDate
    public var territory: ListTerritory?
    public var zone: FrenchTerritory?
    /// QPV answer (nil when the coordinates are invalid or no list is installed).
    public var qpv: KindAnswer?
    /// QIC answer (nil when no QIC set is in force there).
    public var qic: KindAnswer?
    /// The headline status, for the QPV question.
    public var status: LocateStatus
    /// The official list that should be installed (status `no_list`).
    public var missingList: OfficialList?
    /// Why the answer is `invalid_coordinates` or `no_list`, in French.
    public var problem: String?
    public var toleranceM: Double
}

/// Answers "is this point in a QPV / QIC?" on a shared `PerimeterCatalog`. Owns one GEOS context, one PROJ
/// context and the prepared geometries it has used: create one per thread or worker, never share it.
public final class Locator {
    public let catalog: PerimeterCatalog
    let geos: GeosContext
    let proj: ProjContext
    private var prepared: [Int: PreparedGeometry] = [:]
    private var transformers: [Int: CoordinateTransformer] = [:]

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

    /// Geometry of a perimeter in its metric CRS.
    public func metricGeometry(_ index: Int) throws -> Geometry {
        let lp = catalog.perimeters[index]
        return try catalog.packs[lp.pack].withWKB(lp.record.metricGeometry) { try Geometry(wkb: $0, context: geos) }
    }

    /// Locates one point.
    public func locate(lon: Double, lat: Double, on date: CivilDate, tolerance: Double = 20) throws -> LocateResult {
        try locate(lons: [lon], lats: [lat], on: date, tolerance: tolerance)[0]
    }

    /// Locates many points at once (coordinates transformed in arrays, shapely-style). Invalid coordinates
    /// (NaN, out of range, outside France) get an `invalid_coordinates` result, never an error.
    public func locate(lons: [Double], lats: [Double], on date: CivilDate, tolerance: Double = 20) throws -> [LocateResult] {
        precondition(lons.count == lats.count)
        let n = lons.count
        var results: [LocateResult] = []
        results.reserveCapacity(n)
        // Territory of each point and which points need which CRS.
        var territories: [(list: ListTerritory, zone: FrenchTerritory)?] = Array(repeating: nil, count: n)
        var needed = Set<Int>()
        for i in 0..<n {
            let lon = lons[i]
            let lat = lats[i]
            var r = LocateResult(lon: lon, lat: lat, date: date, status: .invalidCoordinates, toleranceM: tolerance)
            if let problem = Locator.coordinateProblem(lon: lon, lat: lat) {
                r.problem = problem
            } else if let t = catalog.territory(lon: lon, lat: lat) {
                territories[i] = t
                r.territory = t.list
                r.zone = t.zone
                r.status = .outside
            } else {
                r.problem = Locator.outsideFranceMessage(lon: lon, lat: lat)
            }
            results.append(r)
            if territories[i] != nil {
                needed.insert(CRS.metricCRS(lon: lon, lat: lat).epsg)
            }
        }
        // Containment CRSs of all partitions that may be used.
        for p in catalog.partitions where p.containmentCRS != .wgs84 { needed.insert(p.containmentCRS.epsg) }
        var projected: [Int: ([Double], [Double])] = [:]
        for epsg in needed {
            var xs = lons
            var ys = lats
            for i in 0..<n where territories[i] == nil {
                xs[i] = 0
                ys[i] = 0
            }
            try transformer(to: CRS(epsg: epsg)).transform(x: &xs, y: &ys)
            projected[epsg] = (xs, ys)
        }

        for i in 0..<n {
            guard let t = territories[i] else { continue }
            let metric = CRS.metricCRS(lon: lons[i], lat: lats[i])
            let qpvSets = catalog.setsInForce(kind: .qpv, territory: t.list, on: date)
            if qpvSets.isEmpty {
                results[i].status = .noList
                let list = catalog.officialList(kind: .qpv, territory: t.list, on: date)
                results[i].missingList = list
                results[i].problem = Locator.noListProblem(missing: list, territory: t.list, dateFrench: date.french)
            } else {
                let answer = try answer(sets: qpvSets, index: i, lons: lons, lats: lats, projected: projected, metric: metric, tolerance: tolerance)
                results[i].qpv = answer
                results[i].status = answer.status
            }
            let qicSets = catalog.setsInForce(kind: .qic, territory: t.list, on: date)
            if !qicSets.isEmpty {
                results[i].qic = try answer(sets: qicSets, index: i, lons: lons, lats: lats, projected: projected, metric: metric, tolerance: tolerance)
            }
        }
        return results
    }

    private func answer(
        sets: [Int], index i: Int, lons: [Double], lats: [Double], projected: [Int: ([Double], [Double])], metric: CRS, tolerance: Double
    ) throws -> KindAnswer {
        var containing: [PerimeterHit] = []
        var best: (Int, Double)?
        guard let (mx, my) = projected[metric.epsg].map({ ($0.0[i], $0.1[i]) }), mx.isFinite, my.isFinite else {
            return KindAnswer(status: .outside, containing: [], distanceBoundaryM: nil, nearest: nil, sets: sets)
        }
        for part in catalog.partitions where sets.contains(part.set) && part.metricCRS == metric {
            let (cx, cy): (Double, Double)
            if part.containmentCRS == .wgs84 {
                (cx, cy) = (lons[i], lats[i])
            } else if let p = projected[part.containmentCRS.epsg] {
                (cx, cy) = (p.0[i], p.1[i])
            } else {
                continue
            }
            try part.tree.forEach(intersecting: Envelope(minX: cx, minY: cy, maxX: cx, maxY: cy)) { local in
                let gi = part.perimeters[local]
                if try preparedGeometry(gi).contains(x: cx, y: cy) {
                    let lp = catalog.perimeters[gi]
                    containing.append(PerimeterHit(index: gi, code: lp.code, name: lp.name))
                }
            }
            if let near = part.boundary.nearest(x: mx, y: my), best == nil || near.distance < best!.1 {
                best = (part.perimeters[near.owner], near.distance)
            }
        }
        containing.sort { $0.code < $1.code }
        let distance = best?.1
        var status: LocateStatus = containing.isEmpty ? .outside : .inside
        if let distance, distance < tolerance { status = .boundary }
        let nearest = best.map { PerimeterHit(index: $0.0, code: catalog.perimeters[$0.0].code, name: catalog.perimeters[$0.0].name) }
        return KindAnswer(status: status, containing: containing, distanceBoundaryM: distance, nearest: nearest, sets: sets)
    }

    /// Why a point of `territory` gets `no_list` on a date (`dateFrench`, as `CivilDate.french` writes it):
    /// the official list it needs and how to install it, or why no list exists. Also exported to other engines.
    public static func noListProblem(missing list: OfficialList?, territory: ListTerritory, dateFrench: String) -> String {
        if let list {
            return "\(list.label) non installée (\(list.periodFrench), \(list.legalBasis)) ; \(list.installHint)"
        } else if territory == .demo {
            return "aucune liste de démonstration pour le \(dateFrench) (le jeu fictif couvre 2015 et après)"
        } else {
            return "aucune liste de QPV n'existe le \(dateFrench) pour \(territory.french) : les QPV existent depuis le 1er janvier 2015 (avant : zones urbaines sensibles)"
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

    public static func outsideFranceMessage(lon: Double, lat: Double) -> String {
        if FrenchTerritory.of(lon: lat, lat: lon) != .unknown {
            return "point (\(lon), \(lat)) hors de France ; latitude et longitude semblent inversées (la longitude vient en premier)"
        }
        return "point (\(lon), \(lat)) hors de la France hexagonale et des outre-mer concernés par la politique de la ville"
    }
}

extension LocateResult {
    /// Parses a coordinate typed by a person or exported by Excel: "2.6303", "2,6303", " 2.6303 ".
    public static func parseCoordinate(_ text: String) -> Double? {
        var t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return nil }
        if !t.contains("."), t.filter({ $0 == "," }).count == 1 { t = t.replacingOccurrences(of: ",", with: ".") }
        guard let v = Double(t), v.isFinite else { return nil }
        return v
    }
}
