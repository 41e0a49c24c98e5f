// Unit tests of `CSVWriter`: round trip through the reader, Windows-1252 replacement characters, BOM kept.

import Foundation
import QPVTabular
import Testing

@Suite struct CSVWriterTests {
    @Test func roundTripsThroughTheReader() throws {
        let rows = [["id", "nom"], ["1", "Saint-Élie; Fosse \"13\""], ["2", "ligne\nsuivante"], ["3", "Œuvre €"]]
        for encoding in TextEncoding.allCases {
            let dialect = CSVDialect(separator: UInt8(ascii: ";"), encoding: encoding, hasBOM: false, crlf: true)
            let encoder = CSVRowEncoder(dialect: dialect)
            var bytes: [UInt8] = []
            for r in rows { encoder.encode(r, into: &bytes) }
            let reader = try CSVReader(source: MemoryByteSource(bytes), name: "w.csv", encoding: encoding)
            #expect(reader.header == rows[0])
            var back: [[String]] = []
            while let r = try reader.next() { back.append(r.fields) }
            #expect(back == Array(rows.dropFirst()))
        }
    }

    @Test func windows1252ReplacesUnmappableCharacters() {
        var out: [UInt8] = []
        TextEncoding.windows1252.encode("é€ł", into: &out)
        #expect(out == [0xE9, 0x80, UInt8(ascii: "?")])
    }

    @Test func writesBOMWhenTheInputHadOne() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qpv-bom-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try CSVWriter(path: path, dialect: CSVDialect(separator: UInt8(ascii: ";"), hasBOM: true))
        try w.writeRow(["a", "b"])
        try w.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Array(data) == [0xEF, 0xBB, 0xBF] + Array("a;b\n".utf8))
    }
}
