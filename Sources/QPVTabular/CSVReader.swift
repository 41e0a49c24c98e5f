// `CSVReader`: the streaming CSV parser (constant memory, RFC 4180 quoting, lenient on broken quotes, every
// record delivered with its line and issue), its sniffed `CSVDialect` and `CSVRecord`. Bytes come from
// `ByteSource`; undecoded chunks for the hot batch path are `RawRecords`.

import Foundation

/// How a CSV file is written: separator, encoding, BOM, line ending. Sniffed from the file by `CSVReader`
/// and reused by `CSVWriter` so the output "looks like" the input (Excel users get Excel files back).
public struct CSVDialect: Sendable, Equatable {
    public var separator: UInt8
    public var encoding: TextEncoding
    public var hasBOM: Bool
    public var crlf: Bool
    /// How decimals are written in the file's numbers: comma for a `;`-separated file (French Excel) or one
    /// whose numbers use commas, point otherwise. Output numbers follow it (`CSVRowEncoder.decimal`).
    public var decimalMark: DecimalMark

    public init(
        separator: UInt8 = UInt8(ascii: ","), encoding: TextEncoding = .utf8, hasBOM: Bool = false, crlf: Bool = false,
        decimalMark: DecimalMark = .point
    ) {
        self.separator = separator
        self.encoding = encoding
        self.hasBOM = hasBOM
        self.crlf = crlf
        self.decimalMark = decimalMark
    }

    /// The separators recognised when sniffing, in order of preference on ties.
    public static let candidateSeparators: [UInt8] = [UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "\t"), UInt8(ascii: "|")]

    /// Parses a user-given separator: `;`, `,`, `tab`, `\t`, `|`.
    public static func separator(named name: String) -> UInt8? {
        switch name {
        case ";", "semicolon", "point-virgule": return UInt8(ascii: ";")
        case ",", "comma", "virgule": return UInt8(ascii: ",")
        case "\t", "\\t", "tab", "tabulation": return UInt8(ascii: "\t")
        case "|", "pipe": return UInt8(ascii: "|")
        default: return nil
        }
    }

    public var separatorName: String {
        switch separator {
        case UInt8(ascii: ";"): return "point-virgule"
        case UInt8(ascii: ","): return "virgule"
        case UInt8(ascii: "\t"): return "tabulation"
        default: return String(UnicodeScalar(separator))
        }
    }
}

/// What went wrong with one record. The record is still delivered (with whatever could be read) so that
/// batch commands can write it out with an error status: no input row is ever lost.
public enum RecordIssue: Sendable, Equatable, CustomStringConvertible {
    /// A quote opened a field that never closed properly; the record was cut at the end of its first line
    /// and the quote taken literally.
    case unbalancedQuote
    /// The record is longer than the reader's limit; its content was dropped.
    case tooLong(limit: Int)
    /// The record does not have as many fields as the header.
    case fieldCount(expected: Int, found: Int)

    public var description: String {
        switch self {
        case .unbalancedQuote: return "guillemet non refermé (ligne lue telle quelle)"
        case .tooLong(let limit): return "ligne trop longue (plus de \(limit) octets), contenu ignoré"
        case .fieldCount(let expected, let found): return "\(found) champs au lieu de \(expected)"
        }
    }
}

/// One record of a CSV file.
public struct CSVRecord: Sendable {
    public var fields: [String]
    /// 1-based physical line number where the record starts (the header is line 1 unless blank lines precede it).
    public var line: Int
    public var issue: RecordIssue?
    /// Some bytes were not valid UTF-8 and were read as Windows-1252.
    public var encodingFallback: Bool

    public init(fields: [String], line: Int, issue: RecordIssue? = nil, encodingFallback: Bool = false) {
        self.fields = fields
        self.line = line
        self.issue = issue
        self.encodingFallback = encodingFallback
    }

    /// The field at `index`, or "" when the record is shorter.
    public subscript(index: Int) -> String { index < fields.count ? fields[index] : "" }
}

