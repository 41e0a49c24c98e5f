// `ExportModel`: everything an export writes, gathered once from a catalog (sets, perimeters with their three
// WKB geometries, boundary runs), shared by the PostGIS, GeoJSON and CSV+WKB writers.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters

/// One perimeter set as exported (a list, or one EPCI's QIC), with its provenance.
struct ExportedSet {
    var id: Int
    var info: PerimeterSetInfo
    var packId: String
    var source: PackSource
    var importedAt: String
}

/// One perimeter as exported: attributes and its three geometries as WKB.
struct ExportedPerimeter {
    var id: Int
    var set: Int
    var record: PerimeterRecord
    var metricSRID: Int
    var sourceSRID: Int
    var wgs84WKB: [UInt8]
    var metricWKB: [UInt8]
    var sourceWKB: [UInt8]
}

/// Everything an export writes, gathered once from a catalog (geometries copied out of the packs).
struct ExportModel {
    static let boundaryRunSegments = 16

    let catalog: PerimeterCatalog
    let sets: [ExportedSet]
    let perimeters: [ExportedPerimeter]
    let registry: Registry
    let includesDemo: Bool
    let exportedAt: Date

    init(catalog: PerimeterCatalog, exportedAt: Date) throws {
        self.catalog = catalog
        self.registry = catalog.registry
        self.includesDemo = catalog.includesDemo || catalog.sets.contains { $0.info.isDemo }
        self.exportedAt = exportedAt
        sets = catalog.sets.enumerated().map { i, s in
            ExportedSet(id: i, info: s.info, packId: s.packId, source: s.source, importedAt: s.importedAt)
        }
        perimeters = catalog.perimeters.enumerated().map { i, p in
            let pack = catalog.packs[p.pack]
            return ExportedPerimeter(
                id: i, set: p.set, record: p.record, metricSRID: p.record.metricCRS, sourceSRID: p.containmentCRS.epsg,
                wgs84WKB: pack.withWKB(p.record.wgs84Geometry) { Array($0) },
                metricWKB: pack.withWKB(p.record.metricGeometry) { Array($0) },
                sourceWKB: pack.withWKB(p.record.geometry) { Array($0) })
        }
    }

    var metricSRIDs: [Int] { Array(Set(perimeters.map(\.metricSRID))).sorted() }
    var sourceSRIDs: [Int] { Array(Set(perimeters.map(\.sourceSRID))).sorted() }

    /// Metric SRIDs of the perimeters whose containment geometry is in `sourceSRID`.
    func metricSRIDs(withSource sourceSRID: Int) -> [Int] {
        Array(Set(perimeters.filter { $0.sourceSRID == sourceSRID }.map(\.metricSRID))).sorted()
    }

    func set(of p: ExportedPerimeter) -> ExportedSet { sets[p.set] }

    /// The boundary of a perimeter (every ring, in its metric CRS) cut into runs of at most
    /// `boundaryRunSegments` consecutive segments: the vertices are the pack's own, so the distance to the
    /// nearest run is exactly the distance to the nearest boundary (what `BoundaryIndex` computes).
    func boundaryRuns(_ p: ExportedPerimeter, context: GeosContext) throws -> [[Coordinate]] {
        let geometry = try Geometry(wkb: p.metricWKB, context: context)
        var runs: [[Coordinate]] = []
        for polygon in try geometry.polygons() {
            for ring in polygon where ring.count >= 2 {
                var start = 0
                while start < ring.count - 1 {
                    let end = min(start + ExportModel.boundaryRunSegments, ring.count - 1)
                    runs.append(Array(ring[start...end]))
                    start = end
                }
            }
        }
        return runs
    }

    /// The counts every export reports.
    func summary(_ format: ExportFormat) -> ExportSummary {
        var summary = ExportSummary(format: format)
        summary.perimeters = perimeters.count
        summary.sets = sets.count
        summary.officialLists = registry.lists.count
        summary.metricSRIDs = metricSRIDs
        summary.sourceSRIDs = sourceSRIDs
        summary.includesDemo = includesDemo
        return summary
    }

    /// Communes as "INSEE nom" pairs joined for flat formats.
    static func communesText(_ communes: [CommuneRef]) -> String {
        communeLabels(communes).joined(separator: ";")
    }

    /// "59295 Estrun" for each commune (the code alone when the name is unknown).
    static func communeLabels(_ communes: [CommuneRef]) -> [String] {
        communes.map { $0.name.isEmpty ? $0.insee : "\($0.insee) \($0.name)" }
    }
}
