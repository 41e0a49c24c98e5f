// Issue 15 through the real binary on the demo data, across commands: decimal commas, columns found by name,
// typed GeoJSON read back by GDAL, exit statuses, French help and errors, completion scripts and manual.

import Foundation
import QPVCore
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

/// Issue 15 through the real binary, on the demo data: Excel-ready numbers, columns found by their names,
/// typed GeoJSON read back by GDAL, exit statuses, French help and errors.
@Suite struct ConventionsCLITests {
    let tmp: TemporaryDirectory
    var env: [String: String] { ["QPV_DATA_DIR": tmp.path("data")] }

    init() throws { tmp = try TemporaryDirectory() }

    static let tilleuls = (lon: "-4.6181818", lat: "46.2107914")  // in QX000201 on 2024-06-01, QX000101 before
    static let mairie = (lon: "-4.5974026", lat: "46.2013489")  // out of every demo QPV
    static let boundary = (lon: "-4.5999351", lat: "46.1811151")  // a few metres from a demo boundary

    func table(_ name: String) throws -> (header: [String], rows: [[String]], dialect: CSVDialect) {
        let reader = try CSVReader(path: tmp.path(name))
        var rows: [[String]] = []
        while let r = try reader.next() { rows.append(r.fields) }
        return (reader.header, rows, reader.dialect)
    }

    func windows1252(_ name: String, _ text: String) throws -> String {
        var bytes: [UInt8] = []
        TextEncoding.windows1252.encode(text, into: &bytes)
        return try tmp.write(name, bytes: bytes)
    }

    // MARK: 1. Decimals

    @Test func excelFileGetsDecimalCommasBackAndDecimalForcesThem() throws {
        // What French Excel writes: `;`, Windows-1252, CRLF, decimal commas.
        let input = try windows1252("excel.csv", "Libellé;Longitude;Latitude\r\nÉcole;-4,6181818;46,2107914\r\nMairie;-4,5974026;46,2013489\r\n")
        let r = try CLIRunner.run(["locate", "--input", input, "--output", tmp.path("out.csv"), "--date", "2024-06-01"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try table("out.csv")
        #expect(out.dialect.encoding == .windows1252 && out.dialect.separator == UInt8(ascii: ";"))
        let d = out.header.firstIndex(of: "distance_boundary_m")!
        #expect(out.rows[0][d].range(of: #"^[0-9]+,[0-9]{2}$"#, options: .regularExpression) != nil, "\(out.rows[0][d])")
        let forced = try CLIRunner.run(
            ["locate", "--input", input, "--output", tmp.path("point.csv"), "--date", "2024-06-01", "--decimal", "point"], environment: env)
        #expect(forced.status == 0, "\(forced.stderr)")
        let p = try table("point.csv")
        #expect(p.rows[0][d].range(of: #"^[0-9]+\.[0-9]{2}$"#, options: .regularExpression) != nil, "\(p.rows[0][d])")
        // A comma-separated file with points keeps points; one whose (quoted) numbers use commas gets commas.
        let points = try tmp.write("points.csv", "name,lon,lat\nA,\(Self.tilleuls.lon),\(Self.tilleuls.lat)\n")
        #expect(
            try CLIRunner.run(["locate", "--input", points, "--output", tmp.path("p2.csv"), "--date", "2024-06-01"], environment: env).status == 0)
        #expect(try table("p2.csv").rows[0][3 + 4].contains("."))
        let commas = try tmp.write("commas.csv", "name,lon,lat\nA,\"-4,6181818\",\"46,2107914\"\n")
        #expect(
            try CLIRunner.run(["locate", "--input", commas, "--output", tmp.path("c2.csv"), "--date", "2024-06-01"], environment: env).status == 0)
        let c2 = try table("c2.csv")
        #expect(c2.header.count == c2.rows[0].count)  // a decimal comma in a comma-separated file is quoted
        #expect(c2.rows[0][3 + 4].contains(","))
    }

