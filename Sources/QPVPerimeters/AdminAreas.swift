// Installed commune data (`qpv data import-communes`): `AdminZone` / `AdminAreas`, the compiled `.qpvareas`
// file of départements and EPCIs, and the per-thread `AreaLookup` that places a point in a département or EPCI
// (used by the coverage rules of partial lists and QIC scopes).

import Foundation
import QPVCore
import QPVGeometry
import QPVTabular

/// Installed commune data (`qpv data import-communes`): commune outlines (IGN ADMIN EXPRESS or alike, GeoJSON,
/// GeoPackage, Shapefile), kept as the union of their communes per département and per EPCI, in the metric CRS
/// of their territory, with their boundaries indexed. It answers two questions, safely:
/// - in which département is a point (for partial QPV lists, `DepartementCoverage`);
/// - is a point in an EPCI (for the scope of its QIC).
/// A point closer than `margin` to the outline of the zone in question (a département border, the EPCI's
/// limit, or the edge of the installed data) is "ambiguous": commune outlines are simplified, so the answer
/// there is not sure.
public struct AdminZone: Codable, Sendable {
    /// What the zone is.
    public enum Kind: String, Codable, Sendable {
        /// A département.
        case departement
        /// An intercommunalité (EPCI).
        case epci
    }

    /// Département or EPCI.
    public var kind: Kind
    /// Département code (`62`) or EPCI SIREN.
    public var code: String
    /// The zone's name.
    public var name: String
    /// INSEE codes of its communes.
    public var members: [String]
    /// EPSG code of the metric CRS of `geometry`.
    public var metricCRS: Int
    /// Envelope in WGS84 (candidate search).
    public var envelopeWGS84: Envelope
    /// Geometry (union of the communes) in `metricCRS`.
    public var geometry: BlobRef

    enum CodingKeys: String, CodingKey {
        case kind, code, name, members
        case metricCRS = "metric_crs"
        case envelopeWGS84 = "envelope_wgs84"
        case geometry
    }
}

/// Header of an areas file.
public struct AdminAreasManifest: Codable, Sendable {
    /// The areas file format this build writes and reads. 2: checksum trailer (a damaged file is refused at
    /// open, naming it and saying to re-import it). 3: boundary index memory 8-byte aligned in the file, read
    /// in place (issue 17).
    public static let currentFormat = 3
    /// Format of this file.
    public var formatVersion: Int
    /// Identifier of the file (`qpv data list`, `qpv data remove`).
    public var id: String
    /// The commune outlines the zones were built from.
    public var source: PackSource
    /// When the file was built (ISO 8601).
    public var importedAt: String
    /// Number of communes read.
    public var communeCount: Int
    /// The départements and EPCI, with their outlines.
    public var zones: [AdminZone]
    /// What the import warned about, in French.
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case id, source
        case importedAt = "imported_at"
        case communeCount = "commune_count"
        case zones, warnings
    }
}

/// Where a point is, as far as the installed commune data can say.
public enum ZonePlacement: Sendable, Equatable {
    /// Surely inside (farther than the margin from the zone's outline).
    case inside
    /// Surely outside.
    case outside
    /// Closer than the margin to the outline: not sure.
    case ambiguous
}

/// One installed areas file, opened (immutable, shared by threads).
public final class AdminAreas: @unchecked Sendable {
    /// Extension of areas files in the data directory.
    public static let fileExtension = "qpvareas"
    static let magic: [UInt8] = Array("QPVAREA".utf8) + [0]
    /// Distance to an outline under which a placement is not sure (commune outlines are simplified).
    public static let margin = 200.0

    /// The file's header.
    public let manifest: AdminAreasManifest
    /// The file's path.
    public let path: String
    /// The file's bytes (mapped read-only, or a copy in memory); the boundary indexes read them in place.
    private let bytes: StableBytes
    private let geometryOffset: Int
    /// Boundary index over all zones (owner = zone index), one per metric CRS.
    let boundaries: [Int: BoundaryIndex]
    /// Zone indices per metric CRS, in the owner order of `boundaries`.
    let owners: [Int: [Int]]

    /// Opens the areas file at `path` (checked: format and checksum, once per file identity).
    public convenience init(path: String) throws {
        try self.init(bytes: try PackError.mapping(path), path: path, rememberVerification: true)
    }

