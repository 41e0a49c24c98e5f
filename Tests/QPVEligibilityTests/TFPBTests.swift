// Tests of `TFPB.evaluate` and `TFPBBatch`: the list of the tax year, convention and dwelling conditions, a
// messy file with every row once, summary and GeoJSON, the address column hook, 100,000 rows.

import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

@Suite struct TFPBTests {
    let book = Fixture.tfpb

    func row(_ year: Int, convention: Bool? = true, location: EligibilityLocation? = nil) -> EligibilityReport {
        let date = TFPB.referenceDate(taxYear: year)
        return TFPB.evaluate(
            taxYear: year, conventionSigned: convention, socialHousing: true, exonerationEnded: true, location: location ?? Fixture.inside(on: date),
            book: book)
    }

    // Tax years: 2016–2023 on the 2015 list, 2024 uncertain, 2025–2030 on the 2024 list, nothing after 2030.
    @Test(arguments: [
        (2015, Verdict.toVerify), (2016, .eligible), (2017, .eligible), (2023, .eligible), (2024, .toVerify), (2025, .eligible), (2026, .eligible),
        (2030, .eligible), (2031, .notEligible),
    ])
    func taxYearEdges(year: Int, verdict: Verdict) {
        let r = row(year)
        #expect(r.verdict == verdict, "\(year): \(r.summary)")
        #expect(r.date == "\(year)-01-01")
        if year == 2024 { #expect(r.toVerify.contains { $0.contains("2024") }) }
    }

    @Test func theListMustBeTheOneOfTheTaxYear() {
        // A 2025 tax year answered from a 2015-list QPV (e.g. a pack with wrong dates) is not accepted silently.
        var loc = Fixture.inside(on: Fixture.date("2023-06-01"))
        loc.date = Fixture.date("2025-01-01")
        let r = TFPB.evaluate(taxYear: 2025, conventionSigned: true, socialHousing: true, exonerationEnded: true, location: loc, book: book)
        #expect(r.verdict == .toVerify)
        #expect(Fixture.criterion(r, "location_qpv").detail.contains("liste 2024"))
    }

    @Test func conventionAndLocation() {
        #expect(row(2026, convention: false).verdict == .notEligible)
        #expect(row(2026, convention: nil).verdict == .toVerify)
        let out = row(2026, location: Fixture.outside(on: Fixture.date("2026-01-01")))
        #expect(out.verdict == .notEligible)
        #expect(out.criteria.filter { $0.result == .notMet }.map(\.id) == ["location_qpv"])
        #expect(row(2026, location: Fixture.boundary(on: Fixture.date("2026-01-01"), inside: true)).verdict == .toVerify)
        #expect(row(2026, location: Fixture.noList(on: Fixture.date("2026-01-01"))).verdict == .toVerify)
        #expect(row(2026).notes.contains { $0.contains("30 %") })
    }

    @Test(arguments: [
        ("oui", true as Bool?), ("OUI", true), ("o", true), ("1", true), ("x", true), ("vrai", true), ("Signée", true), ("non", false), ("N", false),
        ("0", false), ("faux", false), ("", nil), ("  ", nil),
    ])
    func conventionCells(text: String, value: Bool?) {
        #expect(TFPB.parseFlag(text) == .some(value), "« \(text) »")
    }

    @Test func unreadableConventionCell() { #expect(TFPB.parseFlag("peut-être") == nil) }

    /// The demonstration catalog (nothing installed in an empty data directory).
    func demoCatalog(_ tmp: TemporaryDirectory) throws -> PerimeterCatalog {
        try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url.appendingPathComponent("data")))
    }

    func readAll(_ path: String) throws -> (header: [String], rows: [[String]]) {
        let reader = try CSVReader(path: path)
        var rows: [[String]] = []
        while let r = try reader.next() { rows.append(r.fields) }
        return (reader.header, rows)
    }

