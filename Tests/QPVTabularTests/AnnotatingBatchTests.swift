// Unit tests of `AnnotatingBatch`: the header's `_input` renaming, fields aligned on the header, and a run that
// writes the header, every row once in input order with its appended cells, and reports progress per chunk.

import Foundation
import QPVTabular
import Synchronization
import Testing

final class RowWorker {}

@Suite struct AnnotatingBatchTests {
    @Test func renamesInputColumnsNamedLikeAnAppendedOne() {
        let header = AnnotatingBatch.header(["id", "QPV_Status", "qpv_code_x"], appending: ["qpv_status", "qpv_code"])
        #expect(header == ["id", "QPV_Status_input", "qpv_code_x", "qpv_status", "qpv_code"])
    }

    @Test func alignsFieldsOnTheHeaderWidth() {
        let sep = UInt8(ascii: ";")
        #expect(AnnotatingBatch.aligned(["a"], width: 3, separator: sep) == ["a", "", ""])
        #expect(AnnotatingBatch.aligned(["a", "b", "c"], width: 3, separator: sep) == ["a", "b", "c"])
        #expect(AnnotatingBatch.aligned(["a", "b", "c", "d"], width: 2, separator: sep) == ["a", "b;c;d"])
    }

    @Test func writesHeaderAndEveryRowInOrderWithProgress() throws {
        let rows = (0..<25).map { "r\($0);\($0 % 7)" }
        let reader = try CSVReader(source: MemoryByteSource("id;n\n" + rows.joined(separator: "\n") + "\n"), name: "in.csv")
        let written = Mutex<[UInt8]>([])
        let writer = CSVWriter(name: "out.csv", dialect: reader.dialect) { bytes in written.withLock { $0 += bytes } }
        let reported = Mutex<[Int]>([])
        var delivered = 0
        let encoder = writer.encoder
        _ = try AnnotatingBatch(workers: 3, progress: { n, _ in reported.withLock { $0.append(n) } }).run(
            reader: reader, output: (writer, AnnotatingBatch.header(reader.header, appending: ["twice"])),
            read: { try AnnotatingBatch.records(reader, 4) },
            makeWorker: { RowWorker() },
            annotate: { _, records in
                if records.first?.line == 2 { usleep(5000) }  // the first chunk finishes last
                var bytes: [UInt8] = []
                for r in records { encoder.encode(r.fields + [String(2 * Int(r[1])!)], into: &bytes) }
                return (bytes, records.count)
            },
            deliver: { out in
                delivered += out.1
                return out
            })
        let text = String(decoding: written.withLock { $0 }, as: UTF8.self)
        let expected = ["id;n;twice"] + (0..<25).map { "r\($0);\($0 % 7);\(2 * ($0 % 7))" }
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) == expected)
        #expect(delivered == 25)
        #expect(reported.withLock { $0 } == [4, 8, 12, 16, 20, 24, 25])
    }
}
