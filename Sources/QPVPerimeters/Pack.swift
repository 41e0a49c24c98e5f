// The compiled perimeter pack (`.qpvpack`): `PerimeterPack` (opened by mapping the file, checksum first) and
// what it records — `PackManifest`, `PerimeterSetInfo`, `PerimeterRecord`, `PackSource`, `BlobRef`.
// Building a pack from a source file is `PackCompiler`'s job; installing it, `PackStore`'s.

import Foundation
import QPVCore
import QPVGeometry
import QPVTabular

/// Metadata of a perimeter set (the perimeters of one list, or one EPCI's QIC) inside a pack.
public struct PerimeterSetInfo: Codable, Sendable, Equatable {
    /// Registry id (`qpv-2015-hexagone`) for official lists; nil for QIC and ad-hoc sets.
    public var listId: String?
    /// QPV or QIC.
    public var kind: PerimeterKind
    /// The list's year.
    public var vintage: String
    /// The territory the set answers for.
    public var territory: ListTerritory
    /// The set's French label.
    public var label: String
    /// First day in force, nil when unknown.
    public var validFrom: CivilDate?
    /// Last day in force, nil while in force.
    public var validTo: CivilDate?
    /// The decree or deliberation that defines it.
    public var legalBasis: String
    /// Why verdicts relying on this set must say "à vérifier" (uncertain registry fact, unknown dates…).
    public var uncertain: String?
    /// True for the fictional demonstration set.
    public var isDemo: Bool
    /// WGS84 area the set answers for; required for the demo set (a point outside is not in its territory).
    public var coverage: Envelope?
    /// QIC: name of the intercommunalité.
    public var epciName: String?
    /// Number of perimeters in the set.
    public var perimeterCount: Int
    /// QPV sets: the départements the set answers for (`Coverage.swift`); nil in packs imported before it
    /// (then the départements of its perimeters, presumed). Optional JSON key: older packs still open.
    public var departementCoverage: DepartementCoverage? = nil

    enum CodingKeys: String, CodingKey {
        case listId = "list_id"
        case kind, vintage, territory, label
        case validFrom = "valid_from"
        case validTo = "valid_to"
        case legalBasis = "legal_basis"
        case uncertain
        case isDemo = "demo"
        case coverage
        case epciName = "epci_name"
        case perimeterCount = "perimeter_count"
        case departementCoverage = "departement_coverage"
    }

    /// True when `date` is within the set's validity.
    public func isInForce(on date: CivilDate) -> Bool {
        (validFrom.map { date >= $0 } ?? true) && (validTo.map { date <= $0 } ?? true)
    }

    /// Whether the validity periods of two sets share at least one day.
    public func overlaps(_ other: PerimeterSetInfo) -> Bool {
        let aStart = validFrom?.dayNumber ?? Int.min
        let aEnd = validTo?.dayNumber ?? Int.max
        let bStart = other.validFrom?.dayNumber ?? Int.min
        let bEnd = other.validTo?.dayNumber ?? Int.max
        return aStart <= bEnd && bStart <= aEnd
    }

    /// The validity in French ("du 1er janvier 2024 au …").
    public var periodFrench: String {
        switch (validFrom, validTo) {
        case (let f?, let t?): return "du \(f.french) au \(t.french)"
        case (let f?, nil): return "depuis le \(f.french)"
        case (nil, let t?): return "jusqu'au \(t.french)"
        case (nil, nil): return "dates de validité non renseignées"
        }
    }
}

/// A commune a perimeter touches.
public struct CommuneRef: Codable, Sendable, Hashable {
    /// INSEE code of the commune.
    public var insee: String
    /// Its name.
    public var name: String

    /// A commune from its code and name.
    public init(insee: String, name: String) {
        self.insee = insee
        self.name = name
    }
}

