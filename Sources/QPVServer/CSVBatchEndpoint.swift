// `POST /search/csv`: `CSVBatchEndpoint` (`BatchGeocoder` run on a thread), with what every CSV batch of the
// server shares: `CSVUpload` (body spooled to disk, checks, output streamed through `ChunkChannel`),
// `SpooledBody`, `MappedRangeSource` and the `Multipart` form parser.

import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import QPVAddressing
import QPVCore
import QPVGeocoding
import QPVPerimeters
import QPVTabular
import Synchronization

/// `POST /search/csv`: a CSV (request body, or the `data` field of a multipart form as api-adresse takes it)
/// geocoded row by row with the QPV answer, streamed back with the columns of `qpv geocode --input`.
///
/// The body is spooled to an unlinked temporary file while it arrives (refused with 413 past
/// `maxBodyBytes`), mapped, checked before anything is sent (header, address columns, row count ≤ `maxRows`:
/// a JSON 4xx otherwise), then `BatchGeocoder` runs on its own threads (one `Locator` per worker thread) and
/// its output goes to the response through a bounded channel: memory does not grow with the file.
struct CSVBatchEndpoint: Sendable {
    let engine: ServerEngine
    /// Batches running at once; more get 503.
    static let running = Atomic<Int>(0)
    static let maxConcurrent = 2

    func respond(_ request: Request, logger: Logger) async throws -> Response {
        var params = try QueryParameters(request.uri.query)
        try params.allowOnly(Set(Self.fields.filter { $0 != "data" }))
        let upload = try await CSVUpload.receive(request, engine: engine, defaultName: "adresses.csv", fields: Self.fields)
        var formColumns: [String] = []
        var formResultColumns: [String] = []
        var formValues: [String: String] = [:]
        for (name, value) in upload.formFields {
            switch name {
            case "columns": formColumns.append(value)
            case "result_columns": formResultColumns.append(value)
            default: formValues[name] = value
            }
        }
        for (k, v) in formValues { try params.setIfAbsent(k, v) }
        let date = try params.date("date") ?? CivilDate.today()
        func list(_ name: String, _ form: [String]) -> [String] {
            (params[name].map { [$0] } ?? form).flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter {
                !$0.isEmpty
            }
        }
        let columnNames = list("columns", formColumns)
        let resultColumns = list("result_columns", formResultColumns)
        let (separator, encoding) = try CSVUpload.dialectParameters(params)
        let postcodeColumn = params["postcode"].flatMap { $0.isEmpty ? nil : $0 }
        let citycodeColumn = params["citycode"].flatMap { $0.isEmpty ? nil : $0 }

        // Checks before the first byte is sent: a readable header, the columns, the number of rows.
        let batch = BatchGeocoder(geocoder: engine.geocoder)
        let rows = try upload.checked(engine: engine, separator: separator, encoding: encoding) { reader in
            guard !columnNames.isEmpty else {
                throw APIError.missing(
                    "columns", "colonne(s) de l'adresse, séparées par des virgules ; colonnes du fichier : \(reader.header.joined(separator: ", "))")
            }
            _ = try batch.columnIndexes(reader, Self.columns(columnNames))
            for (field, column) in [("postcode", postcodeColumn), ("citycode", citycodeColumn)] {
                if let column, reader.columnIndex(column) == nil {
                    throw APIError.invalid(field, "colonne « \(column) » absente du fichier ; colonnes : \(reader.header.joined(separator: ", "))")
                }
            }
            if let bad = resultColumns.first(where: { !BatchGeocoder.resultColumns.contains($0) }) {
                throw APIError.invalid(
                    "result_columns", "« \(bad) » inconnue ; colonnes possibles : \(BatchGeocoder.resultColumns.joined(separator: ", "))")
            }
        }
        let name = upload.fileName
        let dialect = try upload.reader(separator: separator, encoding: encoding).dialect
        var batchOptions = BatchOptions(
            input: name, output: "-", columns: Self.columns(columnNames), threads: engine.options.batchThreads,
            separator: separator, encoding: encoding, geocodeOptions: GeocodeOptions(limit: 2))
        batchOptions.postcodeColumn = postcodeColumn
        batchOptions.citycodeColumn = citycodeColumn
        batchOptions.resultColumns = resultColumns.isEmpty ? nil : resultColumns
        let options = batchOptions
        let annotation = Self.annotation(engine: engine, date: date, decimalMark: dialect.decimalMark)
        return try upload.streamed(rows: rows, encoding: dialect.encoding, outputName: Self.outputName(name), logger: logger) {
            let reader = try upload.reader(separator: separator, encoding: encoding)
            let out = CSVWriter(name: "réponse", dialect: reader.dialect, sink: $0)
            _ = try batch.run(reader: reader, writer: out, options: options, annotation: annotation)
        }
    }

