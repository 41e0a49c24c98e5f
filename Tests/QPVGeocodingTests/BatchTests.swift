// `BatchGeocoder`: every row once and in order with statuses and a per-thread annotation, Windows-1252 kept,
// `minScore`, missing columns (the same through the real binary: QPVCLITests' GeocodeCLITests).

import Foundation
import QPVGeocoding
import QPVTabular
import QPVTestSupport
import Testing

/// A fake annotation (not the QPV answer): the rounded coordinates and the id of the thread-local worker, to
/// check that the hook gets each geocoded point and is built once per worker thread.
func roundedCoordinates(made: TestCounter) -> CoordinateAnnotation {
    CoordinateAnnotation(columns: ["lon_arrondi", "lat_arrondi"], valuesWhenNotGeocoded: ["not_geocoded", ""]) {
        made.increment()
        return { lon, lat in [String(format: "%.2f", lon), String(format: "%.2f", lat)] }
    }
}

final class TestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

func readCSV(_ path: String) throws -> (header: [String], rows: [[String]], dialect: CSVDialect) {
    let r = try CSVReader(path: path)
    var rows: [[String]] = []
    while let rec = try r.next() { rows.append(rec.fields) }
    return (r.header, rows, r.dialect)
}

@Suite struct BatchTests {
    @Test func everyRowOnceInOrderWithStatusesAndAnnotation() throws {
        let f = try Fixture.get()
        let dir = try TemporaryDirectory()
        let long = String(repeating: "x", count: 10_000)
        let lines = [
            "ref;adresse;note",
            "1;3 rue de la Paix 62900 Ville-Test;a",
            "",
            "2;\"10, av du Gal de Gaulle\" Ville-Test;b",
            "3;\"4 rue du Moulin 62902 Autre-Ville;c",
            "4;\(long);d",
            "5;;vide",
            "6;zzzz qqqq wwww;e",
            "7;62900 Autre-Ville",
            "8;1 rue de la Paix Autre-Ville;f;en trop",
        ]
        let input = try dir.write("in.csv", lines.joined(separator: "\n") + "\n")
        let counter = TestCounter()
        let summary = try BatchGeocoder(geocoder: f.geocoder).run(
            BatchOptions(input: input, output: dir.path("out.csv"), columns: .single("adresse"), threads: 2, chunkSize: 2),
            annotation: roundedCoordinates(made: counter))
        let out = try readCSV(dir.path("out.csv"))
        // Exactly the columns of the national geocoding CSV API, in its order, then the annotation's.
        #expect(
            out.header == [
                "ref", "adresse", "note", "latitude", "longitude", "result_label", "result_score", "result_score_next",
                "result_type", "result_id", "result_housenumber", "result_name", "result_street", "result_postcode",
                "result_city", "result_context", "result_citycode", "result_oldcitycode", "result_oldcity",
                "result_district", "result_status", "lon_arrondi", "lat_arrondi",
            ])
        #expect(out.rows.map { $0[0] } == ["1", "2", "3", "4", "5", "6", "7", "8"])
        #expect(out.rows.allSatisfy { $0.count == out.header.count })
        let col = Dictionary(uniqueKeysWithValues: out.header.enumerated().map { ($1, $0) })
        func cell(_ ref: String, _ name: String) -> String { out.rows.first { $0[0] == ref }![col[name]!] }

