// libFuzzer target: the CSV reader in every dialect (separator sniffed or forced, UTF-8 / Windows-1252 /
// sniffed, BOM, CRLF, quoted newlines, over-long records), both reading paths (`next` and `nextRaw`), and the
// writer's encoder on what was read. The first byte of the input chooses the dialect, the rest is the file.
import Foundation
import QPVTabular

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let mode = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let separators: [UInt8?] = [nil, UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]
    let encodings: [TextEncoding?] = [nil, .utf8, .windows1252, nil]
    let separator = separators[Int(mode & 3)]
    let encoding = encodings[Int((mode >> 2) & 3)]
    let maxRecordBytes = mode & 0x10 != 0 ? 64 : 1 << 20
    do {
        let reader = try CSVReader(source: MemoryByteSource(bytes), name: "fuzz.csv", separator: separator, encoding: encoding, maxRecordBytes: maxRecordBytes)
        let encoder = CSVRowEncoder(dialect: reader.dialect)
        var out: [UInt8] = []
        encoder.encode(reader.header, into: &out)
        if mode & 0x20 != 0 {
            while let chunk = try reader.nextRaw(maxRecords: 7) {
                for r in 0..<chunk.count {
                    for k in 0..<(chunk.fieldCount(r) + 1) {
                        var fellBack = false
                        _ = chunk.field(r, k, fellBack: &fellBack)
                        _ = chunk.withPlainField(r, k) { Double(String(decoding: $0, as: UTF8.self)) }
                    }
                    if chunk.isPassThrough(r) { chunk.appendRawBytes(r, to: &out) } else { encoder.encode(chunk.record(r).fields, into: &out) }
                }
                out.removeAll(keepingCapacity: true)
            }
        } else {
            while let r = try reader.next() {
                encoder.encode(r.fields, into: &out)
                _ = r.issue?.description
                out.removeAll(keepingCapacity: true)
            }
        }
    } catch {
        _ = "\(error)"
    }
    return 0
}
