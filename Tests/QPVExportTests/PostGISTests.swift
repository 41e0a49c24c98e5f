// The PostGIS export against a real PostgreSQL + PostGIS server (`PostgresServer`): answers equal to the
// truth file and the CLI, bad input in SQL, reloads keeping user views, plain SQL, hostile texts.

import Foundation
import QPVCore
import QPVTabular
import QPVTestSupport
import Testing

/// The PostGIS export against a real PostgreSQL + PostGIS server started for the test (temporary cluster on
/// 127.0.0.1). Skipped with a message where PostgreSQL is not installed, never in CI (CI installs
/// `postgresql-15-postgis-3`; its absence there fails).
@Suite(
    .serialized,
    .enabled(
        if: PostgresServer.shouldRun && SharedData.isAvailable,
        "PostgreSQL + PostGIS absents (apt-get install postgresql-15-postgis-3) ou ../shared absent : tests PostGIS ignorés hors CI"))
struct PostGISTests {
    static let columns = ["id", "status", "code", "name", "vintage", "distance", "missing_list", "problem"]

    /// `qpv.locate` on every row of a loaded points table, ordered by id.
    func sqlLocate(_ pg: PostgresServer, table: String, date: String, schema: String = "qpv", kind: String = "qpv") throws -> [String: [String:
        String]]
    {
        let out = try pg.psql([
            "-c",
            "SELECT t.id, l.status, l.code, l.name, l.vintage, l.distance_boundary_m, l.missing_list, l.problem FROM \(table) t CROSS JOIN LATERAL \"\(schema)\".locate(t.lon, t.lat, DATE '\(date)', 20, '\(kind)') l ORDER BY t.id",
        ])
        var byId: [String: [String: String]] = [:]
        for row in try ExportFixtures.rows(tsv: out, header: PostGISTests.columns) { byId[row["id"]!] = row }
        return byId
    }

    /// Compares SQL answers with the CLI's batch output for the same points and date.
    func compare(sql: [String: [String: String]], cli: [String: [String: String]], date: String, kind: String = "qpv") -> [String] {
        var problems: [String] = []
        let prefix = kind == "qic" ? "qic" : "qpv"
        for (id, c) in cli.sorted(by: { $0.key < $1.key }) {
            guard let s = sql[id] else {
                problems.append("\(date) \(id) : absent de la réponse SQL")
                continue
            }
            var cliStatus = c["\(prefix)_status"] ?? ""
            // The CLI leaves the QIC columns empty where no QIC applies; SQL says why.
            if kind == "qic" && cliStatus.isEmpty { cliStatus = c["qpv_status"] == "invalid_coordinates" ? "invalid_coordinates" : "no_list" }
            if s["status"] != cliStatus { problems.append("\(date) \(id) : statut SQL \(s["status"]!) ≠ CLI \(cliStatus)") }
            if s["code"] != c["\(prefix)_code"] { problems.append("\(date) \(id) : code SQL « \(s["code"]!) » ≠ CLI « \(c["\(prefix)_code"]!) »") }
            if s["name"] != c["\(prefix)_name"] { problems.append("\(date) \(id) : nom SQL « \(s["name"]!) » ≠ CLI « \(c["\(prefix)_name"]!) »") }
            if kind == "qpv" && s["vintage"] != c["qpv_vintage"] {
                problems.append("\(date) \(id) : millésime SQL \(s["vintage"]!) ≠ CLI \(c["qpv_vintage"]!)")
            }
            let cd = c[kind == "qic" ? "qic_distance_boundary_m" : "distance_boundary_m"] ?? ""
            let sd = s["distance"] ?? ""
            if cd.isEmpty != sd.isEmpty {
                problems.append("\(date) \(id) : distance SQL « \(sd) » / CLI « \(cd) »")
            } else if let a = Double(sd), let b = Double(cd), abs(a - b) > 0.005 + 1e-9 {
                problems.append("\(date) \(id) : distance SQL \(a) ≠ CLI \(b) (arrondie à 0,01 m)")
            }
            if kind == "qpv" && s["status"] == "no_list" && s["problem"] != c["qpv_error"] {
                problems.append("\(date) \(id) : message SQL « \(s["problem"]!) » ≠ CLI « \(c["qpv_error"]!) »")
            }
        }
        if sql.count != cli.count { problems.append("\(date) : \(sql.count) réponses SQL pour \(cli.count) lignes CLI") }
        return problems
    }

