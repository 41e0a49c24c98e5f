// Exports without a database: schema names, SQL escaping, WKB/EWKB bytes, GeoJSON and CSV+WKB contents, the
// shape of the PostGIS script, and CLI errors.

import Foundation
import QPVCore
import QPVExport
import QPVGeometry
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

/// Export formats without a database: identifiers, escaping, WKB, GeoJSON and CSV contents, CLI errors.
struct ExportTests {
    @Test func schemaNamesAreValidatedAndQuoted() throws {
        for ok in ["qpv", "geo_ville", "_x1", "select", String(repeating: "a", count: 63)] {
            #expect(try SQLIdentifier(ok).quoted == "\"\(ok)\"")
        }
        for bad in ["", "Qpv", "1qpv", "qpv;drop", "qpv\"", "qpv.x", "pg_catalog", "qpv x", "qp\u{e9}", "a--b'", String(repeating: "a", count: 64)] {
            #expect(throws: ExportError.self, "« \(bad) » aurait dû être refusé") { try SQLIdentifier(bad) }
        }
        do {
            _ = try SQLIdentifier("a;b")
            Issue.record("« a;b » accepté")
        } catch {
            #expect("\(error)".contains("nom de schéma « a;b » refusé : caractère « ; » non autorisé"))
        }
    }

    @Test func textsAreEscapedForLiteralsAndCopy() throws {
        #expect(SQLText.literal("l'ouest ; DROP") == "'l''ouest ; DROP'")
        #expect(SQLText.literal(nil as String?) == "NULL")
        #expect(SQLText.copyField("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e")
        #expect(SQLText.copyField("\\.") == "\\\\.")
        #expect(SQLText.copyField(nil) == "\\N")
        #expect(SQLText.copyField("\\N") == "\\\\N")
        #expect(throws: ExportError.self) { try SQLText.check("a\u{0}b", field: "name", owner: "périmètre X") }
    }

    @Test func wkbBecomesMultiPolygonAndEWKBBitForBit() throws {
        let geos = try GeosContext()
        let rings: PolygonRings = [
            [Coordinate(x: 1.1, y: 43.3), Coordinate(x: 1.2, y: 43.3), Coordinate(x: 1.2, y: 43.4), Coordinate(x: 1.1, y: 43.3)]
        ]
        let polygon = try Geometry.polygon(rings, context: geos)
        let multi = try WKBEncoding.multiPolygon(try polygon.wkb(), code: "T")
        let back = try Geometry(wkb: multi, context: geos)
        #expect(back.kind == .multiPolygon)
        #expect(try back.polygons() == [rings])
        let ewkb = try WKBEncoding.ewkbMultiPolygon(try polygon.wkb(), srid: 2154, code: "T")
        #expect(WKBEncoding.hex(Array(ewkb[0..<9])) == "0106000020" + "6A080000")  // type 6 | SRID flag, SRID 2154
        #expect(Array(ewkb[9...]) == Array(multi[5...]))
        #expect(throws: ExportError.self) { try WKBEncoding.multiPolygon(try Geometry.point(x: 1, y: 2, context: geos).wkb(), code: "P") }
        let line = WKBEncoding.ewkbLineString([Coordinate(x: 0.1, y: 0.2), Coordinate(x: 0.3, y: 0.4)], srid: 4326)
        #expect(line.count == 9 + 4 + 32)
    }

    @Test func nothingInstalledIsAClearError() throws {
        let tmp = try TemporaryDirectory()
        #expect(throws: ExportError.self) { try Exporter.catalog(dataDirectory: DataDirectory(url: tmp.url), demo: false) }
        let r = try CLIRunner.run(["export", "--format", "postgis", "--output", tmp.path("x.sql"), "--data-dir", tmp.path("data")])
        #expect(r.status != 0)
        #expect(r.stderr.contains("aucun périmètre installé"))
        #expect(r.stderr.contains("--demo"))
        #expect(!FileManager.default.fileExists(atPath: tmp.path("x.sql")))
    }

