// New releases of an installed official list: `ReleaseDiff` (codes added, removed, moved, renamed), installing
// a release (`PackStore.installRelease`, `--keep-previous`) and answering from an earlier one (`--release`).

import Foundation
import QPVCore
import QPVGeometry

/// Errors about releases of an official list (a new publication replacing the installed one).
public enum PackReleaseError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// The installed pack covers parts of the list the new files do not bring: replacing it would lose them.
    case partialRelease(existing: String, missing: [String], new: [String])
    /// `--release DATE` names a publication neither installed nor kept.
    case releaseNotKept(date: CivilDate, available: [String])

    /// The error in French, for messages.
    public var description: String {
        switch self {
        case .partialRelease(let existing, let missing, let new):
            return
                "le paquet installé « \(existing) » contient aussi \(missing.joined(separator: ", ")), que \(new.joined(separator: ", ")) n'apporte pas : "
                + "le remplacer perdrait ces périmètres. Importez la publication entière (l'archive complète) ou supprimez d'abord le paquet (qpv data remove \(existing))"
        case .releaseNotKept(let date, let available):
            return "aucune publication du \(date.french) n'est installée ni gardée"
                + (available.isEmpty
                    ? " (aucune publication gardée : importez avec --keep-previous pour garder l'ancienne)"
                    : " ; publications disponibles : \(available.joined(separator: ", "))")
        }
    }

    public var errorDescription: String? { description }
}

/// What changed between two releases of the same list (same codes): codes added and removed, perimeters whose
/// outline moved by more than a tolerance (Hausdorff distance in the territory's metric CRS), names and
/// commune attachments changed.
public struct ReleaseDiff: Codable, Sendable {
    /// A perimeter whose outline moved by more than the tolerance.
    public struct Moved: Codable, Sendable {
        /// Its code.
        public var code: String
        /// Its name in the new release.
        public var name: String
        /// Largest distance between the two outlines, metres.
        public var movedM: Double
        /// Area in the old release, m².
        public var areaFromM2: Double
        /// Area in the new release, m².
        public var areaToM2: Double

        enum CodingKeys: String, CodingKey {
            case code, name
            case movedM = "moved_m"
            case areaFromM2 = "area_from_m2"
            case areaToM2 = "area_to_m2"
        }
    }

    /// A perimeter whose name changed.
    public struct Renamed: Codable, Sendable {
        /// Its code.
        public var code: String
        /// Name in the old release.
        public var fromName: String
        /// Name in the new release.
        public var toName: String

        enum CodingKeys: String, CodingKey {
            case code
            case fromName = "from_name"
            case toName = "to_name"
        }
    }

    /// A perimeter whose communes changed.
    public struct CommunesChanged: Codable, Sendable {
        /// Its code.
        public var code: String
        /// INSEE codes in the old release.
        public var fromCommunes: [String]
        /// INSEE codes in the new release.
        public var toCommunes: [String]

        enum CodingKeys: String, CodingKey {
            case code
            case fromCommunes = "from_communes"
            case toCommunes = "to_communes"
        }
    }

    /// The installed pack replaced.
    public var fromPack: String
    /// Its publication date (ISO), when known.
    public var fromRelease: String?
    /// The packs of the new release.
    public var toPacks: [String]
    /// Their publication date, when known.
    public var toRelease: String?
    /// Outline moves under this many metres are not reported.
    public var toleranceM: Double
    /// Codes only in the new release.
    public var added: [String]
    /// Codes only in the old release.
    public var removed: [String]
    /// Perimeters whose outline moved.
    public var moved: [Moved]
    /// Perimeters renamed.
    public var renamed: [Renamed]
    /// Perimeters whose communes changed.
    public var communesChanged: [CommunesChanged]
    /// Number of perimeters identical in both releases.
    public var unchanged: Int

    enum CodingKeys: String, CodingKey {
        case fromPack = "from_pack"
        case fromRelease = "from_release"
        case toPacks = "to_packs"
        case toRelease = "to_release"
        case toleranceM = "tolerance_m"
        case added, removed, moved, renamed
        case communesChanged = "communes_changed"
        case unchanged
    }