    /// Real Occitanie 2015 list: exactly the reference answers, and the CLI's statuses on the same points at
    /// dates with and without a list in force.
    @Test func occitanieAgreesWithTruthAndCLI() throws {
        let tmp = try TemporaryDirectory(prefix: "qpv-pg-test")
        let dataDir = try ExportFixtures.occitanieDataDirectory(in: tmp)
        let sqlFile = tmp.path("qpv.sql")
        let export = try ExportFixtures.qpv(["export", "--format", "postgis", "--output", sqlFile, "--data-dir", dataDir])
        #expect(export.stderr.contains("105 périmètres"))
        let pg = try PostgresServer()
        defer { pg.stop() }
        _ = try pg.psql(["-f", sqlFile])
        #expect(try pg.query("SELECT count(*), count(DISTINCT source_sha256) FROM qpv.perimeter") == [["105", "1"]])
        #expect(try pg.query("SELECT count(*) FROM qpv.perimeter WHERE jsonb_array_length(repairs) > 0") == [["2"]])
        #expect(try pg.query("SELECT list_id, installed FROM qpv.official_list WHERE installed") == [["qpv-2015-hexagone", "t"]])

        let truthPath = try SharedData.file("truth/points-occitanie.csv").path
        _ = try pg.psql([
            "-c",
            "CREATE TABLE truth (id text PRIMARY KEY, lon double precision, lat double precision, expected_codes text, distance double precision)",
            "-c", "\\copy truth FROM '\(truthPath.replacingOccurrences(of: "'", with: "''"))' WITH (FORMAT csv, HEADER true)",
        ])

        // 1. The reference answers (GEOS/PROJ): codes equal, distances within 0.05 m.
        let truth = try ExportFixtures.rows(
            tsv: try pg.psql(["-c", "SELECT id, coalesce(expected_codes, ''), distance FROM truth"]), header: ["id", "codes", "distance"])
        #expect(truth.count > 5000)
        let answers = try sqlLocate(pg, table: "truth", date: "2020-06-01")
        var codeMismatches: [String] = []
        var worst = 0.0
        for t in truth {
            let a = try #require(answers[t["id"]!])
            let expected = Set(t["codes"]!.split(separator: ";").map(String.init))
            let got = Set(a["code"]!.split(separator: ";").map(String.init))
            if expected != got { codeMismatches.append("\(t["id"]!) : attendu \(expected.sorted()) obtenu \(got.sorted())") }
            let d = try #require(Double(a["distance"]!), "\(t["id"]!) sans distance")
            worst = max(worst, abs(d - Double(t["distance"]!)!))
        }
        #expect(codeMismatches.isEmpty, "\(codeMismatches.count) codes différents : \(codeMismatches.prefix(5))")
        #expect(worst <= 0.05, "écart de distance maximal \(worst) m")

        // 2. The CLI's answers for the same points: no list yet (2014), list in force, its last day, the 2024
        //    list missing; and odd inputs through the text overload.
        let odd = try ExportFixtures.writeOddPoints(to: tmp)
        _ = try pg.psql([
            "-c", "CREATE TABLE odd (id text PRIMARY KEY, lon text, lat text)",
            "-c", "\\copy odd FROM '\(odd)' WITH (FORMAT csv, HEADER true)",
        ])
        var problems: [String] = []
        var statuses: [String: Int] = [:]
        for date in ["2014-06-01", "2020-06-01", "2023-12-31", "2024-06-01"] {
            let sql = try sqlLocate(pg, table: "truth", date: date)
            problems += compare(sql: sql, cli: try ExportFixtures.cliLocate(input: truthPath, date: date, dataDir: dataDir), date: date)
            let oddSQL = try sqlLocate(pg, table: "odd", date: date)
            problems += compare(sql: oddSQL, cli: try ExportFixtures.cliLocate(input: odd, date: date, dataDir: dataDir), date: date)
            for r in sql.values { statuses[r["status"]!, default: 0] += 1 }
            for r in oddSQL.values { statuses[r["status"]!, default: 0] += 1 }
            if date == "2024-06-01" {
                #expect(sql.values.allSatisfy { $0["status"] == "no_list" && $0["missing_list"] == "qpv-2024-hexagone" })
                #expect(oddSQL["odd_reunion"]?["missing_list"] == "qpv-2015-outre-mer")  // extended overseas until 2024-12-31
            }
        }
        #expect(problems.isEmpty, "\(problems.count) écarts SQL/CLI : \(problems.prefix(8))")
        // Occitanie alone is a partial list (issue 12): outside its quartiers the answer is not_covered, never out.
        for s in ["in", "not_covered", "boundary", "no_list", "invalid_coordinates"] { #expect((statuses[s] ?? 0) > 0, "aucun statut \(s) testé") }
        #expect(statuses["out"] == nil)
        let french = try pg.query("SELECT qpv.french_date(DATE '2015-01-01'), qpv.french_date(DATE '2023-08-31')")
        #expect(french == [[CivilDate("2015-01-01")!.french, CivilDate("2023-08-31")!.french]])
    }

    /// A source in Lambert-93: containment is decided on the EPSG:2154 geometry (the point transformed by
    /// PostGIS), still exactly as the CLI decides it.
    @Test func lambert93SourceAgreesWithCLI() throws {
        let tmp = try TemporaryDirectory(prefix: "qpv-pg-l93")
        let file = try ExportFixtures.occitanieLambert93(in: tmp)
        let dataDir = tmp.path("data")
        try ExportFixtures.qpv(["data", "import", file, "--data-dir", dataDir])
        let sqlFile = tmp.path("l93.sql")
        try ExportFixtures.qpv(["export", "--format", "postgis", "--output", sqlFile, "--data-dir", dataDir])
        let pg = try PostgresServer()
        defer { pg.stop() }
        _ = try pg.psql(["-f", sqlFile])
        #expect(try pg.query("SELECT DISTINCT source_srid, metric_srid, ST_SRID(geom_source) FROM qpv.perimeter") == [["2154", "2154", "2154"]])
        let truthPath = try SharedData.file("truth/points-occitanie.csv").path
        _ = try pg.psql([
            "-c",
            "CREATE TABLE truth (id text PRIMARY KEY, lon double precision, lat double precision, expected_codes text, distance double precision)",
            "-c", "\\copy truth FROM '\(truthPath.replacingOccurrences(of: "'", with: "''"))' WITH (FORMAT csv, HEADER true)",
        ])
        let sql = try sqlLocate(pg, table: "truth", date: "2020-06-01")
        let problems = compare(
            sql: sql, cli: try ExportFixtures.cliLocate(input: truthPath, date: "2020-06-01", dataDir: dataDir), date: "2020-06-01")
        #expect(problems.isEmpty, "\(problems.count) écarts SQL/CLI : \(problems.prefix(8))")
        #expect(sql.values.filter { $0["status"] == "in" }.count > 500)
    }

    /// The fictional demonstration pack (2015 and 2024 QPV lists, a QIC set, its own territory) through
    /// `--demo`: the same answers as the CLI, for QPV and QIC, on a grid of points and several dates.
    @Test func demoPackAgreesWithCLIForQPVAndQIC() throws {
        let tmp = try TemporaryDirectory(prefix: "qpv-pg-demo")
        let empty = tmp.path("empty")
        let sqlFile = tmp.path("demo.sql")
        let export = try ExportFixtures.qpv([
            "export", "--format", "postgis", "--demo", "--schema", "demo_qpv", "--output", sqlFile, "--data-dir", empty,
        ])
        #expect(export.stderr.contains("DÉMONSTRATION"))
        var csv = "id,lon,lat\n"
        var k = 0
        for i in 0..<40 {
            for j in 0..<28 {
                csv += "g\(k),\(-4.665 + Double(i) * 0.0032),\(46.155 + Double(j) * 0.0032)\n"
                k += 1
            }
        }
        let points = try tmp.write("grid.csv", csv)
        let pg = try PostgresServer()
        defer { pg.stop() }
        _ = try pg.psql(["-f", sqlFile])
        _ = try pg.psql([
            "-c", "CREATE TABLE grid (id text PRIMARY KEY, lon double precision, lat double precision)",
            "-c", "\\copy grid FROM '\(points)' WITH (FORMAT csv, HEADER true)",
        ])
        var problems: [String] = []
        var seen = Set<String>()
        for date in ["2014-12-31", "2015-01-01", "2023-12-31", "2024-01-01", "2030-12-31", "2031-01-01"] {
            let cli = try ExportFixtures.cliLocate(input: points, date: date, dataDir: empty, extra: ["--demo"])
            for kind in ["qpv", "qic"] {
                let sql = try sqlLocate(pg, table: "grid", date: date, schema: "demo_qpv", kind: kind)
                problems += compare(sql: sql, cli: cli, date: date, kind: kind)
                for r in sql.values { seen.insert("\(kind):\(r["status"]!)") }
            }
        }
        #expect(problems.isEmpty, "\(problems.count) écarts SQL/CLI : \(problems.prefix(8))")
        for s in ["qpv:in", "qpv:out", "qpv:boundary", "qpv:no_list", "qic:in", "qic:out", "qic:no_list"] {
            #expect(seen.contains(s), "statut \(s) jamais obtenu")
        }
    }

    /// Bad input inside SQL: clear errors, or `invalid_coordinates` rows where a batch must go on.
    @Test func badInputInSQL() throws {
        let tmp = try TemporaryDirectory(prefix: "qpv-pg-bad")
        let dataDir = try ExportFixtures.occitanieDataDirectory(in: tmp)
        let sqlFile = tmp.path("qpv.sql")
        try ExportFixtures.qpv(["export", "--format", "postgis", "--output", sqlFile, "--data-dir", dataDir])
        let pg = try PostgresServer()
        defer { pg.stop() }
        _ = try pg.psql(["-f", sqlFile])

        func failure(_ sql: String) throws -> String {
            let r = try pg.psqlResult(["-c", sql])
            #expect(r.status != 0, "aurait dû échouer : \(sql)")
            return r.stderr
        }
        // Non-numeric coordinates: PostgreSQL's own error on the double precision version…
        #expect(try failure("SELECT * FROM qpv.locate('abc'::double precision, 43.6)").contains("invalid input syntax for type double precision"))
        // …and an invalid_coordinates row, naming the field, with the text version (one status per row).
        let text = try pg.query("SELECT status, problem FROM qpv.locate('abc', '43,6', DATE '2020-01-01')")
        #expect(text == [["invalid_coordinates", "champ « lon » : « abc » n'est pas un nombre"]])
        #expect(try pg.query("SELECT status FROM qpv.locate('1,4447', '43,6045', DATE '2020-01-01')").first?.first != "invalid_coordinates")
        #expect(
            try pg.query("SELECT status, problem FROM qpv.locate(NULL::double precision, 43.6)") == [
                ["invalid_coordinates", "coordonnées absentes ou non numériques"]
            ])
        #expect(try pg.query("SELECT status FROM qpv.locate('NaN'::double precision, 43.6)") == [["invalid_coordinates"]])
        #expect(try failure("SELECT * FROM qpv.locate(1.44, 43.6, DATE '2020-01-01', -1)").contains("tolerance_m doit être un nombre positif"))
        #expect(try failure("SELECT * FROM qpv.locate(1.44, 43.6, NULL)").contains("on_date est NULL"))
        #expect(try failure("SELECT * FROM qpv.locate(1.44, 43.6, DATE '2020-01-01', 20, 'zus')").contains("perimeter_kind vaut 'qpv' ou 'qic'"))
        #expect(try failure("SELECT * FROM qpv.locate_geom(ST_MakePoint(1.44, 43.6))").contains("géométrie sans SRID"))
        #expect(
            try failure("SELECT * FROM qpv.locate_geom(ST_Buffer(ST_SetSRID(ST_MakePoint(1.44, 43.6), 4326), 0.1))").contains("un point est attendu"))