    /// One of the `maxConcurrent` batch places; given back when the last reference goes (the batch thread
    /// ends, or the response is dropped before its body was written).
    final class BatchSlot: Sendable {
        static func take() -> BatchSlot? {
            guard CSVBatchEndpoint.running.add(1, ordering: .relaxed).newValue <= CSVBatchEndpoint.maxConcurrent else {
                CSVBatchEndpoint.running.subtract(1, ordering: .relaxed)
                return nil
            }
            return BatchSlot()
        }

        deinit { CSVBatchEndpoint.running.subtract(1, ordering: .relaxed) }
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(
            .contentTooLarge, "body_too_large",
            "fichier trop volumineux : \(FrenchFormat.integer(limit / 1024)) Kio au plus (limite du serveur, --max-body-bytes)")
    }

    static func columns(_ names: [String]) -> AddressColumns { names.count == 1 ? .single(names[0]) : .parts(names) }

    /// "adresses.csv" → "adresses-qpv.csv", keeping only safe characters.
    static func outputName(_ name: String, suffix: String = "qpv", fallback: String = "adresses") -> String {
        func safe(_ s: String) -> String {
            String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" }.prefix(60))
        }
        let base = safe(name.hasSuffix(".csv") ? String(name.dropLast(4)) : name)
        return (base.isEmpty ? fallback : base) + "-" + safe(suffix) + ".csv"
    }

    /// The fields of api-adresse's `/search/csv` form (and query string), plus qpv's `date`.
    static let fields = ["data", "columns", "postcode", "citycode", "result_columns", "delimiter", "encoding", "date"]

    /// The QPV columns of `qpv geocode` batches (the same library function), one `Locator` per worker thread;
    /// `distance_boundary_m` written with the upload's decimal mark (comma for a `;`-separated file or one whose
    /// numbers use commas, as `qpv geocode --input` does).
    static func annotation(engine: ServerEngine, date: CivilDate, decimalMark: DecimalMark) -> CoordinateAnnotation {
        var columns = engine.addressColumns
        columns.locate.decimalMark = decimalMark
        return columns.annotation(geocoder: engine.geocoder, catalog: engine.catalog, date: date, tolerance: engine.options.boundaryTolerance)
    }
}

/// The CSV of a `POST …/csv` batch (`/search/csv`, `/eligibility/{id}/csv`): the request body spooled to disk
/// (413 past `maxBodyBytes`), or the `data` part of a multipart form whose other fields are returned; checked
/// before anything is sent; its output streamed from a batch thread through `ChunkChannel`, at most
/// `CSVBatchEndpoint.maxConcurrent` batches at once (503 otherwise).
struct CSVUpload: Sendable {
    let body: SpooledBody
    let range: Range<Int>
    let fileName: String
    /// The form's fields other than `data`, in order (empty for a raw body).
    let formFields: [(String, String)]

