// `PostGISScript` (`--format postgis`): the psql script that (re)creates the schema's tables, indexes and views
// and loads the data with COPY (or INSERTs with `PostGISOptions.plainSQL`) in one transaction.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular

/// `qpv export --format postgis`: one psql script, run in one transaction, that (re)creates in a schema:
///
/// - `official_list`: the registry of official lists (so `no_list` can name the missing list);
/// - `perimeter_set`: the sets (lists, QIC) with validity dates, legal basis, source file and sha256;
/// - `perimeter`: one row per perimeter with the set's attributes repeated, and three geometries:
///   `geom_4326` (WGS84, maps), `geom_metric` (metric CRS, SRID per row in `metric_srid`: Lambert-93 in the
///   Hexagone, local UTM overseas) and `geom_source` (the pack's containment geometry, in the source file's
///   CRS, SRID per row in `source_srid`), where the CLI decides containment;
/// - `perimeter_boundary`: each perimeter's boundary in runs of consecutive segments (nearest-boundary
///   distances by a GiST KNN scan);
/// - one view per metric SRID (`perimeter_2154`…) with a typed geometry column for GIS tools;
/// - the functions of `PostGISFunctions`.
///
/// Several SRIDs in one column: `geom_metric` and `geom_source` are untyped `geometry` columns whose SRID
/// is checked against the row's `metric_srid` / `source_srid`, with one partial GiST index per SRID. Every
/// query the functions run names the SRID as a constant, so it uses that SRID's partial index and never
/// compares geometries of two SRIDs. One table (rather than one per CRS) keeps a single reference table
/// per kind of row on Citus and lets a perimeter's three geometries live on one row.
///
/// Re-runnable over a previous load, even when the user built views or functions on its tables: the tables
/// are created if absent and their rows replaced in place (`TRUNCATE` then load), the views and functions
/// are `CREATE OR REPLACE`d; nothing is dropped. `PostGISOptions.createExtension` off leaves
/// `CREATE EXTENSION postgis` to the administrator; `plainSQL` writes `INSERT` statements instead of psql's
/// `COPY … FROM stdin` and `\set` (pgAdmin, DBeaver, JDBC).
struct PostGISScript {
    let model: ExportModel
    let schema: SQLIdentifier
    var options = PostGISOptions()

    static let listColumns = [
        "list_id", "ordinal", "kind", "vintage", "territory", "label", "valid_from", "valid_to", "legal_basis", "end_basis", "uncertain",
        "period_fr", "install_hint", "missing_message", "installed",
    ]
    static let setColumns = [
        "set_id", "pack_id", "list_id", "kind", "vintage", "territory", "label", "valid_from", "valid_to", "legal_basis", "uncertain",
        "is_demo", "coverage_min_lon", "coverage_min_lat", "coverage_max_lon", "coverage_max_lat", "epci_name", "perimeter_count",
        "source_file", "source_sha256", "source_format", "source_srid", "source_byte_count", "imported_at",
        "coverage_complete", "coverage_departements", "epci_siren",
    ]
    static let zoneColumns = ["zone_id", "kind", "code", "name", "metric_srid", "members", "geom"]
    static let perimeterColumns = [
        "perimeter_id", "set_id", "code", "name", "kind", "vintage", "territory", "valid_from", "valid_to", "legal_basis", "list_id",
        "is_demo", "source_file", "source_sha256", "departement", "epci_siren", "epci_name", "communes", "area_m2", "feature_count",
        "repairs", "metric_srid", "source_srid", "geom_4326", "geom_metric", "geom_source",
    ]
    static let boundaryColumns = ["perimeter_id", "part", "set_id", "metric_srid", "geom"]

    /// Every metric CRS qpv may use (views of a previous export are dropped even if absent now).
    static let allMetricSRIDs = Array(Set(FrenchTerritory.allCases.map(\.metricCRS.epsg))).sorted()