/// A byte range inside a pack's geometry section.
public struct BlobRef: Codable, Sendable, Equatable {
    /// First byte.
    public var offset: Int
    /// Number of bytes.
    public var length: Int
}

/// One perimeter as recorded in a pack.
public struct PerimeterRecord: Codable, Sendable {
    /// The perimeter's code.
    public var code: String
    /// Its name.
    public var name: String
    /// Index into the pack's `sets`.
    public var set: Int
    /// The communes it touches.
    public var communes: [CommuneRef]
    /// Its département code, when known.
    public var departement: String?
    /// SIREN of its intercommunalité, when known.
    public var epciSiren: String?
    /// Name of its intercommunalité, when known.
    public var epciName: String?
    /// Area in m², computed in the metric CRS.
    public var areaM2: Double
    /// Number of vertices of its outline.
    public var vertexCount: Int
    /// How many source features were merged into this perimeter (one per QPV × commune in the 2024 file).
    public var featureCount: Int
    /// GEOS validity messages of source features that had to be repaired.
    public var repairs: [String]
    /// EPSG code of the metric CRS its area and distances are computed in.
    public var metricCRS: Int
    /// Its envelope in WGS84.
    public var envelopeWGS84: Envelope
    /// Envelope in the pack's containment CRS.
    public var envelope: Envelope
    /// Geometry in the containment CRS (where GEOS decides point-in-polygon).
    public var geometry: BlobRef
    /// Geometry in the metric CRS (distances, areas).
    public var metricGeometry: BlobRef
    /// Geometry in WGS84 (lon/lat), for maps and exports.
    public var wgs84Geometry: BlobRef

    enum CodingKeys: String, CodingKey {
        case code, name, set, communes, departement
        case epciSiren = "epci_siren"
        case epciName = "epci_name"
        case areaM2 = "area_m2"
        case vertexCount = "vertex_count"
        case featureCount = "feature_count"
        case repairs
        case metricCRS = "metric_crs"
        case envelopeWGS84 = "envelope_wgs84"
        case envelope
        case geometry
        case metricGeometry = "metric_geometry"
        case wgs84Geometry = "wgs84_geometry"
    }
}

extension PerimeterRecord {
    func write(to w: inout BinaryWriter) {
        w.write(code)
        w.write(name)
        w.write(UInt32(set))
        w.write(UInt32(communes.count))
        for c in communes {
            w.write(c.insee)
            w.write(c.name)
        }
        w.write(departement)
        w.write(epciSiren)
        w.write(epciName)
        w.write(areaM2)
        w.write(UInt64(vertexCount))
        w.write(UInt32(featureCount))
        w.write(UInt32(repairs.count))
        for r in repairs { w.write(r) }
        w.write(UInt32(metricCRS))
        for e in [envelopeWGS84, envelope] {
            w.write(e.minX)
            w.write(e.minY)
            w.write(e.maxX)
            w.write(e.maxY)
        }
        for b in [geometry, metricGeometry, wgs84Geometry] {
            w.write(UInt64(b.offset))
            w.write(UInt64(b.length))
        }
    }

