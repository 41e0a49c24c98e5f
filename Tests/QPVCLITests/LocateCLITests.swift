// `qpv locate` through the real binary: single points (JSON, French text, exit statuses), messy Windows-1252
// batches keeping every row and column, the real file against the truth, import then list.

import Foundation
import QPVCore
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

/// The real `qpv` binary on the demo data and on messy CSV files.
@Suite struct LocateCLITests {
    let tmp: TemporaryDirectory
    var env: [String: String] { ["QPV_DATA_DIR": tmp.path("data")] }

    init() throws { tmp = try TemporaryDirectory() }

    func rows(_ text: String) throws -> [[String]] {
        let reader = try CSVReader(source: MemoryByteSource(text), name: "out.csv")
        var out = [reader.header]
        while let r = try reader.next() { out.append(r.fields) }
        return out
    }

    @Test func singlePointJSONOnDemoData() throws {
        let r = try CLIRunner.run(
            ["locate", "--lon", "-4.6181818", "--lat", "46.2107914", "--date", "2023-12-31", "--format", "json"], environment: env)
        #expect(r.status == 0)
        #expect(r.stderr.contains("DÉMONSTRATION"))
        let json = try JSONParser.parse(r.stdout)
        #expect(json["status"]?.stringValue == "in")
        #expect(json["qpv_code"]?.stringValue == "QX000101")
        #expect(json["qpv_vintage"]?.stringValue == "2015")
        #expect(json["demo"] == .bool(true))
        #expect((json["distance_boundary_m"]?.numberValue ?? 0) > 500)
    }

    @Test func singleQueryInMainlandFranceNeedsNoPROJ() throws {
        // Issue 17, goal 3: PROJ is loaded on first use only, and WGS84 → Lambert-93 is computed in Swift. With
        // PROJ impossible to load, a query in mainland France gives the same answer; a command that needs PROJ
        // says which library it could not load.
        let missing = env.merging(["QPV_PROJ_LIBRARY": "/inexistant/libproj.so"]) { $1 }
        let args = ["locate", "--lon", "-4.6181818", "--lat", "46.2107914", "--date", "2023-12-31", "--format", "json"]
        let normal = try CLIRunner.run(args, environment: env)
        let without = try CLIRunner.run(args, environment: missing)
        #expect(normal.status == 0 && without.status == 0)
        #expect(without.stdout == normal.stdout)
        let grid = try CLIRunner.run(["carreaux", "grid", "--lon", "2.35", "--lat", "48.85"], environment: missing)
        #expect(grid.status != 0)
        #expect(grid.stderr.contains("PROJ") && grid.stderr.contains("/inexistant/libproj.so"), "\(grid.stderr)")
        #expect(try CLIRunner.run(["carreaux", "grid", "--lon", "2.35", "--lat", "48.85"], environment: env).status == 0)
    }

    @Test func negativeLongitudeAndFrenchText() throws {
        let r = try CLIRunner.run(["locate", "--lon", "-4.5999351", "--lat", "46.1811151", "--date", "2024-06-01"], environment: env)
        #expect(r.status == 0)
        #expect(r.stdout.contains("À VÉRIFIER"))
        #expect(r.stdout.contains("milieu de la voie"))
    }

