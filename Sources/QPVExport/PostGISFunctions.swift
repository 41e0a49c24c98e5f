// `PostGISFunctions`: the SQL mirror of the `Locator` written into the PostGIS script (`locate`, `locate_geom`
// and their helpers), each mirroring one Swift rule (territory, metric CRS, coverage, QIC scope, no-list text).

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters

/// The SQL mirror of `Locator`: functions generated for one export (the metric and source SRIDs present, the
/// territory boxes of `FrenchTerritory.boxes`, the no-list sentences of `Locator.noListProblem`), so that
/// PostgreSQL answers exactly what `qpv locate` answers.
///
/// `locate` is a `LANGUAGE sql STABLE` set-returning function made of one SELECT: PostgreSQL inlines it into
/// the calling query (no per-call interpreter), and on Citus the inlined query joins the distributed table
/// with reference tables only, which every worker holds locally.
struct PostGISFunctions {
    let model: ExportModel
    let schema: SQLIdentifier

    /// Placeholder the no-list sentences are built with, then replaced by a call to `french_date`.
    private static let dateToken = "\u{1}DATE\u{1}"

    /// Every function, in creation order, as (signature for DROP, CREATE statement).
    func statements() -> [(signature: String, create: String)] {
        let s = schema.quoted
        return [
            ("\(s)._fail(text, anyelement)", failFunction),
            ("\(s).french_date(date)", frenchDateFunction),
            ("\(s).zone(double precision, double precision)", zoneFunction),
            ("\(s).zone_metric_srid(text)", zoneMetricSRIDFunction),
            ("\(s).metric_srid(double precision, double precision)", metricSRIDFunction),
            ("\(s).coordinate_problem(double precision, double precision)", coordinateProblemFunction),
            ("\(s).zone_territory(text, double precision, double precision)", zoneTerritoryFunction),
            ("\(s).list_territory(double precision, double precision)", listTerritoryFunction),
            ("\(s).outside_message(double precision, double precision)", outsideMessageFunction),
            ("\(s).check_arguments(date, double precision, text)", checkArgumentsFunction),
            ("\(s).parse_coordinate(text)", parseCoordinateFunction),
            ("\(s).coverage(text, integer[], geometry)", coverageFunction),
            ("\(s).locate(double precision, double precision, date, double precision, text)", locateFunction),
            ("\(s).locate(text, text, date, double precision, text)", locateTextFunction),
            ("\(s).checked_point(geometry)", checkedPointFunction),
            ("\(s).locate_geom(geometry, date, double precision, text)", locateGeomFunction),
        ]
    }

    /// Replaces `@S@` (quoted schema) and `@N@` (bare schema name, validated, for messages).
    private func fill(_ template: String) -> String {
        template.replacingOccurrences(of: "@S@", with: schema.quoted).replacingOccurrences(of: "@N@", with: schema.name)
    }

    /// A double as SQL writes it back exactly (shortest round-trip decimal).
    static func number(_ x: Double) -> String { "\(x)" }

    static let resultColumns = """
        status text, code text, name text, kind text, vintage text, distance_boundary_m double precision,
            missing_list text, problem text
        """

    private var failFunction: String {
        fill(
            """
            CREATE FUNCTION @S@._fail(message text, result_type anyelement) RETURNS anyelement
            LANGUAGE plpgsql STABLE PARALLEL SAFE AS $f$
            BEGIN
              RAISE EXCEPTION USING MESSAGE = message, ERRCODE = '22023';
            END
            $f$;
            """)
    }

    private var frenchDateFunction: String {
        fill(
            """
            CREATE FUNCTION @S@.french_date(d date) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
              SELECT CASE WHEN extract(day FROM d) = 1 THEN '1er' ELSE extract(day FROM d)::integer::text END
                || ' ' || (ARRAY['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre',
                                 'octobre', 'novembre', 'décembre'])[extract(month FROM d)::integer]
                || ' ' || extract(year FROM d)::integer::text
            $f$;
            """)
    }

    /// `FrenchTerritory.of`: the same boxes, in the same order, bounds included.
    private var zoneFunction: String {
        let cases = FrenchTerritory.boxes.map { t, b in
            "    WHEN lon >= \(Self.number(b.minX)) AND lon <= \(Self.number(b.maxX)) AND lat >= \(Self.number(b.minY)) AND lat <= \(Self.number(b.maxY)) THEN '\(t.rawValue)'"
        }.joined(separator: "\n")
        return fill(
            """
            CREATE FUNCTION @S@.zone(lon double precision, lat double precision) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
              SELECT CASE
            \(cases)
                ELSE '\(FrenchTerritory.unknown.rawValue)' END
            $f$;
            """)
    }