    init(reader r: inout BinaryReader) throws {
        code = try r.readString()
        name = try r.readString()
        set = Int(try r.read(UInt32.self))
        let nc = try r.readCount32(unit: 8)  // two strings of at least their 4-byte length each
        guard nc < 100_000 else { throw BinaryReader.Corrupt(offset: r.offset) }
        communes = try (0..<nc).map { _ in CommuneRef(insee: try r.readString(), name: try r.readString()) }
        departement = try r.readOptionalString()
        epciSiren = try r.readOptionalString()
        epciName = try r.readOptionalString()
        areaM2 = try r.readDouble()
        vertexCount = Int(truncatingIfNeeded: try r.read(UInt64.self))
        guard vertexCount >= 0 else { throw BinaryReader.Corrupt(offset: r.offset) }
        featureCount = Int(try r.read(UInt32.self))
        let nr = try r.readCount32(unit: 4)
        guard nr < 1_000_000 else { throw BinaryReader.Corrupt(offset: r.offset) }
        repairs = try (0..<nr).map { _ in try r.readString() }
        metricCRS = Int(try r.read(UInt32.self))
        // Fields read one by one, no temporary arrays (opening the national pack reads 1,575 records).
        func readEnvelope() throws -> Envelope {
            let at = r.offset
            let e = Envelope(minX: try r.readDouble(), minY: try r.readDouble(), maxX: try r.readDouble(), maxY: try r.readDouble())
            guard e.isWellFormed else { throw BinaryReader.Corrupt(offset: at) }
            return e
        }
        envelopeWGS84 = try readEnvelope()
        envelope = try readEnvelope()
        func readBlob() throws -> BlobRef {
            // Checked against the geometry section when the pack is opened; here only made representable.
            let offset = try r.read(UInt64.self)
            let length = try r.read(UInt64.self)
            guard offset <= UInt64(Int.max / 2), length <= UInt64(Int.max / 2) else { throw BinaryReader.Corrupt(offset: r.offset) }
            return BlobRef(offset: Int(offset), length: Int(length))
        }
        geometry = try readBlob()
        metricGeometry = try readBlob()
        wgs84Geometry = try readBlob()
    }
}

/// Where a pack's perimeters came from.
public struct PackSource: Codable, Sendable, Equatable {
    /// The source file's name.
    public var fileName: String
    /// SHA-256 of the source file.
    public var sha256: String
    /// Its size in bytes.
    public var byteCount: Int
    /// "geojson", "gpkg" or "shapefile".
    public var format: String
    /// EPSG code of the file's CRS.
    public var crs: Int
    /// Number of features read.
    public var featureCount: Int
    /// GeoPackage layer read, nil otherwise.
    public var layer: String?
    /// Publication date of this release of the list (data.gouv.fr metadata, `--release-date`, or the date of
    /// the files in the archive); nil when unknown. Optional in the header: older packs read as unknown.
    public var releaseDate: CivilDate?
    /// Where `releaseDate` comes from, in French ("option --release-date", "date des fichiers de l'archive").
    public var releaseOrigin: String?
    /// The ZIP archive the file was read from, and the member's path inside it.
    public var archive: String?
    /// Path of the file inside `archive`.
    public var member: String?

    enum CodingKeys: String, CodingKey {
        case fileName = "file_name"
        case sha256
        case byteCount = "byte_count"
        case format, crs
        case featureCount = "feature_count"
        case layer
        case releaseDate = "release_date"
        case releaseOrigin = "release_origin"
        case archive, member
    }

    /// "publication du 15 janvier 2026" or "date de publication inconnue".
    public var releaseFrench: String {
        releaseDate.map { "publication du \($0.french)" } ?? "date de publication inconnue"
    }
}

/// Everything in a pack but the geometry bytes.
public struct PackManifest: Codable, Sendable {
    /// 5: checksum trailer (issue 16). 6: each boundary index's region memory at a file offset that is a multiple
    /// of 8 (zero padding before it), read in place from the mapped file (issue 17).
    public static let currentFormat = 6

    /// Format of this pack.
    public var formatVersion: Int
    /// Identifier of the pack (`qpv data list`, `qpv data remove`).
    public var packId: String
    /// QPV or QIC.
    public var kind: PerimeterKind
    /// The list's year.
    public var vintage: String
    /// When the pack was built (ISO 8601).
    public var importedAt: String
    /// Version of qpv that built it.
    public var qpvVersion: String
    /// The file the perimeters came from.
    public var source: PackSource
    /// CRS of `geometry` blobs (the source file's CRS: containment is decided on the original coordinates).
    public var containmentCRS: Int
    /// The perimeter sets of the pack.
    public var sets: [PerimeterSetInfo]
    /// Stored in the pack's binary record section, not in the JSON header.
    public var perimeters: [PerimeterRecord] = []
    /// Source features repaired with MakeValid.
    public var repairedFeatureCount: Int
    /// What the import warned about, in French.
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case packId = "pack_id"
        case kind, vintage
        case importedAt = "imported_at"
        case qpvVersion = "qpv_version"
        case source
        case containmentCRS = "containment_crs"
        case sets
        case repairedFeatureCount = "repaired_feature_count"
        case warnings
    }
}

