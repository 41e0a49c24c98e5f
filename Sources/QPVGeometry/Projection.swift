// PROJ side of QPVGeometry: `CRS` (EPSG codes of the official projections), `FrenchTerritory` (which territory
// a WGS84 point is in, and its metric CRS), `ProjContext` and `CoordinateTransformer` (one per thread, axis
// order always lon/lat or easting/northing). PROJ pointers stay in the module.

import CPROJ
import CSQLite
import Foundation

/// A coordinate reference system identified by its EPSG code.
///
/// Whatever the CRS's official axis order (EPSG:4326 is latitude first, EPSG:3035 northing first), qpv always
/// exchanges coordinates as (x, y) = (lon, lat) or (easting, northing): `CoordinateTransformer` normalises the
/// axis order with `proj_normalize_for_visualization`.
public struct CRS: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The EPSG code.
    public let epsg: Int

    /// The CRS of an EPSG code (checked by `ProjContext.validate`, not here).
    public init(epsg: Int) { self.epsg = epsg }

    /// WGS 84 longitude/latitude (EPSG:4326), the GPS and GeoJSON system.
    public static let wgs84 = CRS(epsg: 4326)
    /// RGF93 v1 / Lambert-93, metric CRS for distances in mainland France (and Corsica).
    public static let lambert93 = CRS(epsg: 2154)
    /// ETRS89-extended / LAEA Europe, the INSEE grid CRS.
    public static let laea3035 = CRS(epsg: 3035)
    /// RGAF09 / UTM zone 20N: Guadeloupe, Martinique, Saint-Martin, Saint-Barthélemy.
    public static let antilles = CRS(epsg: 5490)
    /// RGFG95 / UTM zone 22N: Guyane.
    public static let guyane = CRS(epsg: 2972)
    /// RGR92 / UTM zone 40S: La Réunion.
    public static let reunion = CRS(epsg: 2975)
    /// RGM04 / UTM zone 38S: Mayotte.
    public static let mayotte = CRS(epsg: 4471)
    /// RGPF / UTM zone 6S: Polynésie française (Tahiti, Moorea).
    public static let polynesie = CRS(epsg: 3297)

    /// "EPSG:2154".
    public var description: String { "EPSG:\(epsg)" }

    /// Parses the spellings found in GeoJSON `crs` members, GeoPackage tables and command lines:
    /// `EPSG:2154`, `epsg:2154`, `2154`, `urn:ogc:def:crs:EPSG::2154`, `urn:ogc:def:crs:OGC:1.3:CRS84`,
    /// `CRS84`, `OGC:CRS84`, `http://www.opengis.net/def/crs/EPSG/0/2154`. CRS84 is WGS84 in lon/lat order,
    /// which is what EPSG:4326 means in qpv after axis normalisation.
    public init?(string raw: String) {
        let s = raw.trimmingCharacters(in: .whitespaces)
        let lower = s.lowercased()
        if lower.hasSuffix("crs84") || lower == "wgs84" || lower == "wgs 84" {
            self = .wgs84
            return
        }
        let separators = CharacterSet(charactersIn: ":/")
        guard let last = lower.components(separatedBy: separators).last(where: { !$0.isEmpty }), let code = Int(last), code > 0 else {
            return nil
        }
        if lower.contains("epsg") || Int(lower) != nil {
            self.init(epsg: code)
        } else {
            return nil
        }
    }

    /// The official metric CRS for distances around a WGS84 point: Lambert-93 in mainland France, the local
    /// UTM projections overseas (EPSG:5490 Antilles, 2972 Guyane, 2975 La Réunion, 4471 Mayotte, 3297
    /// Polynésie française).
    public static func metricCRS(lon: Double, lat: Double) -> CRS {
        FrenchTerritory.of(lon: lon, lat: lat).metricCRS
    }
}

/// Where a WGS84 point lies, at the coarse level needed to choose lists and projections.
public enum FrenchTerritory: String, Sendable, Codable, CaseIterable {
    /// Metropolitan France and Corsica.
    case hexagone
    /// Guadeloupe and Martinique.
    case antilles
    /// French Guiana.
    case guyane
    /// La Réunion.
    case reunion
    /// Mayotte.
    case mayotte
    /// French Polynesia.
    case polynesie
    /// Outside every box above.
    case unknown

    /// Overseas départements and collectivities covered by the politique de la ville.
    public var isOverseas: Bool { self != .hexagone && self != .unknown }

