// `POST /eligibility/{id}/csv`: `ProgrammeCSVEndpoint`, a programme of the public rule format over an uploaded
// CSV — the upload machinery of `/search/csv` (`CSVUpload`) and the library batch of `qpv eligibility run-batch`
// (`ProgrammeBatch`).

import Foundation
import Hummingbird
import Logging
import QPVCore
import QPVEligibility
import QPVTabular

/// `POST /eligibility/{id}/csv`: every row of the CSV (request body, or the `data` field of a multipart form)
/// evaluated for programme `id` as `GET /eligibility/{id}` evaluates one case, out once in input order with the
/// columns of `qpv eligibility run-batch` (`ProgrammeBatch`, the same function). A fact given as a parameter
/// holds for every row whose cell is empty (`--fact` of the CLI). The upload's separator, encoding and decimal
/// mark are kept in the answer.
struct ProgrammeCSVEndpoint: Sendable {
    let engine: ServerEngine

    /// Parameters (query string or form fields) besides the programme's facts.
    static let fields = ["data", "lon_column", "lat_column", "address_column", "epci", "delimiter", "encoding"]

    func respond(_ id: String, _ request: Request, logger: Logger) async throws -> Response {
        let file = try APIRoutes.programmeFile(id, engine: engine)
        let accepted = Self.fields + file.facts.keys.sorted()
        var params = try QueryParameters(request.uri.query)
        try params.allowOnly(Set(accepted.filter { $0 != "data" }))
        let upload = try await CSVUpload.receive(request, engine: engine, defaultName: "lignes.csv", fields: accepted)
        var formValues: [String: String] = [:]
        for (name, value) in upload.formFields { formValues[name] = value }
        for (k, v) in formValues { try params.setIfAbsent(k, v) }
        let book = try APIRoutes.programme(id, in: file, epci: params["epci"])
        let (separator, encoding) = try CSVUpload.dialectParameters(params)

        var options = ProgrammeBatchOptions()
        options.lonColumn = params["lon_column"]
        options.latColumn = params["lat_column"]
        options.addressColumn = params["address_column"]
        options.tolerance = engine.options.boundaryTolerance
        options.workers = engine.options.batchThreads
        options.defaults = book.facts.keys.sorted().compactMap { name in params[name].map { (name, $0) } }
        do {
            _ = try FactParser.inputs(options.defaults, book: book)
        } catch let e as EligibilityInputError {
            throw APIError.invalid(e.field, e.reason)
        }
        let batch = ProgrammeBatch(catalog: engine.catalog, book: book, options: options, addressResolver: engine.locators.resolver)
        let rows = try upload.checked(engine: engine, separator: separator, encoding: encoding) { reader in
            _ = try batch.positionColumns(reader)
        }
        let dialect = try upload.reader(separator: separator, encoding: encoding).dialect
        return try upload.streamed(
            rows: rows, encoding: dialect.encoding, outputName: CSVBatchEndpoint.outputName(upload.fileName, suffix: id, fallback: "lignes"),
            logger: logger
        ) {
            let reader = try upload.reader(separator: separator, encoding: encoding)
            _ = try batch.run(reader: reader, writer: CSVWriter(name: "réponse", dialect: reader.dialect, sink: $0))
        }
    }
}
