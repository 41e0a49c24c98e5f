// `PerimeterCatalog`: everything a command answers from (installed packs, the demo pack or a `--perimeters`
// file, commune data), indexed once and shared read-only by every thread — sets in force on a date, codes,
// territories and the per-CRS partitions the `Locator` queries.

import Foundation
import QPVCore
import QPVGeometry
import Synchronization

/// A perimeter as loaded for answering questions: its pack record plus where it lives.
public struct LoadedPerimeter: Sendable {
    /// The perimeter as recorded in its pack.
    public let record: PerimeterRecord
    /// Index into `PerimeterCatalog.packs`.
    public let pack: Int
    /// Index into `PerimeterCatalog.sets`.
    public let set: Int
    /// The CRS its containment geometry is in (the source file's).
    public let containmentCRS: CRS

    /// The perimeter's code.
    public var code: String { record.code }
    /// Its name.
    public var name: String { record.name }
}

/// A perimeter set as loaded: the pack's set info plus its provenance.
public struct LoadedSet: Sendable {
    /// The set's metadata (list, validity, territory).
    public let info: PerimeterSetInfo
    /// Index into `PerimeterCatalog.packs`.
    public let pack: Int
    /// Identifier of its pack.
    public let packId: String
    /// The file its pack was imported from.
    public let source: PackSource
    /// When its pack was built (ISO 8601).
    public let importedAt: String
    /// Global indices of its perimeters.
    public let perimeters: [Int]
}

/// Everything installed (or given with `--perimeters`), indexed for queries. Immutable and `Sendable`:
/// one catalog is shared by every thread; each thread builds its own `Locator` on it for GEOS work.
public final class PerimeterCatalog: Sendable {
    /// Where the catalog's perimeters come from.
    public enum Origin: Sendable, Equatable {
        /// The packs installed in this data directory.
        case dataDirectory(String)
        /// One perimeter file given with `--perimeters`.
        case file(String)
    }

    /// The packs opened.
    public let packs: [PerimeterPack]
    /// Every perimeter set, over every pack.
    public let sets: [LoadedSet]
    /// Every perimeter, over every pack.
    public let perimeters: [LoadedPerimeter]
    /// The registry of official lists.
    public let registry: Registry
    /// Where the perimeters come from.
    public let origin: Origin
    /// True when the demonstration pack is part of the catalog.
    public let includesDemo: Bool
    /// Installed packs left out because they are damaged (`open(…, skipDamaged: true)`), one message each.
    public let damagedPacks: [String]
    let partitions: [Partition]
    private let codeIndex: [String: [Int]]
    /// Areas answered by the demonstration sets.
    private let demoCoverages: [Envelope]
    /// Installed commune data (`qpv data import-communes`): départements and EPCIs.
    public let areas: [AdminAreas]
    /// Per set: the départements a QPV set answers for (nil for QIC sets).
    public let coverages: [DepartementCoverage?]

    /// "liste 2024 des QPV de l'Hexagone (Décret n° 2023-1314 du 28 décembre 2023)": the labels of `sets` and
    /// the legal texts that fixed them, as sentences name them. Computed once per distinct `sets` (the
    /// Foundation string splitting it needs cost a tenth of a `/locate` request, perf under wrk).
    func listPhrase(_ sets: [Int]) -> String {
        if let known = listPhrases.withLock({ $0[sets] }) { return known }
        let c = self
        let labels = Array(Set(sets.map { c.sets[$0].info.label })).sorted()
        let bases = Array(
            Set(
                sets.compactMap {
                    !c.sets[$0].info.isDemo && c.sets[$0].info.listId != nil
                        ? c.sets[$0].info.legalBasis.components(separatedBy: " fixant").first?.components(separatedBy: " modifiant").first : nil
                })
        ).sorted()
        var p = labels.joined(separator: " et ")
        if !bases.isEmpty { p += " (" + bases.joined(separator: ", ") + ")" }
        listPhrases.withLock { $0[sets] = p }
        return p
    }
    private let listPhrases = Mutex<[[Int]: String]>([:])

    /// Perimeters of one set that share a metric CRS: their containment envelopes in an STR-tree, their
    /// boundaries (metric coordinates) in a `BoundaryIndex`.
    final class Partition: Sendable {
        let set: Int
        let metricCRS: CRS
        let containmentCRS: CRS
        let perimeters: [Int]
        let tree: PackedRTree
        let boundary: BoundaryIndex
        /// Containment envelopes, by position in `perimeters`.
        let envelopes: [Envelope]
        private let grid = Mutex<UniformGrid?>(nil)