    /// The WGS84 box (x = lon, y = lat, bounds included) of each territory, tested in this order. Exported
    /// as is to other engines (`qpv export`), so that they choose territories exactly as `of(lon:lat:)` does.
    public static let boxes: [(territory: FrenchTerritory, box: Envelope)] = [
        (.hexagone, Envelope(minX: -5.5, minY: 41.0, maxX: 10.0, maxY: 51.5)),
        (.antilles, Envelope(minX: -63.5, minY: 14.0, maxX: -60.5, maxY: 18.5)),
        (.guyane, Envelope(minX: -55.0, minY: 1.5, maxX: -51.0, maxY: 6.5)),
        (.reunion, Envelope(minX: 54.9, minY: -21.6, maxX: 56.2, maxY: -20.6)),
        (.mayotte, Envelope(minX: 44.8, minY: -13.2, maxX: 45.6, maxY: -12.4)),
        (.polynesie, Envelope(minX: -155.0, minY: -28.5, maxX: -134.0, maxY: -7.0)),
    ]

    /// The territory whose box holds (`lon`, `lat`); `unknown` outside every box.
    public static func of(lon: Double, lat: Double) -> FrenchTerritory {
        for (territory, box) in boxes where box.contains(x: lon, y: lat) { return territory }
        return .unknown
    }

    /// The metric CRS for distances in this territory (Lambert-93 for the Hexagone and outside France).
    public var metricCRS: CRS {
        switch self {
        case .antilles: return .antilles
        case .guyane: return .guyane
        case .reunion: return .reunion
        case .mayotte: return .mayotte
        case .polynesie: return .polynesie
        case .hexagone, .unknown: return .lambert93
        }
    }

    /// French name for messages.
    public var french: String {
        switch self {
        case .hexagone: return "France hexagonale"
        case .antilles: return "Antilles"
        case .guyane: return "Guyane"
        case .reunion: return "La Réunion"
        case .mayotte: return "Mayotte"
        case .polynesie: return "Polynésie française"
        case .unknown: return "hors de France"
        }
    }
}

/// PROJ's functions. qpv does not link PROJ: `CPROJ` loads the shared library the first time a context needs
/// it (issue 17, goal 3: the libraries PROJ depends on cost ~8 ms at every start, and most single queries need
/// no PROJ: Lambert-93 is computed in Swift, `LambertConformalConic`).
enum ProjLibrary {
    /// The functions, loading the library on first call; throws, saying why in French, when it cannot be loaded.
    static func api() throws -> qpv_proj_api {
        guard let api = qpv_proj_load() else {
            throw GeometryError.proj(operation: "l'ouverture de la bibliothèque", message: String(cString: qpv_proj_load_error()))
        }
        return api.pointee
    }
}

/// A PROJ context. Not thread-safe: one per thread, with the transformers made from it.
///
/// Creating one loads nothing: PROJ is loaded, and its contexts made, when an operation first needs them.
/// It holds two PROJ contexts. `database()` has PROJ's database (EPSG lookups, operations between any two CRS).
/// `databaseFree()` serves only the precompiled operations of `CoordinateTransformer` (PROJ strings that need
/// no database): PROJ 9.1's `proj_create` opens its SQLite database even for a `+proj=` string, and opening
/// `proj.db` (parsing its schema) is ~26 M instructions, a sixth of a single `qpv locate` (issue 17). Its
/// database is `MinimalProjDatabase`, in memory.
public final class ProjContext {
    private var api: qpv_proj_api?
    private var databaseContext: OpaquePointer?
    private var databaseFreeContext: OpaquePointer?
    private var databaseFreeTried = false

    /// A new PROJ context (one per thread). PROJ itself is loaded on first use.
    public init() throws {}

    deinit {
        guard let api else { return }
        if let databaseContext { _ = api.proj_context_destroy(databaseContext) }
        if let databaseFreeContext { _ = api.proj_context_destroy(databaseFreeContext) }
    }

    /// PROJ's functions (loaded once per process).
    func functions() throws -> qpv_proj_api {
        if let api { return api }
        let loaded = try ProjLibrary.api()
        api = loaded
        return loaded
    }

    /// A PROJ context without network access or log, on `api`.
    private static func makeContext(_ api: qpv_proj_api) throws -> OpaquePointer {
        guard let ctx = api.proj_context_create() else {
            throw GeometryError.proj(operation: "la création du contexte", message: "proj_context_create a renvoyé NULL")
        }
        _ = api.proj_context_set_enable_network(ctx, 0)
        _ = api.proj_log_level(ctx, PJ_LOG_NONE)
        return ctx
    }

