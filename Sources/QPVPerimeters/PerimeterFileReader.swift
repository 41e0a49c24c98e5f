// Reading perimeter files into a `SourceFile`: GeoJSON, GeoPackage (through SQLite, `SQLiteDatabase`; the only
// sqlite3 pointer lives here) and Shapefile (`ShapefileReader`), with their CRS; plus `GeoPackageWriter`.

import CSQLite
import Crypto
import Foundation
import QPVCore
import QPVGeometry

/// One feature of a perimeter file: its attributes as text and its polygons in the file's CRS.
public struct SourceFeature: Sendable {
    /// 1-based position of the feature in the file (for messages).
    public var number: Int
    /// Attributes, as text.
    public var properties: [String: String]
    /// Polygons, in the file's CRS.
    public var polygons: [PolygonRings]
}

/// A perimeter file read into memory.
public struct SourceFile: Sendable {
    /// The file's path.
    public var path: String
    /// "geojson", "gpkg" or "shapefile".
    public var format: String
    /// The file's CRS (declared, given with `--crs`, or the fallback).
    public var crs: CRS
    /// GeoPackage layer read, nil otherwise.
    public var layer: String?
    /// The features, in file order.
    public var features: [SourceFeature]
    /// SHA-256 of the file.
    public var sha256: String
    /// Its size in bytes.
    public var byteCount: Int
    /// SHA-256 of the attribute file when it is separate (a shapefile's `.dbf`): two releases differing only
    /// in names then get different pack ids.
    public var attributesSHA256: String? = nil

    /// The file's name.
    public var fileName: String { URL(fileURLWithPath: path).lastPathComponent }
}

/// Errors met while reading a perimeter file. Messages name the file and, where it applies, the feature
/// (its position and code) or the line and column.
public enum PerimeterFileError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// The file cannot be read.
    case cannotRead(path: String, reason: String)
    /// The file holds no feature.
    case empty(path: String)
    /// The file is not valid in its format.
    case malformed(path: String, reason: String)
    /// One feature is unusable (its position and code named).
    case badFeature(path: String, feature: Int, code: String?, reason: String)
    /// The declared CRS is unknown to PROJ.
    case unknownCRS(path: String, crs: String)
    /// No CRS is declared nor given (`--crs`).
    case missingCRS(path: String, hint: String)
    /// Not a GeoJSON, GeoPackage or Shapefile.
    case unsupportedFormat(path: String)
    /// A needed attribute is missing; `available` lists those present.
    case missingAttribute(path: String, attribute: String, available: [String])

    /// The error in French, for messages.
    public var description: String {
        switch self {
        case .cannotRead(let path, let reason): return "\(path) : lecture impossible (\(reason))"
        case .empty(let path): return "\(path) : fichier vide ou sans aucune entité"
        case .malformed(let path, let reason): return "\(path) : \(reason)"
        case .badFeature(let path, let feature, let code, let reason):
            return "\(path), entité n° \(feature)\(code.map { " (\($0))" } ?? "") : \(reason)"
        case .unknownCRS(let path, let crs):
            return "\(path) : système de coordonnées « \(crs) » inconnu ; précisez-le avec --crs EPSG:XXXX (EPSG:4326 WGS84, EPSG:2154 Lambert-93…)"
        case .missingCRS(let path, let hint): return "\(path) : \(hint)"
        case .unsupportedFormat(let path):
            return "\(path) : format non reconnu (attendu : .geojson, .json, .gpkg, .shp, ou .csv de carreaux INSEE code_qic,nom_qic,idcar_200m)"
        case .missingAttribute(let path, let attribute, let available):
            return "\(path) : attribut « \(attribute) » introuvable ; attributs présents : \(available.joined(separator: ", "))"
        }
    }

    public var errorDescription: String? { description }
}

