// The flat exports: `GeoJSONExport` (`--format geojson`) and `CSVWKBExport` (`--format csv-wkb`), with the
// attribute columns they share (`PerimeterAttributes`).

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular

/// Attributes shared by the flat formats (GeoJSON properties, CSV columns), in this order.
struct PerimeterAttributes {
    static let names = [
        "perimeter_id", "set_id", "code", "name", "kind", "vintage", "territory", "valid_from", "valid_to", "legal_basis", "list_id",
        "is_demo", "source_file", "source_sha256", "departement", "epci_siren", "epci_name", "communes", "area_m2", "metric_srid",
        "source_srid",
    ]

    /// Values as text (nil = absent); booleans `true`/`false`, numbers exact.
    static func values(_ p: ExportedPerimeter, _ model: ExportModel) -> [String?] {
        let set = model.set(of: p)
        let i = set.info
        let r = p.record
        return [
            String(p.id), String(p.set), r.code, r.name, i.kind.rawValue, i.vintage, i.territory.description, i.validFrom?.description,
            i.validTo?.description, i.legalBasis, i.listId, i.isDemo ? "true" : "false", set.source.fileName, set.source.sha256,
            r.departement, r.epciSiren, r.epciName, ExportModel.communesText(r.communes), PostGISFunctions.number(r.areaM2),
            String(p.metricSRID), String(p.sourceSRID),
        ]
    }

    /// Properties whose values are JSON numbers or booleans rather than strings.
    static let nonStrings: Set<String> = ["perimeter_id", "set_id", "is_demo", "area_m2", "metric_srid", "source_srid"]
}

/// `qpv export --format geojson`: a FeatureCollection in WGS84 (RFC 7946), exact coordinates, one feature
/// per perimeter with its attributes; the export's provenance in a foreign member `qpv`.
struct GeoJSONExport {
    let model: ExportModel

    func write(to sink: CSVWriter) throws -> ExportSummary {
        let summary = model.summary(.geojson)
        let iso = ISO8601DateFormatter()
        let head =
            "{\"type\":\"FeatureCollection\",\"qpv\":{\"version\":\(jsonQuoted(QPVPerimetersInfo.version)),\"exported_at\":\(jsonQuoted(iso.string(from: model.exportedAt))),\"includes_demo\":\(model.includesDemo)},\"features\":[\n"
        try sink.write(encoded: Array(head.utf8))
        let geos = try GeosContext()
        for (k, p) in model.perimeters.enumerated() {
            var props: [String] = []
            for (name, value) in zip(PerimeterAttributes.names, PerimeterAttributes.values(p, model)) {
                // `communes` is an array of "INSEE nom" strings, as in `qpv perimeters show --format geojson`.
                let json =
                    name == "communes"
                    ? "[" + ExportModel.communeLabels(p.record.communes).map(jsonQuoted).joined(separator: ",") + "]"
                    : value.map { PerimeterAttributes.nonStrings.contains(name) ? $0 : jsonQuoted($0) } ?? "null"
                props.append(jsonQuoted(name) + ":" + json)
            }
            let geometry = GeoJSONGeometry.text(polygons: try Geometry(wkb: p.wgs84WKB, context: geos).polygons(), decimals: nil, multi: true)
            let feature = "{\"type\":\"Feature\",\"id\":\(p.id),\"properties\":{\(props.joined(separator: ","))},\"geometry\":\(geometry)}"
            try sink.write(encoded: Array(((k > 0 ? ",\n" : "") + feature).utf8))
        }
        try sink.write(encoded: Array("\n]}\n".utf8))
        return summary
    }
}

/// `qpv export --format csv-wkb`: one CSV row per perimeter, the attributes then each geometry as
/// hexadecimal ISO WKB (MultiPolygon, no SRID inside: the SRIDs are columns) — `ST_GeomFromHEXWKB` in
/// DuckDB, `ST_GeomFromWKB` in Sedona.
struct CSVWKBExport {
    let model: ExportModel

    static let geometryColumns = ["geom_4326_wkb", "geom_metric_wkb", "geom_source_wkb"]

    func write(to sink: CSVWriter) throws -> ExportSummary {
        let summary = model.summary(.csvWKB)
        try sink.writeRow(PerimeterAttributes.names + CSVWKBExport.geometryColumns)
        for p in model.perimeters {
            let code = p.record.code
            let geometries = try [p.wgs84WKB, p.metricWKB, p.sourceWKB].map { WKBEncoding.hex(try WKBEncoding.multiPolygon($0, code: code)) }
            try sink.writeRow(PerimeterAttributes.values(p, model).map { $0 ?? "" } + geometries)
        }
        return summary
    }
}