    /// The context with PROJ's database (made on first use).
    func database() throws -> OpaquePointer {
        if let databaseContext { return databaseContext }
        let ctx = try Self.makeContext(try functions())
        databaseContext = ctx
        return ctx
    }

    /// The context for PROJ strings that need no database (made once; nil when the in-memory database
    /// cannot be set up, and then `database()` serves: slower, same answers).
    func databaseFree() throws -> OpaquePointer? {
        if databaseFreeTried { return databaseFreeContext }
        let api = try functions()
        databaseFreeTried = true
        guard let path = MinimalProjDatabase.path, let ctx = try? Self.makeContext(api) else { return nil }
        api.proj_context_set_sqlite3_vfs_name(ctx, MinimalProjDatabase.vfs)
        guard api.proj_context_set_database_path(ctx, path, nil, nil) == 1 else {
            _ = api.proj_context_destroy(ctx)
            return nil
        }
        databaseFreeContext = ctx
        return ctx
    }

    /// PROJ library version, e.g. "9.1.1" (loads PROJ; "?" when it cannot be loaded).
    public static var projVersion: String {
        guard let info = try? ProjLibrary.api().proj_info() else { return "?" }
        return info.version.map { String(cString: $0) } ?? "?"
    }

    /// The last error of a context of this `ProjContext`, in PROJ's words.
    func lastError(of ctx: OpaquePointer) -> String {
        guard let api else { return "erreur PROJ sans message" }
        let code = api.proj_context_errno(ctx)
        guard code != 0, let p = api.proj_context_errno_string(ctx, code) else { return "erreur PROJ sans message" }
        return String(cString: p)
    }

    /// Checks that PROJ knows `crs` (its database entry exists). The CRS of the precompiled operations (WGS84,
    /// Lambert-93, the overseas UTM projections: EPSG entries of every PROJ database) pass without loading PROJ.
    public func validate(_ crs: CRS) throws {
        if CoordinateTransformer.precompiledCRS.contains(crs.epsg) { return }
        let api = try functions()
        guard let pj = api.proj_create(try database(), "EPSG:\(crs.epsg)") else { throw GeometryError.unknownCRS(crs.description) }
        _ = api.proj_destroy(pj)
    }

    /// The CRS's name in the PROJ database ("RGF93 v1 / Lambert-93"); nil when PROJ does not know it or
    /// cannot be loaded.
    public func name(of crs: CRS) -> String? {
        guard let api = try? functions(), let db = try? database(), let pj = api.proj_create(db, "EPSG:\(crs.epsg)") else { return nil }
        defer { _ = api.proj_destroy(pj) }
        return api.proj_get_name(pj).map { String(cString: $0) }
    }

    /// The CRS's area of use in the PROJ database (`proj_get_area_of_use`): a WGS84 box (x = lon, y = lat)
    /// and its name ("France - onshore and offshore, mainland and Corsica"). Nil when PROJ knows none, and for
    /// an area across the antimeridian (west > east), which a single box cannot hold. Throws when PROJ cannot be
    /// loaded.
    public func areaOfUse(of crs: CRS) throws -> (box: Envelope, name: String)? {
        // WGS84 (every GeoJSON file, the demonstration pack) without loading PROJ: its answer, whole world
        // (test `ProjectionTests.wgs84AreaOfUseIsPROJs`).
        if crs == .wgs84 { return Self.wgs84AreaOfUse }
        return try databaseAreaOfUse(of: crs)
    }

    /// PROJ's area of use of EPSG:4326.
    public static let wgs84AreaOfUse = (box: Envelope(minX: -180, minY: -90, maxX: 180, maxY: 90), name: "World.")

    /// `areaOfUse(of:)` as PROJ's database gives it, for every CRS.
    public func databaseAreaOfUse(of crs: CRS) throws -> (box: Envelope, name: String)? {
        let api = try functions()
        let db = try database()
        guard let pj = api.proj_create(db, "EPSG:\(crs.epsg)") else { return nil }
        defer { _ = api.proj_destroy(pj) }
        var west = 0.0
        var south = 0.0
        var east = 0.0
        var north = 0.0
        var name: UnsafePointer<CChar>?
        guard api.proj_get_area_of_use(db, pj, &west, &south, &east, &north, &name) != 0,
            west > -1000, south > -1000, east > -1000, north > -1000,  // -1000: unknown (PROJ's convention)
            west <= east, south <= north
        else { return nil }
        return (Envelope(minX: west, minY: south, maxX: east, maxY: north), name.map { String(cString: $0) } ?? "")
    }
}

