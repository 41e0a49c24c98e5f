// Unit tests of `CSVReader` and `RawRecords`: sniffed dialects, Windows-1252 and per-field fallback, broken
// quotes and field counts without lost rows, long lines, rejected files, buffer boundaries.

import Foundation
import QPVTabular
import Testing

func readAll(_ bytes: [UInt8], separator: UInt8? = nil, maxRecordBytes: Int = 1 << 20) throws -> (CSVReader, [CSVRecord]) {
    let reader = try CSVReader(source: MemoryByteSource(bytes), name: "test.csv", separator: separator, maxRecordBytes: maxRecordBytes)
    var out: [CSVRecord] = []
    while let r = try reader.next() { out.append(r) }
    return (reader, out)
}

func readAll(_ text: String, maxRecordBytes: Int = 1 << 20) throws -> (CSVReader, [CSVRecord]) {
    try readAll(Array(text.utf8), maxRecordBytes: maxRecordBytes)
}

@Suite struct CSVReaderTests {
    @Test func sniffsSemicolonAndReadsQuotedFields() throws {
        let (r, rows) = try readAll("id;adresse;cp\n1;\"12, rue \"\"Haute\"\"\";62400\n2;\"3 rue\nBasse\";62400\n")
        #expect(r.dialect.separator == UInt8(ascii: ";"))
        #expect(r.header == ["id", "adresse", "cp"])
        #expect(rows.count == 2)
        #expect(rows[0].fields == ["1", "12, rue \"Haute\"", "62400"])
        #expect(rows[1].fields == ["2", "3 rue\nBasse", "62400"])
        #expect(rows[0].line == 2)
        #expect(rows[1].line == 3)
        #expect(rows.allSatisfy { $0.issue == nil })
    }