    @Test func invalidSinglePointExitsWithStatus2() throws {
        let r = try CLIRunner.run(["locate", "--lon", "abc", "--lat", "46.2", "--date", "2024-06-01"], environment: env)
        #expect(r.status == 2)
        #expect(r.stdout.contains("COORDONNÉES INVALIDES"))
        let bad = try CLIRunner.run(["locate", "--lon", "1", "--lat", "46.2", "--date", "2024-13-01"], environment: env)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("AAAA-MM-JJ"))
    }

    @Test func batchKeepsEveryRowAndColumnOfAMessyWindows1252File() throws {
        // Excel-style: Windows-1252, `;`, CRLF, comma decimals, a blank line, a quoted newline, bad rows.
        var text = "Nom;Commentaire;Longitude;Latitude\r\n"
        text += "Éloïse;\"deux\r\nlignes\";-4,6181818;46,2107914\r\n"
        text += "\r\n"
        text += "Zoé;vide;;\r\n"
        text += "Noël;texte;ouest;46.2\r\n"
        text += "Bœuf;inversé;46.2107914;-4.6181818\r\n"
        text += "Hors;loin;-4.5974026;46.2013489\r\n"
        var bytes: [UInt8] = []
        TextEncoding.windows1252.encode(text, into: &bytes)
        let input = try tmp.write("in.csv", bytes: bytes)
        let r = try CLIRunner.run(["locate", "--input", input, "--output", tmp.path("out.csv"), "--date", "2024-06-01"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let outBytes = [UInt8](try Data(contentsOf: tmp.url.appendingPathComponent("out.csv")))
        #expect(outBytes.contains(0xC9))  // "É" written back in Windows-1252
        let reader = try CSVReader(source: MemoryByteSource(outBytes), name: "out.csv")
        #expect(reader.dialect.encoding == .windows1252)
        #expect(reader.dialect.separator == UInt8(ascii: ";"))
        #expect(
            reader.header == ["Nom", "Commentaire", "Longitude", "Latitude"] + LocateBatch.qpvColumns + LocateBatch.qicColumns + [
                LocateBatch.errorColumn
            ])
        var out: [[String]] = []
        while let row = try reader.next() { out.append(row.fields) }
        #expect(out.map { $0[0] } == ["Éloïse", "Zoé", "Noël", "Bœuf", "Hors"])
        #expect(out[0][1] == "deux\r\nlignes")
        #expect(out[0][4] == "in" && out[0][5] == "QX000201")
        #expect(out[1][4] == "invalid_coordinates" && out[1].last!.contains("« Longitude » vide"))
        #expect(out[2][4] == "invalid_coordinates" && out[2].last!.contains("« ouest » n'est pas un nombre"))
        #expect(out[3][4] == "invalid_coordinates" && out[3].last!.contains("inversées"))
        #expect(out[4][4] == "out")
        #expect(r.stderr.contains("ligne 5"))  // the "Zoé" row, counted with the blank line and the quoted newline
        #expect(r.stderr.contains("5 lignes traitées"))
    }

    @Test func missingColumnsAreNamed() throws {
        let input = try tmp.write("in.csv", "x_coord,y_coord\n1,2\n")
        let r = try CLIRunner.run(["locate", "--input", input, "--output", tmp.path("o.csv")], environment: env)
        #expect(r.status != 0)
        #expect(r.stderr.contains("in.csv"))
        #expect(r.stderr.contains("« x_coord »"))
        let explicit = try CLIRunner.run(
            ["locate", "--input", input, "--output", tmp.path("o.csv"), "--lon-column", "x_coord", "--lat-column", "lat"], environment: env)
        #expect(explicit.stderr.contains("« lat »"))
        let empty = try tmp.write("empty.csv", "")
        let e = try CLIRunner.run(["locate", "--input", empty, "--output", tmp.path("o.csv")], environment: env)
        #expect(e.stderr.contains("fichier vide"))
    }

    @Test(.enabled(if: SharedData.isAvailable, "données de référence ../shared absentes"))
    func batchOnTheRealFileMatchesTruth() throws {
        let truth = try SharedData.file("truth/points-occitanie.csv").path
        let r = try CLIRunner.run(
            ["locate", "--perimeters", try occitaniePath(), "--input", truth, "--output", tmp.path("occ.csv"), "--date", "2023-06-01"],
            environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let reader = try CSVReader(path: tmp.path("occ.csv"))
        let expected = try reader.requireColumn("expected_codes")
        let got = try reader.requireColumn("qpv_code")
        let dIn = try reader.requireColumn("distance_boundary_m_input")
        let dOut = try reader.requireColumn("distance_boundary_m")
        var n = 0
        while let row = try reader.next() {
            n += 1
            #expect(Set(row[expected].split(separator: ";")) == Set(row[got].split(separator: ";")), "ligne \(row.line)")
            #expect(abs(Double(row[dIn])! - Double(row[dOut])!) <= 0.0100001, "ligne \(row.line)")
        }
        #expect(n == (try TruthPoint.load()).count)
    }

    @Test(.enabled(if: SharedData.isAvailable, "données de référence ../shared absentes"))
    func dataImportListAndNoListAnswer() throws {
        let imp = try CLIRunner.run(["data", "import", try occitaniePath()], environment: env)
        #expect(imp.status == 0, "\(imp.stderr)")
        #expect(imp.stdout.contains("105 périmètres"))
        #expect(imp.stderr.contains("2 polygone(s) invalide(s) réparé(s)"))
        let list = try CLIRunner.run(["data", "list", "--format", "json"], environment: env)
        let packs = try JSONParser.parse(list.stdout).arrayValue ?? []
        #expect(packs.count == 1)
        #expect(packs.first?["vintage"]?.stringValue == "2015")
        // A point inside QP031001 (Toulouse): in on 2023-12-31, clear "liste 2024 non installée" on 2024-01-01.
        let truth = try TruthPoint.load().first { $0.codes == ["QP031001"] && $0.distance > 25 }!
        let before = try CLIRunner.run(
            ["locate", "--lon", "\(truth.lon)", "--lat", "\(truth.lat)", "--date", "2023-12-31", "--format", "json"], environment: env)
        #expect(try JSONParser.parse(before.stdout)["status"]?.stringValue == "in")
        let after = try CLIRunner.run(
            ["locate", "--lon", "\(truth.lon)", "--lat", "\(truth.lat)", "--date", "2024-01-01", "--format", "json"], environment: env)
        let json = try JSONParser.parse(after.stdout)
        #expect(json["status"]?.stringValue == "no_list")
        #expect(json["missing_list"]?["list_id"]?.stringValue == "qpv-2024-hexagone")
        #expect(json["message"]?.stringValue?.contains("liste 2024 des QPV de l'Hexagone non installée") == true)
    }
}