/// The database of `ProjContext.databaseFree()`: an in-memory SQLite database (SQLite's `memdb` file system, shared
/// by name within the process) holding only the `metadata` rows PROJ checks when it opens a database (layout
/// version 1, any minor version up to 999). PROJ can build no CRS from it, only operations given as PROJ strings.
/// Made once per process; the connection that made it stays open (the database lives while one does).
enum MinimalProjDatabase {
    static let vfs = "memdb"
    static let path: String? = {
        let name = "/qpv-proj-sans-base"
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI
        guard sqlite3_open_v2("file:\(name)?vfs=\(vfs)", &db, flags, nil) == SQLITE_OK, let db else {
            sqlite3_close(db)
            return nil
        }
        let schema = """
            CREATE TABLE metadata(key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO metadata VALUES('DATABASE.LAYOUT.VERSION.MAJOR', '1'), ('DATABASE.LAYOUT.VERSION.MINOR', '999');
            """
        guard sqlite3_exec(db, schema, nil, nil, nil) == SQLITE_OK else {
            sqlite3_close(db)
            return nil
        }
        return name
    }()
}

/// A coordinate operation between two CRS, axis order normalised to (x, y) = (lon, lat) / (easting,
/// northing). Owns its `PJ*`; bound to one `ProjContext` (one thread). A precompiled operation makes its `PJ*`
/// when a point first needs PROJ: WGS84 → Lambert-93 over France never does (`LambertConformalConic`).
public final class CoordinateTransformer {
    /// The CRS of the coordinates given.
    public let source: CRS
    /// The CRS of the coordinates returned.
    public let target: CRS
    /// The PROJ context the transformation belongs to.
    public let context: ProjContext
    /// PROJ's operation (nil until made, for a precompiled one), its context, and PROJ's functions.
    private var operation: (pj: OpaquePointer, context: OpaquePointer, api: qpv_proj_api)?
    /// The PROJ string of a precompiled operation, made on first use.
    private let precompiledDefinition: String?

    /// PROJ's `DEG_TO_RAD` (proj_internal.h), the factor of its `unitconvert +xy_in=deg +xy_out=rad` step.
    static let degreesToRadians = 0.017453292519943296167

    /// The operations PROJ 9 chooses, normalised, between WGS84 and the official metric CRS whose datum is
    /// WGS84-compatible (a single operation, no datum shift), as PROJ itself writes them
    /// (`proj_as_proj_string` of `proj_create_crs_to_crs` + `proj_normalize_for_visualization`). Building them
    /// from these strings skips PROJ's search for candidate operations in its database — about a tenth of a
    /// single `qpv locate` — and gives the same coordinates (test `ProjectionTests.precompiledPipelinesMatchTheDatabase`, which fails
    /// if a PROJ version ever chose otherwise). PROJ 9.1's `proj_create` opens a database even for a `+proj=`
    /// string (`DatabaseContext::create`; so does `proj_create_argv`): these strings are built on
    /// `ProjContext.databaseFree`, whose database is an almost empty one in memory, not `proj.db` (~6 ms of CPU).
    /// Other pairs (EPSG:3297, EPSG:3035) go through `proj.db`.
    ///
    /// The forward pipelines are `unitconvert` (degrees to radians) then one projection: PROJ runs the
    /// projection alone (`radiansIn`), on coordinates multiplied here by the `unitconvert` factor — the same
    /// multiplication, so the same bits (test `ProjectionTests.bareProjectionIsThePipelineBitForBit`), without
    /// the pipeline's per-point dispatch through two steps (a third of PROJ's instructions per point, issue 17).
    static let precompiled: [String: (definition: String, radiansIn: Bool)] = {
        let lcc93 = "+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80"
        return [
            "4326>2154": (lcc93, true),
            "2154>4326": ("+proj=pipeline +step +inv \(lcc93) +step +proj=unitconvert +xy_in=rad +xy_out=deg", false),
            "4326>5490": ("+proj=utm +zone=20 +ellps=GRS80", true),
            "4326>2972": ("+proj=utm +zone=22 +ellps=GRS80", true),
            "4326>2975": ("+proj=utm +zone=40 +south +ellps=GRS80", true),
            "4326>4471": ("+proj=utm +zone=38 +south +ellps=GRS80", true),
        ]
    }()