/// A streaming CSV reader: constant memory whatever the file size, RFC 4180 quoting (quoted separators,
/// doubled quotes, quoted newlines), `;` `,` tab or `|` separators sniffed from the header, UTF-8 or
/// Windows-1252 sniffed from the first 64 KiB, BOM removed, blank lines skipped (and counted), `\n`,
/// `\r\n` or `\r` line endings.
///
/// Malformed input never throws mid-file: an unbalanced quote or an over-long line is delivered as a
/// record with an `issue`, and reading goes on at the next line.
public final class CSVReader {
    public let name: String
    public private(set) var dialect = CSVDialect()
    /// Header fields, trimmed.
    public private(set) var header: [String] = []
    /// Physical line of the header.
    public private(set) var headerLine = 1
    public private(set) var blankLines = 0
    public private(set) var recordsRead = 0
    public let maxRecordBytes: Int

    private let source: any ByteSource
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0  // first byte of the record being parsed
    private var end = 0  // end of valid bytes
    private var eof = false
    private var line = 1
    private var spans: [FieldSpan] = []
    private var pendingError: Error?

    struct FieldSpan: Sendable {
        var start: Int
        var end: Int
        var quoted: Bool
        var escapedQuotes: Bool
        var tail: Int  // unquoted bytes after a closing quote, lenient mode: [end+1, tail)
    }

    /// Opens a file (plain or gzip) and reads its header.
    public convenience init(path: String, separator: UInt8? = nil, encoding: TextEncoding? = nil, maxRecordBytes: Int = 1 << 20) throws {
        try self.init(source: openByteSource(path: path), name: path, separator: separator, encoding: encoding, maxRecordBytes: maxRecordBytes)
    }

