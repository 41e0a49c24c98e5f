// `PackStore`: the packs installed in `<data-dir>/perimeters` — listing, opening (damaged ones left out),
// conflicts between lists, install and removal; and `DemoData`, the demonstration pack compiled in memory from
// `GeoData/demo`.

import Foundation
import QPVCore
import QPVGeoData
import QPVGeometry

/// The perimeter packs installed in a data directory (`<data-dir>/perimeters/*.qpvpack`).
public struct PackStore: Sendable {
    /// The data directory the packs are installed in.
    public let dataDirectory: DataDirectory

    /// The store of `dataDirectory`.
    public init(dataDirectory: DataDirectory) { self.dataDirectory = dataDirectory }

    /// The folder of the installed packs.
    public var folder: URL { dataDirectory.perimetersURL }

    /// Paths of installed packs, sorted by name.
    public func packPaths() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix("." + PerimeterPack.fileExtension) }.sorted().map { folder.appendingPathComponent($0).path }
    }

    /// Opens every installed pack.
    public func openAll() throws -> [PerimeterPack] { try packPaths().map { try PerimeterPack(path: $0) } }

    /// Opens every installed pack that is intact; the damaged ones (checksum, structure) are left out and
    /// described (file named, « réimportez »), for a server that must start and report them (`/health`).
    public func openIntact() -> (packs: [PerimeterPack], damaged: [String]) {
        var packs: [PerimeterPack] = []
        var damaged: [String] = []
        for p in packPaths() {
            do { packs.append(try PerimeterPack(path: p)) } catch { damaged.append("\(error)") }
        }
        return (packs, damaged)
    }

    /// What installing `manifest` would conflict with: packs replaced (same source list re-imported) and
    /// packs whose sets overlap in kind, territory and dates.
    public func conflicts(for manifest: PackManifest) throws -> (replaced: [PerimeterPack], overlapping: [(PerimeterPack, String)]) {
        var replaced: [PerimeterPack] = []
        var overlapping: [(PerimeterPack, String)] = []
        for pack in try openAll() {
            let sameSets = Set(pack.manifest.sets.map(setKey)) == Set(manifest.sets.map(setKey))
            if pack.manifest.packId == manifest.packId || (sameSets && pack.manifest.source.fileName == manifest.source.fileName) {
                replaced.append(pack)
                continue
            }
            for (ni, new) in manifest.sets.enumerated() {
                for (oi, old) in pack.manifest.sets.enumerated() where old.kind == new.kind && old.territory == new.territory && old.overlaps(new) {
                    if old.listId != nil && old.listId == new.listId {
                        // Parts of one list (one file per région) are fine; two files holding the same
                        // quartiers (the national file and a régional extract, two copies) are an overlap.
                        let oldCodes = Set(pack.manifest.perimeters.filter { $0.set == oi }.map(\.code))
                        let shared = manifest.perimeters.filter { $0.set == ni && oldCodes.contains($0.code) }.map(\.code)
                        if !shared.isEmpty {
                            overlapping.append(
                                (
                                    pack,
                                    "\(new.label) : \(shared.count) quartier(s) déjà installé(s) par le fichier \(pack.manifest.source.fileName) (ex. \(shared.prefix(3).joined(separator: ", "))), chacun serait compté deux fois ; --allow-overlap pour l'accepter quand même"
                                ))
                        }
                        continue
                    }
                    overlapping.append(
                        (
                            pack,
                            "\(new.label) (\(new.periodFrench)) et \(old.label) (\(old.periodFrench)) couvrent les mêmes dates pour \(new.territory.french)"
                        ))
                }
            }
        }
        return (replaced, overlapping)
    }

    private func setKey(_ s: PerimeterSetInfo) -> String { "\(s.kind.rawValue)|\(s.territory)|\(s.vintage)" }

    /// Installs a compiled pack. A pack of the same list from the same file is replaced; a pack whose
    /// validity overlaps another of the same kind and territory is refused unless `allowOverlap`.
    @discardableResult
    public func install(_ result: PackCompiler.Result, allowOverlap: Bool = false) throws -> (
        path: String, replaced: [String], overlapWarnings: [String]
    ) {
        try dataDirectory.ensure(folder)
        let (replaced, overlapping) = try conflicts(for: result.manifest)
        if let first = overlapping.first, !allowOverlap {
            throw PackError.overlap(new: result.manifest.packId, existing: first.0.manifest.packId, detail: first.1)
        }
        let path = folder.appendingPathComponent("\(result.manifest.packId).\(PerimeterPack.fileExtension)").path
        try PerimeterPack.write(manifest: result.manifest, geometry: result.geometry, to: path)
        var removed: [String] = []
        for old in replaced where old.path != path {
            try? FileManager.default.removeItem(atPath: old.path)
            try? FileManager.default.removeItem(atPath: VerifiedFileCache.cachePath(old.path))
            removed.append(old.manifest.packId)
        }
        return (path, removed, overlapping.map { "\($0.0.manifest.packId) : \($0.1)" })
    }

    /// Removes an installed pack (or one kept from a previous release) by id; returns false when there is none.
    public func remove(packId: String) throws -> Bool {
        for p in packPaths() + previousPackPaths() where URL(fileURLWithPath: p).deletingPathExtension().lastPathComponent == packId {
            try FileManager.default.removeItem(atPath: p)
            try? FileManager.default.removeItem(atPath: VerifiedFileCache.cachePath(p))
            return true
        }
        return false
    }
}

