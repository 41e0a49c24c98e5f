// `RawRecords`: a chunk of CSV records kept as their original bytes and field positions (`CSVReader.nextRaw`),
// decoded by workers only where needed and copied through unchanged to the output when well-formed.

import Foundation

/// Records read but not decoded (`CSVReader.nextRaw`): the exact bytes of whole records and where their
/// fields are. Made on the reading thread, which then only scans; worker threads decode the fields they
/// need (`field(_:_:)`) and copy well-formed records through unchanged (`rawBytes(_:)`) — the output keeps
/// the input's exact bytes and the reader is no longer the bottleneck of parallel batches.
///
/// Records that needed repair (unbalanced quote, over-long line) are carried decoded (`decoded(_:)`).
public struct RawRecords: Sendable {
    public let dialect: CSVDialect
    public let headerCount: Int
    /// Record bytes back to back, line terminators included.
    @usableFromInline var bytes: [UInt8] = []
    /// Per record: content start and end (terminator excluded) in `bytes`; first field in the field arrays.
    private var recordStart: [Int32] = []
    private var recordEnd: [Int32] = []
    @usableFromInline var firstField: [Int32] = [0]
    /// Per field: content start, end, tail (lenient text after a closing quote), flags (1 quoted, 2 escaped quotes).
    @usableFromInline var fieldStart: [Int32] = []
    @usableFromInline var fieldEnd: [Int32] = []
    private var fieldTail: [Int32] = []
    @usableFromInline var fieldFlags: [UInt8] = []
    public private(set) var lines: [Int] = []
    public private(set) var issues: [RecordIssue?] = []
    @usableFromInline var repaired: [Int: CSVRecord] = [:]

    init(dialect: CSVDialect, headerCount: Int) {
        self.dialect = dialect
        self.headerCount = headerCount
    }

    /// Bytes and fields held: `CSVReader.nextRaw` ends a chunk when they reach its bounds.
    var byteCount: Int { bytes.count }
    var fieldCount: Int { fieldStart.count }

    mutating func reserve(records: Int) {
        // Field arrays sized for typical rows only: a file with very many columns must not ask for
        // records × columns slots up front (100,000 columns × 65,536 records was 26 GB).
        let fields = min(records * max(headerCount, 1), CSVReader.maxFieldsPerChunk)
        recordStart.reserveCapacity(records)
        recordEnd.reserveCapacity(records)
        firstField.reserveCapacity(records + 1)
        lines.reserveCapacity(records)
        issues.reserveCapacity(records)
        fieldStart.reserveCapacity(fields)
        fieldEnd.reserveCapacity(fields)
        fieldTail.reserveCapacity(fields)
        fieldFlags.reserveCapacity(fields)
        bytes.reserveCapacity(min(records * 32, CSVReader.maxBytesPerChunk))
    }

    public var count: Int { lines.count }