    @Test func numericOptionsAcceptADecimalComma() throws {
        let r = try CLIRunner.run(
            ["locate", "--lon", Self.tilleuls.lon, "--lat", Self.tilleuls.lat, "--date", "2024-06-01", "--boundary-tolerance", "12,5"],
            environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let ef = try CLIRunner.run(
            [
                "eligibility", "emploi-franc", "--lon", Self.tilleuls.lon, "--lat", Self.tilleuls.lat, "--signature-date", "2022-03-15", "--contract",
                "cdi",
                "--status", "jobseeker", "--employer", "private", "--working-time", "0,8", "--no-previous-employment", "--no-economic-dismissal",
                "--obligations-up-to-date", "--no-other-state-aid", "--kept-six-months", "--format", "json",
            ], environment: env)
        #expect(ef.status == 0, "\(ef.stderr)")
        let json = try JSONParser.parse(ef.stdout)
        #expect(json["verdict"]?.stringValue == "eligible")
        #expect((json["aid"]?["total_eur"]?.numberValue ?? 0) == 12000)  // 80 % of 15 000 €
        let bad = try CLIRunner.run(["locate", "--lon", "1", "--lat", "46", "--boundary-tolerance", "1,2,3"], environment: env)
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("n'est pas valable pour « --boundary-tolerance"))
    }

    @Test("--format typé partout : valeur inconnue refusée en français avec les valeurs possibles (64)")
    func formatOptionsAreTypedAndFrench() throws {
        for args in [
            ["export", "--format", "xml", "--output", tmp.path("x.sql")],
            ["carreaux", "grid", "--id", "CRS3035RES200mN3073200E3798000", "--format", "xml"],
            ["carreaux", "classify", "--input", tmp.path("absent.csv"), "--output", tmp.path("o.csv"), "--format", "xml"],
        ] {
            let r = try CLIRunner.run(args, environment: env)
            #expect(r.status == 64, "\(args) \(r.stderr)")
            #expect(r.stderr.contains("la valeur « xml » n'est pas valable pour « --format"), "\(r.stderr)")
            #expect(r.stderr.contains("valeurs possibles : "), "\(r.stderr)")
            #expect(!r.stderr.contains("Please"), "\(r.stderr)")
        }
    }

    // MARK: 2. Columns found by their names

    @Test func tfpbCountsTheNbLogementsColumn() throws {
        let input = try windows1252(
            "parc.csv",
            "Référence;Longitude;Latitude;Nb logements\r\nA;\(Self.tilleuls.lon);\(Self.tilleuls.lat);12\r\nB;\(Self.tilleuls.lon);\(Self.tilleuls.lat);12\r\nC;\(Self.mairie.lon);\(Self.mairie.lat);12\r\n"
        )
        let r = try CLIRunner.run(
            [
                "eligibility", "tfpb", "--input", input, "--tax-year", "2026", "--output", tmp.path("out.csv"), "--conventionne", "oui",
                "--logement-social", "oui", "--exoneration-terminee", "oui",
            ], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("nombre de logements ← « Nb logements »"), "\(r.stderr)")
        #expect(r.stderr.contains("longitude ← « Longitude »"))
        let out = try table("out.csv")
        let n = out.header.firstIndex(of: "tfpb_logements")!
        #expect(out.rows.map { Int($0[n]) ?? 0 }.reduce(0, +) == 36)
        #expect(r.stderr.contains("24 logements sur 36"), "\(r.stderr)")
    }

    @Test func ambiguousOrMissingColumnsFailListingTheHeaders() throws {
        let input = try tmp.write("two.csv", "lon;Longitude;lat\n1;2;46\n")
        let r = try CLIRunner.run(["locate", "--input", input, "--output", tmp.path("o.csv")], environment: env)
        #expect(r.status == 65, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("« lon » et « Longitude »") && r.stderr.contains("--lon-column"), "\(r.stderr)")
        let named = try CLIRunner.run(["locate", "--input", input, "--output", tmp.path("o.csv"), "--lon-column", "LONGITUDE"], environment: env)
        #expect(named.status == 0, "\(named.stderr)")
        let none = try tmp.write("none.csv", "a;b\n1;2\n")
        let m = try CLIRunner.run(["locate", "--input", none, "--output", tmp.path("o.csv")], environment: env)
        #expect(m.status == 65)
        #expect(m.stderr.contains("« a », « b »") && m.stderr.contains("--lon-column"))
    }