    /// `FrenchTerritory.metricCRS`.
    private var zoneMetricSRIDFunction: String {
        let cases = FrenchTerritory.allCases.map { "WHEN '\($0.rawValue)' THEN \($0.metricCRS.epsg)" }.joined(separator: " ")
        return fill(
            """
            CREATE FUNCTION @S@.zone_metric_srid(zone text) RETURNS integer
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
              SELECT CASE zone \(cases) END
            $f$;
            """)
    }

    /// `CRS.metricCRS(lon:lat:)`.
    private var metricSRIDFunction: String {
        fill(
            """
            CREATE FUNCTION @S@.metric_srid(lon double precision, lat double precision) RETURNS integer
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
              SELECT @S@.zone_metric_srid(@S@.zone(lon, lat))
            $f$;
            """)
    }

    /// `Locator.coordinateProblem` (NULL stands for the CLI's missing or non-numeric value).
    private var coordinateProblemFunction: String {
        fill(
            """
            CREATE FUNCTION @S@.coordinate_problem(lon double precision, lat double precision) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
              SELECT CASE
                WHEN lon IS NULL OR lat IS NULL OR lon = 'NaN' OR lat = 'NaN' THEN 'coordonnées absentes ou non numériques'
                WHEN lon IN ('Infinity', '-Infinity') OR lat IN ('Infinity', '-Infinity') THEN 'coordonnées non finies'
                WHEN lon < -180 OR lon > 180 THEN 'longitude ' || lon::text || ' hors de [-180, 180]'
                WHEN lat < -90 OR lat > 90 THEN 'latitude ' || lat::text || ' hors de [-90, 90]'
              END
            $f$;
            """)
    }

    /// `PerimeterCatalog.territory` for a point of `zone`: the demonstration area first (when the export
    /// holds the demo pack), then the Hexagone or overseas; NULL outside France.
    private var zoneTerritoryFunction: String {
        let demo =
            model.sets.contains { $0.info.isDemo }
            ? """
              WHEN EXISTS (SELECT 1 FROM @S@.perimeter_set s WHERE s.is_demo AND lon >= s.coverage_min_lon AND lon <= s.coverage_max_lon
                           AND lat >= s.coverage_min_lat AND lat <= s.coverage_max_lat) THEN 'demo'
            """ : ""
        return fill(
            """
            CREATE FUNCTION @S@.zone_territory(zone text, lon double precision, lat double precision) RETURNS text
            LANGUAGE sql STABLE PARALLEL SAFE AS $f$
              SELECT CASE
            \(demo)    WHEN zone = '\(FrenchTerritory.unknown.rawValue)' THEN NULL
                WHEN zone = '\(FrenchTerritory.hexagone.rawValue)' THEN '\(ListTerritory.hexagone)'
                ELSE '\(ListTerritory.outreMer)' END
            $f$;
            """)
    }

    private var listTerritoryFunction: String {
        fill(
            """
            CREATE FUNCTION @S@.list_territory(lon double precision, lat double precision) RETURNS text
            LANGUAGE sql STABLE PARALLEL SAFE AS $f$
              SELECT @S@.zone_territory(@S@.zone(lon, lat), lon, lat)
            $f$;
            """)
    }

    /// `Locator.outsideFranceMessage` (numbers written as PostgreSQL writes them).
    private var outsideMessageFunction: String {
        fill(
            """
            CREATE FUNCTION @S@.outside_message(lon double precision, lat double precision) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
              SELECT 'point (' || lon::text || ', ' || lat::text || ') ' || CASE WHEN @S@.zone(lat, lon) <> 'unknown'
                THEN 'hors de France ; latitude et longitude semblent inversées (la longitude vient en premier)'
                ELSE 'hors de la France hexagonale et des outre-mer concernés par la politique de la ville' END
            $f$;
            """)
    }