    /// The EPSG codes of the precompiled pairs.
    static let precompiledCRS: Set<Int> = Set(precompiled.keys.flatMap { $0.split(separator: ">").compactMap { Int($0) } })

    /// The full pipeline PROJ writes for a precompiled forward pair (`unitconvert` then the projection), for
    /// tests that compare it with the bare projection.
    public static func precompiledPipeline(from source: CRS, to target: CRS) -> String? {
        guard let entry = precompiled["\(source.epsg)>\(target.epsg)"] else { return nil }
        guard entry.radiansIn else { return entry.definition }
        return "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step \(entry.definition)"
    }

    /// True when PROJ's operation takes radians: `transform` converts degrees first.
    private let radiansIn: Bool
    /// PROJ's Lambert-93 formulas in Swift, for the precompiled `4326>2154` (nil otherwise: PROJ alone). They
    /// give PROJ's own bits (`ProjectionTests.swiftLambert93IsProjBitForBit`, against the PROJ installed).
    private let swiftForward: LambertConformalConic?

    /// Whether the operation was built with PROJ's database (false for the precompiled pairs: their PROJ string
    /// needs none, see `ProjContext`). Makes the operation if it is not made yet.
    public var usesProjDatabase: Bool {
        guard let op = try? madeOperation() else { return false }
        return op.context == (try? context.database())
    }

    /// A transformation from `source` to `target`, axes in x = longitude/easting, y = latitude/northing order.
    /// `precompiled: false` forces the operation to be looked up in PROJ's database even for the pairs of
    /// `precompiled` (tests compare both).
    public init(from source: CRS, to target: CRS, context: ProjContext, precompiled: Bool = true) throws {
        self.source = source
        self.target = target
        self.context = context
        if precompiled, let entry = Self.precompiled["\(source.epsg)>\(target.epsg)"] {
            precompiledDefinition = entry.definition
            radiansIn = entry.radiansIn
            swiftForward = source == .wgs84 && target == .lambert93 ? LambertConformalConic.lambert93 : nil
            return
        }
        precompiledDefinition = nil
        radiansIn = false
        swiftForward = nil
        try context.validate(source)
        try context.validate(target)
        let api = try context.functions()
        let db = try context.database()
        guard let op = api.proj_create_crs_to_crs(db, "EPSG:\(source.epsg)", "EPSG:\(target.epsg)", nil) else {
            throw GeometryError.proj(operation: "la transformation \(source) → \(target)", message: context.lastError(of: db))
        }
        defer { _ = api.proj_destroy(op) }
        guard let normalized = api.proj_normalize_for_visualization(db, op) else {
            throw GeometryError.proj(operation: "la normalisation des axes \(source) → \(target)", message: context.lastError(of: db))
        }
        operation = (normalized, db, api)
    }

    /// A transformation given by a PROJ string (tests: the precompiled pipelines as PROJ writes them).
    public init(definition: String, from source: CRS, to target: CRS, context: ProjContext) throws {
        self.source = source
        self.target = target
        self.context = context
        self.radiansIn = false
        self.precompiledDefinition = nil
        self.swiftForward = nil
        let api = try context.functions()
        let db = try context.database()
        guard let op = api.proj_create(db, definition) else {
            throw GeometryError.proj(operation: "l'opération « \(definition) »", message: context.lastError(of: db))
        }
        operation = (op, db, api)
    }

    deinit {
        if let operation { _ = operation.api.proj_destroy(operation.pj) }
    }

    /// PROJ's operation, made on first call for a precompiled one: on the context without database, or on the
    /// one with it when that context cannot be made.
    private func madeOperation() throws -> (pj: OpaquePointer, context: OpaquePointer, api: qpv_proj_api) {
        if let operation { return operation }
        guard let definition = precompiledDefinition else { preconditionFailure("opération PROJ absente") }
        let api = try context.functions()
        for ctx in [try context.databaseFree(), try context.database()].compactMap({ $0 }) {
            guard let pj = api.proj_create(ctx, definition) else { continue }
            operation = (pj, ctx, api)
            return (pj, ctx, api)
        }
        let db = try context.database()
        throw GeometryError.proj(operation: "la transformation \(source) → \(target)", message: context.lastError(of: db))
    }

    /// Whether this transformer computes in Swift (`LambertConformalConic`) the points it can, PROJ the others.
    public var usesSwiftProjection: Bool { swiftForward != nil }