    /// Reads an areas file from a copy of `data` (see `init(bytes:path:rememberVerification:)`).
    public convenience init(data: Data, path: String) throws {
        try self.init(bytes: StableBytes(copying: data), path: path, rememberVerification: false)
    }

    /// Reads an areas file already in memory; `path` names it in messages. The checksum trailer is verified
    /// first, then the structure of the boundary indexes (with `rememberVerification`, both once per file
    /// identity: `VerifiedFileCache`, written once both passed); then only the bytes the checksum covers are read.
    init(bytes: StableBytes, path: String, rememberVerification: Bool) throws {
        let data = bytes.raw
        guard data.count >= 16, Array(data.prefix(8)) == AdminAreas.magic else { throw PackError.notAPack(path: path) }
        let version = Int(data.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian)
        guard version == AdminAreasManifest.currentFormat else { throw PackError.unsupportedFormat(path: path, version: version) }
        guard data.count >= 24 else { throw PackError.corrupt(path: path, reason: "fichier tronqué") }
        let trailer = ContentChecksum.checkTrailer(data, path: rememberVerification ? path : nil)
        guard trailer != .damaged else { throw PackError.corrupt(path: path, reason: ContentChecksum.mismatchReason) }
        let body = data.count - 8
        let length = Int(data.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian)
        guard length <= body - 16 else { throw PackError.corrupt(path: path, reason: "en-tête tronqué") }
        let manifest: AdminAreasManifest
        do { manifest = try JSONDecoder().decode(AdminAreasManifest.self, from: Data(data[16..<(16 + length)])) } catch {
            throw PackError.corrupt(path: path, reason: "en-tête illisible : \(error)")
        }
        var boundaries: [Int: BoundaryIndex] = [:]
        var owners: [Int: [Int]] = [:]
        var offset = 16 + length
        do {
            var r = BinaryReader(UnsafeRawBufferPointer(rebasing: data[0..<body]), offset: offset)
            let n = try r.readCount32(unit: 8)
            for _ in 0..<n {
                let crs = Int(try r.read(UInt32.self))
                let members = try r.readArray(of: Int32.self).map(Int.init)
                let index = try BoundaryIndex(reader: &r, checkingStructure: trailer != .verifiedBefore, owner: bytes)
                guard members.allSatisfy({ $0 >= 0 && $0 < manifest.zones.count }), index.polygonCount == members.count else {
                    throw BinaryReader.Corrupt(offset: r.offset)
                }
                boundaries[crs] = index
                owners[crs] = members
            }
            offset = r.offset
        } catch {
            throw PackError.corrupt(path: path, reason: "\(error)")
        }
        // Offsets and lengths come from the JSON header: compared without a sum that could overflow.
        for z in manifest.zones
        where z.geometry.offset < 0 || z.geometry.length < 0 || z.geometry.offset > body - offset
            || z.geometry.length > body - offset - z.geometry.offset
        {
            throw PackError.corrupt(path: path, reason: "géométrie de \(z.code) hors du fichier")
        }
        self.manifest = manifest
        self.path = path
        self.bytes = bytes
        self.geometryOffset = offset
        self.boundaries = boundaries
        self.owners = owners
        if rememberVerification && trailer == .verifiedNow { VerifiedFileCache.remember(path: path, digest: ContentChecksum.storedDigest(data)) }
    }

    /// WKB of a zone's geometry (metric CRS), for exports.
    public func wkb(zone: Int) -> [UInt8] { withWKB(manifest.zones[zone].geometry) { Array($0) } }