    private var checkArgumentsFunction: String {
        fill(
            """
            CREATE FUNCTION @S@.check_arguments(on_date date, tolerance_m double precision, perimeter_kind text) RETURNS boolean
            LANGUAGE sql STABLE PARALLEL SAFE AS $f$
              SELECT CASE
                WHEN on_date IS NULL THEN @S@._fail('@N@.locate : on_date est NULL ; indiquez la date à laquelle la question est posée (current_date par défaut)', true)
                WHEN tolerance_m IS NULL OR tolerance_m = 'NaN' OR tolerance_m < 0 THEN
                  @S@._fail('@N@.locate : tolerance_m doit être un nombre positif de mètres (reçu ' || coalesce(tolerance_m::text, 'NULL') || ')', true)
                WHEN perimeter_kind IS NULL OR perimeter_kind NOT IN ('qpv', 'qic') THEN
                  @S@._fail('@N@.locate : perimeter_kind vaut ''qpv'' ou ''qic'' (reçu ' || coalesce(quote_literal(perimeter_kind), 'NULL') || ')', true)
                ELSE true END
            $f$;
            """)
    }

    /// `LocateResult.parseCoordinate`: trims, accepts one decimal comma, NULL when not a finite number.
    private var parseCoordinateFunction: String {
        fill(
            """
            CREATE FUNCTION @S@.parse_coordinate(value text) RETURNS double precision
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
              SELECT CASE WHEN v ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$'
                          THEN CASE WHEN abs(v::numeric) <= 1.7976931348623157e308 THEN v::double precision END END
              FROM (SELECT CASE WHEN t NOT LIKE '%.%' AND length(t) - length(replace(t, ',', '')) = 1
                                THEN replace(t, ',', '.') ELSE t END AS v
                    FROM (SELECT btrim(value, E' \\t') AS t) x) y
            $f$;
            """)
    }

    /// The no-list sentence of `Locator.noListProblem` when the registry names no list, per territory.
    private var noRegistryListProblem: String {
        let cases = [ListTerritory.hexagone, .outreMer, .demo].map { t -> String in
            let sentence = Locator.noListProblem(missing: nil, territory: t, dateFrench: Self.dateToken)
            let parts = sentence.components(separatedBy: Self.dateToken)
            let sql = parts.map { SQLText.literal($0) }.joined(separator: " || @S@.french_date(w.on_date) || ")
            return "WHEN '\(t)' THEN \(sql)"
        }.joined(separator: "\n              ")
        return
            "CASE WHEN w.kind = 'qic' THEN 'aucun QIC en vigueur le ' || @S@.french_date(w.on_date) || ' pour ce point'\n            ELSE CASE w.territory \(cases) END END"
    }

    /// Containment, one branch per source SRID, exactly as the CLI decides it: GEOS-equivalent
    /// `ST_Contains` on the pack's containment geometry (source CRS), the point transformed to that CRS only
    /// for the metric SRIDs that need it (gate evaluated first), on the perimeters of the sets in force whose
    /// metric CRS is the point's.
    private var containmentBranches: String {
        model.sourceSRIDs.map { srid -> String in
            let gate = model.metricSRIDs(withSource: srid).map(String.init).joined(separator: ", ")
            let point = srid == 4326 ? "t.pt" : "ST_Transform(t.pt, \(srid))"
            return """
                    SELECT q.code, q.name FROM @S@.perimeter q
                     WHERE t.msrid IN (\(gate)) AND s.sets IS NOT NULL
                       AND q.source_srid = \(srid) AND q.metric_srid = t.msrid AND q.set_id = ANY (s.sets)
                       AND q.geom_source && \(point)
                       AND CASE WHEN q.source_srid = \(srid) THEN ST_Contains(q.geom_source, \(point)) ELSE false END
                """
        }.joined(separator: "\n        UNION ALL\n")
    }

    /// Nearest boundary, one branch per metric SRID: a KNN scan of the partial GiST index of that SRID.
    private var distanceCases: String {
        model.metricSRIDs.map { srid in
            """
                    WHEN \(srid) THEN (SELECT b.geom <-> t.pm AS d FROM @S@.perimeter_boundary b
                                     WHERE b.metric_srid = \(srid) AND b.set_id = ANY (s.sets)
                                     ORDER BY b.geom <-> t.pm LIMIT 1)
            """
        }.joined(separator: "\n")
    }