    @Test func commaCRLFAndBOM() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("lon,lat\r\n2.1,48.5\r\n\r\n3.0,49.0\r\n".utf8)
        let (r, rows) = try readAll(bytes)
        #expect(r.dialect.hasBOM)
        #expect(r.dialect.crlf)
        #expect(r.header == ["lon", "lat"])
        #expect(rows.map(\.fields) == [["2.1", "48.5"], ["3.0", "49.0"]])
        #expect(r.blankLines == 1)
        #expect(rows[1].line == 4)
    }

    @Test func windows1252IsDetectedAndDecoded() throws {
        // "commune;nom\n62119;Béthune\n" with é = 0xE9 and a € (0x80) in Windows-1252.
        var bytes = Array("commune;nom\n62119;B".utf8) + [0xE9] + Array("thune ".utf8) + [0x80] + [0x0A]
        bytes += Array("62160;Bully\n".utf8)
        let (r, rows) = try readAll(bytes)
        #expect(r.dialect.encoding == .windows1252)
        #expect(rows[0].fields == ["62119", "Béthune €"])
        #expect(rows[1].fields == ["62160", "Bully"])
    }

    @Test func invalidUTF8AfterTheSampleFallsBackPerField() throws {
        var bytes = Array("a;b\n".utf8)
        for i in 0..<20_000 { bytes += Array("\(i);é\n".utf8) }
        bytes += Array("x;".utf8) + [0xE9] + [0x0A]
        let (r, rows) = try readAll(bytes)
        #expect(r.dialect.encoding == .utf8)
        #expect(rows.count == 20_001)
        #expect(rows.last!.fields == ["x", "é"])
        #expect(rows.last!.encodingFallback)
        #expect(!rows[0].encodingFallback)
    }

    @Test func unbalancedQuoteLosesNoRow() throws {
        let text = "id;voie;cp\n1;\"rue du 8 mai;59000\n2;rue Haute;62000\n3;\"avenue\";62100\n"
        let (_, rows) = try readAll(text)
        #expect(rows.map { $0.fields[0] } == ["1", "2", "3"])
        #expect(rows[0].issue == .unbalancedQuote)
        #expect(rows[0].fields == ["1", "\"rue du 8 mai", "59000"])
        #expect(rows[1].issue == nil)
        #expect(rows[2].fields == ["3", "avenue", "62100"])
    }

    @Test func unbalancedQuoteAtEndOfFile() throws {
        let (_, rows) = try readAll("a;b\n1;2\n3;\"oops\n4;5\n")
        #expect(rows.map { $0.fields[0] } == ["1", "3", "4"])
        #expect(rows[1].issue == .unbalancedQuote)
        #expect(rows[2].issue == nil)
    }

    @Test func fieldCountMismatchIsReportedNotDropped() throws {
        let (_, rows) = try readAll("a;b;c\n1;2\n1;2;3;4\n")
        #expect(rows[0].issue == .fieldCount(expected: 3, found: 2))
        #expect(rows[1].issue == .fieldCount(expected: 3, found: 4))
    }

    @Test func longFieldsAndTooLongLines() throws {
        let big = String(repeating: "x", count: 10_000)
        let (_, rows) = try readAll("a;b\n1;\(big)\n2;ok\n")
        #expect(rows[0].fields[1].count == 10_000)
        let huge = String(repeating: "y", count: 300_000)
        let (_, rows2) = try readAll("a;b\n1;\(huge)\n2;ok\n", maxRecordBytes: 100_000)
        #expect(rows2.count == 2)
        #expect(rows2[0].issue == .tooLong(limit: 100_000))
        #expect(rows2[1].fields == ["2", "ok"])
        #expect(rows2[1].line == 3)
    }

    @Test func singleColumnAddressFileKeepsCommas() throws {
        let (r, rows) = try readAll("adresse\n\"56, Grand'rue 59295 Estrun\"\n10, rue de la Paix 75002 Paris\n")
        #expect(r.dialect.separator != UInt8(ascii: ","))
        #expect(rows.map(\.fields) == [["56, Grand'rue 59295 Estrun"], ["10, rue de la Paix 75002 Paris"]])
    }

    @Test func emptyAndUTF16FilesAreRejectedWithTheirName() {
        #expect(throws: TabularError.emptyFile(file: "test.csv")) { try readAll("") }
        #expect(throws: TabularError.emptyFile(file: "test.csv")) { try readAll("\n\n") }
        #expect(throws: TabularError.unsupportedEncoding(file: "test.csv", encoding: "UTF-16")) {
            try readAll([0xFF, 0xFE, 0x61, 0x00])
        }
    }

    @Test func missingColumnMessageListsColumns() throws {
        let reader = try CSVReader(source: MemoryByteSource("x;y\n1;2\n"), name: "pts.csv")
        #expect(throws: TabularError.self) { try reader.requireColumn("lon") }
        do { _ = try reader.requireColumn("lon") } catch {
            #expect("\(error)".contains("pts.csv"))
            #expect("\(error)".contains("« lon »"))
            #expect("\(error)".contains("« x »"))
        }
        #expect(reader.columnIndex(" Y ") == 1)
    }

    @Test func streamsAcrossBufferBoundaries() throws {
        // Many rows with quoted newlines, read through small and large chunks alike.
        var text = "id;texte\n"
        for i in 0..<50_000 { text += "\(i);\"ligne \(i)\nsuite; \"\"q\"\"\"\n" }
        let (_, rows) = try readAll(text)
        #expect(rows.count == 50_000)
        #expect(rows[49_999].fields == ["49999", "ligne 49999\nsuite; \"q\""])
        #expect(rows[49_999].line == 2 + 2 * 49_999)
    }
}

