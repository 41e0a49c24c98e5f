// QPVExport — qpv's perimeters for other engines: a psql script for PostgreSQL/PostGIS (tables, GiST
// indexes, and SQL functions `locate` / `locate_geom` that give the CLI's answers, ready for Citus reference
// tables), GeoJSON, and CSV with WKB geometries (DuckDB, Apache Sedona…). It owns the export formats, the
// SQL text they contain (identifiers, literals, COPY data) and the SQL mirror of the locate rules.
// This file: `ExportFormat`, `ExportError`, `ExportSummary` and `Exporter`, the entry point of `qpv export`.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular

/// The formats of `qpv export`.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// A psql script: schema, tables, COPY data, GiST indexes, SQL functions.
    case postgis
    /// A GeoJSON FeatureCollection (RFC 7946, WGS84), attributes as properties.
    case geojson
    /// CSV, one row per perimeter, geometries as hexadecimal WKB in WGS84, metric and source CRS.
    case csvWKB = "csv-wkb"
}

/// Errors of an export, in French.
public enum ExportError: Error, Sendable, CustomStringConvertible, LocalizedError {
    case noPackInstalled(dataDirectory: String)
    case invalidSchemaName(String, reason: String)
    case unsupportedText(field: String, owner: String, reason: String)
    case badGeometry(code: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .noPackInstalled(let dir):
            return
                "aucun périmètre installé dans \(dir) : rien à exporter. Installez une liste (qpv data import FICHIER) ou ajoutez --demo pour exporter le jeu de démonstration fictif"
        case .invalidSchemaName(let name, let reason):
            return
                "nom de schéma « \(name) » refusé : \(reason). Attendu : une lettre minuscule ou _, puis lettres minuscules, chiffres ou _ (63 octets au plus), par exemple qpv"
        case .unsupportedText(let field, let owner, let reason):
            return "\(owner), champ \(field) : \(reason)"
        case .badGeometry(let code, let reason):
            return "géométrie de \(code) inexportable : \(reason)"
        case .cannotWrite(let path, let reason):
            return "écriture de \(path) impossible : \(reason)"
        }
    }

    public var errorDescription: String? { description }
}

/// What an export wrote.
public struct ExportSummary: Sendable {
    public var format: ExportFormat
    public var perimeters = 0
    public var sets = 0
    public var officialLists = 0
    public var boundaryParts = 0
    public var includesDemo = false
    public var metricSRIDs: [Int] = []
    public var sourceSRIDs: [Int] = []
    public var bytes = 0
}

/// Exports a catalog's perimeters in one of the `ExportFormat`s.
public struct Exporter {
    public let catalog: PerimeterCatalog

    public init(catalog: PerimeterCatalog) { self.catalog = catalog }

    /// The catalog to export from a data directory: every installed pack, plus the fictional demonstration
    /// pack only when `demo` is true. Throws `noPackInstalled` when there is nothing to export.
    public static func catalog(dataDirectory: DataDirectory, demo: Bool) throws -> PerimeterCatalog {
        let registry = try Registry.shipped()
        var packs = try PackStore(dataDirectory: dataDirectory).openAll()
        if packs.isEmpty && !demo { throw ExportError.noPackInstalled(dataDirectory: dataDirectory.perimetersURL.path) }
        if demo {
            for d in try DemoData.compile(registry: registry) {
                packs.append(try PerimeterPack(manifest: d.manifest, geometry: d.geometry, path: "<démonstration>"))
            }
        }
        return try PerimeterCatalog(
            packs: packs, registry: registry, origin: .dataDirectory(dataDirectory.url.path), includesDemo: demo,
            areas: try AdminAreas.openAll(dataDirectory))
    }

    /// Writes the export to `path` (`-` for standard output). A file is an `OutputFile` (temporary name,
    /// renamed when complete): a failed export never leaves a truncated file behind.
    @discardableResult
    public func write(
        format: ExportFormat, schema: String = "qpv", to path: String, exportedAt: Date = Date(), postgis: PostGISOptions = PostGISOptions()
    ) throws -> ExportSummary {
        let identifier = try SQLIdentifier(schema)
        let model = try ExportModel(catalog: catalog, exportedAt: exportedAt)
        let sink: CSVWriter
        do {
            sink = try CSVWriter(path: path, dialect: CSVDialect())
        } catch {
            throw ExportError.cannotWrite(path: path, reason: "\(error)")
        }
        var summary: ExportSummary
        do {
            switch format {
            case .postgis: summary = try PostGISScript(model: model, schema: identifier, options: postgis).write(to: sink)
            case .geojson: summary = try GeoJSONExport(model: model).write(to: sink)
            case .csvWKB: summary = try CSVWKBExport(model: model).write(to: sink)
            }
            try sink.close()
            summary.bytes = sink.bytesWritten
        } catch {
            sink.abandon()
            if let e = error as? ExportError { throw e }
            throw ExportError.cannotWrite(path: path, reason: "\(error)")
        }
        return summary
    }
}