    func withWKB<T>(_ blob: BlobRef, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(rebasing: bytes.raw[(geometryOffset + blob.offset)..<(geometryOffset + blob.offset + blob.length)]))
    }

    /// Distance from a point (in the zone's metric CRS) to the zone's outline.
    func distanceToOutline(zone: Int, x: Double, y: Double) -> Double {
        let crs = manifest.zones[zone].metricCRS
        guard let index = boundaries[crs], let local = owners[crs]?.firstIndex(of: zone) else { return 0 }
        return index.distance(x: x, y: y, toOwner: local)
    }

    // MARK: Import

    /// Attribute names of commune files (ADMIN EXPRESS: `INSEE_COM`, `NOM`, `INSEE_DEP`, `SIREN_EPCI`).
    static let codeNames = ["code", "insee_com", "code_insee", "insee", "codgeo", "code_commune", "inseecom"]
    static let nameNames = ["nom", "nom_com", "name", "libelle", "lib_com", "nom_commune", "libgeo"]
    static let departementNames = ["insee_dep", "code_dep", "code_departement", "dep"]
    static let epciNames = ["siren_epci", "code_epci", "epci"]

    /// Compiles a commune file: `epciSiren` (with `epciName`) says the file holds **all** the communes of that
    /// EPCI; otherwise EPCIs come from a `siren_epci` attribute when present.
    public static func compile(
        path: String, crs: CRS? = nil, layer: String? = nil, epciSiren: String? = nil, epciName: String? = nil, importedAt: Date = Date()
    ) throws -> (manifest: AdminAreasManifest, bytes: [UInt8]) {
        let geos = try GeosContext()
        let proj = try ProjContext()
        let file = try PerimeterFileReader.read(path: path, crs: crs, layer: layer, context: geos)
        guard !file.features.isEmpty else { throw PerimeterFileError.malformed(path: path, reason: "aucune commune dans le fichier") }
        if let siren = epciSiren, siren.count != 9 || !siren.allSatisfy(\.isNumber) {
            throw PerimeterFileError.malformed(path: path, reason: "SIREN d'EPCI « \(siren) » invalide (9 chiffres attendus)")
        }
        let transformers = TransformerCache(from: file.crs, context: proj)
        func transformer(_ to: CRS) throws -> CoordinateTransformer { try transformers.to(to) }
        struct Commune {
            var code: String
            var geometry: Geometry
            var metric: CRS
        }
        var communes: [Commune] = []
        var byDepartement: [String: [Int]] = [:]
        var byEPCI: [String: [Int]] = [:]
        var warnings: [String] = []
        var repaired = 0
        for f in file.features {
            guard let code = AttributeNames.value(f.properties, codeNames), code.count == 5 else {
                throw PerimeterFileError.badFeature(
                    path: path, feature: f.number, code: nil,
                    reason: "code INSEE de commune absent ou invalide (attributs cherchés : \(codeNames.joined(separator: ", ")))")
            }
            guard let dep = AttributeNames.value(f.properties, departementNames).flatMap(Departement.normalized) ?? Departement.of(commune: code)
            else {
                throw PerimeterFileError.badFeature(
                    path: path, feature: f.number, code: code, reason: "département de la commune \(code) indéterminable")
            }
            var g: Geometry
            do { g = try Geometry.multiPolygon(f.polygons, context: geos) } catch let e as GeometryError {
                throw PerimeterFileError.badFeature(path: path, feature: f.number, code: code, reason: e.description)
            }
            if try !g.isValid {
                guard let fixed = try g.makeValid().polygonalPart() else {
                    throw PerimeterFileError.badFeature(path: path, feature: f.number, code: code, reason: "polygone invalide et irréparable")
                }
                g = fixed
                repaired += 1
            }
            let wgs = file.crs == .wgs84 ? g : try transformer(.wgs84).transform(g)
            let centre = wgs.envelope.center
            guard FrenchTerritory.of(lon: centre.x, lat: centre.y) != .unknown else {
                throw PerimeterFileError.badFeature(
                    path: path, feature: f.number, code: code, reason: "commune hors de France (vérifiez le système de coordonnées, --crs)")
            }
            let k = communes.count
            communes.append(Commune(code: code, geometry: g, metric: CRS.metricCRS(lon: centre.x, lat: centre.y)))
            byDepartement[dep, default: []].append(k)
            if let siren = epciSiren ?? AttributeNames.value(f.properties, epciNames), siren.count == 9, siren.allSatisfy(\.isNumber) {
                byEPCI[siren, default: []].append(k)
            }
        }
        if repaired > 0 { warnings.append("\(repaired) contour(s) de commune invalide(s) réparé(s) (MakeValid)") }

        var zones: [AdminZone] = []
        var blob: [UInt8] = []
        var metricRings: [Int: [(zone: Int, rings: [PolygonRings])]] = [:]
        func addZone(_ kind: AdminZone.Kind, _ code: String, _ name: String, _ members: [Int]) throws {
            let metric = communes[members[0]].metric
            let parts = try members.map { try transformer(metric).transform(communes[$0].geometry) }
            var union = parts.count == 1 ? parts[0] : try Geometry.collection(parts, context: geos).unaryUnion()
            if union.kind != .multiPolygon, let mp = try union.polygonalPart() { union = mp }
            let wgs = try CoordinateTransformer(from: metric, to: .wgs84, context: proj).transform(union)
            let w = try union.wkb()
            zones.append(
                AdminZone(
                    kind: kind, code: code, name: name, members: members.map { communes[$0].code }.sorted(), metricCRS: metric.epsg,
                    envelopeWGS84: wgs.envelope, geometry: BlobRef(offset: blob.count, length: w.count)))
            blob.append(contentsOf: w)
            metricRings[metric.epsg, default: []].append((zones.count - 1, try union.polygons()))
        }
        for dep in byDepartement.keys.sorted() { try addZone(.departement, dep, "département \(dep)", byDepartement[dep]!) }
        for siren in byEPCI.keys.sorted() {
            try addZone(.epci, siren, siren == epciSiren ? (epciName ?? "EPCI \(siren)") : "EPCI \(siren)", byEPCI[siren]!)
        }
        let source = PackSource(
            fileName: file.fileName, sha256: file.sha256, byteCount: file.byteCount, format: file.format, crs: file.crs.epsg,
            featureCount: file.features.count, layer: file.layer)
        let manifest = AdminAreasManifest(
            formatVersion: AdminAreasManifest.currentFormat, id: "communes-\(file.sha256.prefix(12))", source: source,
            importedAt: ISO8601DateFormatter().string(from: importedAt), communeCount: communes.count, zones: zones, warnings: warnings)
        let json = try JSONEncoder().encode(manifest)
        var section = BinaryWriter(origin: 16 + json.count)  // after magic, version, header length and header
        section.write(UInt32(metricRings.count))
        for crs in metricRings.keys.sorted() {
            let group = metricRings[crs]!
            section.write(UInt32(crs))
            section.write(array: group.map { Int32($0.zone) })
            BoundaryIndex(owners: group.map(\.rings), candidateGridCells: nil).serialize(into: &section)
        }
        var out = magic
        withUnsafeBytes(of: UInt32(AdminAreasManifest.currentFormat).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        out.append(contentsOf: section.bytes)
        out.append(contentsOf: blob)
        return (manifest, ContentChecksum.sealed(out))
    }

    // MARK: Store

    /// `<data-dir>/communes`.
    public static func folder(_ dataDirectory: DataDirectory) -> URL { dataDirectory.url.appendingPathComponent("communes") }

    /// Installs a compiled areas file atomically (`OutputFile`: temporary file in the folder, fsync, rename);
    /// a file of the same source is replaced.
    public static func install(_ compiled: (manifest: AdminAreasManifest, bytes: [UInt8]), dataDirectory: DataDirectory) throws -> String {
        let dir = folder(dataDirectory)
        try dataDirectory.ensure(dir)
        let path = dir.appendingPathComponent("\(compiled.manifest.id).\(fileExtension)").path
        do {
            try OutputFile.write(path: path, bytes: compiled.bytes)
        } catch {
            throw PackError.corrupt(path: path, reason: "écriture impossible : \(error)")
        }
        return path
    }

    /// Removes the installed areas file `id` (and its verification note) without opening it, so that a
    /// damaged one can be removed; returns its path, nil when there is none.
    public static func remove(id: String, dataDirectory: DataDirectory) throws -> String? {
        guard !id.contains("/"), !id.isEmpty else { return nil }
        let path = folder(dataDirectory).appendingPathComponent("\(id).\(fileExtension)").path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        try FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: VerifiedFileCache.cachePath(path))
        return path
    }

    /// Every installed areas file.
    public static func openAll(_ dataDirectory: DataDirectory) throws -> [AdminAreas] {
        let dir = folder(dataDirectory)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix("." + fileExtension) }.sorted()
        return try files.map { try AdminAreas(path: dir.appendingPathComponent($0).path) }
    }
}