    private var locateFunction: String {
        let hits =
            model.perimeters.isEmpty
            ? "NULL::text[]"
            : "(SELECT ARRAY[string_agg(h.code, ';' ORDER BY h.code COLLATE \"C\"), string_agg(h.name, ';' ORDER BY h.code COLLATE \"C\")]\n           FROM (\n\(containmentBranches)\n           ) h)"
        let distance = model.perimeters.isEmpty ? "NULL::double precision" : "CASE t.msrid\n\(distanceCases)\n         END"
        return fill(
            """
            CREATE FUNCTION @S@.locate(lon double precision, lat double precision, on_date date DEFAULT current_date,
                                       tolerance_m double precision DEFAULT 20, perimeter_kind text DEFAULT 'qpv')
            RETURNS TABLE (\(Self.resultColumns))
            LANGUAGE sql STABLE PARALLEL SAFE AS $f$
            SELECT
              CASE WHEN w.problem IS NOT NULL THEN 'invalid_coordinates'
                   WHEN w.sets IS NULL THEN 'no_list'
                   WHEN w.distance < w.tolerance_m THEN 'boundary'
                   WHEN w.hits[1] IS NOT NULL THEN 'in'
                   WHEN c.status IS NOT NULL THEN c.status
                   ELSE 'out' END,
              w.hits[1], w.hits[2], w.kind, w.vintages, CASE WHEN c.status = 'not_applicable' THEN NULL ELSE w.distance END, m.list_id,
              CASE WHEN w.problem IS NOT NULL THEN w.problem
                   WHEN w.sets IS NULL THEN coalesce(m.message, \(noRegistryListProblem))
                   ELSE c.problem END
            FROM (
              -- Each level is a subquery fenced by OFFSET 0: evaluated once per point, not expanded into every use.
              SELECT t.*, s.sets, s.vintages,
                CASE WHEN s.sets IS NULL THEN NULL ELSE
                  \(hits) END AS hits,
                CASE WHEN s.sets IS NULL THEN NULL ELSE
                  \(distance) END AS distance
              FROM (
                SELECT y.*, ST_Transform(y.pt, y.msrid) AS pm FROM (
                  SELECT x.*,
                         coalesce(x.p0, CASE WHEN x.territory IS NULL THEN @S@.outside_message(x.lon, x.lat) END) AS problem,
                         CASE WHEN x.territory IS NOT NULL THEN @S@.zone_metric_srid(x.zone) END AS msrid,
                         CASE WHEN x.territory IS NOT NULL THEN ST_SetSRID(ST_MakePoint(x.lon, x.lat), 4326) END AS pt
                  FROM (
                    SELECT v.*, CASE WHEN v.p0 IS NULL THEN @S@.zone_territory(v.zone, v.lon, v.lat) END AS territory
                    FROM (SELECT u.*, CASE WHEN u.p0 IS NULL THEN @S@.zone(u.lon, u.lat) END AS zone
                          FROM (SELECT locate.lon AS lon, locate.lat AS lat, locate.on_date AS on_date, locate.tolerance_m AS tolerance_m,
                                       locate.perimeter_kind AS kind, @S@.coordinate_problem(locate.lon, locate.lat) AS p0 OFFSET 0) u
                          OFFSET 0) v
                    OFFSET 0) x
                  OFFSET 0) y
                OFFSET 0) t
              CROSS JOIN LATERAL (
                SELECT array_agg(ps.set_id ORDER BY ps.set_id) AS sets,
                       string_agg(DISTINCT ps.vintage COLLATE "C", ';' ORDER BY ps.vintage COLLATE "C") AS vintages
                FROM @S@.perimeter_set ps
                WHERE t.territory IS NOT NULL AND ps.kind = t.kind
                  AND (ps.valid_from IS NULL OR ps.valid_from <= t.on_date) AND (ps.valid_to IS NULL OR t.on_date <= ps.valid_to)
                  AND (t.kind = 'qpv' OR ps.valid_from IS NOT NULL OR ps.is_demo)
                  AND CASE WHEN t.kind = 'qic' THEN ps.is_demo = (t.territory = 'demo') ELSE ps.territory = t.territory END) s
              WHERE @S@.check_arguments(t.on_date, t.tolerance_m, t.kind)
                -- An empty perimeter_set means the tables read are not the export's (e.g. a Citus worker's empty
                -- shell table): fail loudly rather than answer no_list everywhere.
                AND (EXISTS (SELECT 1 FROM @S@.perimeter_set)
                     OR @S@._fail('@N@.locate : la table @N@.perimeter_set est vide ici ; rechargez l''export (sur Citus, voir Docs/postgis.md)', true))
              OFFSET 0) w
            LEFT JOIN LATERAL (
              SELECT ol.list_id, ol.missing_message AS message FROM @S@.official_list ol
              WHERE w.sets IS NULL AND w.territory IS NOT NULL AND ol.kind = w.kind AND ol.territory = w.territory
                AND ol.valid_from <= w.on_date AND (ol.valid_to IS NULL OR w.on_date <= ol.valid_to)
              ORDER BY ol.ordinal LIMIT 1) m ON true
            LEFT JOIN LATERAL (
              SELECT cv.status, cv.problem FROM @S@.coverage(w.kind, w.sets, w.pm) cv
              WHERE w.problem IS NULL AND w.sets IS NOT NULL AND w.hits[1] IS NULL AND NOT coalesce(w.distance < w.tolerance_m, false)) c ON true
            $f$;
            """)
    }