/// Reads GeoJSON, GeoPackage and Shapefile perimeter files.
public enum PerimeterFileReader {
    /// Reads a file; `crs` overrides what the file declares, `fallbackCRS` (the CRS an archive member's name
    /// gives) applies only when the file declares none. A `.csv` is a list of INSEE carreaux per quartier
    /// (`CarreauxListReader`), whose code and name columns `codeColumn` / `nameColumn` may name.
    public static func read(
        path: String, crs: CRS? = nil, fallbackCRS: CRS? = nil, layer: String? = nil, codeColumn: String? = nil, nameColumn: String? = nil,
        context: GeosContext
    ) throws -> SourceFile {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") || lower.hasSuffix(".txt") {
            return try CarreauxListReader.read(path: path, codeColumn: codeColumn, nameColumn: nameColumn)
        }
        if lower.hasSuffix(".gpkg") { return try readGeoPackage(path: path, crs: crs, fallback: fallbackCRS, layer: layer, context: context) }
        if lower.hasSuffix(".shp") { return try ShapefileReader.read(path: path, crs: crs, fallback: fallbackCRS) }
        if lower.hasSuffix(".geojson") || lower.hasSuffix(".json") { return try readGeoJSON(path: path, crs: crs, fallback: fallbackCRS) }
        throw PerimeterFileError.unsupportedFormat(path: path)
    }

    static func fileBytes(_ path: String) throws -> Data {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw PerimeterFileError.cannotRead(path: path, reason: "fichier introuvable")
        }
        if isDir.boolValue { throw PerimeterFileError.cannotRead(path: path, reason: "c'est un dossier") }
        // An empty file is empty data (Foundation's mapped read of a 0-byte file leaks its read buffer: found by
        // the geojson fuzz target under LeakSanitizer).
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 { return Data() }
        do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw PerimeterFileError.cannotRead(path: path, reason: error.localizedDescription)
        }
    }

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of a file, streamed.
    public static func sha256(path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { throw PerimeterFileError.cannotRead(path: path, reason: "ouverture impossible") }
        defer { try? h.close() }
        var hasher = SHA256()
        while true {
            let chunk = h.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    // MARK: GeoJSON

    /// Reads a GeoJSON file; `override` forces the CRS, `fallback` applies when the file declares none (RFC 7946: WGS84).
    public static func readGeoJSON(path: String, crs override: CRS?, fallback: CRS? = nil) throws -> SourceFile {
        let data = try fileBytes(path)
        guard !data.isEmpty else { throw PerimeterFileError.empty(path: path) }
        let root: JSONValue
        do { root = try JSONParser.parse(data) } catch let e as JSONSyntaxError {
            throw PerimeterFileError.malformed(path: path, reason: e.description)
        }
        var crs = override
        if crs == nil, let name = root["crs"]?["properties"]?["name"]?.stringValue {
            guard let parsed = CRS(string: name) else { throw PerimeterFileError.unknownCRS(path: path, crs: name) }
            crs = parsed
        }
        let featuresJSON: [JSONValue]
        switch root["type"]?.stringValue {
        case "FeatureCollection":
            guard let f = root["features"]?.arrayValue else {
                throw PerimeterFileError.malformed(path: path, reason: "FeatureCollection sans tableau « features »")
            }
            featuresJSON = f
        case "Feature":
            featuresJSON = [root]
        case let other:
            throw PerimeterFileError.malformed(path: path, reason: "GeoJSON de type « \(other ?? "absent") » : une FeatureCollection est attendue")
        }
        guard !featuresJSON.isEmpty else { throw PerimeterFileError.empty(path: path) }
        var features: [SourceFeature] = []
        features.reserveCapacity(featuresJSON.count)
        for (k, f) in featuresJSON.enumerated() {
            var props: [String: String] = [:]
            for (key, value) in f["properties"]?.objectValue ?? [] {
                if let text = value.scalarText { props[key] = text }
            }
            let code = props.first { $0.key.lowercased().hasPrefix("code") }?.value
            guard let geometry = f["geometry"], geometry != .null else {
                throw PerimeterFileError.badFeature(path: path, feature: k + 1, code: code, reason: "géométrie absente (null)")
            }
            do {
                features.append(SourceFeature(number: k + 1, properties: props, polygons: try GeoJSONGeometry.polygons(from: geometry)))
            } catch let e as GeometryError {
                throw PerimeterFileError.badFeature(path: path, feature: k + 1, code: code, reason: e.description)
            }
        }
        let resolved = try resolveCRS(crs ?? fallback, features: features, path: path)
        return SourceFile(path: path, format: "geojson", crs: resolved, layer: nil, features: features, sha256: sha256(data), byteCount: data.count)
    }

    /// A file without CRS is WGS84 per RFC 7946, unless its coordinates cannot be degrees.
    static func resolveCRS(_ declared: CRS?, features: [SourceFeature], path: String) throws -> CRS {
        if let declared { return declared }
        var e = Envelope.empty
        for f in features.prefix(50) { for p in f.polygons { for r in p { for c in r { e.expand(x: c.x, y: c.y) } } } }
        if e.minX < -180 || e.maxX > 180 || e.minY < -90 || e.maxY > 90 {
            throw PerimeterFileError.missingCRS(
                path: path,
                hint:
                    "aucun système de coordonnées déclaré et les coordonnées ne sont pas des degrés (x de \(String(format: "%.0f", e.minX)) à \(String(format: "%.0f", e.maxX))) ; précisez --crs EPSG:2154 pour du Lambert-93"
            )
        }
        return .wgs84
    }

    // MARK: GeoPackage

    /// Reads one layer of a GeoPackage (`layer` nil: the only polygon layer).
    public static func readGeoPackage(path: String, crs override: CRS?, fallback: CRS? = nil, layer: String?, context: GeosContext) throws
        -> SourceFile
    {
        let data = try fileBytes(path)
        guard !data.isEmpty else { throw PerimeterFileError.empty(path: path) }
        let db = try SQLiteDatabase(path: path)
        let layers = try db.rows("SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name").compactMap { $0[0] }
        guard !layers.isEmpty else { throw PerimeterFileError.malformed(path: path, reason: "GeoPackage sans couche d'entités (gpkg_contents)") }
        let table: String
        if let layer {
            guard layers.contains(layer) else {
                throw PerimeterFileError.malformed(path: path, reason: "couche « \(layer) » absente ; couches : \(layers.joined(separator: ", "))")
            }
            table = layer
        } else {
            guard layers.count == 1 else {
                throw PerimeterFileError.malformed(
                    path: path, reason: "plusieurs couches (\(layers.joined(separator: ", "))) ; choisissez-en une avec --layer")
            }
            table = layers[0]
        }
        let geomRows = try db.rows("SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?", [table])
        guard let geomRow = geomRows.first, let geomColumn = geomRow[0] else {
            throw PerimeterFileError.malformed(path: path, reason: "couche « \(table) » sans colonne géométrique (gpkg_geometry_columns)")
        }
        var crs = override
        if crs == nil, let srs = geomRow[1], let srsId = Int(srs) {
            let srsRows = try db.rows("SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?", [String(srsId)])
            if let r = srsRows.first, let org = r[0]?.uppercased(), let code = r[1].flatMap(Int.init), org == "EPSG" {
                crs = CRS(epsg: code)
            } else if srsId > 0 {
                crs = CRS(epsg: srsId)
            }
        }
        let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        var features: [SourceFeature] = []
        var number = 0
        try db.forEachRow("SELECT * FROM \(quoted)") { columns, values, blobs in
            number += 1
            var props: [String: String] = [:]
            var blob: [UInt8]?
            for (k, name) in columns.enumerated() {
                if name == geomColumn { blob = blobs[k] } else if let v = values[k] { props[name] = v }
            }
            let code = props.first { $0.key.lowercased().hasPrefix("code") }?.value
            guard let blob, !blob.isEmpty else {
                throw PerimeterFileError.badFeature(path: path, feature: number, code: code, reason: "géométrie absente")
            }
            do {
                let wkb = try GeoPackageGeometry.wkb(from: blob)
                let g = try Geometry(wkb: wkb, context: context)
                let polys = try g.polygons()
                guard !polys.isEmpty else { throw GeometryError.invalidInput("géométrie de type \(g.typeName), polygone attendu") }
                features.append(SourceFeature(number: number, properties: props, polygons: polys))
            } catch let e as GeometryError {
                throw PerimeterFileError.badFeature(path: path, feature: number, code: code, reason: e.description)
            }
        }
        guard !features.isEmpty else { throw PerimeterFileError.empty(path: path) }
        let resolved = try resolveCRS(crs ?? fallback, features: features, path: path)
        return SourceFile(path: path, format: "gpkg", crs: resolved, layer: table, features: features, sha256: sha256(data), byteCount: data.count)
    }
}

/// The GeoPackage geometry blob header (OGC 12-128r18 §2.1.3): "GP", version, flags, srs_id, envelope, WKB.
public enum GeoPackageGeometry {
    /// The standard WKB inside a GeoPackage geometry blob (its GP header removed).
    public static func wkb(from blob: [UInt8]) throws -> [UInt8] {
        guard blob.count >= 8, blob[0] == 0x47, blob[1] == 0x50 else {
            throw GeometryError.invalidInput("en-tête de géométrie GeoPackage absent (« GP »)")
        }
        let flags = blob[3]
        let envelopeCode = (flags >> 1) & 0x07
        let envelopeSize: Int
        switch envelopeCode {
        case 0: envelopeSize = 0
        case 1: envelopeSize = 32
        case 2, 3: envelopeSize = 48
        case 4: envelopeSize = 64
        default: throw GeometryError.invalidInput("indicateur d'enveloppe GeoPackage invalide (\(envelopeCode))")
        }
        let start = 8 + envelopeSize
        guard blob.count > start else { throw GeometryError.invalidInput("géométrie GeoPackage tronquée") }
        return Array(blob[start...])
    }

    /// A GeoPackage blob for a WKB geometry (no envelope, little-endian header).
    public static func blob(wkb: [UInt8], srsId: Int32) -> [UInt8] {
        var out: [UInt8] = [0x47, 0x50, 0x00, 0x01]
        withUnsafeBytes(of: srsId.littleEndian) { out.append(contentsOf: $0) }
        return out + wkb
    }
}

/// A read-only SQLite connection (GeoPackage files). Owns its `sqlite3*`.
final class SQLiteDatabase {
    private var db: OpaquePointer?
    let path: String

    init(path: String, readOnly: Bool = true) throws {
        self.path = path
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "ouverture impossible"
            sqlite3_close(db)
            db = nil
            throw PerimeterFileError.cannotRead(path: path, reason: "SQLite : \(message)")
        }
    }

    deinit { sqlite3_close(db) }

    private func error(_ what: String) -> PerimeterFileError {
        .malformed(path: path, reason: "SQLite : \(what) (\(String(cString: sqlite3_errmsg(db))))")
    }

    func execute(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw error("échec de « \(sql.prefix(60)) »") }
    }

    /// Runs a query; text values of every column.
    func rows(_ sql: String, _ params: [String] = []) throws -> [[String?]] {
        var out: [[String?]] = []
        try forEachRow(sql, params) { _, values, _ in out.append(values) }
        return out
    }

    /// Runs a query and calls `body` with column names, text values and blob values of each row.
    func forEachRow(_ sql: String, _ params: [String] = [], _ body: ([String], [String?], [[UInt8]?]) throws -> Void) throws {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw error("requête invalide") }
        defer { sqlite3_finalize(stmt) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (k, p) in params.enumerated() { sqlite3_bind_text(stmt, Int32(k + 1), p, -1, transient) }
        let n = sqlite3_column_count(stmt)
        let names = (0..<n).map { String(cString: sqlite3_column_name(stmt, $0)) }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error("lecture interrompue") }
            var values: [String?] = []
            var blobs: [[UInt8]?] = []
            for c in 0..<n {
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_NULL:
                    values.append(nil)
                    blobs.append(nil)
                case SQLITE_BLOB:
                    let len = Int(sqlite3_column_bytes(stmt, c))
                    if let p = sqlite3_column_blob(stmt, c), len > 0 {
                        blobs.append(Array(UnsafeRawBufferPointer(start: p, count: len)))
                    } else {
                        blobs.append([])
                    }
                    values.append(nil)
                default:
                    values.append(sqlite3_column_text(stmt, c).map { String(cString: $0) })
                    blobs.append(nil)
                }
            }
            try body(names, values, blobs)
        }
    }

    /// Inserts a row with text/real/blob parameters (used to write GeoPackages in exports and tests).
    func insert(_ sql: String, _ params: [SQLiteValue]) throws {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw error("requête invalide") }
        defer { sqlite3_finalize(stmt) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (k, p) in params.enumerated() {
            let i = Int32(k + 1)
            switch p {
            case .null: sqlite3_bind_null(stmt, i)
            case .text(let s): sqlite3_bind_text(stmt, i, s, -1, transient)
            case .real(let d): sqlite3_bind_double(stmt, i, d)
            case .integer(let v): sqlite3_bind_int64(stmt, i, Int64(v))
            case .blob(let b): b.withUnsafeBytes { _ = sqlite3_bind_blob(stmt, i, $0.baseAddress, Int32(b.count), transient) }
            }
        }
        guard sqlite3_step(stmt) == SQLITE_DONE else { throw error("insertion impossible") }
    }
}

