// `CSVUpload`: what every CSV batch of the server shares (`/search/csv`, `/eligibility/{id}/csv`): the body
// received (raw or the `data` part of a multipart form), the dialect parameters, the checks before anything is
// sent, and the 200 answer streamed from a batch thread through `ChunkChannel`.

import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import QPVCore
import QPVGeocoding
import QPVTabular

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
