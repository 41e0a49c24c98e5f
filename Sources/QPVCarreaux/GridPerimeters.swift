// QPVCarreaux — the INSEE 200 m grid (Filosofi "données carroyées", EPSG:3035) against QPV and QIC
// perimeters: which share of each carreau lies in which perimeter (`classify`), area-weighted Filosofi
// statistics per perimeter (`stats`), and clusters of low-income carreaux that could become QIC (`candidates`).
//
// Owns: the perimeters in force on a date transformed to EPSG:3035 and indexed (`GridPerimeters`, shared
// by every thread), the per-thread classifier (`CellClassifier`: GEOS prepared geometries, one per worker),
// the streaming batches over carreaux files and their reports. Grid ids themselves live in QPVGeometry
// (`GridCell`); perimeters come from QPVPerimeters (`PerimeterCatalog`).

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters

/// One perimeter as the grid sees it: in EPSG:3035, with its catalog identity.
public struct GridPerimeter: Sendable {
    /// Global perimeter index in the catalog.
    public let catalogIndex: Int
    public let code: String
    public let name: String
    public let kind: PerimeterKind
    public let vintage: String
    /// Label of the set (list) it belongs to.
    public let setLabel: String
    public let isDemo: Bool
    public let epciSiren: String?
    /// Envelope in EPSG:3035.
    public let envelope: Envelope
    /// Area in m² in EPSG:3035 (equal-area).
    public let area: Double
    /// WKB of the geometry in EPSG:3035.
    let wkb: [UInt8]
}

/// The perimeters in force on a date (QPV lists and QIC sets), transformed to EPSG:3035 and indexed by an
/// STR-tree. Immutable and `Sendable`: built once, shared by every worker thread.
///
/// Each perimeter's *containment* geometry (the source file's own coordinates, repaired with MakeValid at
/// import) is transformed once with PROJ to EPSG:3035, vertex by vertex — what geopandas' `to_crs` does —
/// so a file published in WGS84 or in Lambert-93 goes through a single transformation.
public struct GridPerimeters: Sendable {
    public let date: CivilDate
    public let perimeters: [GridPerimeter]
    /// Catalog set indices used.
    public let sets: [Int]
    /// French notes about what was left out (overseas perimeters, missing lists).
    public let notes: [String]
    let tree: PackedRTree
    /// Perimeters by 2 km tile of the grid's extent: a carreau (200 m or 1 km, never across a tile edge)
    /// finds its candidates with one array lookup; most carreaux of a national file meet an empty tile.
    let tiles: UniformGrid

    public var hasQPV: Bool { perimeters.contains { $0.kind == .qpv } }
    public var hasQIC: Bool { perimeters.contains { $0.kind == .qic } }
    /// The catalog the perimeters come from (coverage of partial lists is checked on it).
    public let catalog: PerimeterCatalog
    /// True when no QPV set in force is a complete list: carreaux touching no QPV must be placed in a covered
    /// département before they are "hors de tout périmètre".
    public var partialCoverage: Bool {
        let qpvSets = sets.filter { catalog.sets[$0].info.kind == .qpv }
        return !qpvSets.isEmpty && !qpvSets.contains { catalog.coverages[$0]?.complete ?? false }
    }