    @Test func cliRejectsBadSchemaAndFormat() throws {
        let tmp = try TemporaryDirectory()
        let bad = try CLIRunner.run(["export", "--format", "postgis", "--demo", "--schema", "qpv\"; DROP TABLE x; --", "--output", tmp.path("x.sql")])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("nom de schéma"))
        let format = try CLIRunner.run(["export", "--format", "shapefile", "--demo", "--output", tmp.path("x.shp")])
        #expect(format.status != 0)
        #expect(format.stderr.contains("postgis, geojson ou csv-wkb"))
    }

    /// GeoJSON: every perimeter, exact WGS84 coordinates (read back equal to the pack's), attributes.
    @Test func geoJSONHoldsExactCoordinates() throws {
        let tmp = try TemporaryDirectory()
        let catalog = try Exporter.catalog(dataDirectory: DataDirectory(url: tmp.url), demo: true)
        let summary = try Exporter(catalog: catalog).write(format: .geojson, to: tmp.path("p.geojson"))
        #expect(summary.includesDemo)
        let json = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: tmp.path("p.geojson"))))
        let features = try #require(json["features"]?.arrayValue)
        #expect(features.count == catalog.perimeters.count)
        let locator = try Locator(catalog: catalog)
        for (i, f) in features.enumerated() {
            #expect(f["properties"]?["code"]?.stringValue == catalog.perimeters[i].code)
            #expect(f["properties"]?["is_demo"] == .bool(true))
            let read = try GeoJSONGeometry.polygons(from: try #require(f["geometry"]))
            // The same coordinates, rings oriented by RFC 7946's right-hand rule.
            #expect(read == (try locator.wgs84Geometry(i).polygons()).map(GeoJSONGeometry.rightHandRule))
        }
    }

    /// CSV+WKB: one row per perimeter, geometries decoding to the pack's bytes (as multipolygons).
    @Test func csvWKBRoundTrips() throws {
        let tmp = try TemporaryDirectory()
        let catalog = try Exporter.catalog(dataDirectory: DataDirectory(url: tmp.url), demo: true)
        try Exporter(catalog: catalog).write(format: .csvWKB, to: tmp.path("p.csv"))
        let reader = try CSVReader(path: tmp.path("p.csv"))
        let code = try reader.requireColumn("code")
        let metric = try reader.requireColumn("geom_metric_wkb")
        let srid = try reader.requireColumn("metric_srid")
        var n = 0
        while let r = try reader.next() {
            let p = catalog.perimeters[n]
            #expect(r[code] == p.code)
            #expect(r[srid] == String(p.record.metricCRS))
            let expected = try WKBEncoding.multiPolygon(catalog.packs[p.pack].withWKB(p.record.metricGeometry) { Array($0) }, code: p.code)
            #expect(r[metric] == WKBEncoding.hex(expected))
            n += 1
        }
        #expect(n == catalog.perimeters.count)
    }

    /// The PostGIS script: quoted schema everywhere, one partial index per SRID, every text escaped.
    @Test func postgisScriptShape() throws {
        let tmp = try TemporaryDirectory()
        let catalog = try Exporter.catalog(dataDirectory: DataDirectory(url: tmp.url), demo: true)
        let summary = try Exporter(catalog: catalog).write(format: .postgis, schema: "geo_ville", to: tmp.path("p.sql"))
        let sql = try tmp.read("p.sql")
        #expect(summary.perimeters == catalog.perimeters.count)
        #expect(summary.boundaryParts > summary.perimeters)
        #expect(sql.contains("CREATE SCHEMA IF NOT EXISTS \"geo_ville\";"))
        #expect(!sql.contains("qpv.perimeter"))
        #expect(sql.contains("CREATE INDEX IF NOT EXISTS perimeter_boundary_2154_gist ON \"geo_ville\".perimeter_boundary USING gist (geom)"))
        #expect(sql.contains("WHERE metric_srid = 2154;"))
        #expect(sql.contains("CREATE OR REPLACE FUNCTION \"geo_ville\".locate(lon double precision"))
        // Re-runnable over a previous load with the user's views on it: nothing dropped, rows replaced.
        #expect(!sql.contains("DROP TABLE") && !sql.contains("DROP VIEW") && !sql.contains("DROP FUNCTION"))
        #expect(sql.contains("TRUNCATE \"geo_ville\".perimeter_boundary"))
        #expect(sql.hasSuffix("COMMIT;\n"))
        // No registry text outside COPY data or an escaped literal: a quote in a label is doubled.
        for list in catalog.registry.lists where list.label.contains("'") {
            #expect(!sql.contains("'" + list.label + "'"))
        }
    }
}
