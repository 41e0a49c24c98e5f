// `PerimeterArchive`: a ZIP of official perimeter files as ANCT publishes them — members sorted into perimeter
// files (with shapefile sidecars) and skipped ones, selection, extraction and reading of one member.

import Foundation
import QPVCore
import QPVGeometry
import QPVTabular

/// A ZIP archive of official perimeter files as ANCT publishes them on data.gouv.fr
/// (`GEOJSON/QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson`; `SHP/QP2024_France_hexagonale_LB93.shp` with its
/// `.dbf/.shx/.prj` plus one shapefile per overseas territory in its local projection,
/// `QP2024_Guadeloupe_RGAF09_UTM20N.shp`…): which members are perimeter files, which are not (said), each
/// member extracted to a temporary folder and read as the file it is.
public struct PerimeterArchive {
    /// A perimeter file inside the archive, with the files that go with it (shapefile sidecars).
    public struct Member: Sendable {
        /// Path inside the archive of the main file (`SHP/QP2024_Guyane_RGF95_UTM22N.shp`).
        public var name: String
        /// "geojson", "gpkg" or "shapefile".
        public var format: String
        /// Sidecar members (`.dbf`, `.shx`, `.prj`, `.cpg`) by extension, lower case.
        public var sidecars: [String: String]
        /// The CRS the member's name gives (`_LB93`, `_RGAF09_UTM20N`…), used when the file declares none.
        public var nameCRS: CRS?
        /// The latest modification day of the member and its sidecars (the files' date in the archive).
        public var modified: CivilDate?
    }

    /// The archive's path.
    public let path: String
    /// The opened ZIP archive.
    public let zip: ZipArchive
    /// Perimeter files found, in archive order.
    public let members: [Member]
    /// Members that are not perimeter files, with the reason (in French).
    public let skipped: [(name: String, reason: String)]

    /// The archive's file name.
    public var fileName: String { URL(fileURLWithPath: path).lastPathComponent }

    static let perimeterExtensions = ["geojson": "geojson", "json": "geojson", "gpkg": "gpkg", "shp": "shapefile"]
    static let sidecarExtensions = ["dbf", "shx", "prj", "cpg", "sbn", "sbx", "qix", "fix", "xml", "qmd", "shp.xml"]

    /// Opens the archive and sorts its members.
    public init(path: String) throws {
        self.path = path
        zip = try ZipArchive(path: path)
        func ext(_ name: String) -> String {
            let lower = name.lowercased()
            if lower.hasSuffix(".shp.xml") { return "shp.xml" }
            return (lower as NSString).pathExtension
        }
        func stem(_ name: String) -> String {
            let e = ext(name)
            return e.isEmpty ? name.lowercased() : String(name.lowercased().dropLast(e.count + 1))
        }
        let files = zip.entries.filter { !$0.isDirectory }
        var byStem: [String: [ZipEntry]] = [:]
        for e in files { byStem[stem(e.name), default: []].append(e) }
        var members: [Member] = []
        var skipped: [(String, String)] = []
        var claimed = Set<String>()
        for e in files {
            let x = ext(e.name)
            if e.name.hasPrefix("__MACOSX/") || e.baseName.hasPrefix("._") {
                skipped.append((e.name, "métadonnées macOS"))
                claimed.insert(e.name)
                continue
            }
            guard let format = PerimeterArchive.perimeterExtensions[x] else { continue }
            var sidecars: [String: String] = [:]
            var modified = e.modified
            if format == "shapefile" {
                for s in byStem[stem(e.name)] ?? [] where s.name != e.name {
                    let sx = ext(s.name)
                    guard PerimeterArchive.sidecarExtensions.contains(sx) else { continue }
                    sidecars[sx] = s.name
                    claimed.insert(s.name)
                    if let d = s.modified, modified.map({ d > $0 }) ?? true { modified = d }
                }
                if sidecars["dbf"] == nil {
                    skipped.append((e.name, "shapefile sans son fichier d'attributs .dbf dans l'archive"))
                    claimed.insert(e.name)
                    continue
                }
            }
            claimed.insert(e.name)
            members.append(Member(name: e.name, format: format, sidecars: sidecars, nameCRS: CRS.officialHint(in: e.baseName), modified: modified))
        }
        for e in files where !claimed.contains(e.name) {
            let x = ext(e.name)
            if PerimeterArchive.sidecarExtensions.contains(x) {
                skipped.append((e.name, "fichier annexe de shapefile sans .shp correspondant"))
            } else {
                skipped.append((e.name, "pas un fichier de périmètres" + (x.isEmpty ? "" : " (.\(x))")))
            }
        }
        self.members = members
        self.skipped = skipped
    }