        #expect(cell("1", "result_status") == "ok" && cell("1", "result_id") == "62901_0001_00003")
        #expect(cell("1", "lon_arrondi") == "2.50" && cell("1", "lat_arrondi") == "50.50")
        #expect(cell("1", "note") == "a")
        // A `;`-separated input: numbers written with a decimal comma (French Excel).
        #expect(cell("1", "latitude") == "50,5000000" && cell("1", "longitude") == "2,5001000")
        #expect(cell("2", "result_id") == "62901_0002_00010")
        #expect(cell("3", "result_status") == "error" && cell("3", "result_label").contains("guillemet"))
        #expect(cell("3", "lon_arrondi") == "not_geocoded")
        #expect(cell("4", "result_status") == "not-found" && cell("4", "adresse") == long)
        #expect(cell("5", "result_status") == "skipped" && cell("5", "result_label") == "adresse vide")
        #expect(cell("6", "result_status") != "error")
        #expect(cell("7", "result_type") == "municipality" && cell("7", "result_citycode") == "62902" && cell("7", "note") == "")
        #expect(cell("8", "result_status") == "error" && cell("8", "note") == "f;en trop")
        #expect(summary.rows == 8 && summary.blankLines == 1)
        #expect(summary.byStatus.values.reduce(0, +) == 8)
        #expect(summary.byStatus["error"] == 2)
        #expect(counter.value == 2)
        #expect(summary.frenchReport.contains("8 lignes traitées"))
    }

    @Test func windows1252InputIsReadAndWrittenBackInWindows1252() throws {
        let f = try Fixture.get()
        let dir = try TemporaryDirectory()
        var bytes = Array("num;voie;cp;commune\r\n7;Rue des ".utf8)
        bytes += [0xC9] + Array("coles;62900;Ville-Test\r\n12;Avenue du G".utf8) + [0xE9] + Array("n".utf8) + [0xE9]
        bytes += Array("ral de Gaulle;62900;Ville-Test\r\n".utf8)
        let input = try dir.write("excel.csv", bytes: bytes)
        let summary = try BatchGeocoder(geocoder: f.geocoder).run(
            BatchOptions(input: input, output: dir.path("out.csv"), columns: .parts(["num", "voie", "cp", "commune"]), threads: 1))
        #expect(summary.dialect.encoding == .windows1252 && summary.dialect.crlf)
        let out = try readCSV(dir.path("out.csv"))
        #expect(out.dialect.encoding == .windows1252)
        #expect(out.rows[0][1] == "Rue des Écoles")
        #expect(out.rows.map { $0[out.header.firstIndex(of: "result_id")!] } == ["62901_0004_00007", "62901_0002_00012"])
        let raw = try Data(contentsOf: URL(fileURLWithPath: dir.path("out.csv")))
        #expect(raw.contains(0xC9) && String(data: raw, encoding: .utf8) == nil)
    }

    @Test func minScoreLeavesDoubtfulRowsUngeocodedWithTheReason() throws {
        let f = try Fixture.get()
        let dir = try TemporaryDirectory()
        let input = try dir.write("in.csv", "adresse\n7 Rue des Ecloes Vile-Test\n3 rue de la Paix 62900 Ville-Test\n")
        let summary = try BatchGeocoder(geocoder: f.geocoder).run(
            BatchOptions(input: input, output: dir.path("out.csv"), columns: .single("adresse"), minScore: 0.97))
        let out = try readCSV(dir.path("out.csv"))
        let status = out.header.firstIndex(of: "result_status")!
        let label = out.header.firstIndex(of: "result_label")!
        #expect(out.rows[0][status] == "not-found" && out.rows[0][label].contains("inférieur au minimum"))
        #expect(out.rows[0][out.header.firstIndex(of: "latitude")!] == "")
        #expect(out.rows[1][status] == "ok")
        #expect(summary.belowMinScore == 1)
    }

    @Test func aMissingAddressColumnNamesTheFileAndTheColumnsPresent() throws {
        let f = try Fixture.get()
        let dir = try TemporaryDirectory()
        let input = try dir.write("in.csv", "ref;adr\n1;3 rue de la Paix\n")
        let error = #expect(throws: GeocodingError.self) {
            try BatchGeocoder(geocoder: f.geocoder).run(BatchOptions(input: input, output: dir.path("o.csv"), columns: .single("adresse")))
        }
        #expect(error?.description.contains("in.csv") == true && error?.description.contains("« adr »") == true)
    }

    @Test func thousandsOfRowsStayInOrderAcrossThreads() throws {
        let f = try Fixture.get()
        let dir = try TemporaryDirectory()
        let addresses = ["1 rue de la Paix Ville-Test", "4 rue du Moulin Autre-Ville", "5 place Saint-Martin 62900", "nulle part"]
        var text = "n,adresse\n"
        for k in 0..<5000 { text += "\(k),\(addresses[k % 4])\n" }
        let input = try dir.write("in.csv", text)
        let summary = try BatchGeocoder(geocoder: f.geocoder).run(
            BatchOptions(input: input, output: dir.path("out.csv"), columns: .single("adresse"), threads: 2, chunkSize: 37))
        let out = try readCSV(dir.path("out.csv"))
        #expect(out.rows.map { $0[0] } == (0..<5000).map(String.init))
        let idCol = out.header.firstIndex(of: "result_id")!
        #expect(out.rows[1][idCol] == "62902_0002_00004" && out.rows[4997][idCol] == "62902_0002_00004")
        #expect(summary.rows == 5000)
    }
}
