// `qpv data import` of ZIP archives as ANCT publishes them and of new releases of an installed list
// (`--release-date`, `--keep-previous`): an extension of `DataImport` over `PerimeterArchive` and `PackStore`.

import ArgumentParser
import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters

// `qpv data import` of ZIP archives as published, and of new releases of an installed list.
extension DataImport {
    /// `--release-date` into the import options.
    func applyReleaseOptions(_ options: inout ImportOptions) throws {
        if let releaseDate {
            guard let d = CivilDate(releaseDate) else { throw ValidationError("--release-date « \(releaseDate) » : date AAAA-MM-JJ attendue") }
            options.releaseDate = d
            options.releaseOrigin = releaseOrigin ?? "option --release-date"
        } else if releaseOrigin != nil {
            throw ValidationError("--release-origin s'emploie avec --release-date")
        }
        if !(moveTolerance >= 0) || !moveTolerance.isFinite { throw ValidationError("--move-tolerance doit être un nombre positif de mètres") }
    }

    /// A `.zip` name, or the ZIP signature at the start of the file.
    func isArchive() throws -> Bool {
        if file.lowercased().hasSuffix(".zip") { return true }
        guard let h = FileHandle(forReadingAtPath: file) else { return false }
        defer { try? h.close() }
        return Array(h.readData(ofLength: 4)) == [0x50, 0x4B, 0x03, 0x04]
    }

    /// Shows what a new release changes in the installed packs it replaces, then installs every pack at once.
    func installRelease(_ results: [PackCompiler.Result], store: PackStore, registry: Registry) throws -> PackStore.ReleaseInstall {
        let previous = try store.previousReleases(of: results.map(\.manifest))
        if !previous.isEmpty {
            let news = try results.map { try PerimeterPack(manifest: $0.manifest, geometry: $0.geometry, path: $0.manifest.source.fileName) }
            for old in previous {
                let oldParts = PackStore.listParts(old.manifest)
                let relevant = news.filter { !PackStore.listParts($0.manifest).isDisjoint(with: oldParts) }
                let diff = try PerimeterExplorer.releaseDiff(old: old, new: relevant, tolerance: moveTolerance, registry: registry)
                for line in diff.frenchLines { print(line) }
                if let was = old.manifest.source.releaseDate, let now = relevant.first?.manifest.source.releaseDate, now < was {
                    printError("Attention : la publication importée (\(now.french)) est plus ancienne que celle qu'elle remplace (\(was.french))")
                }
            }
        }
        let outcome = try store.installRelease(results, allowOverlap: allowOverlap, keepPrevious: keepPrevious)
        for k in outcome.kept {
            let date = (try? PerimeterPack(path: k))?.manifest.source.releaseDate
            print("  publication précédente gardée : \(k)" + (date.map { " (interrogeable avec --release \($0))" } ?? ""))
        }
        return outcome
    }

    /// Imports every perimeter member of a ZIP archive (or the one `--member` names), each as the list it
    /// belongs to, and installs them together.
    func importArchive(options: ImportOptions, registry: Registry, started: Date) throws {
        let archive = try PerimeterArchive(path: file)
        let members = try archive.select(member)
        print("Archive \(archive.fileName) : \(members.count) fichier(s) de périmètres retenu(s)")
        if member != nil {
            for m in archive.members where !members.contains(where: { $0.name == m.name }) { print("  non retenu : \(m.name) (--member \(member!))") }
        }
        for s in archive.skipped { print("  ignoré : \(s.name) — \(s.reason)") }
        let geos = try GeosContext()
        let compiler = try PackCompiler(registry: registry)
        var compiled: [(member: PerimeterArchive.Member, result: PackCompiler.Result)] = []
        var warnings: [String] = []
        for m in members {
            var o = options
            if o.releaseDate == nil, let d = m.modified {
                o.releaseDate = d
                o.releaseOrigin = "date des fichiers dans l'archive \(archive.fileName)"
            }
            let read = try archive.read(m, crs: options.crs, layer: layer, codeColumn: codeColumn, nameColumn: nameColumn, context: geos)
            warnings += read.warnings
            var r = try compiler.compile(read.file, options: o)
            r.manifest.source.archive = archive.fileName
            r.manifest.source.member = m.name
            // The same perimeters in another format of the same release (GeoJSON and Shapefile side by side).
            let parts = PackStore.listParts(r.manifest)
            if let twin = compiled.first(where: { !parts.isEmpty && !PackStore.listParts($0.result.manifest).isDisjoint(with: parts) }) {
                print("  ignoré : \(m.name) — mêmes listes et territoires que \(twin.member.name) (autre format de la même publication)")
                continue
            }
            compiled.append((m, r))
        }
        let store = PackStore(dataDirectory: DataDirectory.resolve(explicit: dataDir))
        let outcome = try installRelease(compiled.map(\.result), store: store, registry: registry)
        for (k, c) in compiled.enumerated() {
            let m = c.result.manifest
            print("Paquet installé : \(m.packId) ← \(c.member.name)")
            print(
                "  \(m.source.featureCount) entités → \(m.perimeters.count) périmètres (\(m.source.format), EPSG:\(m.source.crs)), sha256 \(m.source.sha256.prefix(12))…"
            )
            print("  \(m.source.releaseFrench)" + (m.source.releaseOrigin.map { " (\($0))" } ?? ""))
            for s in m.sets { print("  \(s.label) : \(s.perimeterCount) périmètres, \(s.periodFrench)") }
            if m.repairedFeatureCount > 0 { print("  réparations : \(m.repairedFeatureCount) polygone(s) invalide(s) réparé(s)") }
            for w in m.warnings { printError("Attention (\(c.member.name)) : \(w)") }
            print("  → \(outcome.installed[k].path)")
        }
        for w in warnings { printError("Attention : \(w)") }
        for r in outcome.replaced { print("Remplace le paquet \(r)") }
        for w in outcome.overlapWarnings { printError("Attention, chevauchement accepté : \(w)") }
        print("\(compiled.count) paquet(s) installé(s) en \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
    }
}

extension PackStore.ReleaseInstall {
    /// The outcome of installing one pack, as `qpv data import FILE` prints it.
    var single: (path: String, replaced: [String], overlapWarnings: [String]) {
        (installed.first?.path ?? "", replaced, overlapWarnings)
    }
}