    @Test func messyFileEveryRowOnceWithSummaryAndGeoJSON() throws {
        let tmp = try TemporaryDirectory()
        // Windows-1252, semicolons, BOM-less, a blank line, a quoted newline, a bad dwellings count, missing coordinates.
        var text = "id;nom;lon;lat;logements;conventionne\r\n"
        text += "A;Tilleuls;-4,6181818;46,2107914;12;oui\r\n"
        text += "B;Mairie;-4.5974026;46.2013489;5;oui\r\n"
        text += "\r\n"
        text += "C;\"Avenue de la Mer\nlimite\";-4.5999351;46.1811151;3;oui\r\n"
        text += "D;sans coordonnées;;;4;oui\r\n"
        text += "E;Mouettes;-4.5896104;46.1946043;abc;non\r\n"
        text += "F;Extension;-4.6064935;46.2080935;7;\r\n"
        text += "G;Été;-4.5896104;46.1946043;2;peut-être\r\n"
        let bytes: [UInt8] = text.unicodeScalars.map { $0 == "É" ? 0xC9 : $0 == "é" ? 0xE9 : UInt8($0.value) }
        let input = try tmp.write("parc.csv", bytes: bytes)
        let reader = try CSVReader(path: input)
        let writer = try CSVWriter(path: tmp.path("out.csv"), dialect: reader.dialect)
        let geo = try CSVWriter(path: tmp.path("out.geojson"), dialect: CSVDialect())
        var options = TFPBBatchOptions(taxYear: 2026)
        options.defaultSocialHousing = true
        options.defaultExonerationEnded = true
        options.workers = 2
        options.chunkSize = 3
        let summary = try TFPBBatch(catalog: try demoCatalog(tmp), book: book, options: options).run(reader: reader, writer: writer, geojson: geo)

        let out = try readAll(tmp.path("out.csv"))
        #expect(out.rows.map { $0[0] } == ["A", "B", "C", "D", "E", "F", "G"])
        #expect(summary.rows == 7)
        #expect(summary.blankLines == 1)
        let col = { (name: String) in out.header.firstIndex(of: name)! }
        let verdicts = out.rows.map { $0[col("tfpb_verdict")] }
        #expect(verdicts == ["eligible", "not_eligible", "to_verify", "to_verify", "not_eligible", "to_verify", "to_verify"])
        #expect(out.rows[0][col("qpv_code")] == "QX000201")
        // Distances are written with two decimals, as the locate engine measures them.
        let locator = try Locator(catalog: try demoCatalog(tmp))
        for (k, (lon, lat)) in [(0, (-4.6181818, 46.2107914)), (1, (-4.5974026, 46.2013489)), (2, (-4.5999351, 46.1811151))] {
            let d = try #require(try locator.locate(lon: lon, lat: lat, on: TFPB.referenceDate(taxYear: 2026)).qpv?.distanceBoundaryM)
            // `;`-separated input: decimal comma.
            #expect(out.rows[k][col("distance_boundary_m")] == String(format: "%.2f", d).replacingOccurrences(of: ".", with: ","))
        }
        #expect(out.rows[0][col("tfpb_logements_eligibles")] == "12")
        #expect(out.rows[1][col("nom")] == "Mairie")
        #expect(out.rows[2][1] == "Avenue de la Mer\nlimite")
        #expect(out.rows[3][col("tfpb_error")].contains("champ « lon » vide"))
        #expect(out.rows[4][col("tfpb_error")].contains("« abc »"))
        #expect(out.rows[6][col("tfpb_error")].contains("« peut-être » n'est pas oui/non"))
        #expect(out.rows[6][1] == "Été")
        #expect(summary.problems.contains { $0.contains("ligne") && $0.contains("abc") })

        // Summary totals equal the row verdicts.
        let total = summary.total
        #expect(total.rows == 7)
        #expect(total.rowsEligible == verdicts.filter { $0 == "eligible" }.count)
        #expect(total.rowsToVerify == verdicts.filter { $0 == "to_verify" }.count)
        #expect(total.rowsNotEligible == verdicts.filter { $0 == "not_eligible" }.count)
        #expect(total.dwellings == out.rows.compactMap { Int($0[col("tfpb_logements")]) }.reduce(0, +))
        #expect(total.eligibleDwellings == out.rows.compactMap { Int($0[col("tfpb_logements_eligibles")]) }.reduce(0, +))
        #expect(summary.lines.first { $0.code == "QX000201" }?.dwellings == 19)

        let summaryPath = tmp.path("summary.csv")
        try summary.writeCSV(to: try CSVWriter(path: summaryPath, dialect: reader.dialect))
        let s = try readAll(summaryPath)
        #expect(s.header == TFPBSummaryLine.csvHeader)
        #expect(s.rows.last?[0] == "TOTAL")
        #expect(s.rows.last?[7] == String(total.dwellings))

        let geojson = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: tmp.path("out.geojson"))))
        let features = try #require(geojson["features"]?.arrayValue)
        #expect(features.count == 7)
        #expect(features[3]["geometry"] == .null)
        #expect(features[0]["geometry"]?["coordinates"]?.arrayValue?.first?.numberValue == -4.6181818)
        #expect(features[0]["properties"]?["tfpb_verdict"]?.stringValue == "eligible")
    }

    @Test func batchesUseTheListOfTheTaxYear() throws {
        let tmp = try TemporaryDirectory()
        // Le Port is a QPV of the 2015 demo list only.
        let input = try tmp.write("p.csv", "id,lon,lat\nport,-4.5506494,46.2071942\n")
        for (year, verdict) in [(2023, "eligible"), (2026, "not_eligible")] {
            let reader = try CSVReader(path: input)
            var options = TFPBBatchOptions(taxYear: year)
            options.defaultSocialHousing = true
            options.defaultExonerationEnded = true
            options.defaultConventionSigned = true
            _ = try TFPBBatch(catalog: try demoCatalog(tmp), book: book, options: options).run(
                reader: reader, writer: try CSVWriter(path: tmp.path("o\(year).csv"), dialect: reader.dialect))
            let out = try readAll(tmp.path("o\(year).csv"))
            #expect(out.rows[0][out.header.firstIndex(of: "tfpb_verdict")!] == verdict, "\(year)")
        }
    }

    @Test func addressColumnNeedsTheGeocoderHook() throws {
        let tmp = try TemporaryDirectory()
        let input = try tmp.write("a.csv", "id,adresse\n1,Place des Tilleuls Quartville\n2,Rue inconnue\n")
        var options = TFPBBatchOptions(taxYear: 2026)
        options.defaultSocialHousing = true
        options.defaultExonerationEnded = true
        options.addressColumn = "adresse"
        options.defaultConventionSigned = true
        let reader = try CSVReader(path: input)
        #expect(throws: EligibilityLocationError.self) {
            try TFPBBatch(catalog: try demoCatalog(tmp), book: book, options: options).run(
                reader: reader, writer: try CSVWriter(path: tmp.path("o.csv"), dialect: reader.dialect))
        }
        // With a resolver plugged into the hook, addresses are located like coordinates.
        let resolver = ClosureAddressResolver { text in
            text.contains("Tilleuls")
                ? ResolvedAddress(lon: -4.6181818, lat: 46.2107914, label: "Place des Tilleuls", score: 0.92, precision: "street") : nil
        }
        let reader2 = try CSVReader(path: input)
        let summary = try TFPBBatch(catalog: try demoCatalog(tmp), book: book, options: options, addressResolver: resolver).run(
            reader: reader2, writer: try CSVWriter(path: tmp.path("o.csv"), dialect: reader2.dialect))
        let out = try readAll(tmp.path("o.csv"))
        #expect(summary.rows == 2)
        #expect(out.rows[0][out.header.firstIndex(of: "tfpb_verdict")!] == "eligible")
        #expect(out.rows[1][out.header.firstIndex(of: "tfpb_error")!].contains("adresse introuvable"))
    }

    /// 100,000 rows: streamed in chunks, every row out once and in order, summary totals = row verdicts.
    @Test func hundredThousandRows() throws {
        let tmp = try TemporaryDirectory()
        let n = 100_000
        var text = "id,lon,lat,logements,conventionne\n"
        text.reserveCapacity(n * 48)
        var seed: UInt64 = 42
        func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53)
        }
        for i in 0..<n {
            let lon = -4.66 + 0.12 * next()
            let lat = 46.16 + 0.08 * next()
            let dwellings = i % 1009 == 0 ? "x" : String(1 + Int(next() * 40))
            let convention = ["oui", "non", ""][Int(next() * 3)]
            if i % 997 == 0 {
                text += "r\(i),,,\(dwellings),\(convention)\n"
            } else {
                text += "r\(i),\(String(format: "%.7f", lon)),\(String(format: "%.7f", lat)),\(dwellings),\(convention)\n"
            }
        }
        let input = try tmp.write("parc.csv", text)
        let reader = try CSVReader(path: input)
        var options = TFPBBatchOptions(taxYear: 2026)
        options.defaultSocialHousing = true
        options.defaultExonerationEnded = true
        options.workers = 2
        let summary = try TFPBBatch(catalog: try demoCatalog(tmp), book: book, options: options).run(
            reader: reader, writer: try CSVWriter(path: tmp.path("out.csv"), dialect: reader.dialect))
        #expect(summary.rows == n)

        let out = try CSVReader(path: tmp.path("out.csv"))
        let verdictCol = try out.requireColumn("tfpb_verdict")
        let dwellCol = try out.requireColumn("tfpb_logements")
        let eligibleCol = try out.requireColumn("tfpb_logements_eligibles")
        let codeCol = try out.requireColumn("qpv_code")
        var count = 0
        var inOrder = true
        var byVerdict: [String: Int] = [:]
        var dwellings = 0
        var eligibleDwellings = 0
        var perQPV: [String: Int] = [:]
        while let r = try out.next() {
            if r[0] != "r\(count)" { inOrder = false }
            count += 1
            byVerdict[r[verdictCol], default: 0] += 1
            dwellings += Int(r[dwellCol]) ?? 0
            eligibleDwellings += Int(r[eligibleCol]) ?? 0
            perQPV[r[codeCol].split(separator: ";").first.map(String.init) ?? "", default: 0] += 1
        }
        #expect(count == n)
        #expect(inOrder)
        let total = summary.total
        #expect(total.rows == n)
        #expect(total.rowsEligible == byVerdict["eligible"] ?? 0)
        #expect(total.rowsToVerify == byVerdict["to_verify"] ?? 0)
        #expect(total.rowsNotEligible == byVerdict["not_eligible"] ?? 0)
        #expect(total.dwellings == dwellings)
        #expect(total.eligibleDwellings == eligibleDwellings)
        for line in summary.lines { #expect(perQPV[line.code] == line.rows, "\(line.code)") }
        // The random points hit several demo QPV, and every verdict occurs.
        #expect(summary.lines.filter { !$0.code.isEmpty }.count >= 3)
        #expect(Set(byVerdict.keys) == ["eligible", "to_verify", "not_eligible"])
        #expect(summary.problemCount == (0..<n).filter { $0 % 997 == 0 || $0 % 1009 == 0 }.count)
    }

    /// Dwelling conditions read from the bailleur's columns when present; absent or empty → to verify.
    @Test func dwellingConditionColumns() throws {
        let tmp = try TemporaryDirectory()
        var text = "id;lon;lat;logements;conventionne;logement_social;exoneration_terminee\n"
        text += "A;-4.6181818;46.2107914;10;oui;oui;oui\n"  // every condition met
        text += "B;-4.6181818;46.2107914;10;oui;non;oui\n"  // not a social dwelling
        text += "C;-4.6181818;46.2107914;10;oui;oui;non\n"  // still exonerated
        text += "D;-4.6181818;46.2107914;10;oui;;oui\n"  // empty cell: not assumed
        text += "E;-4.6181818;46.2107914;10;oui;oui;peut-être\n"  // unreadable cell
        let input = try tmp.write("parc.csv", text)
        let reader = try CSVReader(path: input)
        let writer = try CSVWriter(path: tmp.path("out.csv"), dialect: reader.dialect)
        var options = TFPBBatchOptions(taxYear: 2026)
        options.workers = 1
        _ = try TFPBBatch(catalog: try demoCatalog(tmp), book: book, options: options).run(reader: reader, writer: writer)
        let out = try readAll(tmp.path("out.csv"))
        let col = { (name: String) in out.header.firstIndex(of: name)! }
        #expect(out.rows.map { $0[col("tfpb_verdict")] } == ["eligible", "not_eligible", "not_eligible", "to_verify", "to_verify"])
        #expect(out.rows[3][col("tfpb_reason")].contains("logement_social"))
        #expect(out.rows[4][col("tfpb_error")].contains("exoneration_terminee"))
        // Without the columns (and no whole-file value), every dwelling in a QPV is to verify.
        let bare = try tmp.write("bare.csv", "id;lon;lat;conventionne\nA;-4.6181818;46.2107914;oui\n")
        let r2 = try CSVReader(path: bare)
        _ = try TFPBBatch(catalog: try demoCatalog(tmp), book: book, options: options).run(
            reader: r2, writer: try CSVWriter(path: tmp.path("b.csv"), dialect: r2.dialect))
        let b = try readAll(tmp.path("b.csv"))
        #expect(b.rows[0][b.header.firstIndex(of: "tfpb_verdict")!] == "to_verify")
    }
}