    /// Selects the sets in force on `date` for mainland France (and the demonstration territory) and
    /// transforms their perimeters. Throws when nothing is in force.
    public init(catalog: PerimeterCatalog, date: CivilDate, kinds: [PerimeterKind] = [.qpv, .qic]) throws {
        self.date = date
        self.catalog = catalog
        var sets: [Int] = []
        for kind in kinds {
            for territory in [ListTerritory.hexagone, .demo] {
                for s in catalog.setsInForce(kind: kind, territory: territory, on: date) where !sets.contains(s) { sets.append(s) }
            }
        }
        sets.sort()
        var notes: [String] = []
        if kinds.contains(.qpv), !sets.contains(where: { catalog.sets[$0].info.kind == .qpv }) {
            if let list = catalog.officialList(kind: .qpv, territory: .hexagone, on: date) {
                notes.append("\(list.label) (en vigueur le \(date.french)) non installée : aucun QPV pris en compte ; \(list.installHint)")
            } else {
                notes.append("aucune liste de QPV en vigueur le \(date.french) parmi les périmètres disponibles")
            }
        }
        let geos = try GeosContext()
        let proj = try ProjContext()
        var transformers: [Int: CoordinateTransformer] = [:]
        var out: [GridPerimeter] = []
        var overseas = 0
        for si in sets {
            let set = catalog.sets[si]
            for gi in set.perimeters {
                let lp = catalog.perimeters[gi]
                let r = lp.record
                let centre = r.envelopeWGS84.center
                if !set.info.isDemo && FrenchTerritory.of(lon: centre.x, lat: centre.y) != .hexagone {
                    overseas += 1
                    continue
                }
                var g = try catalog.packs[lp.pack].withWKB(r.geometry) { try Geometry(wkb: $0, context: geos) }
                if lp.containmentCRS != .laea3035 {
                    let t: CoordinateTransformer
                    if let cached = transformers[lp.containmentCRS.epsg] {
                        t = cached
                    } else {
                        t = try CoordinateTransformer(from: lp.containmentCRS, to: .laea3035, context: proj)
                        transformers[lp.containmentCRS.epsg] = t
                    }
                    g = try t.transform(g)
                }
                out.append(
                    GridPerimeter(
                        catalogIndex: gi, code: lp.code, name: lp.name, kind: set.info.kind, vintage: set.info.vintage,
                        setLabel: set.info.label, isDemo: set.info.isDemo, epciSiren: r.epciSiren,
                        envelope: g.envelope, area: try g.area(), wkb: try g.wkb()))
            }
        }
        if overseas > 0 {
            notes.append("\(overseas) périmètre(s) d'outre-mer ignoré(s) : la grille INSEE en EPSG:3035 ne couvre que la France métropolitaine")
        }
        guard !out.isEmpty else {
            throw CarreauxError.noPerimeter(date: date, notes: notes)
        }
        self.sets = sets
        self.notes = notes
        self.perimeters = out
        self.tree = PackedRTree(envelopes: out.map(\.envelope))
        self.tiles = UniformGrid(envelopes: out.map(\.envelope), tileSize: 2000)
    }

    /// Perimeter indices whose envelope touches `envelope`.
    public func candidates(_ envelope: Envelope) -> [Int] { tree.query(envelope) }
}

/// The share of a carreau's area inside one perimeter.
public struct CellShare: Sendable, Equatable {
    /// Index into `GridPerimeters.perimeters`.
    public let perimeter: Int
    /// area(carreau ∩ perimeter) / area(carreau), in [0, 1].
    public let share: Double
}

/// Computes carreau × perimeter shares. Owns a GEOS context and the perimeters' prepared geometries it has
/// used: one per thread or worker, never shared.
///
/// For each carreau: the STR-tree gives the perimeters whose envelope touches the square (most carreaux of
/// a national file stop here); for each of them a prepared `intersects` drops those that miss it, a
/// prepared `covers` answers 1 for squares fully inside, and only squares crossed by a boundary get their
/// area computed, by clipping the perimeter to the square (GEOS `ClipByRect`) — the same area as a full
/// `intersection`, checked in the tests.
public final class CellClassifier {
    public let perimeters: GridPerimeters
    let geos: GeosContext
    private var geometries: [Geometry?]
    private var prepared: [PreparedGeometry?]
    /// Intersections smaller than this (m²) are dropped: slivers left by reprojecting a boundary that runs
    /// along grid lines (1 mm², a share of 2.5·10⁻¹¹ of a 200 m carreau).
    public static let minimumArea = 1e-6

    /// Coverage checks of partial lists (built on first use): a locator and EPSG:3035 → WGS84.
    private var coverage: (locator: Locator, toWGS84: CoordinateTransformer)?

    /// Why a carreau touching no QPV cannot be said outside every QPV (the list installed is partial and the
    /// carreau's centre is not surely in a covered département), or nil. The centre decides: the rule's margin
    /// (200 m) exceeds the half-diagonal of a 200 m carreau.
    public func coverageProblem(of cell: GridCell) throws -> String? {
        guard perimeters.partialCoverage else { return nil }
        if coverage == nil {
            coverage = (
                try Locator(catalog: perimeters.catalog), try CoordinateTransformer(from: CRS(epsg: 3035), to: .wgs84, context: try ProjContext())
            )
        }
        let e = cell.envelope
        let (lon, lat) = try coverage!.toWGS84.transform(x: (e.minX + e.maxX) / 2, y: (e.minY + e.maxY) / 2)
        let r = try coverage!.locator.locate(lon: lon, lat: lat, on: perimeters.date)
        return r.status == .notCovered ? (r.problem ?? "hors de la couverture de la liste installée") : nil
    }