    /// Transforms arrays of x and y in place (shapely-style: one call for many points). A point PROJ cannot
    /// transform gets infinite coordinates; the call throws only if every point failed.
    public func transform(x: inout [Double], y: inout [Double]) throws {
        precondition(x.count == y.count, "x and y must have the same length")
        guard !x.isEmpty else { return }
        guard let lcc = swiftForward else { return try projTransform(x: &x, y: &y) }
        // PROJ's formulas in Swift where they apply (all of France), PROJ for the few others.
        var rest: [Int] = []
        x.withUnsafeMutableBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in
                for i in 0..<xs.count {
                    if let p = lcc.forward(lon: xs[i], lat: ys[i]) {
                        xs[i] = p.x
                        ys[i] = p.y
                    } else {
                        rest.append(i)
                    }
                }
            }
        }
        guard !rest.isEmpty else { return }
        var rx = rest.map { x[$0] }
        var ry = rest.map { y[$0] }
        try projTransform(x: &rx, y: &ry, allowAllFailed: rest.count < x.count)
        for (k, i) in rest.enumerated() {
            x[i] = rx[k]
            y[i] = ry[k]
        }
    }

    /// `transform(x:y:)` by PROJ alone. `allowAllFailed`: no error when every point fails (some of the
    /// caller's points succeeded elsewhere).
    private func projTransform(x: inout [Double], y: inout [Double], allowAllFailed: Bool = false) throws {
        let n = x.count
        let (pj, pjContext, api) = try madeOperation()
        if radiansIn {
            let f = CoordinateTransformer.degreesToRadians
            for i in 0..<n {
                x[i] *= f
                y[i] *= f
            }
        }
        _ = api.proj_errno_reset(pj)
        let done = x.withUnsafeMutableBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in
                api.proj_trans_generic(
                    pj, PJ_FWD,
                    xs.baseAddress, MemoryLayout<Double>.stride, n,
                    ys.baseAddress, MemoryLayout<Double>.stride, n,
                    nil, 0, 0, nil, 0, 0)
            }
        }
        if done != n {
            guard allowAllFailed else {
                throw GeometryError.proj(operation: "la transformation \(source) → \(target)", message: context.lastError(of: pjContext))
            }
            for i in 0..<n {
                x[i] = .infinity
                y[i] = .infinity
            }
        }
        for i in 0..<n where x[i] == .infinity || y[i] == .infinity || x[i].isNaN {
            x[i] = .infinity
            y[i] = .infinity
        }
    }

    /// Transforms one point. Throws when PROJ cannot transform it.
    public func transform(x: Double, y: Double) throws -> (x: Double, y: Double) {
        var xs = [x]
        var ys = [y]
        try transform(x: &xs, y: &ys)
        guard xs[0].isFinite && ys[0].isFinite else {
            throw GeometryError.proj(
                operation: "la transformation \(source) → \(target) du point (\(x), \(y))", message: "hors du domaine de la projection")
        }
        return (xs[0], ys[0])
    }

    /// Transforms every coordinate of a polygonal geometry.
    public func transform(_ geometry: Geometry) throws -> Geometry {
        try geometry.mapPolygonCoordinates { xs, ys in
            try transform(x: &xs, y: &ys)
            if xs.contains(where: { !$0.isFinite }) {
                throw GeometryError.proj(
                    operation: "la transformation \(source) → \(target)", message: "coordonnées hors du domaine de la projection")
            }
        }
    }
}

extension ProjContext {
    /// The EPSG code of a CRS given as WKT (a Shapefile's .prj), when PROJ can identify it with confidence
    /// of at least 70 %.
    public func identifyEPSG(wkt: String) throws -> Int? {
        let api = try functions()
        let raw = try database()
        guard let obj = api.proj_create_from_wkt(raw, wkt, nil, nil, nil) else { return nil }
        defer { _ = api.proj_destroy(obj) }
        var confidence: UnsafeMutablePointer<Int32>?
        guard let list = api.proj_identify(raw, obj, "EPSG", nil, &confidence) else { return nil }
        defer {
            api.proj_list_destroy(list)
            api.proj_int_list_destroy(confidence)
        }
        var best: (code: Int, confidence: Int32)?
        for i in 0..<api.proj_list_get_count(list) {
            guard let candidate = api.proj_list_get(raw, list, i) else { continue }
            defer { _ = api.proj_destroy(candidate) }
            let c = confidence?[Int(i)] ?? 0
            if let code = api.proj_get_id_code(candidate, 0).map({ String(cString: $0) }).flatMap(Int.init), c >= 70,
                best == nil || c > best!.confidence
            {
                best = (code, c)
            }
        }
        return best?.code
    }
}