    /// The members to import: all of them, or the one `name` designates (its path in the archive, its file
    /// name, or its file name without extension, case-insensitive).
    public func select(_ name: String?) throws -> [Member] {
        guard let name else {
            guard !members.isEmpty else {
                let list = zip.entries.filter { !$0.isDirectory }.prefix(12).map(\.name).joined(separator: ", ")
                throw PerimeterFileError.malformed(
                    path: path,
                    reason: "aucun fichier de périmètres (GeoJSON, GeoPackage, Shapefile) dans l'archive ; membres : \(list.isEmpty ? "aucun" : list)"
                )
            }
            return members
        }
        let wanted = name.lowercased()
        let found = members.filter { m in
            let base = (m.name as NSString).lastPathComponent.lowercased()
            return m.name.lowercased() == wanted || base == wanted || (base as NSString).deletingPathExtension == wanted
        }
        guard !found.isEmpty else {
            throw PerimeterFileError.malformed(
                path: path,
                reason: "membre « \(name) » introuvable ; fichiers de périmètres de l'archive : \(members.map(\.name).joined(separator: ", "))")
        }
        return found
    }

    /// Extracts a member (and its sidecars) into `folder`; returns the main file's path there.
    public func extract(_ member: Member, into folder: URL) throws -> String {
        let dir = folder.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let base = (member.name as NSString).lastPathComponent
        let stem = (base as NSString).deletingPathExtension
        guard let main = zip.entry(named: member.name) else {
            throw ZipArchiveError.badMember(archive: path, member: member.name, reason: "absent du répertoire central")
        }
        let mainPath = dir.appendingPathComponent(base).path
        try zip.extract(main, to: mainPath)
        for (x, name) in member.sidecars {
            guard let e = zip.entry(named: name) else { continue }
            try zip.extract(e, to: dir.appendingPathComponent(stem + "." + x).path)
        }
        return mainPath
    }

    /// Reads a member as a perimeter file. The CRS is the one the file declares (`.prj`, GeoJSON `crs`,
    /// GeoPackage `srs_id`), else the one its name gives, else `crs` when given (which also overrides both).
    /// Messages name the archive and the member, not the temporary copy.
    public func read(
        _ member: Member, crs: CRS? = nil, layer: String? = nil, codeColumn: String? = nil, nameColumn: String? = nil, context: GeosContext
    ) throws -> (
        file: SourceFile, warnings: [String]
    ) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qpv-archive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let extracted = try extract(member, into: scratch)
        let label = "\(fileName) → \(member.name)"
        var file: SourceFile
        do {
            file = try PerimeterFileReader.read(
                path: extracted, crs: crs, fallbackCRS: member.nameCRS, layer: layer, codeColumn: codeColumn, nameColumn: nameColumn, context: context
            )
        } catch {
            let dir = (extracted as NSString).deletingLastPathComponent + "/"
            let memberDir = (member.name as NSString).deletingLastPathComponent
            throw ArchiveMemberError(
                description: "\(fileName) → " + "\(error)".replacingOccurrences(of: dir, with: memberDir.isEmpty ? "" : memberDir + "/"))
        }
        var warnings: [String] = []
        if crs == nil, let named = member.nameCRS, named != file.crs {
            warnings.append(
                "\(member.name) : le nom du fichier indique \(named) mais le fichier déclare \(file.crs) ; la déclaration du fichier est suivie")
        }
        file.path = label
        return (file, warnings)
    }
}

/// An error met reading a member of an archive, named "archive.zip → member".
public struct ArchiveMemberError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// "archive.zip → member : reason", in French.
    public let description: String
    public var errorDescription: String? { description }
}