    /// Receives the body; a multipart form field not in `fields` is a 400 naming the accepted ones.
    static func receive(_ request: Request, engine: ServerEngine, defaultName: String, fields: [String]) async throws -> CSVUpload {
        let maxBody = engine.options.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBody {
            throw CSVBatchEndpoint.tooLarge(maxBody)
        }
        let body = try await SpooledBody.receive(request.body, limit: maxBody)
        var range = 0..<body.count
        var fileName = defaultName
        var formFields: [(String, String)] = []
        if let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = Multipart.boundary(contentType: type) else {
                throw APIError(.badRequest, "invalid_multipart", "formulaire multipart sans « boundary » dans Content-Type")
            }
            let parts = try Multipart.parts(body.bytes, boundary: boundary)
            guard let data = parts.first(where: { $0.name == "data" }) else {
                throw APIError(.badRequest, "missing_parameter", "champ « data » (le fichier CSV) absent du formulaire")
            }
            range = data.range
            if let f = data.fileName, !f.isEmpty { fileName = f }
            for p in parts where p.fileName == nil && p.name != "data" {
                guard fields.contains(p.name) else {
                    throw APIError(
                        .badRequest, "unknown_parameter", "champ « \(p.name) » inconnu ; champs acceptés : \(fields.joined(separator: ", "))")
                }
                formFields.append((p.name, String(decoding: body.bytes[p.range], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
            }
        }
        guard !range.isEmpty else { throw APIError(.badRequest, "empty_body", "corps de requête vide : envoyez un fichier CSV") }
        return CSVUpload(body: body, range: range, fileName: fileName, formFields: formFields)
    }

    /// api-adresse's `delimiter` (one character) and `encoding` of the sent file; nil: sniffed.
    static func dialectParameters(_ params: QueryParameters) throws -> (separator: UInt8?, encoding: TextEncoding?) {
        let separator: UInt8? = try params["delimiter"].flatMap { d in
            if d.isEmpty { return nil }
            guard d.utf8.count == 1, let b = d.utf8.first, [0x2C, 0x3B, 0x09, 0x7C].contains(b) else {
                throw APIError.invalid("delimiter", "« \(d) » : séparateur attendu , ; | ou tabulation")
            }
            return b
        }
        let encoding: TextEncoding? = try params["encoding"].flatMap { e in
            if e.isEmpty { return nil }
            guard let t = TextEncoding(name: e) else {
                throw APIError.invalid("encoding", "« \(e) » : encodages possibles utf-8, windows-1252 (latin1)")
            }
            return t
        }
        return (separator, encoding)
    }

    func reader(separator: UInt8?, encoding: TextEncoding?) throws -> CSVReader {
        try CSVReader(source: body.source(range, name: fileName), name: fileName, separator: separator, encoding: encoding)
    }

    /// Before the first byte is sent: a readable header, the caller's column checks, the number of rows
    /// (≤ `maxRows`); a JSON 4xx otherwise. Returns the number of rows.
    func checked(engine: ServerEngine, separator: UInt8?, encoding: TextEncoding?, columns: (CSVReader) throws -> Void) throws -> Int {
        do {
            let reader = try reader(separator: separator, encoding: encoding)
            try columns(reader)
            var n = 0
            while try reader.next() != nil {
                n += 1
                if n > engine.options.maxRows {
                    throw APIError(
                        .contentTooLarge, "too_many_rows",
                        "plus de \(FrenchFormat.integer(engine.options.maxRows)) lignes : découpez le fichier (limite du serveur)")
                }
            }
            return n
        } catch let e as APIError {
            throw e
        } catch let e as GeocodingError {
            throw APIError(.badRequest, "invalid_csv", e.description)
        } catch let e as TabularError {
            throw APIError(.badRequest, "invalid_csv", "\(e)")
        }
    }

    /// The 200 answer: `work` runs on its own thread and writes the output CSV through the sink it is given
    /// (in `encoding` of the upload); 503 when `maxConcurrent` batches already run.
    func streamed(
        rows: Int, encoding: TextEncoding, outputName: String, logger: Logger,
        work: @escaping @Sendable (@escaping ([UInt8]) throws -> Void) throws -> Void
    ) throws -> Response {
        guard let slot = CSVBatchEndpoint.BatchSlot.take() else {
            throw APIError(
                .serviceUnavailable, "busy", "déjà \(CSVBatchEndpoint.maxConcurrent) fichiers en cours de traitement : réessayez dans un moment")
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=" + (encoding == .utf8 ? "utf-8" : "windows-1252")
        headers[.contentDisposition] = "attachment; filename=\"\(outputName)\""
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-QPV-Rows")!] = String(rows)
        let channel = ChunkChannel()
        let started = ContinuousClock.now
        let body = self.body
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let thread = Thread {
                    defer { withExtendedLifetime(slot) {} }  // the slot is given back when the batch ends
                    do {
                        try work { bytes in try channel.send(bytes) }
                        channel.finish(nil)
                    } catch {
                        channel.finish(error)
                    }
                    _ = body  // the mapped body lives until the batch is done
                }
                thread.name = "qpv-csv-batch"
                thread.start()
                do {
                    while let chunk = try await channel.next() {
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                    try await writer.finish(nil)
                } catch {
                    channel.cancel()
                    throw error
                }
                let elapsed = ContinuousClock.now - started
                logger.info("lot CSV terminé", metadata: ["rows": .stringConvertible(rows), "seconds": .string("\(elapsed.components.seconds)")])
            })
    }
}

/// A request body written to an unlinked temporary file as it arrives, then mapped read-only.
final class SpooledBody: @unchecked Sendable {
    let fd: Int32
    let count: Int
    private let base: UnsafeRawPointer?

    private init(fd: Int32, count: Int) throws {
        self.fd = fd
        self.count = count
        if count > 0 {
            guard let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
                close(fd)
                throw APIError(.internalServerError, "spool_failed", "lecture du fichier reçu impossible")
            }
            base = UnsafeRawPointer(p)
        } else {
            base = nil
        }
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
        close(fd)
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    func source(_ range: Range<Int>, name: String) -> any ByteSource { MappedRangeSource(body: self, range: range, name: name) }

    /// Reads the whole body into a temporary file; 413 as soon as it exceeds `limit`.
    static func receive(_ body: RequestBody, limit: Int) async throws -> SpooledBody {
        var template = Array((FileManager.default.temporaryDirectory.path + "/qpv-upload-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw APIError(.internalServerError, "spool_failed", "fichier temporaire impossible à créer") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        var total = 0
        do {
            for try await buffer in body {
                total += buffer.readableBytes
                if total > limit { throw CSVBatchEndpoint.tooLarge(limit) }
                try buffer.withUnsafeReadableBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                        if n < 0 {
                            if errno == EINTR { continue }
                            throw APIError(.internalServerError, "spool_failed", "écriture du fichier reçu impossible")
                        }
                        offset += n
                    }
                }
            }
        } catch {
            close(fd)
            throw error
        }
        return try SpooledBody(fd: fd, count: total)
    }
}

/// A byte range of a spooled body as a `ByteSource` for `CSVReader`.
final class MappedRangeSource: ByteSource {
    let body: SpooledBody
    let range: Range<Int>
    let name: String
    private var position: Int

    init(body: SpooledBody, range: Range<Int>, name: String) {
        self.body = body
        self.range = range
        self.name = name
        position = range.lowerBound
    }

    var totalBytes: Int? { range.count }
    var consumedBytes: Int { position - range.lowerBound }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, range.upperBound - position)
        guard n > 0 else { return 0 }
        buffer.baseAddress!.copyMemory(from: body.bytes.baseAddress! + position, byteCount: n)
        position += n
        return n
    }
}