    /// True when nothing changed.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && moved.isEmpty && renamed.isEmpty && communesChanged.isEmpty }

    /// Lines for the terminal, in French.
    public var frenchLines: [String] {
        var out: [String] = []
        let from = fromRelease.flatMap(CivilDate.init).map { "publication du \($0.french)" } ?? "publication installée"
        let to = toRelease.flatMap(CivilDate.init).map { "publication du \($0.french)" } ?? "nouvelle publication"
        out.append("Changements de la \(from) (\(fromPack)) à la \(to) :")
        if isEmpty {
            out.append("  aucun changement (codes, noms, communes et contours identiques à \(FrenchFormat.decimal(toleranceM, digits: 1)) m près)")
        }
        if !added.isEmpty { out.append("  \(added.count) code(s) ajouté(s) : \(added.joined(separator: ", "))") }
        if !removed.isEmpty { out.append("  \(removed.count) code(s) retiré(s) : \(removed.joined(separator: ", "))") }
        for m in moved {
            out.append(
                "  contour modifié : \(m.code) « \(m.name) » — déplacé jusqu'à \(FrenchFormat.decimal(m.movedM, digits: 1)) m, "
                    + "surface \(FrenchFormat.integer(Int(m.areaFromM2.rounded()))) → \(FrenchFormat.integer(Int(m.areaToM2.rounded()))) m²")
        }
        for r in renamed { out.append("  nom changé : \(r.code) « \(r.fromName) » → « \(r.toName) »") }
        for c in communesChanged {
            out.append("  communes changées : \(c.code) \(c.fromCommunes.joined(separator: ", ")) → \(c.toCommunes.joined(separator: ", "))")
        }
        if unchanged > 0 { out.append("  \(unchanged) périmètre(s) inchangé(s)") }
        return out
    }
}

extension PerimeterExplorer {
    /// Compares an installed pack with the packs of a new release of the same list, code by code.
    public static func releaseDiff(old: PerimeterPack, new: [PerimeterPack], tolerance: Double = 1, registry: Registry) throws -> ReleaseDiff {
        let catalog = try PerimeterCatalog(packs: [old] + new, registry: registry, origin: .file(old.path), includesDemo: false)
        let locator = try Locator(catalog: catalog)
        let oldCount = old.manifest.perimeters.count
        var oldByCode: [String: Int] = [:]
        var newByCode: [String: Int] = [:]
        for i in catalog.perimeters.indices {
            if i < oldCount { oldByCode[catalog.perimeters[i].code] = i } else { newByCode[catalog.perimeters[i].code] = i }
        }
        let r = { (x: Double) in (x * 10).rounded() / 10 }
        var diff = ReleaseDiff(
            fromPack: old.manifest.packId, fromRelease: old.manifest.source.releaseDate?.description, toPacks: new.map(\.manifest.packId),
            toRelease: new.first?.manifest.source.releaseDate?.description, toleranceM: tolerance,
            added: newByCode.keys.filter { oldByCode[$0] == nil }.sorted(), removed: oldByCode.keys.filter { newByCode[$0] == nil }.sorted(),
            moved: [], renamed: [], communesChanged: [], unchanged: 0)
        for code in oldByCode.keys.sorted() {
            guard let o = oldByCode[code], let n = newByCode[code] else { continue }
            let a = catalog.perimeters[o].record
            let b = catalog.perimeters[n].record
            var changed = false
            if a.name != b.name {
                diff.renamed.append(.init(code: code, fromName: a.name, toName: b.name))
                changed = true
            }
            let ca = a.communes.map(\.insee).sorted()
            let cb = b.communes.map(\.insee).sorted()
            if ca != cb {
                diff.communesChanged.append(.init(code: code, fromCommunes: ca, toCommunes: cb))
                changed = true
            }
            // Outlines compared in one metric CRS (the old one's): the Hausdorff distance bounds how far any
            // point of either boundary moved.
            let ga = try locator.metricGeometry(o)
            var gb = try locator.metricGeometry(n)
            if b.metricCRS != a.metricCRS {
                let proj = try ProjContext()
                gb = try CoordinateTransformer(from: CRS(epsg: b.metricCRS), to: CRS(epsg: a.metricCRS), context: proj).transform(gb)
            }
            let moved = try ga.hausdorffDistance(to: gb)
            if moved > tolerance {
                diff.moved.append(.init(code: code, name: b.name, movedM: r(moved), areaFromM2: r(a.areaM2), areaToM2: r(b.areaM2)))
                changed = true
            }
            if !changed { diff.unchanged += 1 }
        }
        return diff
    }
}

