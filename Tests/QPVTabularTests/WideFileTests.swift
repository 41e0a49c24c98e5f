// Wide CSV files (issue 16): beyond `CSVReader.maxColumns` a clear error, below it bounded chunks.

import Foundation
import QPVTabular
import QPVTestSupport
import Testing

/// Issue 16, finding 6: per-row memory is bounded whatever the width of the file, and beyond the documented
/// limit (`CSVReader.maxColumns`) the file is refused with a clear error.
@Suite struct WideFileTests {
    @Test func tooManyColumnsIsAClearError() throws {
        let header = (0..<100_000).map { "c\($0)" }.joined(separator: ",") + "\n"
        #expect(throws: TabularError.tooManyColumns(file: "large.csv", count: 100_000, limit: CSVReader.maxColumns)) {
            _ = try CSVReader(source: MemoryByteSource(header + "1,2\n"), name: "large.csv")
        }
        #expect("\(TabularError.tooManyColumns(file: "large.csv", count: 100_000, limit: 10_000))".contains("10000 colonnes"))
    }

    // Through the real binary (before: `qpv locate --input` with ~100,000 columns tried to allocate 26 GB
    // and aborted): a clear error, exit 65 (unusable input), no output file.
    @Test func locateRefusesAFileWithTooManyColumns() throws {
        let tmp = try TemporaryDirectory()
        let header = "lon,lat," + (0..<100_000).map { "c\($0)" }.joined(separator: ",") + "\n"
        let row = "2.83,50.43," + String(repeating: "1,", count: 99_999) + "1\n"
        let input = try tmp.write("large.csv", header + row + row)
        let output = tmp.path("sortie.csv")
        let r = try CLIRunner.run(["locate", "--demo", "--input", input, "--output", output], environment: ["QPV_DATA_DIR": tmp.url.path])
        #expect(r.status == 65, "\(r.status) \(r.stderr.prefix(300))")  // data error (a crash would be 6 or 9)
        #expect(r.stderr.contains("10000 colonnes"), "\(r.stderr.prefix(300))")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func aWideFileIsReadInBoundedChunks() throws {
        // 10,000 columns (the limit), 600 rows: 65,536-row chunks would reserve 65,536 × 10,000 field slots
        // (≈ 8.5 GB) before reading a byte; chunks now end at a bounded number of fields.
        let width = CSVReader.maxColumns
        var text = (0..<width).map { "c\($0)" }.joined(separator: ",") + "\n"
        let row = (0..<width).map { String($0 % 10) }.joined(separator: ",") + "\n"
        for _ in 0..<600 { text += row }
        let reader = try CSVReader(source: MemoryByteSource(text), name: "large.csv")
        var rows = 0
        var chunks = 0
        while let chunk = try reader.nextRaw(maxRecords: 65_536) {
            chunks += 1
            #expect(chunk.count * width <= 4 << 20 + width)
            for r in 0..<chunk.count {
                #expect(chunk.field(r, width - 1) == String((width - 1) % 10))
            }
            rows += chunk.count
        }
        #expect(rows == 600)
        #expect(chunks >= 2)
    }
}