    /// `Locator.coverageProblem` and `Locator.qicScope`: for a point outside every perimeter of `sets`, NULL
    /// when it is a sure `out`, else `not_covered` (partial QPV list, département not covered or not sure;
    /// QIC whose EPCI cannot be established) or `not_applicable` (QIC: surely outside their EPCI), with the
    /// reason. Places the point with `admin_zone` (installed commune data), `AdminAreas.margin` metres from
    /// an outline counting as not sure.
    private var coverageFunction: String {
        let margin = Self.number(AdminAreas.margin)
        let marginText = FrenchFormat.metres(AdminAreas.margin)
        return fill(
            """
            CREATE FUNCTION @S@.coverage(perimeter_kind text, sets integer[], pm geometry) RETURNS TABLE (status text, problem text)
            LANGUAGE sql STABLE PARALLEL SAFE AS $f$
            SELECT
              CASE WHEN perimeter_kind = 'qpv' THEN
                     CASE WHEN c.complete OR d.known = ANY (c.departements) THEN NULL ELSE 'not_covered' END
                   ELSE CASE WHEN e.member THEN NULL WHEN e.unknown IS NULL THEN 'not_applicable' ELSE 'not_covered' END END,
              CASE WHEN perimeter_kind = 'qpv' THEN
                     CASE WHEN c.complete OR d.known = ANY (c.departements) THEN NULL
                          WHEN d.known IS NOT NULL THEN 'département ' || d.known || ' non couvert par la liste installée : réponse « hors QPV » impossible'
                          WHEN d.near THEN 'hors de tout quartier installé, mais le point est à moins de \(marginText) d''une limite de département (ou du bord des communes installées) : département incertain, réponse « hors QPV » impossible'
                          ELSE 'hors de tout quartier installé, mais le département du point est inconnu (aucune commune installée à cet endroit : qpv data import-communes FICHIER) : réponse « hors QPV » impossible' END
                   ELSE CASE WHEN e.member THEN NULL
                          WHEN e.unknown IS NULL THEN 'point hors de l''EPCI ' || e.outside || ' auquel appartiennent les QIC installés : les QIC ne s''appliquent pas ici'
                          ELSE 'impossible d''établir si le point est dans l''EPCI ' || e.unknown || ' des QIC installés : installez ses communes avec qpv data import-communes FICHIER --epci SIREN' END END
            FROM (SELECT coalesce(bool_or(ps.coverage_complete OR ps.is_demo), false) AS complete,
                         (SELECT array_agg(x) FROM @S@.perimeter_set p2 CROSS JOIN LATERAL unnest(p2.coverage_departements) x
                           WHERE p2.set_id = ANY (sets)) AS departements
                  FROM @S@.perimeter_set ps WHERE ps.set_id = ANY (sets)) c
            CROSS JOIN LATERAL (
              SELECT CASE WHEN count(DISTINCT z.code) FILTER (WHERE z.inside) = 1 THEN min(z.code) FILTER (WHERE z.inside) END AS known,
                     coalesce(bool_or(z.near), false) AS near
              FROM (SELECT a.code, ST_DWithin(a.outline, pm, \(margin)) AS near,
                           NOT ST_DWithin(a.outline, pm, \(margin)) AND ST_Contains(a.geom, pm) AS inside
                    FROM @S@.admin_zone a
                    WHERE perimeter_kind = 'qpv' AND NOT c.complete AND a.kind = 'departement' AND a.metric_srid = ST_SRID(pm)
                      AND ST_DWithin(a.geom, pm, \(margin))) z) d
            CROSS JOIN LATERAL (
              SELECT coalesce(bool_or(q.is_demo OR q.placement = 'inside'), false) AS member,
                     string_agg(q.epci_siren, ', ' ORDER BY q.epci_siren) FILTER (WHERE NOT q.is_demo AND q.placement IN ('unknown', 'ambiguous')) AS unknown,
                     string_agg(q.epci_siren, ', ' ORDER BY q.epci_siren) FILTER (WHERE NOT q.is_demo AND q.placement = 'outside') AS outside
              FROM (SELECT ps.is_demo, ps.epci_siren,
                           (SELECT CASE WHEN count(*) = 0 THEN 'unknown'
                                        WHEN bool_or(a.metric_srid = ST_SRID(pm) AND NOT ST_DWithin(a.outline, pm, \(margin)) AND ST_Contains(a.geom, pm)) THEN 'inside'
                                        WHEN bool_or(a.metric_srid = ST_SRID(pm) AND ST_DWithin(a.outline, pm, \(margin))) THEN 'ambiguous'
                                        ELSE 'outside' END
                            FROM @S@.admin_zone a WHERE a.kind = 'epci' AND a.code = ps.epci_siren) AS placement
                    FROM @S@.perimeter_set ps WHERE perimeter_kind = 'qic' AND ps.set_id = ANY (sets)) q) e
            $f$;
            """)
    }