extension PackStore {
    /// Where packs replaced by a new release are kept when asked (`--keep-previous`): not used for answers
    /// unless a command asks for that release (`--release DATE`).
    public var previousFolder: URL { folder.appendingPathComponent("previous") }

    /// Packs kept from earlier releases.
    public func previousPackPaths() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: previousFolder.path)) ?? []
        return files.filter { $0.hasSuffix("." + PerimeterPack.fileExtension) }.sorted().map { previousFolder.appendingPathComponent($0).path }
    }

    /// The parts of official lists a pack covers: "list id|part", where the part is the overseas département
    /// (971, 972, 973, 974, 976…) or the territory (hexagone). Two packs sharing a part hold two releases of the
    /// same perimeters. QIC and ad-hoc sets (no list id) have none.
    public static func listParts(_ manifest: PackManifest) -> Set<String> {
        var out = Set<String>()
        for r in manifest.perimeters {
            guard r.set < manifest.sets.count, let list = manifest.sets[r.set].listId else { continue }
            let zone = FrenchTerritory.of(lon: r.envelopeWGS84.center.x, lat: r.envelopeWGS84.center.y)
            let part: String
            if let d = r.departement, d.hasPrefix("97") || d.hasPrefix("98") {
                part = d
            } else if zone.isOverseas {
                part = zone.rawValue
            } else {
                part = "hexagone"
            }
            out.insert("\(list)|\(part)")
        }
        return out
    }

    /// French name of a part ("qpv-2025-outre-mer|971" → "qpv-2025-outre-mer (971)").
    static func partFrench(_ part: String) -> String {
        let p = part.split(separator: "|")
        return p.count == 2 ? "\(p[0]) (\(p[1]))" : part
    }

    /// Installed packs that hold an earlier (or the same) release of what `manifests` bring: every part of
    /// theirs is among the new parts. An installed pack sharing only some parts is refused
    /// (`PackReleaseError.partialRelease`): replacing it would lose the others.
    public func previousReleases(of manifests: [PackManifest]) throws -> [PerimeterPack] {
        let newParts = manifests.reduce(into: Set<String>()) { $0.formUnion(PackStore.listParts($1)) }
        var out: [PerimeterPack] = []
        for pack in try openAll() {
            let parts = PackStore.listParts(pack.manifest)
            guard !parts.isDisjoint(with: newParts) else { continue }
            let missing = parts.subtracting(newParts)
            guard missing.isEmpty else {
                throw PackReleaseError.partialRelease(
                    existing: pack.manifest.packId, missing: missing.sorted().map(PackStore.partFrench), new: manifests.map(\.source.fileName))
            }
            out.append(pack)
        }
        return out
    }

    /// What installing a release did.
    public struct ReleaseInstall: Sendable {
        /// (pack id, path) of each pack written.
        public var installed: [(packId: String, path: String)]
        /// Pack ids replaced (removed, or moved to `previousFolder` when kept).
        public var replaced: [String]
        /// Paths of the previous packs kept for audit.
        public var kept: [String]
        /// Perimeters of the new release overlapping another installed list, in French.
        public var overlapWarnings: [String]
    }

    /// Installs the packs of one release of a list (one file, or every member of an archive) at once.
    /// Installed packs holding an earlier release of the same parts are replaced without `allowOverlap`
    /// (the caller shows `releaseDiff` first); `keepPrevious` moves them to `previousFolder` instead of
    /// deleting them. Other overlaps are refused as `install` does.
    @discardableResult
    public func installRelease(_ results: [PackCompiler.Result], allowOverlap: Bool = false, keepPrevious: Bool = false) throws -> ReleaseInstall {
        try dataDirectory.ensure(folder)
        let previous = try previousReleases(of: results.map(\.manifest))
        let previousPaths = Set(previous.map(\.path))
        var outcome = ReleaseInstall(installed: [], replaced: [], kept: [], overlapWarnings: [])
        var toRemove: [PerimeterPack] = previous
        for result in results {
            let (replaced, overlapping) = try conflicts(for: result.manifest)
            let others = overlapping.filter { !previousPaths.contains($0.0.path) }
            if let first = others.first, !allowOverlap {
                throw PackError.overlap(new: result.manifest.packId, existing: first.0.manifest.packId, detail: first.1)
            }
            outcome.overlapWarnings += others.map { "\($0.0.manifest.packId) : \($0.1)" }
            toRemove += replaced.filter { !previousPaths.contains($0.path) }
        }
        var written = Set<String>()
        for result in results {
            let path = folder.appendingPathComponent("\(result.manifest.packId).\(PerimeterPack.fileExtension)").path
            try PerimeterPack.write(manifest: result.manifest, geometry: result.geometry, to: path)
            written.insert(path)
            outcome.installed.append((result.manifest.packId, path))
        }
        var seen = Set<String>()
        for old in toRemove where !written.contains(old.path) && seen.insert(old.path).inserted {
            if keepPrevious {
                try dataDirectory.ensure(previousFolder)
                let kept = previousFolder.appendingPathComponent((old.path as NSString).lastPathComponent).path
                try? FileManager.default.removeItem(atPath: kept)
                try FileManager.default.moveItem(atPath: old.path, toPath: kept)
                outcome.kept.append(kept)
            } else {
                try FileManager.default.removeItem(atPath: old.path)
            }
            try? FileManager.default.removeItem(atPath: VerifiedFileCache.cachePath(old.path))
            outcome.replaced.append(old.manifest.packId)
        }
        return outcome
    }

    /// The packs a command answers from: the installed ones, or with `release`, the packs of that
    /// publication (installed or kept with `--keep-previous`) in place of the installed packs of the same
    /// list parts.
    /// `openIntact()` for one publication: without `release`, every intact installed pack (damaged ones
    /// described); with it, the packs of `openAll(release:)`, or none and the reason when one cannot be opened.
    public func openIntact(release: CivilDate?) -> (packs: [PerimeterPack], damaged: [String]) {
        guard release != nil else { return openIntact() }
        do { return (try openAll(release: release), []) } catch { return ([], ["\(error)"]) }
    }

    /// The installed packs, with those of publication `release` (kept with `--keep-previous`) in place of the current ones of the same list parts; every installed pack when `release` is nil.
    public func openAll(release: CivilDate?) throws -> [PerimeterPack] {
        let current = try openAll()
        guard let release else { return current }
        let kept = try previousPackPaths().map { try PerimeterPack(path: $0) }
        let chosen = kept.filter { $0.manifest.source.releaseDate == release }
        guard !chosen.isEmpty || current.contains(where: { $0.manifest.source.releaseDate == release }) else {
            let dates = Set((current + kept).compactMap(\.manifest.source.releaseDate)).sorted().map(\.description)
            throw PackReleaseError.releaseNotKept(date: release, available: dates)
        }
        let chosenParts = chosen.reduce(into: Set<String>()) { $0.formUnion(PackStore.listParts($1.manifest)) }
        return current.filter { $0.manifest.source.releaseDate == release || PackStore.listParts($0.manifest).isDisjoint(with: chosenParts) } + chosen
    }
}