/// Chunks from a producer thread to the async response writer. `send` blocks the producer while more than
/// `limit` bytes wait (the client reads slowly); `cancel` (the client left) makes `send` throw, which stops
/// the batch.
final class ChunkChannel: @unchecked Sendable {
    struct Cancelled: Error {}
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var queuedBytes = 0
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var waiter: CheckedContinuation<[UInt8]?, any Error>?
    let limit = 1 << 20

    func send(_ bytes: [UInt8]) throws {
        condition.lock()
        while queuedBytes > limit && !cancelled { condition.wait() }
        if cancelled {
            condition.unlock()
            throw Cancelled()
        }
        if let w = waiter {
            waiter = nil
            condition.unlock()
            w.resume(returning: bytes)
            return
        }
        queue.append(bytes)
        queuedBytes += bytes.count
        condition.unlock()
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        let w = waiter
        waiter = nil
        condition.unlock()
        if let w {
            if let error { w.resume(throwing: error) } else { w.resume(returning: nil) }
        }
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    func next() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<[UInt8]?, any Error>) in
            condition.lock()
            if !queue.isEmpty {
                let b = queue.removeFirst()
                queuedBytes -= b.count
                condition.signal()
                condition.unlock()
                c.resume(returning: b)
            } else if finished {
                let f = failure
                condition.unlock()
                if let f { c.resume(throwing: f) } else { c.resume(returning: nil) }
            } else {
                waiter = c
                condition.unlock()
            }
        }
    }
}

/// The parts of a `multipart/form-data` body (RFC 7578), as byte ranges of the body.
enum Multipart {
    struct Part {
        var name: String
        var fileName: String?
        var range: Range<Int>
    }

    static func boundary(contentType: String) -> String? {
        for param in contentType.split(separator: ";").dropFirst() {
            let kv = param.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == "boundary" {
                let v = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...70).contains(v.count) ? v : nil
            }
        }
        return nil
    }

    /// Offset of the first occurrence of `needle` in `bytes` at or after `from`.
    static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let first = needle.first, needle.count <= bytes.count else { return nil }
        var i = from
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == first {
                var k = 1
                while k < needle.count && bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    static func parts(_ bytes: UnsafeRawBufferPointer, boundary: String) throws -> [Part] {
        func bad(_ why: String) -> APIError { APIError(.badRequest, "invalid_multipart", "formulaire multipart illisible : \(why)") }
        let delimiter = Array("--\(boundary)".utf8)
        guard var at = find(delimiter, in: bytes, from: 0) else { throw bad("délimiteur « --\(boundary) » introuvable") }
        var parts: [Part] = []
        while true {
            at += delimiter.count
            if at + 2 <= bytes.count && bytes[at] == UInt8(ascii: "-") && bytes[at + 1] == UInt8(ascii: "-") { break }
            guard let headerEnd = find(Array("\r\n\r\n".utf8), in: bytes, from: at) else { throw bad("en-têtes de partie non terminés") }
            let headerText = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at..<headerEnd]), as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = find(Array("\r\n--\(boundary)".utf8), in: bytes, from: contentStart) else { throw bad("partie non terminée") }
            var name: String?
            var fileName: String?
            for line in headerText.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                name = parameter("name", in: line)
                fileName = parameter("filename", in: line)
            }
            guard let name else { throw bad("partie sans nom (Content-Disposition: form-data; name=…)") }
            parts.append(Part(name: name, fileName: fileName, range: contentStart..<next))
            at = next + 2
        }
        return parts
    }

    static func parameter(_ key: String, in line: String) -> String? {
        for piece in line.split(separator: ";").dropFirst() {
            let kv = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == key { return kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }
}
