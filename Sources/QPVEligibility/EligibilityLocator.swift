// `EligibilityLocator`: locates what a verdict is about (a point, many points, or an address through the
// `AddressResolving` hook) on the programme's date; `CommuneIndex` finds the commune from an outlines file.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters

/// Errors of the location step.
public enum EligibilityLocationError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// No geocoder is installed: an address cannot be located.
    case geocodingUnavailable
    /// The communes file at `path` cannot be used.
    case communesFile(path: String, reason: String)

    /// The error in French, for messages.
    public var description: String {
        switch self {
        case .geocodingUnavailable:
            return "géocodage d'adresses non disponible : indiquez --lon et --lat (ou installez la base d'adresses quand qpv la prend en charge)"
        case .communesFile(let path, let reason):
            return "\(path) : \(reason)"
        }
    }

    public var errorDescription: String? { description }
}

/// Commune outlines (GeoJSON, GeoPackage or Shapefile with an INSEE code and a name per feature) to find the
/// commune of a point. Owns GEOS and PROJ contexts: one per thread.
public final class CommuneIndex {
    /// The outlines file's path.
    public let path: String
    /// Number of communes read.
    public let count: Int
    let geos: GeosContext
    let crs: CRS
    let transformer: CoordinateTransformer?
    let communes: [CommuneRef]
    let geometries: [Geometry]
    let tree: PackedRTree
    private var prepared: [Int: PreparedGeometry] = [:]

    static let codeNames = ["code", "insee", "insee_com", "code_insee", "codgeo", "code_commune", "inseecom"]
    static let nameNames = ["nom", "name", "libelle", "lib_com", "nom_commune", "nom_com", "libgeo"]

    /// Reads the communes file at `path` (a code and a name per feature; any CRS that PROJ knows).
    public init(path: String) throws {
        self.path = path
        let geos = try GeosContext()
        self.geos = geos
        let file = try PerimeterFileReader.read(path: path, context: geos)
        crs = file.crs
        transformer = file.crs == .wgs84 ? nil : try CoordinateTransformer(from: .wgs84, to: file.crs, context: try ProjContext())
        var refs: [CommuneRef] = []
        var geoms: [Geometry] = []
        for f in file.features {
            func value(_ names: [String]) -> String? {
                for n in names {
                    if let v = f.properties.first(where: { $0.key.lowercased() == n })?.value.trimmingCharacters(in: .whitespaces), !v.isEmpty {
                        return v
                    }
                }
                return nil
            }
            guard let name = value(CommuneIndex.nameNames) ?? value(CommuneIndex.codeNames) else {
                throw EligibilityLocationError.communesFile(
                    path: path,
                    reason:
                        "entité n° \(f.number) sans nom ni code de commune (attributs cherchés : \((CommuneIndex.nameNames + CommuneIndex.codeNames).joined(separator: ", ")))"
                )
            }
            var g = try Geometry.multiPolygon(f.polygons, context: geos)
            if try !g.isValid { g = try g.makeValid() }
            refs.append(CommuneRef(insee: value(CommuneIndex.codeNames) ?? "", name: name))
            geoms.append(g)
        }
        if refs.isEmpty { throw EligibilityLocationError.communesFile(path: path, reason: "aucune commune dans le fichier") }
        communes = refs
        geometries = geoms
        count = refs.count
        tree = PackedRTree(envelopes: geoms.map(\.envelope))
    }

    /// The commune containing a WGS84 point, or nil.
    public func commune(lon: Double, lat: Double) throws -> CommuneRef? {
        var (x, y) = (lon, lat)
        if let transformer { (x, y) = try transformer.transform(x: lon, y: lat) }
        for i in tree.query(x: x, y: y) {
            let p: PreparedGeometry
            if let cached = prepared[i] {
                p = cached
            } else {
                p = try geometries[i].prepared()
                prepared[i] = p
            }
            if try p.contains(x: x, y: y) { return communes[i] }
        }
        return nil
    }
}