    func write(to sink: CSVWriter) throws -> ExportSummary {
        var summary = model.summary(.postgis)
        let s = schema.quoted
        func out(_ text: String) throws { try sink.write(encoded: Array((text + "\n").utf8)) }
        func emit(_ text: String) throws { if !text.isEmpty { try out(text) } }

        try out(
            """
            -- qpv \(QPVPerimetersInfo.version) : périmètres de la politique de la ville pour PostgreSQL/PostGIS.
            -- \(model.perimeters.count) périmètres, \(model.sets.count) listes ou jeux\(model.includesDemo ? ", dont le jeu de DÉMONSTRATION fictif" : "").
            -- Chargement : \(options.plainSQL ? "SQL standard sans commande psql : l'exécuter tel quel (pgAdmin, DBeaver, JDBC, psql -f)" : "psql -v ON_ERROR_STOP=1 -d BASE -f FICHIER.sql") (PostGIS 3 requis ; une seule transaction).
            -- Rechargeable : tables créées si absentes, lignes remplacées (TRUNCATE), vues et fonctions CREATE OR REPLACE ;
            -- les vues faites sur ces tables restent en place.
            -- Interrogation : SELECT * FROM \(schema.name).locate(2.6303, 50.5297, DATE '2024-06-01');
            \(options.plainSQL ? "-- (sans \\\\set : arrêter à la première erreur dans l'outil utilisé)" : "\\set ON_ERROR_STOP on")
            SET client_encoding = 'UTF8';
            SET standard_conforming_strings = on;
            SET client_min_messages = warning;
            BEGIN;
            \(options.createExtension ? "CREATE EXTENSION IF NOT EXISTS postgis;" : "-- CREATE EXTENSION postgis laissé à l'administrateur (--no-create-extension)")
            CREATE SCHEMA IF NOT EXISTS \(s);
            """)

        // Nothing of a previous load is dropped (a user view on these tables stays valid): tables are created
        // when absent and emptied, then filled again.
        let functions = PostGISFunctions(model: model, schema: schema).statements()
        try out(
            """

            CREATE TABLE IF NOT EXISTS \(s).export_info (key text PRIMARY KEY, value text NOT NULL);
            CREATE TABLE IF NOT EXISTS \(s).official_list (
              list_id text PRIMARY KEY, ordinal integer NOT NULL, kind text NOT NULL, vintage text NOT NULL, territory text NOT NULL,
              label text NOT NULL, valid_from date NOT NULL, valid_to date, legal_basis text NOT NULL, end_basis text, uncertain text,
              period_fr text NOT NULL, install_hint text NOT NULL, missing_message text NOT NULL, installed boolean NOT NULL);
            CREATE TABLE IF NOT EXISTS \(s).perimeter_set (
              set_id integer PRIMARY KEY, pack_id text NOT NULL, list_id text, kind text NOT NULL CHECK (kind IN ('qpv', 'qic')),
              vintage text NOT NULL, territory text NOT NULL, label text NOT NULL, valid_from date, valid_to date,
              legal_basis text NOT NULL, uncertain text, is_demo boolean NOT NULL,
              coverage_min_lon double precision, coverage_min_lat double precision, coverage_max_lon double precision, coverage_max_lat double precision,
              epci_name text, perimeter_count integer NOT NULL, source_file text NOT NULL, source_sha256 text NOT NULL,
              source_format text NOT NULL, source_srid integer NOT NULL, source_byte_count bigint NOT NULL, imported_at text NOT NULL,
              coverage_complete boolean, coverage_departements text[], epci_siren text);
            CREATE TABLE IF NOT EXISTS \(s).admin_zone (
              zone_id integer PRIMARY KEY, kind text NOT NULL CHECK (kind IN ('departement', 'epci')), code text NOT NULL, name text NOT NULL,
              metric_srid integer NOT NULL, members text[] NOT NULL,
              geom geometry(MultiPolygon) NOT NULL CHECK (ST_SRID(geom) = metric_srid), outline geometry);
            CREATE TABLE IF NOT EXISTS \(s).perimeter (
              perimeter_id integer PRIMARY KEY, set_id integer NOT NULL REFERENCES \(s).perimeter_set (set_id),
              code text NOT NULL, name text NOT NULL, kind text NOT NULL, vintage text NOT NULL, territory text NOT NULL,
              valid_from date, valid_to date, legal_basis text NOT NULL, list_id text, is_demo boolean NOT NULL,
              source_file text NOT NULL, source_sha256 text NOT NULL,
              departement text, epci_siren text, epci_name text, communes jsonb NOT NULL, area_m2 double precision NOT NULL,
              feature_count integer NOT NULL, repairs jsonb NOT NULL,
              metric_srid integer NOT NULL, source_srid integer NOT NULL,
              geom_4326 geometry(MultiPolygon, 4326) NOT NULL,
              geom_metric geometry(MultiPolygon) NOT NULL CHECK (ST_SRID(geom_metric) = metric_srid),
              geom_source geometry(MultiPolygon) NOT NULL CHECK (ST_SRID(geom_source) = source_srid));
            CREATE TABLE IF NOT EXISTS \(s).perimeter_boundary (
              perimeter_id integer NOT NULL REFERENCES \(s).perimeter (perimeter_id), part integer NOT NULL,
              set_id integer NOT NULL, metric_srid integer NOT NULL,
              geom geometry(LineString) NOT NULL CHECK (ST_SRID(geom) = metric_srid),
              PRIMARY KEY (perimeter_id, part));
            TRUNCATE \(s).perimeter_boundary, \(s).perimeter, \(s).perimeter_set, \(s).official_list, \(s).export_info, \(s).admin_zone;

            """)

        // Data.
        let iso = ISO8601DateFormatter()
        try emit(begin("export_info", ["key", "value"]))
        for row in [
            ["qpv_version", QPVPerimetersInfo.version], ["exported_at", iso.string(from: model.exportedAt)],
            ["includes_demo", model.includesDemo ? "true" : "false"], ["perimeter_count", String(model.perimeters.count)],
            ["set_count", String(model.sets.count)], ["boundary_run_segments", String(ExportModel.boundaryRunSegments)],
        ] {
            try emit(dataRow(row, ["key", "value"], owner: "export_info"))
        }
        try emit(end())

        let installedLists = Set(model.sets.compactMap(\.info.listId))
        try emit(begin("official_list", PostGISScript.listColumns))
        for (ordinal, l) in model.registry.lists.enumerated() {
            let row: [String?] = [
                l.id, String(ordinal), l.kind.rawValue, l.vintage, l.territory.description, l.label, l.validFrom.description,
                l.validTo?.description, l.legalBasis, l.endBasis, l.uncertain, l.periodFrench, l.installHint,
                Locator.noListProblem(missing: l, territory: l.territory, dateFrench: ""), installedLists.contains(l.id) ? "t" : "f",
            ]
            try emit(dataRow(row, PostGISScript.listColumns, owner: "liste officielle \(l.id)"))
        }
        try emit(end())

        try emit(begin("perimeter_set", PostGISScript.setColumns))
        for set in model.sets {
            let i = set.info
            let row: [String?] = [
                String(set.id), set.packId, i.listId, i.kind.rawValue, i.vintage, i.territory.description, i.label,
                i.validFrom?.description, i.validTo?.description, i.legalBasis, i.uncertain, i.isDemo ? "t" : "f",
                i.coverage.map { PostGISFunctions.number($0.minX) }, i.coverage.map { PostGISFunctions.number($0.minY) },
                i.coverage.map { PostGISFunctions.number($0.maxX) }, i.coverage.map { PostGISFunctions.number($0.maxY) },
                i.epciName, String(i.perimeterCount), set.source.fileName, set.source.sha256, set.source.format,
                String(set.source.crs), String(set.source.byteCount), set.importedAt,
                model.catalog.coverages[set.id].map { $0.complete ? "t" : "f" },
                model.catalog.coverages[set.id].map { "{" + $0.departements.joined(separator: ",") + "}" },
                { if case .epci(let siren) = i.territory { return siren } else { return nil } }(),
            ]
            try emit(dataRow(row, PostGISScript.setColumns, owner: "jeu « \(i.label) »"))
        }
        try emit(end())

        let encoder = CompactJSONEncoder.foundationEncoder()
        try emit(begin("perimeter", PostGISScript.perimeterColumns))
        for p in model.perimeters {
            let set = model.set(of: p)
            let i = set.info
            let r = p.record
            let row: [String?] = [
                String(p.id), String(p.set), r.code, r.name, i.kind.rawValue, i.vintage, i.territory.description,
                i.validFrom?.description, i.validTo?.description, i.legalBasis, i.listId, i.isDemo ? "t" : "f",
                set.source.fileName, set.source.sha256, r.departement, r.epciSiren, r.epciName,
                String(decoding: try encoder.encode(r.communes), as: UTF8.self), PostGISFunctions.number(r.areaM2), String(r.featureCount),
                String(decoding: try encoder.encode(r.repairs), as: UTF8.self), String(p.metricSRID), String(p.sourceSRID),
                WKBEncoding.hex(try WKBEncoding.ewkbMultiPolygon(p.wgs84WKB, srid: 4326, code: r.code)),
                WKBEncoding.hex(try WKBEncoding.ewkbMultiPolygon(p.metricWKB, srid: p.metricSRID, code: r.code)),
                WKBEncoding.hex(try WKBEncoding.ewkbMultiPolygon(p.sourceWKB, srid: p.sourceSRID, code: r.code)),
            ]
            try emit(dataRow(row, PostGISScript.perimeterColumns, owner: "périmètre \(r.code)"))
        }
        try emit(end())

        // Installed commune data (départements, EPCI): coverage of partial lists and scope of QIC.
        try emit(begin("admin_zone", PostGISScript.zoneColumns))
        var zoneId = 0
        for areas in model.catalog.areas {
            for (z, zone) in areas.manifest.zones.enumerated() {
                let row: [String?] = [
                    String(zoneId), zone.kind.rawValue, zone.code, zone.name, String(zone.metricCRS), "{" + zone.members.joined(separator: ",") + "}",
                    WKBEncoding.hex(try WKBEncoding.ewkbMultiPolygon(areas.wkb(zone: z), srid: zone.metricCRS, code: zone.code)),
                ]
                try emit(dataRow(row, PostGISScript.zoneColumns, owner: "zone \(zone.kind.rawValue) \(zone.code)"))
                zoneId += 1
            }
        }
        try emit(end())
        try out("UPDATE \(s).admin_zone SET outline = ST_Boundary(geom);")

        let geos = try GeosContext()
        try emit(begin("perimeter_boundary", PostGISScript.boundaryColumns))
        for p in model.perimeters {
            for (k, run) in try model.boundaryRuns(p, context: geos).enumerated() {
                let hex = WKBEncoding.hex(WKBEncoding.ewkbLineString(run, srid: p.metricSRID))
                try emit(
                    dataRow(
                        [String(p.id), String(k), String(p.set), String(p.metricSRID), hex], PostGISScript.boundaryColumns,
                        owner: "limite \(p.record.code)"))
                summary.boundaryParts += 1
            }
        }
        try emit(end())

        // Indexes: one partial GiST index per SRID for the mixed-SRID columns.
        try out("")
        try out("CREATE INDEX IF NOT EXISTS perimeter_geom_4326_gist ON \(s).perimeter USING gist (geom_4326);")
        try out("CREATE INDEX IF NOT EXISTS perimeter_set_id_idx ON \(s).perimeter (set_id);")
        for srid in model.metricSRIDs {
            try out(
                "CREATE INDEX IF NOT EXISTS perimeter_metric_\(srid)_gist ON \(s).perimeter USING gist (geom_metric) WHERE metric_srid = \(srid);")
            try out(
                "CREATE INDEX IF NOT EXISTS perimeter_boundary_\(srid)_gist ON \(s).perimeter_boundary USING gist (geom) WITH (buffering = on, fillfactor = 10) WHERE metric_srid = \(srid);"
            )
        }
        for srid in model.sourceSRIDs {
            try out(
                "CREATE INDEX IF NOT EXISTS perimeter_source_\(srid)_gist ON \(s).perimeter USING gist (geom_source) WITH (buffering = on, fillfactor = 10) WHERE source_srid = \(srid);"
            )
        }
        for srid in model.metricSRIDs {
            try out(
                "CREATE OR REPLACE VIEW \(schema.qualified("perimeter_\(srid)")) AS SELECT perimeter_id, set_id, code, name, kind, vintage, territory, valid_from, valid_to, legal_basis, source_file, source_sha256, geom_metric::geometry(MultiPolygon, \(srid)) AS geom FROM \(s).perimeter WHERE metric_srid = \(srid);"
            )
        }
        try out("")
        for f in functions { try out(f.create.replacingOccurrences(of: "CREATE FUNCTION", with: "CREATE OR REPLACE FUNCTION")) }
        try out(
            """
            COMMENT ON SCHEMA \(s) IS \(SQLText.literal("Périmètres de la politique de la ville exportés par qpv \(QPVPerimetersInfo.version) (QPV, QIC), avec les fonctions locate et locate_geom"));
            COMMENT ON FUNCTION \(s).locate(double precision, double precision, date, double precision, text) IS \(SQLText.literal("Statut d'un point WGS84 (lon, lat) à une date, comme qpv locate : in, out, boundary (à moins de tolerance_m mètres d'une limite), not_covered (hors des quartiers d'une liste partielle dont la couverture n'inclut pas sûrement le point ; QIC : EPCI du point indéterminé), not_applicable (QIC : point hors de l'EPCI des QIC), no_list (liste en vigueur non chargée, nommée dans missing_list), invalid_coordinates. code et name : périmètres contenant le point, séparés par « ; » ; distance_boundary_m : distance à la limite la plus proche, en mètres, dans le système métrique du territoire."));
            COMMENT ON FUNCTION \(s).locate(text, text, date, double precision, text) IS \(SQLText.literal("Comme locate(double precision, …) pour des coordonnées en texte (virgule décimale acceptée) : une valeur non numérique donne invalid_coordinates au lieu d'une erreur."));
            COMMENT ON FUNCTION \(s).locate_geom(geometry, date, double precision, text) IS \(SQLText.literal("Comme locate pour un point PostGIS de SRID quelconque (transformé en WGS84)."));
            ANALYZE \(s).official_list;
            ANALYZE \(s).perimeter_set;
            ANALYZE \(s).perimeter;
            ANALYZE \(s).perimeter_boundary;
            ANALYZE \(s).admin_zone;
            COMMIT;
            """)
        return summary
    }

