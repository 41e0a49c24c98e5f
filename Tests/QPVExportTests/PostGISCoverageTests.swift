// `qpv.locate` in a real PostGIS (`PostgresServer`) applies partial-list coverage (`not_covered`) and the QIC
// EPCI scope (`not_applicable`) exactly as the CLI does.

import Foundation
import QPVCore
import QPVGeometry
import QPVTabular
import QPVTestSupport
import Testing

/// Issue 12 in SQL: `qpv.locate` applies the coverage of partial lists (`not_covered`) and the EPCI scope of QIC
/// (`not_applicable`) exactly as the CLI, with the commune data exported in `admin_zone`.
@Suite(
    .serialized,
    .enabled(
        if: PostgresServer.shouldRun && SharedData.isAvailable,
        "PostgreSQL + PostGIS absents (apt-get install postgresql-15-postgis-3) ou ../shared absent : tests PostGIS ignorés hors CI"))
struct PostGISCoverageTests {
    @Test func partialListAndQICScopeAgreeWithCLI() throws {
        let tmp = try TemporaryDirectory(prefix: "qpv-pg-coverage")
        let dataDir = try ExportFixtures.occitanieDataDirectory(in: tmp)
        try ExportFixtures.qpv(["data", "import-communes", try SharedData.file("geodata/communes-62-2018.geojson").path, "--data-dir", dataDir])
        try ExportFixtures.qpv([
            "data", "import-communes", try SharedData.file("geodata/communes-cabbalr-2018.geojson").path, "--epci", "200072460", "--data-dir",
            dataDir,
        ])
        // A QIC of six real Béthune carreaux.
        let reader = try CSVReader(path: try SharedData.file("geodata/filosofi-2021-200m-bethune.csv").path)
        let idColumn = try reader.requireColumn("idcar_200m")
        var qic = "code_qic,nom_qic,idcar_200m\n"
        var cells: [GridCell] = []
        while let r = try reader.next(), cells.count < 6 {
            cells.append(try GridCell(id: r[idColumn]))
            qic += "QIC01,Cité test,\(r[idColumn])\n"
        }
        try ExportFixtures.qpv([
            "data", "import", try tmp.write("qic.csv", qic), "--kind", "qic", "--epci", "200072460", "--vintage", "2024", "--valid-from",
            "2024-01-01",
            "--data-dir", dataDir,
        ])
        let sqlFile = tmp.path("qpv.sql")
        try ExportFixtures.qpv(["export", "--format", "postgis", "--output", sqlFile, "--data-dir", dataDir])

        // Points: a grid over the Béthune-Bruay area and beyond its limit, the QIC's squares, Toulouse, Valenciennes.
        var csv = "id,lon,lat\n"
        for i in 0..<24 {
            for j in 0..<14 { csv += "g\(i)_\(j),\(2.30 + Double(i) * 0.025),\(50.38 + Double(j) * 0.02)\n" }
        }
        let toWGS = try CoordinateTransformer(from: .laea3035, to: .wgs84, context: try ProjContext())
        for (k, c) in cells.enumerated() {
            let p = try toWGS.transform(x: c.envelope.center.x, y: c.envelope.center.y)
            csv += "qic\(k),\(p.x),\(p.y)\n"
        }
        csv += "toulouse,1.4442,43.6045\nvalenciennes,3.5235,50.3579\n"
        let points = try tmp.write("points.csv", csv)

        let pg = try PostgresServer()
        defer { pg.stop() }
        _ = try pg.psql(["-f", sqlFile])
        #expect(try pg.query("SELECT code, cardinality(members) FROM qpv.admin_zone WHERE kind = 'epci'") == [["200072460", "100"]])
        let zones = try pg.query("SELECT count(*) FILTER (WHERE kind = 'epci'), count(*) FILTER (WHERE kind = 'departement') FROM qpv.admin_zone")
        #expect(zones == [["1", "2"]])
        _ = try pg.psql([
            "-c", "CREATE TABLE pts (id text PRIMARY KEY, lon double precision, lat double precision)",
            "-c", "\\copy pts FROM '\(points)' WITH (FORMAT csv, HEADER true)",
        ])
        let base = PostGISTests()
        var problems: [String] = []
        var seen = Set<String>()
        for date in ["2020-06-01", "2024-06-01"] {
            let cli = try ExportFixtures.cliLocate(input: points, date: date, dataDir: dataDir)
            for kind in ["qpv", "qic"] {
                let sql = try base.sqlLocate(pg, table: "pts", date: date, kind: kind)
                problems += base.compare(sql: sql, cli: cli, date: date, kind: kind)
                for r in sql.values { seen.insert("\(kind):\(r["status"]!)") }
                if date == "2020-06-01" && kind == "qpv" {
                    // Béthune is in département 62, which the Occitanie list does not cover; Valenciennes is in no installed commune.
                    #expect(sql["g13_7"]?["status"] == "not_covered")
                    #expect(sql["g13_7"]?["problem"]?.contains("département 62 non couvert") ?? false, "\(sql["g13_7"] ?? [:])")
                    #expect(cli["g13_7"]?["qpv_error"]?.contains("département 62 non couvert") ?? false)
                    #expect(sql["valenciennes"]?["status"] == "not_covered" && cli["valenciennes"]?["qpv_status"] == "not_covered")
                }
                if date == "2024-06-01" && kind == "qic" {
                    #expect(sql["toulouse"]?["status"] == "not_applicable" && cli["toulouse"]?["qic_status"] == "not_applicable")
                    #expect(sql["toulouse"]?["distance"] == "" && cli["toulouse"]?["qic_distance_boundary_m"] == "")
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.count) écarts SQL/CLI : \(problems.prefix(8))")
        for s in ["qpv:not_covered", "qic:in", "qic:out", "qic:not_applicable", "qic:not_covered"] {
            #expect(seen.contains(s), "statut \(s) jamais obtenu")
        }
    }
}