/// Locates what a verdict is about, on the programme's date: a point (`locate(lon:lat:on:)`) or an address
/// through the `AddressResolving` hook (`locate(address:on:)`), and the commune when a communes file is given.
/// Owns a `Locator` (GEOS/PROJ): one per thread.
public final class EligibilityLocator {
    /// The perimeters the answers rely on.
    public let catalog: PerimeterCatalog
    /// The locate engine (GEOS/PROJ state: one `EligibilityLocator` per thread).
    public let locator: Locator
    /// Commune outlines to find the commune of a point, nil when not given.
    public var communes: CommuneIndex?
    /// The geocoder hook; nil until a geocoder is wired (then `locate(address:on:)` works).
    public var addressResolver: (any AddressResolving)?
    /// When a geocoded address is precise enough to decide.
    public var addressPolicy = AddressPolicy()
    /// Distance to a boundary under which the answer is « à vérifier », in metres (20 by default).
    public var tolerance: Double

    /// A locator over `catalog`, with optional commune outlines and geocoder.
    public init(catalog: PerimeterCatalog, communes: CommuneIndex? = nil, addressResolver: (any AddressResolving)? = nil, tolerance: Double = 20)
        throws
    {
        self.catalog = catalog
        self.locator = try Locator(catalog: catalog)
        self.communes = communes
        self.addressResolver = addressResolver
        self.tolerance = tolerance
    }

    /// The location of one point on `date`; `commune`: the INSEE code when known (a geocoded address).
    public func locate(lon: Double, lat: Double, on date: CivilDate, commune: String? = nil) throws -> EligibilityLocation {
        try locate(lons: [lon], lats: [lat], on: date, communes: commune.map { [$0] })[0]
    }

    /// Many points at once (batches): coordinates transformed in arrays; `communes`: INSEE codes when known
    /// (geocoded addresses), which place the points in their département and EPCI.
    public func locate(lons: [Double], lats: [Double], on date: CivilDate, communes codes: [String?]? = nil) throws -> [EligibilityLocation] {
        let results = try locator.locate(lons: lons, lats: lats, on: date, tolerance: tolerance, communes: codes)
        return try results.map { r in
            var loc = EligibilityLocation(result: r, catalog: catalog)
            if let communes, r.status != .invalidCoordinates, let c = try communes.commune(lon: r.lon, lat: r.lat) {
                loc.setCommune(c, source: "fichier des communes \(URL(fileURLWithPath: communes.path).lastPathComponent)")
            }
            return loc
        }
    }

    /// An address, geocoded by the `addressResolver`, then located. An address not found gives an
    /// `invalid_coordinates` location; a low score or a commune-level position sets `addressProblem`.
    public func locate(address: String, on date: CivilDate) throws -> EligibilityLocation {
        guard let resolver = addressResolver else { throw EligibilityLocationError.geocodingUnavailable }
        guard let found = try resolver.resolve(address) else {
            return EligibilityLocation(
                status: .invalidCoordinates, date: date, territory: nil, toleranceM: tolerance, problem: "adresse introuvable : « \(address) »")
        }
        var loc = try locate(lon: found.lon, lat: found.lat, on: date, commune: found.cityCode)
        loc.address = found
        loc.addressProblem = addressPolicy.problem(found)
        // A street-level answer (the number is not in the BAN, or none was given): safe only when every known
        // address of the street gives the same answer.
        if loc.addressProblem == nil, !found.streetLons.isEmpty {
            let side = try locator.streetSide(lons: found.streetLons, lats: found.streetLats, on: date, tolerance: tolerance)
            if !side.uniform { loc.addressProblem = side.frenchReason() }
        }
        if communes == nil, let name = found.cityName ?? found.cityCode {
            loc.setCommune(CommuneRef(insee: found.cityCode ?? "", name: name), source: "commune de l'adresse géocodée")
        }
        return loc
    }
}