    public init(source: any ByteSource, name: String, separator: UInt8? = nil, encoding: TextEncoding? = nil, maxRecordBytes: Int = 1 << 20) throws {
        self.source = source
        self.name = name
        self.maxRecordBytes = maxRecordBytes
        self.buffer = .allocate(byteCount: 1 << 18, alignment: 16)
        try fill(minimum: 1 << 16)

        // Byte order marks.
        var hasBOM = false
        let b = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        if end >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
            hasBOM = true
            start = 3
        } else if end >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)) {
            throw TabularError.unsupportedEncoding(file: name, encoding: "UTF-16")
        }
        let sample = UnsafeBufferPointer(start: b + start, count: end - start)
        let enc = encoding ?? (hasBOM ? .utf8 : TextEncoding.sniff(sample))
        let sep = separator ?? CSVReader.sniffSeparator(sample)
        let crlf = CSVReader.sniffCRLF(sample)
        let mark = DecimalMark.sniff(sample, separator: sep)
        self.dialect = CSVDialect(separator: sep, encoding: enc, hasBOM: hasBOM, crlf: crlf, decimalMark: mark)

        // Header: first non-blank record.
        guard let headerRecord = try readRecord(expectedFields: nil) else {
            throw TabularError.emptyFile(file: name)
        }
        guard headerRecord.fields.count <= CSVReader.maxColumns else {
            throw TabularError.tooManyColumns(file: name, count: headerRecord.fields.count, limit: CSVReader.maxColumns)
        }
        self.header = headerRecord.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        self.headerLine = headerRecord.line
    }

    /// Most columns a file may have (documented in the README, « Fiabilité »): beyond, the file is refused
    /// with a clear error rather than processed with unbounded per-row memory.
    public static let maxColumns = 10_000
    /// Bounds of one chunk of `nextRaw` (bytes of records, fields).
    static let maxBytesPerChunk = 32 << 20
    static let maxFieldsPerChunk = 4 << 20

    deinit { buffer.deallocate() }

    /// Bytes consumed from the file so far and its total size, for progress reporting.
    public var progress: (consumed: Int, total: Int?) { (source.consumedBytes, source.totalBytes) }

    /// Index of the header column named `column` (case-insensitive, accents and surrounding spaces kept).
    public func columnIndex(_ column: String) -> Int? {
        let wanted = column.trimmingCharacters(in: .whitespaces).lowercased()
        return header.firstIndex { $0.lowercased() == wanted }
    }

    /// Like `columnIndex` but throws a message listing the available columns.
    public func requireColumn(_ column: String) throws -> Int {
        guard let i = columnIndex(column) else {
            throw TabularError.missingColumn(file: name, column: column, available: header)
        }
        return i
    }

    /// The next record, or nil at the end of the file. Records whose field count differs from the header's
    /// carry a `.fieldCount` issue (their fields are kept as read).
    public func next() throws -> CSVRecord? {
        guard let rec = try readRecord(expectedFields: header.count) else { return nil }
        recordsRead += 1
        return rec
    }

    /// Reads up to `count` records.
    public func nextBatch(_ count: Int) throws -> [CSVRecord] {
        var out: [CSVRecord] = []
        out.reserveCapacity(count)
        while out.count < count, let r = try next() { out.append(r) }
        return out
    }

    // MARK: - Sniffing

    static func sniffSeparator(_ sample: UnsafeBufferPointer<UInt8>) -> UInt8 {
        // Count candidates outside quotes on the first line.
        var counts = [Int](repeating: 0, count: CSVDialect.candidateSeparators.count)
        var inQuotes = false
        var i = 0
        lineLoop: while i < sample.count {
            let c = sample[i]
            if c == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if !inQuotes && (c == 0x0A || c == 0x0D) {
                if counts.allSatisfy({ $0 == 0 }) && i == 0 { i += 1; continue }  // leading blank line
                break lineLoop
            } else if !inQuotes, let k = CSVDialect.candidateSeparators.firstIndex(of: c) {
                counts[k] += 1
            }
            i += 1
        }
        if let best = counts.indices.max(by: { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }), counts[best] > 0 {
            return CSVDialect.candidateSeparators[best]
        }
        // A single-column header: pick the candidate that appears least in the rest of the sample so that
        // addresses written with commas stay in one field.
        var rest = [Int](repeating: 0, count: CSVDialect.candidateSeparators.count)
        while i < sample.count {
            if let k = CSVDialect.candidateSeparators.firstIndex(of: sample[i]) { rest[k] += 1 }
            i += 1
        }
        let least = rest.indices.min(by: { rest[$0] < rest[$1] || (rest[$0] == rest[$1] && $0 < $1) })!
        return CSVDialect.candidateSeparators[least]
    }

    static func sniffCRLF(_ sample: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let lf = sample.firstIndex(of: 0x0A) else { return false }
        return lf > 0 && sample[lf - 1] == 0x0D
    }

    // MARK: - Buffer

    /// Makes sure at least `minimum` bytes are available from `start` (or end of file is reached).
    private func fill(minimum: Int) throws {
        while !eof && end - start < minimum {
            if start > 0 && (buffer.count - end) < (1 << 16) {
                let live = end - start
                if live > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: live) }
                end = live
                start = 0
            }
            if buffer.count - end < (1 << 16) {
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                if end > 0 { bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end) }
                buffer.deallocate()
                buffer = bigger
            }
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if n == 0 { eof = true } else { end += n }
        }
    }

    // MARK: - Parsing

    private enum ScanResult {
        case record(next: Int, newlines: Int)
        case needMore
        case unbalanced
    }

    private func readRecord(expectedFields: Int?) throws -> CSVRecord? {
        var none: RawRecords?
        return try readRecord(expectedFields: expectedFields, raw: &none)
    }

    /// Reads one record. With a `raw` sink, a well-formed record is appended to it undecoded (and nil is
    /// returned with `appended` semantics: the sink's count grows); records that need repair (unbalanced
    /// quote, too long) are still returned decoded and also stored in the sink as fallbacks.
    private func readRecord(expectedFields: Int?, raw: inout RawRecords?) throws -> CSVRecord? {
        while true {
            if start >= end {
                try fill(minimum: 1)
                if start >= end { return nil }
            }
            let result = scan()
            switch result {
            case .needMore:
                if end - start >= maxRecordBytes {
                    if spans.last?.quoted == true, containsNewline(from: start, to: end) {
                        return unbalancedRecord(expectedFields: expectedFields)
                    }
                    return try tooLongRecord()
                }
                try fill(minimum: (end - start) + (1 << 16))
            case .unbalanced:
                return unbalancedRecord(expectedFields: expectedFields)
            case .record(let next, let newlines):
                let recordLine = line
                line += 1 + newlines
                // A blank line: one empty unquoted field and nothing else.
                if spans.count == 1 && !spans[0].quoted && spans[0].start == spans[0].end {
                    start = next
                    blankLines += 1
                    continue
                }
                let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                if raw != nil {
                    raw!.append(base: base, start: start, next: next, spans: spans, line: recordLine, expectedFields: expectedFields)
                    start = next
                    return CSVRecord(fields: [], line: recordLine)  // marker: appended raw
                }
                var fellBack = false
                var fields: [String] = []
                fields.reserveCapacity(spans.count)
                for span in spans { fields.append(decode(span, base: base, fellBack: &fellBack)) }
                start = next
                var rec = CSVRecord(fields: fields, line: recordLine, encodingFallback: fellBack)
                if let expectedFields, fields.count != expectedFields {
                    rec.issue = .fieldCount(expected: expectedFields, found: fields.count)
                }
                return rec
            }
        }
    }

    /// Up to `maxRecords` records, undecoded: the bytes of whole records and their field positions, so that
    /// worker threads decode only the fields they need and can copy the rest through unchanged (the reading
    /// thread only scans). Nil at the end of the file.
    public func nextRaw(maxRecords: Int) throws -> RawRecords? {
        var sink: RawRecords? = RawRecords(dialect: dialect, headerCount: header.count)
        sink!.reserve(records: maxRecords)
        // A chunk also ends at a bounded size, so wide or long rows cannot make it huge.
        while sink!.count < maxRecords && sink!.byteCount < CSVReader.maxBytesPerChunk && sink!.fieldCount < CSVReader.maxFieldsPerChunk {
            // Fast path: the plain records already in the buffer, in one pass; the full scanner below takes
            // the first record it cannot (quoted, cut by the end of the buffer), then refills.
            if start < end {
                let base = UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
                let plain = sink!.appendPlainRecords(
                    base: base, start: start, end: end, separator: dialect.separator, firstLine: line, expectedFields: header.count,
                    maxRecords: maxRecords, maxBytes: CSVReader.maxBytesPerChunk, maxFields: CSVReader.maxFieldsPerChunk)
                start = plain.next
                line += plain.lines
                blankLines += plain.blankLines
                recordsRead += plain.records
                if sink!.count >= maxRecords || sink!.byteCount >= CSVReader.maxBytesPerChunk || sink!.fieldCount >= CSVReader.maxFieldsPerChunk {
                    break
                }
            }
            guard let rec = try readRecord(expectedFields: header.count, raw: &sink) else { break }
            recordsRead += 1
            if !(rec.fields.isEmpty && rec.issue == nil) || rec.issue != nil {
                sink!.append(decoded: rec)
            }
        }
        return sink!.count == 0 ? nil : sink
    }

    private func containsNewline(from a: Int, to b: Int) -> Bool {
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        for i in a..<b where base[i] == 0x0A || base[i] == 0x0D { return true }
        return false
    }

    /// Scans one record starting at `start`, filling `spans`.
    private func scan() -> ScanResult {
        // The spans array is moved into a local for the scan and back at the end (same reason as below).
        var spans = self.spans
        self.spans = []
        spans.removeAll(keepingCapacity: true)
        defer { self.spans = spans }
        let p = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        // Locals, not the stored properties: a class property read in the byte loops costs a dynamic
        // exclusivity check per byte.
        let end = self.end
        let eof = self.eof
        let sep = dialect.separator
        let quote = UInt8(ascii: "\"")
        var i = start
        var newlines = 0
        while true {
            // Start of a field at i.
            if i < end && p[i] == quote {
                var q = i + 1
                var escaped = false
                var fieldNewlines = 0
                while true {
                    if q >= end { return eof ? .unbalanced : .needMore }
                    let c = p[q]
                    if c == quote {
                        if q + 1 >= end && !eof { return .needMore }
                        if q + 1 < end && p[q + 1] == quote { escaped = true; q += 2; continue }
                        break
                    }
                    if c == 0x0A || (c == 0x0D && !(q + 1 < end && p[q + 1] == 0x0A)) { fieldNewlines += 1 }
                    q += 1
                }
                // Closing quote at q.
                var after = q + 1
                var tail = after
                if after < end && p[after] != sep && p[after] != 0x0A && p[after] != 0x0D {
                    // Text after the closing quote. Harmless on a one-line field ("abc"def is read as abcdef);
                    // across lines it means the quote was never meant to open a field.
                    if fieldNewlines > 0 { return .unbalanced }
                    while after < end && p[after] != sep && p[after] != 0x0A && p[after] != 0x0D { after += 1 }
                    if after >= end && !eof { return .needMore }
                    tail = after
                }
                newlines += fieldNewlines
                spans.append(FieldSpan(start: i + 1, end: q, quoted: true, escapedQuotes: escaped, tail: tail))
                i = after
            } else {
                var j = i
                while j < end {
                    let c = p[j]
                    if c == sep || c == 0x0A || c == 0x0D { break }
                    j += 1
                }
                if j >= end && !eof { return .needMore }
                spans.append(FieldSpan(start: i, end: j, quoted: false, escapedQuotes: false, tail: j))
                i = j
            }
            // After a field: separator, end of line or end of file.
            if i >= end {
                return eof ? .record(next: i, newlines: newlines) : .needMore
            }
            let c = p[i]
            if c == sep { i += 1; continue }
            if c == 0x0D {
                if i + 1 >= end && !eof { return .needMore }
                if i + 1 < end && p[i + 1] == 0x0A { return .record(next: i + 2, newlines: newlines) }
                return .record(next: i + 1, newlines: newlines)
            }
            return .record(next: i + 1, newlines: newlines)  // \n
        }
    }

    private func decode(_ span: FieldSpan, base: UnsafeMutablePointer<UInt8>, fellBack: inout Bool) -> String {
        CSVReader.decodeField(
            base: UnsafePointer(base), start: span.start, end: span.end, quoted: span.quoted, escaped: span.escapedQuotes,
            tail: span.tail, encoding: dialect.encoding, fellBack: &fellBack)
    }

    /// Decodes one field's bytes: doubled quotes undone, text after a closing quote kept (lenient mode).
    static func decodeField(
        base: UnsafePointer<UInt8>, start: Int, end: Int, quoted: Bool, escaped: Bool, tail: Int, encoding enc: TextEncoding, fellBack: inout Bool
    ) -> String {
        var s: String
        if escaped {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(end - start)
            var k = start
            while k < end {
                bytes.append(base[k])
                k += (base[k] == UInt8(ascii: "\"")) ? 2 : 1
            }
            s = bytes.withUnsafeBufferPointer { enc.decode($0, fellBack: &fellBack) }
        } else {
            s = enc.decode(UnsafeBufferPointer(start: base + start, count: end - start), fellBack: &fellBack)
        }
        if quoted && tail > end + 1 {
            s += enc.decode(UnsafeBufferPointer(start: base + end + 1, count: tail - end - 1), fellBack: &fellBack)
        }
        return s
    }

    /// The record starting at `start` had an unbalanced quote: deliver its first physical line split on
    /// the separator with quotes taken literally, and resume at the next line.
    private func unbalancedRecord(expectedFields: Int?) -> CSVRecord {
        let p = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var j = start
        while j < end && p[j] != 0x0A && p[j] != 0x0D { j += 1 }
        var fellBack = false
        var fields: [String] = []
        var f = start
        for k in start...j where k == j || p[k] == dialect.separator {
            fields.append(dialect.encoding.decode(UnsafeBufferPointer(start: p + f, count: k - f), fellBack: &fellBack))
            f = k + 1
        }
        var next = j
        if next < end && p[next] == 0x0D { next += 1 }
        if next < end && p[next] == 0x0A { next += 1 }
        let rec = CSVRecord(fields: fields, line: line, issue: .unbalancedQuote, encodingFallback: fellBack)
        line += 1
        start = next
        return rec
    }

    /// The record exceeds `maxRecordBytes` without a line end: skip to the next line end.
    private func tooLongRecord() throws -> CSVRecord {
        let rec = CSVRecord(fields: [], line: line, issue: .tooLong(limit: maxRecordBytes))
        line += 1
        let p = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        while true {
            while start < end {
                let c = p[start]
                start += 1
                if c == 0x0A { return rec }
                if c == 0x0D {
                    if start >= end { try fill(minimum: 1) }
                    if start < end && p[start] == 0x0A { start += 1 }
                    return rec
                }
            }
            start = 0
            end = 0
            try fill(minimum: 1)
            if start >= end { return rec }
        }
    }
}