        // locate_geom on points stored in Lambert-93 gives locate's answers; a LATERAL join keeps every row.
        let same = try pg.query(
            """
            WITH p(id, lon, lat) AS (VALUES (1, 1.4447, 43.6045), (2, 1.4774445, 43.6123322), (3, 3.8767, 43.6108), (4, 2.35, 48.85))
            SELECT count(*), count(*) FILTER (WHERE a.status = b.status AND a.code IS NOT DISTINCT FROM b.code
                                              AND abs(a.distance_boundary_m - b.distance_boundary_m) < 1e-6)
            FROM p
            CROSS JOIN LATERAL qpv.locate(p.lon, p.lat, DATE '2020-01-01') a
            CROSS JOIN LATERAL qpv.locate_geom(ST_Transform(ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), 2154), DATE '2020-01-01') b
            """)
        #expect(same == [["4", "4"]])
        #expect(
            try pg.query("SELECT status, problem FROM qpv.locate_geom(NULL::geometry)") == [
                ["invalid_coordinates", "coordonnées absentes ou non numériques"]
            ])
        // Loading twice replaces the previous export (same transaction, no duplicate rows).
        _ = try pg.psql(["-f", sqlFile])
        #expect(try pg.query("SELECT count(*) FROM qpv.perimeter") == [["105"]])
    }

    /// Issue 15: a user's view on the tables survives a reload; `--plain-sql` has no psql meta-command and loads
    /// the same data; `--no-create-extension` leaves the extension out.
    @Test func reloadKeepsUserViewsAndPlainSQLLoadsTheSameData() throws {
        let tmp = try TemporaryDirectory(prefix: "qpv-pg-reload")
        let empty = tmp.path("empty")
        let sqlFile = tmp.path("demo.sql")
        let plainFile = tmp.path("plain.sql")
        try ExportFixtures.qpv(["export", "--format", "postgis", "--demo", "--schema", "demo_qpv", "--output", sqlFile, "--data-dir", empty])
        try ExportFixtures.qpv(
            [
                "export", "--format", "postgis", "--demo", "--schema", "plain_qpv", "--plain-sql", "--no-create-extension", "--output", plainFile,
                "--data-dir", empty,
            ])
        let plain = try String(contentsOfFile: plainFile, encoding: .utf8)
        #expect(!plain.split(separator: "\n").contains { $0.hasPrefix("\\") }, "méta-commande psql dans le SQL standard")
        #expect(!plain.contains("FROM stdin") && !plain.contains("CREATE EXTENSION IF NOT EXISTS postgis"))
        #expect(try String(contentsOfFile: sqlFile, encoding: .utf8).contains("CREATE EXTENSION IF NOT EXISTS postgis;"))

        let pg = try PostgresServer()
        defer { pg.stop() }
        _ = try pg.psql(["-f", sqlFile])
        _ = try pg.psql(["-c", "CREATE VIEW public.my_qpv AS SELECT code, name, geom_4326 FROM demo_qpv.perimeter WHERE kind = 'qpv'"])
        let before = try pg.query("SELECT count(*) FROM public.my_qpv")
        // Reloading over the user's view: no error, the view still answers, no duplicate rows.
        let again = try pg.psqlResult(["-f", sqlFile])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try pg.query("SELECT count(*) FROM public.my_qpv") == before)
        #expect(before.first?.first.flatMap(Int.init).map { $0 > 0 } == true)

        // The plain-SQL variant, fed to psql on standard input as any SQL tool would send it.
        let loaded = try pg.psqlResult([], stdin: plain)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let compare = """
            SELECT count(*) FILTER (WHERE a.status = b.status AND a.code IS NOT DISTINCT FROM b.code), count(*)
            FROM generate_series(0, 199) k
            CROSS JOIN LATERAL demo_qpv.locate(-4.665 + (k % 20) * 0.006, 46.155 + (k / 20) * 0.009, DATE '2024-06-01') a
            CROSS JOIN LATERAL plain_qpv.locate(-4.665 + (k % 20) * 0.006, 46.155 + (k / 20) * 0.009, DATE '2024-06-01') b
            """
        #expect(try pg.query(compare) == [["200", "200"]])
        #expect(
            try pg.query("SELECT count(*) FROM plain_qpv.perimeter_boundary") == (try pg.query("SELECT count(*) FROM demo_qpv.perimeter_boundary")))
    }

    /// Names and texts full of SQL and COPY metacharacters go in as data and come back unchanged; a reserved
    /// word is a valid (quoted) schema.
    @Test func nastyTextsAreDataNotSQL() throws {
        let tmp = try TemporaryDirectory(prefix: "qpv-pg-nasty")
        let nastyName = "Quartier'); DROP TABLE sentinel; --\t\\. \\N \"$f$\"\n\\.\n é\u{2028}"
        let nastyBasis = "délibération n° 1 ' OR '1'='1 \\\\ ; COMMIT; DROP SCHEMA public CASCADE; --"
        let geojson = """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code_qp":"QX999001","nom_qp":\(jsonQuoted(nastyName))},
            "geometry":{"type":"Polygon","coordinates":[[[1.40,43.60],[1.41,43.60],[1.41,43.61],[1.40,43.61],[1.40,43.60]]]}}]}
            """
        let file = try tmp.write("nasty\\'; --.geojson", geojson)
        let dataDir = tmp.path("data")
        try ExportFixtures.qpv([
            "data", "import", file, "--data-dir", dataDir, "--kind", "qic", "--epci", "123456789", "--vintage", "2024", "--valid-from", "2024-01-01",
            "--legal-basis", nastyBasis,
        ])
        let sqlFile = tmp.path("nasty.sql")
        try ExportFixtures.qpv(["export", "--format", "postgis", "--schema", "select", "--output", sqlFile, "--data-dir", dataDir])
        let pg = try PostgresServer()
        defer { pg.stop() }
        _ = try pg.psql(["-c", "CREATE TABLE sentinel (x int)"])
        _ = try pg.psql(["-f", sqlFile])
        #expect(try pg.query("SELECT count(*) FROM sentinel") == [["0"]])
        let got = try pg.psql(["-c", "SELECT name || '|' || legal_basis || '|' || source_file FROM \"select\".perimeter"])
        #expect(got == nastyName + "|" + nastyBasis + "|" + "nasty\\'; --.geojson" + "\n")
        let hit = try pg.query("SELECT status, code FROM \"select\".locate(1.405, 43.605, DATE '2024-06-01', 20, 'qic')")
        #expect(hit == [["in", "QX999001"]])
    }
}