/// The demonstration pack shipped in `GeoData/demo`: compiled in memory on first use (a few milliseconds),
/// answering only inside its fictional territory, labelled "démonstration" everywhere it is shown.
public enum DemoData {
    /// The fictional town's area (open sea in the Bay of Biscay: no real address can fall in it).
    public static let coverage = Envelope(minX: -4.66, minY: 46.16, maxX: -4.54, maxY: 46.24)
    /// SIREN of the demonstration intercommunalité (fictional).
    public static let epciSiren = "000000019"
    /// Name of the demonstration intercommunalité.
    public static let epciName = "Communauté de démonstration de Quartville (fictive)"

    struct Entry {
        var file: String
        var kind: PerimeterKind
        var vintage: String
        var validFrom: CivilDate?
        var validTo: CivilDate?
        var legalBasis: String
    }

    static let entries: [Entry] = [
        Entry(
            file: "demo/demo-qpv-2015.geojson", kind: .qpv, vintage: "2015", validFrom: CivilDate("2015-01-01"), validTo: CivilDate("2023-12-31"),
            legalBasis: "fictif — imite la liste 2015 (décret n° 2014-1750), en vigueur du 1er janvier 2015 au 31 décembre 2023"),
        Entry(
            file: "demo/demo-qpv-2024.geojson", kind: .qpv, vintage: "2024", validFrom: CivilDate("2024-01-01"), validTo: nil,
            legalBasis: "fictif — imite la liste 2024 (décret n° 2023-1314), en vigueur depuis le 1er janvier 2024"),
        Entry(
            file: "demo/demo-qic-2024.geojson", kind: .qic, vintage: "2024", validFrom: CivilDate("2024-01-01"), validTo: CivilDate("2030-12-31"),
            legalBasis: "fictif — délibération imaginaire du conseil communautaire de Quartville"),
    ]

    /// Compiles the demo files into packs (in memory, no data directory involved).
    public static func compile(registry: Registry) throws -> [(manifest: PackManifest, geometry: [UInt8])] {
        let compiler = try PackCompiler(registry: registry)
        let geos = try GeosContext()
        var out: [(PackManifest, [UInt8])] = []
        for e in entries {
            guard let url = GeoDataBundle.url(e.file) else {
                throw PerimeterFileError.cannotRead(path: "GeoData/\(e.file)", reason: "jeu de démonstration absent du paquet logiciel")
            }
            let file = try PerimeterFileReader.read(path: url.path, context: geos)
            var options = ImportOptions()
            options.kind = e.kind
            options.vintage = e.vintage
            options.validFrom = e.validFrom
            options.validTo = e.validTo
            options.legalBasis = e.legalBasis
            options.demoCoverage = coverage
            if e.kind == .qic {
                options.epciSiren = epciSiren
                options.epciName = epciName
            }
            let r = try compiler.compile(file, options: options, importedAt: Date(timeIntervalSince1970: 0))
            out.append((r.manifest, r.geometry))
        }
        return out
    }
}
