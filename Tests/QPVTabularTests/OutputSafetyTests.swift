// Output safety in QPVTabular (issue 16): an output that is an input is refused whatever its spelling, a
// dropped writer leaves no file, symbolic links are followed, a truncated gzip is an error.

import Foundation
import QPVTabular
import QPVTestSupport
import Testing

/// Issue 16, findings 1–3: an output is never an input, outputs are atomic, a truncated gzip is refused.
@Suite struct OutputSafetyTests {
    let tmp: TemporaryDirectory
    init() throws { tmp = try TemporaryDirectory() }

    func copy(_ reader: CSVReader, to writer: CSVWriter) throws {
        try writer.writeRow(reader.header)
        while let r = try reader.next() { try writer.writeRow(r.fields) }
        try writer.close()
    }

    @Test func anOutputThatIsTheInputIsRefusedWhateverItsSpelling() throws {
        let input = try tmp.write("in.csv", "a,b\n1,2\n3,4\n")
        let original = try tmp.read("in.csv")
        try FileManager.default.createSymbolicLink(atPath: tmp.path("lien.csv"), withDestinationPath: input)
        try FileManager.default.linkItem(atPath: input, toPath: tmp.path("dur.csv"))
        let spellings = [input, tmp.path("lien.csv"), tmp.path("dur.csv"), tmp.url.path + "/./sub/../in.csv"]
        try FileManager.default.createDirectory(atPath: tmp.path("sub"), withIntermediateDirectories: true)
        for out in spellings {
            let reader = try CSVReader(path: input)
            #expect(throws: TabularError.outputIsInput(output: out, input: input)) {
                _ = try CSVWriter(path: out, dialect: reader.dialect)
            }
            #expect(try tmp.read("in.csv") == original)
        }
        // Once the input is closed, the same path is an ordinary output.
        let other = try tmp.write("autre.csv", "x\n9\n")
        try copy(try CSVReader(path: other), to: try CSVWriter(path: tmp.path("dur2.csv"), dialect: CSVDialect()))
        #expect(try tmp.read("dur2.csv") == "x\n9\n")
    }

    @Test func aGzipInputIsProtectedToo() throws {
        let plain = try tmp.write("z.csv", "a\n1\n")
        try tmp.gzip(plain)
        let reader = try CSVReader(path: plain + ".gz")
        #expect(throws: TabularError.self) { _ = try CSVWriter(path: plain + ".gz", dialect: reader.dialect) }
    }

    @Test func aWriterDroppedWithoutCloseLeavesNoFileAndKeepsTheOlderOne() throws {
        let out = try tmp.write("out.csv", "ancien contenu\n")
        do {
            let w = try CSVWriter(path: out, dialect: CSVDialect())
            for k in 0..<50_000 { try w.writeRow(["\(k)", "valeur"]) }  // several flushes to the temporary file
            try w.flush()
            #expect(try tmp.read("out.csv") == "ancien contenu\n")  // not visible before close
            // dropped here: an error in a batch
        }
        #expect(try tmp.read("out.csv") == "ancien contenu\n")
        let w2 = try CSVWriter(path: tmp.path("nouveau.csv"), dialect: CSVDialect())
        try w2.writeRow(["a"])
        w2.abandon()
        #expect(!FileManager.default.fileExists(atPath: tmp.path("nouveau.csv")))
        // No temporary file left in the folder.
        let names = try FileManager.default.contentsOfDirectory(atPath: tmp.url.path)
        #expect(names.allSatisfy { !$0.contains("qpv-tmp") }, "\(names)")
        // close() replaces the older file in one step.
        let w3 = try CSVWriter(path: out, dialect: CSVDialect())
        try w3.writeRow(["neuf"])
        try w3.close()
        #expect(try tmp.read("out.csv") == "neuf\n")
    }

    @Test func anOutputThroughASymbolicLinkReplacesTheFileItNames() throws {
        let target = try tmp.write("cible.csv", "old\n")
        try FileManager.default.createSymbolicLink(atPath: tmp.path("lien.csv"), withDestinationPath: target)
        try OutputFile.write(path: tmp.path("lien.csv"), bytes: Array("new\n".utf8))
        #expect(try tmp.read("cible.csv") == "new\n")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: tmp.path("lien.csv"))) == target)
    }

    @Test func aTruncatedGzipIsAnErrorNotAShortFile() throws {
        var text = "id;valeur\n"
        for k in 0..<20_000 { text += "\(k);ligne numéro \(k * 7919 % 10007)\n" }
        let plain = try tmp.write("gros.csv", text)
        try tmp.gzip(plain)
        let full = try Data(contentsOf: URL(fileURLWithPath: plain + ".gz"))
        // The complete file reads to the end.
        let ok = try CSVReader(path: plain + ".gz")
        var n = 0
        while try ok.next() != nil { n += 1 }
        #expect(n == 20_000)
        // Cut in the middle, and with only the 8-byte trailer missing, and with a wrong CRC.
        var badCRC = [UInt8](full)
        badCRC[badCRC.count - 8] ^= 0xFF
        let cases: [(String, [UInt8])] = [
            ("moitie.csv.gz", Array(full.prefix(full.count / 2))),
            ("sans-fin.csv.gz", Array(full.prefix(full.count - 8))),
            ("crc.csv.gz", badCRC),
        ]
        for (name, bytes) in cases {
            let path = try tmp.write(name, bytes: bytes)
            let reader = try CSVReader(path: path)
            #expect(throws: TabularError.self, "\(name)") { while try reader.next() != nil {} }
        }
    }
}