    mutating func append(
        base: UnsafeMutablePointer<UInt8>, start: Int, next: Int, spans: [CSVReader.FieldSpan], line: Int, expectedFields: Int?
    ) {
        let offset = bytes.count - start
        var contentEnd = next
        if contentEnd > start && base[contentEnd - 1] == 0x0A { contentEnd -= 1 }
        if contentEnd > start && base[contentEnd - 1] == 0x0D { contentEnd -= 1 }
        bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: next - start))
        recordStart.append(Int32(start + offset))
        recordEnd.append(Int32(contentEnd + offset))
        for span in spans {
            fieldStart.append(Int32(span.start + offset))
            fieldEnd.append(Int32(span.end + offset))
            fieldTail.append(Int32(span.tail + offset))
            fieldFlags.append((span.quoted ? 1 : 0) | (span.escapedQuotes ? 2 : 0))
        }
        firstField.append(Int32(fieldStart.count))
        lines.append(line)
        if let expectedFields, spans.count != expectedFields {
            issues.append(.fieldCount(expected: expectedFields, found: spans.count))
        } else {
            issues.append(nil)
        }
    }

    static let ones: UInt64 = 0x0101_0101_0101_0101

    /// The bytes of the little-endian word `w` that are the separator (`sep` repeated in every byte), a line
    /// feed, a carriage return or a quote: the high bit of each such byte's position set (the classic "has a
    /// zero byte" test on `w` xor each pattern). Only bytes above the first match can be flagged wrongly, so
    /// the lowest set bit is always the first special byte.
    @inline(__always)
    static func specialBytes(_ w: UInt64, _ sep: UInt64) -> UInt64 {
        @inline(__always) func zeroBytes(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & 0x8080_8080_8080_8080 }
        return zeroBytes(w ^ sep) | zeroBytes(w ^ (0x0A &* ones)) | zeroBytes(w ^ (0x0D &* ones)) | zeroBytes(w ^ (0x22 &* ones))
    }

    /// What `appendPlainRecords` consumed: where the next record starts, the physical lines passed (records
    /// and blank lines), the records appended and the blank lines skipped.
    struct PlainScan {
        var next: Int
        var lines = 0
        var records = 0
        var blankLines = 0
    }

    /// Appends the records of `base[start..<end]` that are complete and contain no quote, as `append(base:…)`
    /// would one by one (same fields, lines and field-count issues; blank lines skipped), stopping before the
    /// first record that needs the full scanner (a quote, or a record cut by `end`) or when a chunk bound is
    /// reached. The reading thread's fast path: one pass over the bytes, positions written into scratch
    /// buffers and appended in bulk (a per-record scan and eight array appends were a seventh of a batch's
    /// instructions, issue 17).
    mutating func appendPlainRecords(
        base: UnsafePointer<UInt8>, start: Int, end: Int, separator sep: UInt8, firstLine: Int, expectedFields: Int?, maxRecords: Int,
        maxBytes: Int, maxFields: Int
    ) -> PlainScan {
        var scan = PlainScan(next: start)
        let recordCapacity = 1024
        let fieldCapacity = 16384
        let recStart = UnsafeMutablePointer<Int32>.allocate(capacity: recordCapacity)
        let recEnd = UnsafeMutablePointer<Int32>.allocate(capacity: recordCapacity)
        let recFirst = UnsafeMutablePointer<Int32>.allocate(capacity: recordCapacity)
        let recLine = UnsafeMutablePointer<Int>.allocate(capacity: recordCapacity)
        let fStart = UnsafeMutablePointer<Int32>.allocate(capacity: fieldCapacity)
        let fEnd = UnsafeMutablePointer<Int32>.allocate(capacity: fieldCapacity)
        defer {
            recStart.deallocate()
            recEnd.deallocate()
            recFirst.deallocate()
            recLine.deallocate()
            fStart.deallocate()
            fEnd.deallocate()
        }
        let quote = UInt8(ascii: "\"")
        let sepBytes = UInt64(sep) &* RawRecords.ones
        var i = start
        var line = firstLine
        var done = false
        while !done {
            // One window: up to `recordCapacity` records and `fieldCapacity` fields, then a bulk append.
            let windowStart = i
            let offset = bytes.count - windowStart
            let fieldBase = fieldStart.count
            var nRec = 0
            var nField = 0
            var mismatched: [(Int, Int)] = []
            var windowEnd = i
            window: while nRec < recordCapacity {
                if count + nRec >= maxRecords || bytes.count + (i - windowStart) >= maxBytes || fieldBase + nField >= maxFields {
                    done = true
                    break
                }
                // One record from i.
                var j = i
                var fieldFrom = i
                let firstFieldOfRecord = nField
                var terminator = -1
                var next = -1
                var full = false
                while j < end {
                    // Eight bytes at a time while none is a separator, line end or quote.
                    if j &+ 8 <= end {
                        let hit = RawRecords.specialBytes(UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self), sepBytes)
                        if hit == 0 {
                            j &+= 8
                            continue
                        }
                        j &+= hit.trailingZeroBitCount &>> 3
                    }
                    let c = base[j]
                    if c == sep {
                        if nField == fieldCapacity {
                            full = true
                            break
                        }
                        fStart[nField] = Int32(fieldFrom + offset)
                        fEnd[nField] = Int32(j + offset)
                        nField += 1
                        fieldFrom = j + 1
                    } else if c == 0x0A {
                        terminator = j
                        next = j + 1
                        break
                    } else if c == 0x0D {
                        guard j + 1 < end else { break }  // "\r" last in the buffer: is "\n" next?
                        terminator = j
                        next = base[j + 1] == 0x0A ? j + 2 : j + 1
                        break
                    } else if c == quote {
                        break
                    }
                    j += 1
                }
                if terminator >= 0 && nField == fieldCapacity { full = true }
                if full || terminator < 0 {
                    // Undo this record's fields. Scratch full: a new window takes it, unless it alone fills
                    // the scratch. A quote or the end of the buffer: the full scanner takes it.
                    nField = firstFieldOfRecord
                    if !full || firstFieldOfRecord == 0 { done = true }
                    break window
                }
                if nField == firstFieldOfRecord && terminator == i {
                    // A blank line: skipped, counted.
                    line += 1
                    scan.lines += 1
                    scan.blankLines += 1
                    i = next
                    windowEnd = i
                    continue
                }
                fStart[nField] = Int32(fieldFrom + offset)
                fEnd[nField] = Int32(terminator + offset)
                nField += 1
                let fields = nField - firstFieldOfRecord
                if let expectedFields, fields != expectedFields { mismatched.append((nRec, fields)) }
                recStart[nRec] = Int32(i + offset)
                recEnd[nRec] = Int32(terminator + offset)
                recFirst[nRec] = Int32(fieldBase + nField)
                recLine[nRec] = line
                nRec += 1
                line += 1
                scan.lines += 1
                i = next
                windowEnd = i
            }
            if nRec == 0 && windowEnd == windowStart { break }
            // Bulk append of the window. Blank lines inside it are copied with the bytes (no record points at them).
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + windowStart, count: windowEnd - windowStart))
            recordStart.append(contentsOf: UnsafeBufferPointer(start: recStart, count: nRec))
            recordEnd.append(contentsOf: UnsafeBufferPointer(start: recEnd, count: nRec))
            firstField.append(contentsOf: UnsafeBufferPointer(start: recFirst, count: nRec))
            lines.append(contentsOf: UnsafeBufferPointer(start: recLine, count: nRec))
            fieldStart.append(contentsOf: UnsafeBufferPointer(start: fStart, count: nField))
            fieldEnd.append(contentsOf: UnsafeBufferPointer(start: fEnd, count: nField))
            fieldTail.append(contentsOf: UnsafeBufferPointer(start: fEnd, count: nField))
            fieldFlags.append(contentsOf: repeatElement(0, count: nField))
            let firstIssue = issues.count
            issues.append(contentsOf: repeatElement(nil, count: nRec))
            if let expectedFields {
                for (r, found) in mismatched { issues[firstIssue + r] = .fieldCount(expected: expectedFields, found: found) }
            }
            scan.records += nRec
            scan.next = windowEnd
        }
        return scan
    }

    mutating func append(decoded record: CSVRecord) {
        repaired[count] = record
        recordStart.append(Int32(bytes.count))
        recordEnd.append(Int32(bytes.count))
        firstField.append(Int32(fieldStart.count))
        lines.append(record.line)
        issues.append(record.issue)
    }

    /// Number of fields of record `r`.
    public func fieldCount(_ r: Int) -> Int {
        if !repaired.isEmpty, let rec = repaired[r] { return rec.fields.count }
        return Int(firstField[r + 1] - firstField[r])
    }

    /// Field `k` of record `r` decoded ("" when the record is shorter). `fellBack` is set when bytes were not
    /// valid UTF-8 and were read as Windows-1252.
    public func field(_ r: Int, _ k: Int, fellBack: inout Bool) -> String {
        if !repaired.isEmpty, let rec = repaired[r] { return rec[k] }
        let f = Int(firstField[r]) + k
        guard k >= 0, f < Int(firstField[r + 1]) else { return "" }
        return bytes.withUnsafeBufferPointer { p in
            CSVReader.decodeField(
                base: p.baseAddress!, start: Int(fieldStart[f]), end: Int(fieldEnd[f]), quoted: fieldFlags[f] & 1 != 0,
                escaped: fieldFlags[f] & 2 != 0, tail: Int(fieldTail[f]), encoding: dialect.encoding, fellBack: &fellBack)
        }
    }

    public func field(_ r: Int, _ k: Int) -> String {
        var ignored = false
        return field(r, k, fellBack: &ignored)
    }

    /// Calls `body` with the bytes of field `k` of record `r` when it can be read as they are (not quoted,
    /// record not repaired, field present); nil otherwise — the caller then decodes with `field(_:_:)`.
    /// Inlinable (the storage it reads is `@usableFromInline`): called twice per row of batches from other
    /// modules, where it and `body` then inline into the caller's loop (no call through a closure).
    @inlinable
    public func withPlainField(_ r: Int, _ k: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Double?) -> Double? {
        if !repaired.isEmpty && repaired[r] != nil { return nil }
        let f = Int(firstField[r]) + k
        guard k >= 0, f < Int(firstField[r + 1]), fieldFlags[f] == 0 else { return nil }
        return bytes.withUnsafeBufferPointer { p in
            body(UnsafeBufferPointer(rebasing: p[Int(fieldStart[f])..<Int(fieldEnd[f])]))
        }
    }

    /// The whole record decoded.
    public func record(_ r: Int) -> CSVRecord {
        if let rec = repaired[r] { return rec }
        var fellBack = false
        let fields = (0..<fieldCount(r)).map { field(r, $0, fellBack: &fellBack) }
        return CSVRecord(fields: fields, line: lines[r], issue: issues[r], encodingFallback: fellBack)
    }

    /// Whether record `r` can be copied through as it was read: well-formed and with the header's field count.
    public func isPassThrough(_ r: Int) -> Bool { issues[r] == nil && (repaired.isEmpty || repaired[r] == nil) }

    /// Appends record `r`'s original bytes (without line terminator) to `out`.
    public func appendRawBytes(_ r: Int, to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { p in
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[Int(recordStart[r])..<Int(recordEnd[r])]))
        }
    }

    /// Whether any byte of record `r` is not ASCII (a fast check before looking for invalid UTF-8).
    public func isASCII(_ r: Int) -> Bool {
        bytes.withUnsafeBufferPointer { p in
            for i in Int(recordStart[r])..<Int(recordEnd[r]) where p[i] >= 0x80 { return false }
            return true
        }
    }
}
