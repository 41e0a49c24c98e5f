// Issue 15 in QPVTabular: the decimal mark sniffed from an input, and `ColumnMatcher`'s loose header names
// with ambiguity refused.

import Foundation
import QPVTabular
import QPVTestSupport
import Testing

/// The decimal convention sniffed from an input and the loose header matcher (issue 15).
@Suite struct ConventionsTests {
    func dialect(_ text: String) throws -> CSVDialect { try CSVReader(source: MemoryByteSource(text), name: "t.csv").dialect }

    @Test func decimalMarkFollowsTheInput() throws {
        #expect(try dialect("a;b\n1;2\n").decimalMark == .comma)  // French Excel
        #expect(try dialect("a;b\n1.5;2.5\n").decimalMark == .comma)  // `;` always means a French spreadsheet
        #expect(try dialect("a,b\n1.5,2.5\n").decimalMark == .point)
        #expect(try dialect("a,b\n\"1,5\",\"2,5\"\nx,\"3,25\"\n").decimalMark == .comma)
        #expect(try dialect("a\tb\n1,5\t-2,5\n").decimalMark == .comma)
        #expect(try dialect("a\tb\n1.5\t2\n").decimalMark == .point)
        var out: [UInt8] = []
        var d = try dialect("a;b\n1;2\n")
        let encoder = CSVRowEncoder(dialect: d)
        encoder.encode(["x", encoder.decimal(61.62)], into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x;61,62\n")
        d.separator = UInt8(ascii: ",")
        out = []
        let comma = CSVRowEncoder(dialect: d)
        comma.encode([comma.decimal("0.25")], into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "\"0,25\"\n")  // quoted in a comma-separated file
    }

    @Test func headersMatchLooselyAndAmbiguityIsRefused() throws {
        #expect(ColumnMatcher.key("Nb logements") == ColumnMatcher.key("NB_LOGEMENTS"))
        #expect(ColumnMatcher.key("Numéro-de voie") == "numerodevoie")
        let header = ["Réf", "Code Postal", "VILLE", "Adresse 1", "Nb logements"]
        #expect(try ColumnMatcher.find(.postcode, in: header, file: "f.csv", required: true) == 1)
        #expect(try ColumnMatcher.find(.city, in: header, file: "f.csv", required: true) == 2)
        #expect(try ColumnMatcher.find(.address, in: header, file: "f.csv", required: true) == 3)
        #expect(try ColumnMatcher.find(.longitude, in: header, file: "f.csv", required: false) == nil)
        #expect {
            try ColumnMatcher.find(.longitude, in: header, file: "f.csv", required: true)
        } throws: { "\($0)".contains("« Réf », « Code Postal »") && "\($0)".contains("--lon-column") }
        // Two strong names: refused; a strong and a weak one ("x"): the strong one.
        #expect {
            try ColumnMatcher.find(.longitude, in: ["lon", "LONGITUDE", "lat"], file: "f.csv", required: true)
        } throws: { "\($0)".contains("« lon » et « LONGITUDE »") }
        #expect(try ColumnMatcher.find(.longitude, in: ["x", "lon"], file: "f.csv", required: true) == 1)
        #expect(try ColumnMatcher.find(.longitude, in: ["x", "lon"], file: "f.csv", explicit: "X", required: true) == 0)
        #expect {
            try ColumnMatcher.find(.longitude, in: ["x", "lon"], file: "f.csv", explicit: "lng", required: true)
        } throws: { "\($0)".contains("« lng » introuvable") }
    }

    @Test("la virgule remplace chaque point d'un nombre, et rien d'autre ; le point laisse le texte tel quel")
    func decimalMarkApplies() {
        #expect(DecimalMark.comma.apply("61.62") == "61,62")
        #expect(DecimalMark.comma.apply("-0.5") == "-0,5")
        #expect(DecimalMark.comma.apply("1.5e-07") == "1,5e-07")
        #expect(DecimalMark.comma.apply("12") == "12")
        #expect(DecimalMark.comma.apply("é.5 ü") == "é,5 ü")
        #expect(DecimalMark.comma.apply("") == "")
        #expect(DecimalMark.point.apply("61.62") == "61.62")
    }
}