    public init(perimeters: GridPerimeters) throws {
        self.perimeters = perimeters
        self.geos = try GeosContext()
        self.geometries = Array(repeating: nil, count: perimeters.perimeters.count)
        self.prepared = Array(repeating: nil, count: perimeters.perimeters.count)
    }

    func geometry(_ i: Int) throws -> Geometry {
        if let g = geometries[i] { return g }
        let g = try Geometry(wkb: perimeters.perimeters[i].wkb, context: geos)
        geometries[i] = g
        return g
    }

    func preparedGeometry(_ i: Int) throws -> PreparedGeometry {
        if let p = prepared[i] { return p }
        let p = try geometry(i).prepared()
        prepared[i] = p
        return p
    }

    /// Shares of `cell` in every perimeter it overlaps, in perimeter order (QPV and QIC alike).
    public func shares(of cell: GridCell) throws -> [CellShare] {
        let box = cell.envelope
        var out: [CellShare] = []
        var square: Geometry?
        // 200 m and 1 km carreaux never cross the 2 km tiles (aligned on multiples of 2 km): the tile of the
        // square's south-west corner holds it; perimeters of neighbouring tiles whose envelope only touches the
        // square cannot share area with it.
        // A plain loop, not a closure: captured, `out` and `square` would be boxed on the heap for every carreau.
        let tiles = perimeters.tiles
        guard let tile = tiles.cell(x: box.minX, y: box.minY) else { return out }
        for k in Int(tiles.offsets[tile])..<Int(tiles.offsets[tile + 1]) {
            let i = Int(tiles.items[k])
            let p = perimeters.perimeters[i]
            let pe = p.envelope
            // Touching envelopes only (shared edge) cannot give an area.
            if pe.maxX <= box.minX || pe.minX >= box.maxX || pe.maxY <= box.minY || pe.minY >= box.maxY { continue }
            if square == nil { square = try Geometry.rectangle(box, context: geos) }
            let prep = try preparedGeometry(i)
            guard try prep.intersects(square!) else { continue }
            let within = pe.minX <= box.minX && pe.maxX >= box.maxX && pe.minY <= box.minY && pe.maxY >= box.maxY
            if within, try prep.covers(square!) {
                out.append(CellShare(perimeter: i, share: 1))
                continue
            }
            let area = try geometry(i).clipped(to: box).area()
            if area > CellClassifier.minimumArea {
                out.append(CellShare(perimeter: i, share: min(1, area / cell.area)))
            }
        }
        out.sort { $0.perimeter < $1.perimeter }
        return out
    }

    /// The same share computed with a general GEOS `intersection` (for checking the fast path).
    public func shareByIntersection(of cell: GridCell, perimeter i: Int) throws -> Double {
        let square = try Geometry.rectangle(cell.envelope, context: geos)
        return try geometry(i).intersection(square).area() / cell.area
    }
}

/// Errors of the carreaux commands, in French.
public enum CarreauxError: Error, Sendable, CustomStringConvertible, LocalizedError {
    case noPerimeter(date: CivilDate, notes: [String])
    case invalidOption(String)
    case missingColumns(file: String, wanted: [String], available: [String])

    public var description: String {
        switch self {
        case .noPerimeter(let date, let notes):
            var s =
                "aucun périmètre (QPV ou QIC) de France métropolitaine en vigueur le \(date.french) : précisez --date, ou installez la liste (qpv data import)"
            if !notes.isEmpty { s += " — " + notes.joined(separator: " ; ") }
            return s
        case .invalidOption(let m): return m
        case .missingColumns(let file, let wanted, let available):
            return
                "\(file), ligne 1 (en-tête) : aucune des colonnes \(wanted.map { "« \($0) »" }.joined(separator: ", ")) ; colonnes présentes : \(available.map { "« \($0) »" }.joined(separator: ", "))"
        }
    }

    public var errorDescription: String? { description }
}
