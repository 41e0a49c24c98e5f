// `POST /search/csv`: `CSVBatchEndpoint` (the api-adresse form and query parameters, the checks before the
// first byte, `BatchGeocoder` run on a thread with the QPV columns), its concurrent-batch slots and output name.

import Foundation
import Hummingbird
import Logging
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