/// Errors about packs and the data directory.
public enum PackError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// The file at `path` is not a qpv pack.
    case notAPack(path: String)
    /// The pack's format `version` is not readable by this build.
    case unsupportedFormat(path: String, version: Int)
    /// The pack is damaged (checksum, truncated file…).
    case corrupt(path: String, reason: String)
    /// The new pack covers the same list part as an installed one.
    case overlap(new: String, existing: String, detail: String)
    /// No pack is installed in the data directory.
    case noPackInstalled(dataDirectory: String)

    /// The error in French, for messages.
    public var description: String {
        switch self {
        case .notAPack(let path): return "\(path) : ce n'est pas un paquet qpv (signature absente)"
        case .unsupportedFormat(let path, let version):
            return "\(path) : format de paquet \(version) non pris en charge par cette version de qpv ; réimportez le fichier source"
        case .corrupt(let path, let reason): return "\(path) : paquet endommagé (\(reason)) ; réimportez le fichier source"
        case .overlap(let new, let existing, let detail):
            return
                "le paquet « \(new) » chevauche le paquet installé « \(existing) » : \(detail). Supprimez l'un des deux (qpv data remove) ou précisez --valid-from / --valid-to"
        case .noPackInstalled(let dir): return "aucun périmètre installé dans \(dir)"
        }
    }

    public var errorDescription: String? { description }
}

extension PackError {
    /// The file at `path` mapped read-only (perimeter packs, areas files); a failure is `corrupt`, naming it.
    static func mapping(_ path: String) throws -> StableBytes {
        do { return try StableBytes(mapping: path) } catch { throw PackError.corrupt(path: path, reason: "lecture impossible (\(error.reason))") }
    }
}

/// A compiled perimeter pack: one file `<pack_id>.qpvpack`, little-endian:
///
///     "QPVPACK\0" · u32 format version · u32 header length · header JSON (sets, source, warnings)
///     · u64 length · perimeter records (binary, `PerimeterRecord.write`)
///     · u64 length · boundary indexes (per set and metric CRS: members and a serialised `BoundaryIndex`, whose
///       region memory starts at a file offset that is a multiple of 8)
///     · geometry section (WKB blobs: containment CRS, metric CRS, WGS84 for each perimeter)
///     · u64 `ContentChecksum` of every byte before it (format 5): a damaged pack is refused at open, naming
///       the file and saying to re-import it
///
/// Opening a pack maps the file, decodes the small JSON header and the binary records, and reads in place the
/// precomputed boundary indexes: no GeoJSON, no geometry parsing, no index building at query time.
public final class PerimeterPack: @unchecked Sendable {
    /// Extension of pack files in the data directory.
    public static let fileExtension = "qpvpack"
    static let magic: [UInt8] = Array("QPVPACK".utf8) + [0]

    /// The pack's header.
    public let manifest: PackManifest
    /// The pack's path.
    public let path: String
    /// Precomputed boundary indexes: (set index in the pack, metric CRS, local perimeter indices, index).
    let boundaryIndexes: [(set: Int, metricCRS: Int, members: [Int32], index: BoundaryIndex)]
    /// The pack's bytes: the file mapped read-only, or a copy in memory. The boundary indexes read their
    /// region memory in place there.
    private let bytes: StableBytes
    private let geometryOffset: Int

    /// Opens a pack file (memory-mapped: opening copies nothing big, a query reads the pages it needs).
    public convenience init(path: String) throws {
        try self.init(bytes: try PackError.mapping(path), path: path, rememberVerification: true)
    }