/// Transformers from one CRS, made once per target CRS (one PROJ context: one thread).
final class TransformerCache {
    let from: CRS
    let context: ProjContext
    private var made: [Int: CoordinateTransformer] = [:]

    init(from: CRS, context: ProjContext) {
        self.from = from
        self.context = context
    }

    func to(_ target: CRS) throws -> CoordinateTransformer {
        if let t = made[target.epsg] { return t }
        let t = try CoordinateTransformer(from: from, to: target, context: context)
        made[target.epsg] = t
        return t
    }
}

/// Per-thread lookups in the installed areas (GEOS prepared geometries and PROJ transformers are cached).
final class AreaLookup {
    let areas: [AdminAreas]
    let geos: GeosContext
    let transformer: (CRS) throws -> CoordinateTransformer
    private var prepared: [Int: [Int: PreparedGeometry]] = [:]

    init(areas: [AdminAreas], geos: GeosContext, transformer: @escaping (CRS) throws -> CoordinateTransformer) {
        self.areas = areas
        self.geos = geos
        self.transformer = transformer
    }

    /// (file, zone) pairs of `kind` (and `code` when given) whose WGS84 envelope, widened by the margin, holds the point.
    private func candidates(_ kind: AdminZone.Kind, code: String?, lon: Double, lat: Double) -> [(Int, Int)] {
        let dLat = AdminAreas.margin / 111_000 * 1.5
        let dLon = dLat / max(cos(lat * .pi / 180), 0.1)
        var out: [(Int, Int)] = []
        for (f, a) in areas.enumerated() {
            for (z, zone) in a.manifest.zones.enumerated() where zone.kind == kind && (code == nil || zone.code == code) {
                let e = zone.envelopeWGS84
                if lon >= e.minX - dLon && lon <= e.maxX + dLon && lat >= e.minY - dLat && lat <= e.maxY + dLat { out.append((f, z)) }
            }
        }
        return out
    }