        /// The containment grid, built on first use by a batch (shared by all threads).
        var containmentGrid: UniformGrid {
            grid.withLock { g in
                if let g { return g }
                let built = UniformGrid(envelopes: envelopes)
                g = built
                return built
            }
        }

        init(set: Int, metricCRS: CRS, containmentCRS: CRS, perimeters: [Int], envelopes: [Envelope], boundary: BoundaryIndex) {
            let tree = PackedRTree(envelopes: envelopes)
            self.set = set
            self.metricCRS = metricCRS
            self.containmentCRS = containmentCRS
            self.perimeters = perimeters
            self.tree = tree
            self.boundary = boundary
            self.envelopes = envelopes
        }
    }

    /// A catalog over `packs` (usually through `open(dataDirectory:perimetersFile:options:demo:release:skipDamaged:)`).
    public init(packs: [PerimeterPack], registry: Registry, origin: Origin, includesDemo: Bool, areas: [AdminAreas] = [], damagedPacks: [String] = [])
        throws
    {
        self.damagedPacks = damagedPacks
        self.packs = packs
        self.areas = areas
        self.registry = registry
        self.origin = origin
        self.includesDemo = includesDemo
        var sets: [LoadedSet] = []
        var perimeters: [LoadedPerimeter] = []
        var codeIndex: [String: [Int]] = [:]
        for (pi, pack) in packs.enumerated() {
            let m = pack.manifest
            let base = sets.count
            var members = [[Int]](repeating: [], count: m.sets.count)
            for r in m.perimeters {
                let gi = perimeters.count
                perimeters.append(LoadedPerimeter(record: r, pack: pi, set: base + r.set, containmentCRS: CRS(epsg: m.containmentCRS)))
                members[r.set].append(gi)  // r.set < m.sets.count: checked when the pack was read
                codeIndex[r.code, default: []].append(gi)
            }
            for (k, s) in m.sets.enumerated() {
                sets.append(LoadedSet(info: s, pack: pi, packId: m.packId, source: m.source, importedAt: m.importedAt, perimeters: members[k]))
            }
        }
        self.sets = sets
        self.perimeters = perimeters
        self.codeIndex = codeIndex
        self.demoCoverages = sets.compactMap { $0.info.isDemo ? $0.info.coverage : nil }
        // Packs imported before coverage was recorded: the départements of their perimeters, presumed.
        self.coverages = sets.map { s in
            guard s.info.kind == .qpv else { return nil }
            if let c = s.info.departementCoverage { return c }
            let present = s.perimeters.compactMap { perimeters[$0].record.departement }
            return s.info.isDemo
                ? .national(present: present) : DepartementCoverage(complete: false, departements: present, basis: .presumed, present: present)
        }

        // Partitions: the packs' precomputed boundary indexes, one per (set, metric CRS).
        var partitions: [Partition] = []
        var firstSet = 0
        var firstPerimeter = 0
        for pack in packs {
            for b in pack.boundaryIndexes {
                let members = b.members.map { firstPerimeter + Int($0) }
                partitions.append(
                    Partition(
                        set: firstSet + b.set, metricCRS: CRS(epsg: b.metricCRS), containmentCRS: CRS(epsg: pack.manifest.containmentCRS),
                        perimeters: members, envelopes: members.map { perimeters[$0].record.envelope }, boundary: b.index))
            }
            firstSet += pack.manifest.sets.count
            firstPerimeter += pack.manifest.perimeters.count
        }
        self.partitions = partitions
    }