    /// Reads a pack from a copy of `data`; `path` names it in messages (see `init(bytes:path:rememberVerification:)`).
    public convenience init(data: Data, path: String) throws {
        try self.init(bytes: StableBytes(copying: data), path: path, rememberVerification: false)
    }

    /// Reads a pack from its bytes; `path` names it in messages. The checksum trailer is verified first, then
    /// the structure of the boundary indexes (no read out of bounds, whatever the bytes) — for a pack file
    /// opened by path, both once per file identity (`VerifiedFileCache`: the `.verified` note beside it, written
    /// once both passed; any change to the file, which changes its change time, makes it verified again).
    init(bytes: StableBytes, path: String, rememberVerification: Bool) throws {
        let data = bytes.raw
        guard data.count >= 16, Array(data.prefix(8)) == PerimeterPack.magic else { throw PackError.notAPack(path: path) }
        let version = Int(data.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian)
        guard version == PackManifest.currentFormat else { throw PackError.unsupportedFormat(path: path, version: version) }
        guard data.count >= 32 else { throw PackError.corrupt(path: path, reason: "fichier tronqué") }
        // Everything after this point reads only `body` (the bytes the checksum covers).
        let body = data.count - 8
        let trailer = ContentChecksum.checkTrailer(data, path: rememberVerification ? path : nil)
        guard trailer != .damaged else { throw PackError.corrupt(path: path, reason: ContentChecksum.mismatchReason) }
        let checkStructure = trailer != .verifiedBefore
        let length = Int(data.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian)
        guard length <= body - 16 else { throw PackError.corrupt(path: path, reason: "en-tête tronqué") }
        var manifest: PackManifest
        do {
            manifest = try JSONDecoder().decode(PackManifest.self, from: Data(data[16..<(16 + length)]))
        } catch {
            throw PackError.corrupt(path: path, reason: "en-tête illisible : \(error)")
        }
        var indexes: [(Int, Int, [Int32], BoundaryIndex)] = []
        var offset = 16 + length
        do {
            var r = BinaryReader(UnsafeRawBufferPointer(rebasing: data[0..<body]), offset: offset)
            let recordsLength = try r.readCount()
            let recordsEnd = r.offset + recordsLength
            let n = try r.readCount32(unit: 100)  // a record takes more than 100 bytes
            manifest.perimeters.reserveCapacity(n)
            for _ in 0..<n {
                let record = try PerimeterRecord(reader: &r)
                // The catalog indexes its sets with this number.
                guard record.set < manifest.sets.count else { throw BinaryReader.Corrupt(offset: r.offset) }
                manifest.perimeters.append(record)
            }
            guard r.offset == recordsEnd else { throw BinaryReader.Corrupt(offset: r.offset) }
            let boundaryLength = try r.readCount()
            let boundaryEnd = r.offset + boundaryLength
            let m = try r.readCount32(unit: 8)
            for _ in 0..<m {
                let set = Int(try r.read(UInt32.self))
                let crs = Int(try r.read(UInt32.self))
                let members = try r.readArray(of: Int32.self)
                let index = try BoundaryIndex(reader: &r, checkingStructure: checkStructure, owner: bytes)
                guard set < manifest.sets.count, members.allSatisfy({ $0 >= 0 && Int($0) < n }), index.polygonCount == members.count else {
                    throw BinaryReader.Corrupt(offset: r.offset)
                }
                indexes.append((set, crs, members, index))
            }
            guard r.offset == boundaryEnd else { throw BinaryReader.Corrupt(offset: r.offset) }
            offset = r.offset
        } catch {
            throw PackError.corrupt(path: path, reason: "\(error)")
        }
        self.manifest = manifest
        self.boundaryIndexes = indexes.map { (set: $0.0, metricCRS: $0.1, members: $0.2, index: $0.3) }
        self.bytes = bytes
        self.path = path
        self.geometryOffset = offset
        for p in manifest.perimeters {
            // Offsets and lengths are below Int.max / 2 (record reader): the sum cannot overflow.
            for b in [p.geometry, p.metricGeometry, p.wgs84Geometry] where b.offset < 0 || b.length < 0 || b.offset + b.length > body - geometryOffset
            {
                throw PackError.corrupt(path: path, reason: "géométrie de \(p.code) hors du fichier")
            }
        }
        if rememberVerification && trailer == .verifiedNow { VerifiedFileCache.remember(path: path, digest: ContentChecksum.storedDigest(data)) }
    }