    private func place(_ f: Int, _ z: Int, lon: Double, lat: Double) throws -> ZonePlacement {
        let a = areas[f]
        let zone = a.manifest.zones[z]
        let (x, y) = try transformer(CRS(epsg: zone.metricCRS)).transform(x: lon, y: lat)
        let p: PreparedGeometry
        if let cached = prepared[f]?[z] {
            p = cached
        } else {
            p = try a.withWKB(zone.geometry) { try Geometry(wkb: $0, context: geos) }.prepared()
            prepared[f, default: [:]][z] = p
        }
        if a.distanceToOutline(zone: z, x: x, y: y) < AdminAreas.margin { return .ambiguous }
        return try p.contains(x: x, y: y) ? .inside : .outside
    }

    /// The département of a point: `.known(code)`, `.ambiguous` (near a border or the data's edge), or nil
    /// when no installed commune data is near the point.
    enum DepartementAnswer: Equatable {
        case known(String)
        case ambiguous
    }

    func departement(lon: Double, lat: Double) throws -> DepartementAnswer? {
        var found: Set<String> = []
        var near = false
        for (f, z) in candidates(.departement, code: nil, lon: lon, lat: lat) {
            switch try place(f, z, lon: lon, lat: lat) {
            case .inside: found.insert(areas[f].manifest.zones[z].code)
            case .ambiguous: near = true
            case .outside: break
            }
        }
        if found.count == 1 { return .known(found.first!) }
        if found.count > 1 || near { return .ambiguous }
        return nil
    }

    /// Whether a point is in EPCI `siren`, from installed EPCI zones; nil when none is installed for it.
    func epci(_ siren: String, lon: Double, lat: Double) throws -> ZonePlacement? {
        let zones = areas.indices.flatMap { f in
            areas[f].manifest.zones.indices.filter { areas[f].manifest.zones[$0].kind == .epci && areas[f].manifest.zones[$0].code == siren }.map {
                (f, $0)
            }
        }
        guard !zones.isEmpty else { return nil }
        var any: ZonePlacement = .outside
        for (f, z) in candidates(.epci, code: siren, lon: lon, lat: lat) {
            switch try place(f, z, lon: lon, lat: lat) {
            case .inside: return .inside
            case .ambiguous: any = .ambiguous
            case .outside: break
            }
        }
        return any
    }

    /// Whether a commune (INSEE code) belongs to EPCI `siren`, from installed EPCI zones; nil when unknown.
    func epci(_ siren: String, commune: String) -> Bool? {
        var known = false
        for a in areas {
            for zone in a.manifest.zones where zone.kind == .epci && zone.code == siren {
                known = true
                if zone.members.contains(commune) { return true }
            }
        }
        return known ? false : nil
    }
}