    /// Opens what a command should use:
    /// - `perimetersFile` given: that file alone, compiled in memory (`--perimeters`);
    /// - otherwise the packs installed in `dataDirectory`, plus the demonstration pack when nothing is
    ///   installed or `demo` is true; with `release`, the packs of that publication of a list (kept with
    ///   `--keep-previous`) in place of the installed packs of the same list parts.
    public static func open(
        dataDirectory: DataDirectory, perimetersFile: String? = nil, options: ImportOptions = ImportOptions(), demo: Bool = false,
        release: CivilDate? = nil, skipDamaged: Bool = false
    ) throws -> PerimeterCatalog {
        let registry = try Registry.shipped()
        if let perimetersFile {
            let file = try PerimeterFileReader.read(
                path: perimetersFile, crs: options.crs, layer: options.layer, codeColumn: options.codeColumn, nameColumn: options.nameColumn,
                context: try GeosContext())
            let compiled = try PackCompiler(registry: registry).compile(file, options: options)
            let pack = try PerimeterPack(manifest: compiled.manifest, geometry: compiled.geometry, path: perimetersFile)
            return try PerimeterCatalog(
                packs: [pack], registry: registry, origin: .file(perimetersFile), includesDemo: false, areas: try AdminAreas.openAll(dataDirectory))
        }
        let store = PackStore(dataDirectory: dataDirectory)
        var packs: [PerimeterPack]
        var damaged: [String] = []
        if skipDamaged {
            (packs, damaged) = store.openIntact(release: release)
        } else {
            packs = try store.openAll(release: release)
        }
        // The demonstration data never stands in for a damaged installed pack (its points answer no_list).
        let includeDemo = demo || (packs.isEmpty && damaged.isEmpty)
        if includeDemo {
            for d in try DemoData.compile(registry: registry) {
                packs.append(try PerimeterPack(manifest: d.manifest, geometry: d.geometry, path: "<démonstration>"))
            }
        }
        return try PerimeterCatalog(
            packs: packs, registry: registry, origin: .dataDirectory(dataDirectory.url.path), includesDemo: includeDemo,
            areas: try AdminAreas.openAll(dataDirectory), damagedPacks: damaged)
    }

    /// Global indices of perimeters with this code (a code may exist in several vintages' packs).
    public func perimeters(code: String) -> [Int] { codeIndex[code] ?? [] }

    /// The set perimeter `perimeter` belongs to.
    public func set(of perimeter: Int) -> LoadedSet { sets[perimeters[perimeter].set] }

    /// The territory a WGS84 point belongs to for list selection, or nil outside every territory.
    public func territory(lon: Double, lat: Double) -> (list: ListTerritory, zone: FrenchTerritory)? {
        for e in demoCoverages where e.contains(x: lon, y: lat) { return (.demo, .hexagone) }
        let zone = FrenchTerritory.of(lon: lon, lat: lat)
        switch zone {
        case .unknown: return nil
        case .hexagone: return (.hexagone, zone)
        default: return (.outreMer, zone)
        }
    }

    /// Sets of `kind` in force on `date` for a point of `territory`. QIC sets are not territorial lists:
    /// all QIC sets in force are returned (their geometry decides), demo ones only inside the demo area.
    public func setsInForce(kind: PerimeterKind, territory: ListTerritory, on date: CivilDate) -> [Int] {
        sets.indices.filter { i in
            let s = sets[i].info
            guard s.kind == kind, s.isInForce(on: date) else { return false }
            // An undated QIC set (packs imported before dates were required) is never taken as in force.
            if kind == .qic && s.validFrom == nil && !s.isDemo { return false }
            if kind == .qic { return s.isDemo == (territory == .demo) }
            return s.territory == territory
        }
    }

    /// The official list a point needs on a date (when none is installed).
    public func officialList(kind: PerimeterKind, territory: ListTerritory, on date: CivilDate) -> OfficialList? {
        registry.list(kind: kind, territory: territory, on: date)
    }

    /// What the QPV sets answering a point cover (nil: one of them is complete) and which QIC sets need their
    /// EPCI checked before `out` (nil: none — the demo sets answer for their whole fictional area).
    func scope(qpvSets: [Int], qicSets: [Int]) -> (qpvCovered: Set<String>?, qicScopes: [(siren: String, communes: Set<String>)]?) {
        var covered: Set<String>? = []
        for i in qpvSets {
            guard let c = coverages[i], !c.complete else {
                covered = nil
                break
            }
            covered!.formUnion(c.departements)
        }
        if qpvSets.isEmpty { covered = nil }
        var scopes: [(siren: String, communes: Set<String>)] = []
        for i in qicSets where !sets[i].info.isDemo {
            guard case .epci(let siren) = sets[i].info.territory else { continue }
            let communes = Set(sets[i].perimeters.flatMap { perimeters[$0].record.communes.map(\.insee) }.filter { !$0.isEmpty })
            scopes.append((siren, communes))
        }
        return (covered, scopes.isEmpty ? nil : scopes)
    }

    /// "liste 2015 des QPV de l'Hexagone (partielle : départements 09, 11…)", for not_covered reasons.
    public func coverageLabel(_ qpvSets: [Int]) -> String {
        var seen: [String] = []
        for i in qpvSets {
            let text = sets[i].info.label + (coverages[i].map { " installée (\($0.french))" } ?? "")
            if !seen.contains(text) { seen.append(text) }
        }
        return seen.joined(separator: " et ")
    }

    /// Total number of QIC sets installed (any date), to decide whether QIC columns are worth showing.
    public var hasQIC: Bool { sets.contains { $0.info.kind == .qic } }
}