enum SQLiteValue {
    case null
    case text(String)
    case real(Double)
    case integer(Int)
    case blob([UInt8])
}

/// Writes a minimal, conformant GeoPackage (OGC 12-128: gpkg_spatial_ref_sys, gpkg_contents,
/// gpkg_geometry_columns, one feature table with GP-headed WKB blobs) — for exports and tests.
public final class GeoPackageWriter {
    private let db: SQLiteDatabase
    private let table: String
    private let columns: [String]
    private let srsId: Int32

    /// Creates the GeoPackage at `path` with one feature table `table` of `columns` (text) and a geometry column.
    public init(path: String, table: String, crs: CRS, crsName: String, columns: [String], geometryType: String = "MULTIPOLYGON") throws {
        try? FileManager.default.removeItem(atPath: path)
        db = try SQLiteDatabase(path: path, readOnly: false)
        self.table = table
        self.columns = columns
        self.srsId = Int32(crs.epsg)
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        try db.execute("PRAGMA application_id = 1196444487")  // 'GPKG'
        try db.execute("PRAGMA user_version = 10300")
        try db.execute(
            "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)"
        )
        try db.insert(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, 'undefined', NULL)", [.text(crsName), .integer(crs.epsg), .integer(crs.epsg)])
        try db.execute(
            "CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT, description TEXT DEFAULT '', last_change DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER)"
        )
        try db.insert(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, 'features', ?, ?)",
            [.text(table), .text(table), .integer(crs.epsg)])
        try db.execute(
            "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL)"
        )
        try db.insert("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)", [.text(table), .text(geometryType), .integer(crs.epsg)])
        let cols = columns.map { q($0) + " TEXT" }.joined(separator: ", ")
        try db.execute("CREATE TABLE \(q(table)) (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB\(cols.isEmpty ? "" : ", " + cols))")
        try db.execute("BEGIN")
    }

    /// Adds a feature: WKB geometry and one text value per column.
    public func add(wkb: [UInt8], values: [String?]) throws {
        precondition(values.count == columns.count)
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let names = (["geom"] + columns).map(q).joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count + 1).joined(separator: ", ")
        try db.insert(
            "INSERT INTO \(q(table)) (\(names)) VALUES (\(marks))",
            [.blob(GeoPackageGeometry.blob(wkb: wkb, srsId: srsId))] + values.map { $0.map(SQLiteValue.text) ?? .null })
    }

    /// Ends the file (commits every feature written).
    public func close() throws { try db.execute("COMMIT") }
}