    @Test func geocodeFindsAddressPostcodeAndCityColumnsByName() throws {
        let input = try windows1252("adresses.csv", "Nom;Adresse 1;Code Postal;Ville\r\nX;12 rue des Tilleuls;00100;Quartville-sur-Démo\r\n")
        let r = try CLIRunner.run(["geocode", "--input", input, "--output", tmp.path("g.csv"), "--date", "2024-06-01"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stderr.contains("adresse ← « Adresse 1 »") && r.stderr.contains("code postal ← « Code Postal »")
                && r.stderr.contains("commune ← « Ville »"))
        let out = try table("g.csv")
        #expect(out.rows[0][out.header.firstIndex(of: "result_status")!] == "ok")
        let batchStatus = out.rows[0][out.header.firstIndex(of: "qpv_status")!]
        #expect(["in", "out", "boundary"].contains(batchStatus))
        // `;` input: latitude and score written with commas.
        #expect(out.rows[0][out.header.firstIndex(of: "latitude")!].contains(","))
        // The single answer gives the QPV answer too, as the batch does.
        let single = try CLIRunner.run(["geocode", "12 rue des Tilleuls 00100 Quartville-sur-Démo", "--date", "2024-06-01"], environment: env)
        #expect(single.status == 0, "\(single.stderr)")
        #expect(single.stdout.contains("QX000201") && single.stdout.contains("HORS QPV") == (batchStatus == "out"), "\(single.stdout)")
        let json = try JSONParser.parse(
            try CLIRunner.run(
                ["geocode", "12 rue des Tilleuls 00100 Quartville-sur-Démo", "--date", "2024-06-01", "--format", "json"], environment: env
            ).stdout)
        #expect(json["locate"]?["status"]?.stringValue == batchStatus)
    }

    // MARK: 5. Exit statuses

    @Test func exitStatusesFollowTheTable() throws {
        func status(_ args: [String]) throws -> Int32 { try CLIRunner.run(args, environment: env).status }
        let point = { (p: (lon: String, lat: String)) in ["locate", "--lon", p.lon, "--lat", p.lat, "--date", "2024-06-01", "--exit-status"] }
        #expect(try status(point(Self.tilleuls)) == 0)
        #expect(try status(point(Self.mairie)) == 1)
        #expect(try status(point(Self.boundary)) == 2)
        #expect(try status(["locate", "--lon", Self.mairie.lon, "--lat", Self.mairie.lat]) == 0)  // without the flag, an answer is 0
        let ef = [
            "eligibility", "emploi-franc", "--lon", Self.tilleuls.lon, "--lat", Self.tilleuls.lat, "--contract", "cdi", "--status", "jobseeker",
            "--employer", "private", "--no-previous-employment", "--no-economic-dismissal", "--obligations-up-to-date", "--no-other-state-aid",
            "--kept-six-months", "--exit-status", "--signature-date",
        ]
        #expect(try status(ef + ["2022-03-15"]) == 0)
        #expect(try status(ef + ["2025-03-15"]) == 1)
        #expect(try status(["locate", "--kind", "x"]) == 64)
        #expect(try status(["locate", "--input", tmp.path("absent.csv"), "--output", tmp.path("o.csv")]) == 66)
        let help = try CLIRunner.run(["--help"], environment: env)
        #expect(help.stdout.contains("Codes de sortie") && help.stdout.contains("64") && help.stdout.contains("66"))
    }

    // MARK: 4. French

    @Test func helpAndParserErrorsAreFrench() throws {
        let help = try CLIRunner.run(["locate", "--help"], environment: env)
        #expect(help.status == 0)
        for english in ["Show help information", "(default:", "USAGE:", "OPTIONS:", "OVERVIEW:"] {
            #expect(!help.stdout.contains(english), "\(english)")
        }
        #expect(help.stdout.contains("Afficher cette aide."))
        #expect(help.stdout.contains("(défaut : 20)"))
        // Examples are whole command lines, not cut at 80 columns.
        #expect(help.stdout.contains("qpv locate --input points.csv --output resultats.csv [--lon-column lon --lat-column lat]"))
        let unknown = try CLIRunner.run(["locate", "--lon", "1", "--lat", "46", "--kind", "qpv"], environment: env)
        #expect(unknown.stderr.contains("Erreur : option inconnue « --kind »"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("Utilisation : qpv locate"))
        #expect(!unknown.stderr.contains("Usage:") && !unknown.stderr.contains("See '"))
        // A validation error thrown while running a subcommand shows that subcommand's usage line.
        let classify = try CLIRunner.run(
            [
                "carreaux", "classify", "--input", SharedData.geoData("demo/demo-filosofi-200m.csv").path, "--output", tmp.path("o.csv"), "--format",
                "large",
            ], environment: env)
        #expect(classify.status == 64)
        #expect(classify.stderr.contains("Utilisation : qpv carreaux classify"), "\(classify.stderr)")
        let root = try CLIRunner.run(["--help"], environment: env)
        #expect(root.stdout.contains("SOUS-COMMANDES :") && !root.stdout.contains("See '"))
    }

    // MARK: 3. Typed GeoJSON, read by GDAL

    /// `ogrinfo -so` of a file: geometry type and "name: Type" of each field.
    func ogrSummary(_ path: String) throws -> (geometry: String, fields: [String: String]) {
        let r = try CLIRunner.run(executable: URL(fileURLWithPath: "/usr/bin/ogrinfo"), ["-ro", "-al", "-so", path])
        #expect(r.status == 0, "\(r.stderr)")
        var geometry = ""
        var fields: [String: String] = [:]
        for line in r.stdout.split(separator: "\n").map(String.init) {
            if line.hasPrefix("Geometry: ") { geometry = String(line.dropFirst(10)) }
            if let colon = line.range(of: ": "), !line.hasPrefix(" "), !line.contains("="),
                !["Layer name", "Geometry", "Feature Count", "Extent", "Layer SRS WKT", "INFO", "Data axis to CRS axis mapping", "FID Column"]
                    .contains(String(line[..<colon.lowerBound]))
            {
                fields[String(line[..<colon.lowerBound])] = String(line[colon.upperBound...]).components(separatedBy: " (").first
            }
        }
        return (geometry, fields)
    }

    /// Every polygon of the file: exterior ring counter-clockwise, holes clockwise (RFC 7946 § 3.1.6).
    func expectRightHandRule(_ path: String) throws {
        let json = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: path)))
        var polygons = 0
        for f in json["features"]?.arrayValue ?? [] {
            let g = f["geometry"]!
            #expect(g["type"]?.stringValue == "MultiPolygon")
            for p in g["coordinates"]?.arrayValue ?? [] {
                for (k, ring) in (p.arrayValue ?? []).enumerated() {
                    let pts = (ring.arrayValue ?? []).map { ($0.arrayValue![0].numberValue!, $0.arrayValue![1].numberValue!) }
                    var a = 0.0
                    for i in 0..<(pts.count - 1) { a += pts[i].0 * pts[i + 1].1 - pts[i + 1].0 * pts[i].1 }
                    #expect(k == 0 ? a > 0 : a < 0, "ring \(k) of polygon \(polygons)")
                }
                polygons += 1
            }
        }
        #expect(polygons > 0)
    }

    @Test func everyGeoJSONOutputIsTypedAndOriented() throws {
        // TFPB points.
        let parc = try tmp.write("parc.csv", "id;lon;lat;logements\nA;\(Self.tilleuls.lon);\(Self.tilleuls.lat);12\nB;x;y;\n")
        let t = try CLIRunner.run(
            [
                "eligibility", "tfpb", "--input", parc, "--tax-year", "2026", "--output", tmp.path("t.csv"), "--geojson", tmp.path("t.geojson"),
                "--conventionne", "oui",
            ],
            environment: env)
        #expect(t.status == 0, "\(t.stderr)")
        let tfpb = try ogrSummary(tmp.path("t.geojson"))
        #expect(tfpb.geometry == "Point")
        #expect(tfpb.fields["tfpb_logements"] == "Integer", "\(tfpb.fields)")
        #expect(tfpb.fields["tfpb_logements_eligibles"] == "Integer")
        #expect(tfpb.fields["distance_boundary_m"] == "Real")
        #expect(tfpb.fields["lon"] == "Real" && tfpb.fields["logements"] == "Integer")
        #expect(tfpb.fields["tfpb_verdict"] == "String")

        // qpv export --format geojson.
        let e = try CLIRunner.run(["export", "--format", "geojson", "--demo", "--output", tmp.path("e.geojson")], environment: env)
        #expect(e.status == 0, "\(e.stderr)")
        let export = try ogrSummary(tmp.path("e.geojson"))
        #expect(export.geometry == "Multi Polygon", "\(export.geometry)")
        #expect(export.fields["area_m2"] == "Real")
        #expect(export.fields["is_demo"] == "Integer(Boolean)")
        #expect(export.fields["communes"] == "StringList", "\(export.fields)")
        try expectRightHandRule(tmp.path("e.geojson"))

        // qpv perimeters show --format geojson: the same types for the same properties.
        let s = try CLIRunner.run(["perimeters", "show", "QX000101", "--format", "geojson"], environment: env)
        #expect(s.status == 0, "\(s.stderr)")
        let showPath = try tmp.write("s.geojson", s.stdout)
        let show = try ogrSummary(showPath)
        #expect(show.geometry == "Multi Polygon")
        #expect(show.fields["communes"] == "StringList", "\(show.fields)")
        try expectRightHandRule(showPath)

        // qpv carreaux candidates.
        let c = try CLIRunner.run(
            [
                "carreaux", "candidates", "--input", SharedData.geoData("demo/demo-filosofi-200m.csv").path, "--threshold", "12600", "--output",
                tmp.path("c.geojson"),
                "--date", "2024-06-01",
            ], environment: env)
        #expect(c.status == 0, "\(c.stderr)")
        let cand = try ogrSummary(tmp.path("c.geojson"))
        #expect(cand.geometry == "Multi Polygon")
        #expect(cand.fields["population"] == "Real" || cand.fields["population"] == "Integer")
        #expect(cand.fields["approximation"] == "Integer(Boolean)")
        try expectRightHandRule(tmp.path("c.geojson"))
    }

    // MARK: 7, 8. Installed data, completion, manual

    @Test func dataListShowsTheAddressBaseAndRemoveTakesItOut() throws {
        let none = try CLIRunner.run(["data", "list"], environment: env)
        #expect(none.stdout.contains("Aucune base d'adresses installée"))
        let imp = try CLIRunner.run(["data", "import-ban", SharedData.geoData("demo/demo-adresses.csv").path], environment: env)
        #expect(imp.status == 0, "\(imp.stderr)")
        let list = try CLIRunner.run(["data", "list", "--format", "json"], environment: env)
        let entries = try JSONParser.parse(list.stdout).arrayValue ?? []
        let ban = entries.first { $0["data"]?.stringValue == "addresses" }
        #expect(ban?["pack_id"]?.stringValue == "adresses")
        #expect((ban?["addresses"]?.numberValue ?? 0) > 0)
        #expect(ban?["sources"]?.arrayValue?.first?["file"]?.stringValue == "demo-adresses.csv")
        #expect(try CLIRunner.run(["data", "list"], environment: env).stdout.contains("Base d'adresses installée"))
        let rm = try CLIRunner.run(["data", "remove", "adresses"], environment: env)
        #expect(rm.status == 0, "\(rm.stderr)")
        #expect(try CLIRunner.run(["data", "list"], environment: env).stdout.contains("Aucune base d'adresses installée"))
    }

    @Test func completionScriptsAndManualExist() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try CLIRunner.run(["--generate-completion-script", shell], environment: env)
            #expect(r.status == 0)
            #expect(r.stdout.contains("locate") && r.stdout.contains("boundary-tolerance"), "\(shell)")
        }
        let man = try String(contentsOf: SharedData.packageRoot.appendingPathComponent("Docs/qpv.1"), encoding: .utf8)
        #expect(man.hasPrefix(".TH QPV 1"))
        // Every subcommand of the binary has its section (the page is regenerated by Scripts/lib/make-manpage).
        for command in ["QPV LOCATE", "QPV GEOCODE", "QPV ELIGIBILITY TFPB", "QPV DATA LIST", "QPV EXPORT"] {
            #expect(man.contains(".SH " + command), "\(command)")
        }
        #expect(!man.contains("Show help information"))
    }
}