@Suite struct RawRecordsTests {
    @Test func rawRecordsDecodeLikeRecordsAndPassBytesThrough() throws {
        let text = "id;adresse;n\r\n1;\"12, rue \"\"Haute\"\"\";7\r\n\r\n2;\"a\r\nb\";8\r\n3;court\r\n4;\"rue du 8 mai;59000\r\n5;fin;9\r\n"
        let a = try CSVReader(source: MemoryByteSource(text), name: "a.csv")
        let b = try CSVReader(source: MemoryByteSource(text), name: "b.csv")
        var decoded: [CSVRecord] = []
        while let r = try a.next() { decoded.append(r) }
        var raws: [RawRecords] = []
        while let chunk = try b.nextRaw(maxRecords: 2) { raws.append(chunk) }
        let flat = raws.flatMap { chunk in (0..<chunk.count).map { chunk.record($0) } }
        #expect(flat.map(\.fields) == decoded.map(\.fields))
        #expect(flat.map(\.line) == decoded.map(\.line))
        #expect(flat.map(\.issue) == decoded.map(\.issue))
        #expect(raws.map(\.count) == [2, 2, 1])
        // Well-formed records pass through byte for byte; the short and the unbalanced ones do not.
        var bytes: [UInt8] = []
        raws[0].appendRawBytes(0, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "1;\"12, rue \"\"Haute\"\"\";7")
        #expect(raws[0].isPassThrough(1))
        #expect(!raws[1].isPassThrough(0))  // "3;court": two fields for three columns
        #expect(!raws[1].isPassThrough(1))  // unbalanced quote, repaired
        #expect(raws[0].field(1, 1) == "a\r\nb")
        #expect(raws[0].field(0, 5) == "")
    }

    /// A source that hands out its bytes in reads of varied small sizes, so records straddle buffer ends.
    final class TricklingSource: ByteSource {
        private let bytes: [UInt8]
        private var offset = 0
        private var step = 0
        var totalBytes: Int? { bytes.count }
        var consumedBytes: Int { offset }
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            step += 1
            let n = min(buffer.count, bytes.count - offset, [1, 7, 4096, 65_537, 3, 100_000][step % 6])
            guard n > 0 else { return 0 }
            bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            offset += n
            return n
        }
    }

    @Test func plainFastPathReadsLikeTheFullScanner() throws {
        // Random messy text: plain and quoted records, blank lines, LF, CRLF and lone CR, short and long
        // records, a quote inside an unquoted field, a record wider than the fast path's scratch; read whole
        // by `next()` and in chunks by `nextRaw` (whose fast path takes the plain records), through small
        // reads: same fields, lines, issues, blank lines and record count.
        var rng = SystemRandomNumberGenerator()
        for round in 0..<6 {
            var text = "a;b;c\n"
            let endings = ["\n", "\r\n", "\r"]
            for i in 0..<4000 {
                let ending = endings[Int.random(in: 0..<(round % 2 == 0 ? 1 : 3), using: &rng)]
                switch Int.random(in: 0..<20, using: &rng) {
                case 0: text += ending  // blank line
                case 1: text += "\(i);\"x;\ny\";z" + ending
                case 2: text += "\(i);seul" + ending
                case 3: text += "\(i);a;b;c;d" + ending
                case 4: text += "\(i);ab\"c;d" + ending
                case 5 where i % 1000 == 5: text += Array(repeating: "w", count: 20_000).joined(separator: ";") + ending
                default: text += "\(i);\(Double(i) / 7);\(String(repeating: "é", count: i % 5))" + ending
                }
            }
            if round >= 4 { text += "fin;sans;terminaison" }
            let bytes = Array(text.utf8)
            let whole = try CSVReader(source: TricklingSource(bytes), name: "a.csv")
            var decoded: [CSVRecord] = []
            while let r = try whole.next() { decoded.append(r) }
            let chunked = try CSVReader(source: TricklingSource(bytes), name: "b.csv")
            var flat: [CSVRecord] = []
            while let chunk = try chunked.nextRaw(maxRecords: 1 + round * 300) {
                flat.append(contentsOf: (0..<chunk.count).map { chunk.record($0) })
            }
            #expect(flat.count == decoded.count)
            #expect(flat.map(\.fields) == decoded.map(\.fields))
            #expect(flat.map(\.line) == decoded.map(\.line))
            #expect(flat.map(\.issue) == decoded.map(\.issue))
            #expect(chunked.blankLines == whole.blankLines)
            #expect(chunked.recordsRead == whole.recordsRead)
        }
    }
}