    private var locateTextFunction: String {
        fill(
            """
            CREATE FUNCTION @S@.locate(lon text, lat text, on_date date DEFAULT current_date,
                                       tolerance_m double precision DEFAULT 20, perimeter_kind text DEFAULT 'qpv')
            RETURNS TABLE (\(Self.resultColumns))
            LANGUAGE sql STABLE PARALLEL SAFE AS $f$
            SELECT l.status, l.code, l.name, l.kind, l.vintage, l.distance_boundary_m, l.missing_list,
                   CASE WHEN x.v IS NULL OR y.v IS NULL THEN concat_ws(', ',
                          CASE WHEN x.v IS NULL THEN CASE WHEN coalesce(btrim(locate.lon, E' \\t'), '') = '' THEN 'champ « lon » vide'
                               ELSE 'champ « lon » : « ' || left(locate.lon, 40) || ' » n''est pas un nombre' END END,
                          CASE WHEN y.v IS NULL THEN CASE WHEN coalesce(btrim(locate.lat, E' \\t'), '') = '' THEN 'champ « lat » vide'
                               ELSE 'champ « lat » : « ' || left(locate.lat, 40) || ' » n''est pas un nombre' END END)
                        ELSE l.problem END
            FROM (SELECT @S@.parse_coordinate(locate.lon) AS v) x
            CROSS JOIN (SELECT @S@.parse_coordinate(locate.lat) AS v) y
            CROSS JOIN LATERAL @S@.locate(x.v, y.v, locate.on_date, locate.tolerance_m, locate.perimeter_kind) l
            $f$;
            """)
    }

    /// The geometry when it is a point with an SRID (or NULL); an error otherwise. STABLE, so that a
    /// constant argument is checked at execution, before any PostGIS function can fail on it while planning.
    private var checkedPointFunction: String {
        fill(
            """
            CREATE FUNCTION @S@.checked_point(geom geometry) RETURNS geometry
            LANGUAGE sql STABLE PARALLEL SAFE AS $f$
              SELECT CASE
                WHEN geom IS NULL THEN NULL
                WHEN ST_SRID(geom) = 0 THEN @S@._fail('@N@.locate_geom : géométrie sans SRID (0) ; donnez-lui son système, par exemple ST_SetSRID(geom, 4326) ou ST_SetSRID(geom, 2154)', geom)
                WHEN GeometryType(geom) <> 'POINT' THEN @S@._fail('@N@.locate_geom : un point est attendu, reçu ' || GeometryType(geom), geom)
                ELSE geom END
            $f$;
            """)
    }

    private var locateGeomFunction: String {
        fill(
            """
            CREATE FUNCTION @S@.locate_geom(geom geometry, on_date date DEFAULT current_date,
                                            tolerance_m double precision DEFAULT 20, perimeter_kind text DEFAULT 'qpv')
            RETURNS TABLE (\(Self.resultColumns))
            LANGUAGE sql STABLE PARALLEL SAFE AS $f$
            SELECT l.status, l.code, l.name, l.kind, l.vintage, l.distance_boundary_m, l.missing_list, l.problem
            FROM (SELECT CASE WHEN g.geom IS NULL OR ST_IsEmpty(g.geom) THEN NULL
                              WHEN ST_SRID(g.geom) = 4326 THEN g.geom
                              ELSE ST_Transform(g.geom, 4326) END AS p
                  FROM (SELECT @S@.checked_point(locate_geom.geom) AS geom OFFSET 0) g
                  OFFSET 0) w
            CROSS JOIN LATERAL @S@.locate(ST_X(w.p), ST_Y(w.p), locate_geom.on_date, locate_geom.tolerance_m, locate_geom.perimeter_kind) l
            $f$;
            """)
    }
}