    /// A pack held in memory (the demonstration pack, a `--perimeters` file compiled on the fly).
    public convenience init(manifest: PackManifest, geometry: [UInt8], path: String) throws {
        try self.init(
            bytes: StableBytes(copying: PerimeterPack.encode(manifest: manifest, geometry: geometry)), path: path, rememberVerification: false)
    }

    /// Whether every boundary index reads its region memory in place in the pack's bytes (no copy made).
    public var readsBoundariesInPlace: Bool { boundaryIndexes.allSatisfy { $0.index.readsInPlace } }

    /// Calls `body` with the WKB bytes of a blob (no copy).
    public func withWKB<T>(_ blob: BlobRef, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(rebasing: bytes.raw[(geometryOffset + blob.offset)..<(geometryOffset + blob.offset + blob.length)]))
    }

    /// The whole pack file's bytes: header, records, boundary indexes (built here from the metric WKB), geometry.
    static func encode(manifest: PackManifest, geometry: [UInt8]) throws -> [UInt8] {
        let json = try JSONEncoder().encode(manifest)
        var out = magic
        withUnsafeBytes(of: UInt32(PackManifest.currentFormat).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        var records = BinaryWriter()
        records.write(UInt32(manifest.perimeters.count))
        for p in manifest.perimeters { p.write(to: &records) }
        withUnsafeBytes(of: UInt64(records.bytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: records.bytes)
        // Boundary indexes per (set, metric CRS), from the metric geometries.
        let geos = try GeosContext()
        var groups: [String: (set: Int, crs: Int, members: [Int32])] = [:]
        var order: [String] = []
        for (i, p) in manifest.perimeters.enumerated() {
            let key = "\(p.set)|\(p.metricCRS)"
            if groups[key] == nil {
                groups[key] = (p.set, p.metricCRS, [])
                order.append(key)
            }
            groups[key]!.members.append(Int32(i))
        }
        var boundary = BinaryWriter(origin: out.count + 8)  // after the section's u64 length
        boundary.write(UInt32(order.count))
        for key in order {
            let g = groups[key]!
            let rings: [[PolygonRings]] = try g.members.map { i in
                let blob = manifest.perimeters[Int(i)].metricGeometry
                let wkb = Array(geometry[blob.offset..<(blob.offset + blob.length)])
                return try Geometry(wkb: wkb, context: geos).polygons()
            }
            boundary.write(UInt32(g.set))
            boundary.write(UInt32(g.crs))
            boundary.write(array: g.members)
            BoundaryIndex(owners: rings).serialize(into: &boundary)
        }
        withUnsafeBytes(of: UInt64(boundary.bytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: boundary.bytes)
        out.append(contentsOf: geometry)
        return ContentChecksum.sealed(out)
    }

    /// Writes a pack file atomically (`OutputFile`: temporary file in the folder, fsync, rename).
    public static func write(manifest: PackManifest, geometry: [UInt8], to path: String) throws {
        let bytes = try encode(manifest: manifest, geometry: geometry)
        do {
            try OutputFile.write(path: path, bytes: bytes)
        } catch {
            throw PackError.corrupt(path: path, reason: "écriture impossible : \(error)")
        }
    }
}