    /// The table and columns of the data block being written, and its pending INSERT rows (plain SQL).
    private final class Block {
        var table = ""
        var columns: [String] = []
        var pending: [String] = []
    }
    private let block = Block()

    /// Starts the rows of `table`: `COPY … FROM stdin` (psql), or nothing yet (INSERTs in plain SQL).
    private func begin(_ table: String, _ columns: [String]) throws -> String {
        block.table = table
        block.columns = columns
        block.pending = []
        return options.plainSQL ? "" : "COPY \(schema.qualified(table)) (\(columns.joined(separator: ", "))) FROM stdin;"
    }

    /// One row: a COPY line, or a VALUES tuple of the next INSERT; every text must be storable (`SQLText.check`).
    private func dataRow(_ row: [String?], _ columns: [String], owner: String) throws -> String {
        precondition(row.count == columns.count)
        for (column, value) in zip(columns, row) { if let value { try SQLText.check(value, field: column, owner: owner) } }
        if !options.plainSQL { return row.map(SQLText.copyField).joined(separator: "\t") }
        block.pending.append("(" + row.map(SQLText.literal).joined(separator: ", ") + ")")
        return block.pending.count >= 200 ? flushInserts() : ""
    }

    /// Ends the block: `\.` (COPY), or the last INSERT.
    private func end() throws -> String { options.plainSQL ? flushInserts() : "\\." }

    private func flushInserts() -> String {
        guard !block.pending.isEmpty else { return "" }
        let text =
            "INSERT INTO \(schema.qualified(block.table)) (\(block.columns.joined(separator: ", "))) VALUES\n"
            + block.pending.joined(separator: ",\n") + ";"
        block.pending = []
        return text
    }
}

/// How the PostGIS script is written (`qpv export --format postgis`).
public struct PostGISOptions: Sendable {
    /// `CREATE EXTENSION IF NOT EXISTS postgis` at the start (off: `--no-create-extension`, for a user who may
    /// not create extensions; PostGIS must then already be installed in the database).
    public var createExtension = true
    /// Plain SQL (INSERT statements, no psql meta-command) instead of psql's COPY blocks (`--plain-sql`).
    public var plainSQL = false

    public init(createExtension: Bool = true, plainSQL: Bool = false) {
        self.createExtension = createExtension
        self.plainSQL = plainSQL
    }
}
