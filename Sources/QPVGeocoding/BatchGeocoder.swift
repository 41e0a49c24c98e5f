// `BatchGeocoder` (`qpv geocode --input`, `POST /search/csv`): every row kept, api-adresse's result columns
// appended, rows geocoded by the shared `AnnotatingBatch` scaffold (QPVTabular); `CoordinateAnnotation` is the
// hook through which extra columns (the QPV answer, QPVAddressing) are computed from each result.

import Foundation
import QPVCore
import QPVTabular

/// Extra output columns computed from each geocoded point (the QPV answer: `qpv_status`, `qpv_code`…).
///
/// `makeWorker` is called once on each worker thread of a batch, on that thread, and returns the function
/// that thread then uses for every row: per-thread state (GEOS contexts, prepared geometries) lives in its
/// closure. Rows that were not geocoded get `valuesWhenNotGeocoded`.
public struct CoordinateAnnotation: Sendable {
    /// Names of the columns appended after the geocoding columns.
    public var columns: [String]
    /// Their values for a row that was not geocoded.
    public var valuesWhenNotGeocoded: [String]
    /// Per-thread function of the geocoding results of a row (best first, then the next candidates).
    public var makeResultWorker: @Sendable () throws -> (_ results: [GeocodeResult]) -> [String]

    /// Columns computed from the best result's position only.
    public init(
        columns: [String], valuesWhenNotGeocoded: [String],
        makeWorker: @escaping @Sendable () throws -> (_ lon: Double, _ lat: Double) -> [String]
    ) {
        self.init(
            columns: columns, valuesWhenNotGeocoded: valuesWhenNotGeocoded,
            makeResultWorker: {
                let f = try makeWorker()
                return { results in f(results[0].lon, results[0].lat) }
            })
    }

    /// Columns computed from the results of the row (the QPV answer checks the geocoding's confidence and, for a
    /// street-level result, the whole street).
    public init(
        columns: [String], valuesWhenNotGeocoded: [String],
        makeResultWorker: @escaping @Sendable () throws -> (_ results: [GeocodeResult]) -> [String]
    ) {
        precondition(columns.count == valuesWhenNotGeocoded.count, "one value per column")
        self.columns = columns
        self.valuesWhenNotGeocoded = valuesWhenNotGeocoded
        self.makeResultWorker = makeResultWorker
    }
}

/// Where the address is in the input file.
public enum AddressColumns: Sendable, Equatable {
    /// One column holding the whole address.
    case single(String)
    /// Several columns joined with spaces in this order (number, street, postcode, commune…).
    case parts([String])
}

/// What a `BatchGeocoder` run reads, writes and how.
public struct BatchOptions: Sendable {
    /// Input CSV path.
    public var input: String
    /// Output path, `-` for standard output.
    public var output: String
    /// Where the address is in the input.
    public var columns: AddressColumns
    /// Below this score a row is left ungeocoded (status `not-found`) with the reason in `result_label`.
    public var minScore: Double?
    /// Rows scoring below this (or answered by a commune only) are counted as needing a manual check.
    public var reviewBelow: Double
    /// Worker threads (`--threads`).
    public var threads: Int
    /// Rows per unit of work handed to a thread.
    public var chunkSize: Int
    /// Forces the input's separator or encoding instead of sniffing them.
    public var separator: UInt8?
    /// Forced input encoding (nil: sniffed).
    public var encoding: TextEncoding?
    /// Forces the decimal separator of the output's numbers (default: the input's, see `DecimalMark.sniff`).
    public var decimalMark: DecimalMark?
    /// Options of each row's geocoding (the number of candidates kept, filters).
    public var geocodeOptions: GeocodeOptions
    /// Per-row filters, as api-adresse's `postcode=<column>` / `citycode=<column>`: the row's value in that
    /// column restricts its results (empty value: no filter).
    public var postcodeColumn: String?
    /// Column whose value restricts the row's results to that INSEE code (api-adresse's `citycode=<column>`).
    public var citycodeColumn: String?
    /// Only these of `BatchGeocoder.resultColumns` are written (api-adresse's `result_columns`), in their
    /// standard order; nil: all. The annotation's columns are always written.
    public var resultColumns: [String]?

    /// Options with the defaults of `qpv geocode --input`.
    public init(
        input: String, output: String, columns: AddressColumns, minScore: Double? = nil, reviewBelow: Double = 0.7,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount, chunkSize: Int = 256,
        separator: UInt8? = nil, encoding: TextEncoding? = nil, geocodeOptions: GeocodeOptions = GeocodeOptions(limit: 2)
    ) {
        self.input = input
        self.output = output
        self.columns = columns
        self.minScore = minScore
        self.reviewBelow = reviewBelow
        self.threads = threads
        self.chunkSize = chunkSize
        self.separator = separator
        self.encoding = encoding
        self.geocodeOptions = geocodeOptions
    }
}

/// What a batch did: every input row is counted exactly once in `byStatus`.
public struct BatchSummary: Sendable, Equatable {
    /// Data rows read.
    public var rows = 0
    /// Rows per `result_status` (ok, not-found, skipped, error).
    public var byStatus: [String: Int] = [:]
    /// Geocoded rows per `result_type`.
    public var byType: [String: Int] = [:]
    /// Geocoded rows that deserve a look: score under `reviewBelow`, or only the commune found for an address.
    public var needsReview = 0
    /// Rows left ungeocoded because of `minScore`.
    public var belowMinScore = 0
    /// Rows with bytes that were not valid UTF-8 (read as Windows-1252).
    public var encodingFallbacks = 0
    /// Blank lines skipped.
    public var blankLines = 0
    /// Duration of the run, in seconds.
    public var seconds = 0.0
    /// The input's dialect, reused for the output (separator, encoding, decimal mark).
    public var dialect = CSVDialect()
    /// First problems met (row issues), "ligne N : …".
    public var issues: [String] = []

    mutating func merge(_ o: BatchSummary) {
        rows += o.rows
        for (k, v) in o.byStatus { byStatus[k, default: 0] += v }
        for (k, v) in o.byType { byType[k, default: 0] += v }
        needsReview += o.needsReview
        belowMinScore += o.belowMinScore
        encodingFallbacks += o.encodingFallbacks
        for i in o.issues where issues.count < 50 { issues.append(i) }
    }

    /// The closing report, in French.
    public var frenchReport: String {
        var out = "\(FrenchFormat.integer(rows)) lignes traitées en \(FrenchFormat.decimal(seconds, digits: 1)) s"
        if seconds > 0 { out += " (\(FrenchFormat.integer(Int(Double(rows) / seconds))) lignes/s)" }
        out += "\n"
        let statusNames = [
            "ok": "géocodées (ok)", "not-found": "non trouvées (not-found)", "skipped": "vides, ignorées (skipped)",
            "error": "en erreur (error)",
        ]
        for s in ["ok", "not-found", "skipped", "error"] where s != "skipped" || (byStatus[s] ?? 0) > 0 {
            out += "  \(statusNames[s]!) : \(FrenchFormat.integer(byStatus[s] ?? 0))\n"
        }
        let typeNames = ["housenumber": "au numéro", "street": "à la voie", "locality": "au lieu-dit", "municipality": "à la commune"]
        for t in ["housenumber", "street", "locality", "municipality"] where (byType[t] ?? 0) > 0 {
            out += "    dont \(typeNames[t]!) (\(t)) : \(FrenchFormat.integer(byType[t]!))\n"
        }
        if belowMinScore > 0 { out += "  laissées sans coordonnées (score sous le minimum) : \(FrenchFormat.integer(belowMinScore))\n" }
        out += "  à vérifier à la main (score faible ou commune seule) : \(FrenchFormat.integer(needsReview))\n"
        if encodingFallbacks > 0 { out += "  lignes lues en Windows-1252 : \(FrenchFormat.integer(encodingFallbacks))\n" }
        return out
    }
}

/// Geocodes a CSV file row by row: keeps every input column and row, appends the api-adresse columns and the
/// annotation's columns. Streams (memory does not grow with the file), uses `threads` worker threads, writes
/// rows in input order in the input's dialect (separator, encoding, BOM, line endings).
///
/// Columns and statuses are those of the national geocoding service's CSV API (api-adresse.data.gouv.fr, now
/// the Géoplateforme's `/search/csv`), so that files and scripts made for it work unchanged.
/// Statuses: `ok` (coordinates given); `not-found` (nothing recognised, or score under `minScore`: the reason
/// and the rejected candidate are in `result_label`); `skipped` (empty address); `error` (the row could not be
/// read: unbalanced quote, over-long line, more fields than the header; the reason is in `result_label`).
public final class BatchGeocoder: Sendable {
    /// The geocoding columns appended to each row, in this order (those of api-adresse's `/search/csv`).
    public static let resultColumns = [
        "latitude", "longitude", "result_label", "result_score", "result_score_next", "result_type", "result_id",
        "result_housenumber", "result_name", "result_street", "result_postcode", "result_city", "result_context",
        "result_citycode", "result_oldcitycode", "result_oldcity", "result_district", "result_status",
    ]

    /// The geocoder every thread shares.
    public let geocoder: Geocoder

    /// A batch geocoder over `geocoder`.
    public init(geocoder: Geocoder) { self.geocoder = geocoder }

    final class Worker {
        let annotate: (([GeocodeResult]) -> [String])?
        let encoder: CSVRowEncoder
        init(annotate: (([GeocodeResult]) -> [String])?, encoder: CSVRowEncoder) {
            self.annotate = annotate
            self.encoder = encoder
        }
    }

    struct Chunk: Sendable {
        var bytes: [UInt8]
        var summary: BatchSummary
    }

    /// Geocodes `options.input` into `options.output`, rows in input order; `annotation` appends columns computed from each row's results (the QPV answer); `progress` sees the rows done and the fraction of the file read.
    public func run(
        _ options: BatchOptions, annotation: CoordinateAnnotation? = nil,
        progress: BatchProgressHandler? = nil
    ) throws -> BatchSummary {
        let reader = try CSVReader(path: options.input, separator: options.separator, encoding: options.encoding)
        _ = try columnIndexes(reader, options.columns)  // before the output file is created
        var dialect = reader.dialect
        if let mark = options.decimalMark { dialect.decimalMark = mark }
        let writer = try CSVWriter(path: options.output, dialect: dialect)
        return try run(reader: reader, writer: writer, options: options, annotation: annotation, progress: progress)
    }

    /// The address columns of a file whose columns were not named (`ColumnMatcher`): a whole-address column
    /// ("adresse", "adresse 1"…) or number and street columns, followed by the postcode ("code postal", "cp")
    /// and commune ("commune", "ville") columns when present. Throws listing the headers when there is no
    /// address or street column.
    public static func automaticColumns(header: [String], file: String) throws -> (columns: AddressColumns, matches: [ColumnMatch]) {
        var matches: [ColumnMatch] = []
        func add(_ role: ColumnRole, required: Bool = false) throws {
            if let i = try ColumnMatcher.find(role, in: header, file: file, required: required) {
                matches.append(ColumnMatch(role: role, index: i, header: header[i]))
            }
        }
        if try ColumnMatcher.find(.address, in: header, file: file, required: false) != nil {
            try add(.address)
        } else if try ColumnMatcher.find(.street, in: header, file: file, required: false) != nil {
            try add(.housenumber)
            try add(.street)
        } else {
            try add(.address, required: true)
        }
        try add(.postcode)
        try add(.city)
        return (.parts(matches.map(\.header)), matches)
    }

    /// The indexes of the address columns in the reader's header; throws naming the missing ones.
    public func columnIndexes(_ reader: CSVReader, _ columns: AddressColumns) throws -> [Int] {
        switch columns {
        case .single(let name): return [try requireColumn(reader, name)]
        case .parts(let names): return try names.map { try requireColumn(reader, $0) }
        }
    }

    /// Streams an open reader to an open writer (of the reader's dialect); `options.input` and `options.output`
    /// are not used. The writer is closed (atomically) at the end. The scaffold (chunks read here, geocoded on
    /// `options.threads` workers, written in input order, progress) is `AnnotatingBatch`'s; the header is the
    /// geocoder's own (api-adresse's rule: result columns already present are appended again, suffixed `_2`).
    public func run(
        reader: CSVReader, writer: CSVWriter, options: BatchOptions, annotation: CoordinateAnnotation? = nil,
        progress: BatchProgressHandler? = nil
    ) throws -> BatchSummary {
        let start = Date()
        let columnIndexes = try columnIndexes(reader, options.columns)
        let filterColumns = (
            try options.postcodeColumn.map { try requireColumn(reader, $0) }, try options.citycodeColumn.map { try requireColumn(reader, $0) }
        )
        let extra = annotation?.columns ?? []
        let clash = (Self.resultColumns + extra).filter { reader.columnIndex($0) != nil }
        let headerCount = reader.header.count
        // api-adresse's result_columns: a subset of the result columns.
        let keep: [Int]? = try options.resultColumns.map { wanted in
            let unknown = wanted.filter { !Self.resultColumns.contains($0) }
            guard unknown.isEmpty else {
                throw GeocodingError.invalidInput(
                    "result_columns : colonne(s) inconnue(s) \(unknown.joined(separator: ", ")) ; colonnes possibles : \(Self.resultColumns.joined(separator: ", "))"
                )
            }
            return Array(0..<headerCount) + Self.resultColumns.indices.filter { wanted.contains(Self.resultColumns[$0]) }.map { headerCount + $0 }
                + (0..<extra.count).map { headerCount + Self.resultColumns.count + $0 }
        }
        // Columns already present (a file geocoded before) are written again, suffixed, rather than silently mixed.
        let fullHeader = reader.header + (Self.resultColumns + extra).map { clash.contains($0) ? $0 + "_2" : $0 }
        let header = keep.map { $0.map { fullHeader[$0] } } ?? fullHeader

        let geocoder = self.geocoder
        let encoderTemplate = writer.encoder
        var total = BatchSummary()
        total.dialect = reader.dialect
        _ = try AnnotatingBatch(workers: options.threads, progress: progress).run(
            reader: reader, output: (writer, header),
            read: { try AnnotatingBatch.records(reader, options.chunkSize) },
            makeWorker: {
                Worker(annotate: try annotation?.makeResultWorker(), encoder: encoderTemplate)
            },
            annotate: { worker, records in
                var chunk = Chunk(bytes: [], summary: BatchSummary())
                chunk.bytes.reserveCapacity(records.count * 256)
                for record in records {
                    let row = Self.processRow(
                        record, headerCount: headerCount, columns: columnIndexes, filters: filterColumns, options: options,
                        geocoder: geocoder, annotation: annotation, worker: worker, summary: &chunk.summary)
                    worker.encoder.encode(keep.map { $0.map { row[$0] } } ?? row, into: &chunk.bytes)
                }
                return chunk
            },
            deliver: { chunk in
                total.merge(chunk.summary)
                return (chunk.bytes, chunk.summary.rows)
            })
        total.blankLines = reader.blankLines
        total.seconds = Date().timeIntervalSince(start)
        return total
    }

    private func requireColumn(_ reader: CSVReader, _ name: String) throws -> Int {
        guard let i = reader.columnIndex(name) else {
            throw GeocodingError.missingColumns(file: reader.name, columns: [name], available: reader.header)
        }
        return i
    }

    /// The field without surrounding white space; Foundation's trimming (NSString) only when the field starts
    /// or ends with white space (most fields do not, and it costs a few percent of a batch).
    static func trimmed(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return s }
        let ws = CharacterSet.whitespaces
        return ws.contains(first) || ws.contains(last) ? s.trimmingCharacters(in: ws) : s
    }

    static func processRow(
        _ record: CSVRecord, headerCount: Int, columns: [Int], filters: (Int?, Int?) = (nil, nil), options: BatchOptions, geocoder: Geocoder,
        annotation: CoordinateAnnotation?, worker: Worker, summary: inout BatchSummary
    ) -> [String] {
        summary.rows += 1
        if record.encodingFallback { summary.encodingFallbacks += 1 }
        // Keep every input field, aligned on the header: short rows padded, overflow kept in the last column.
        var fields = record.fields
        var readError: String?
        if let issue = record.issue {
            switch issue {
            case .fieldCount(_, let found) where found < headerCount: break
            default: readError = issue.description
            }
            summary.issues.append("ligne \(record.line) : \(issue.description)")
        }
        if fields.count < headerCount { fields += [String](repeating: "", count: headerCount - fields.count) }
        if fields.count > headerCount, headerCount > 0 {
            let sep = String(UnicodeScalar(options.separator ?? worker.encoder.dialect.separator))
            fields[headerCount - 1] = fields[(headerCount - 1)...].joined(separator: sep)
            fields.removeLast(fields.count - headerCount)
        }
        let notGeocoded = annotation?.valuesWhenNotGeocoded ?? []
        func unresolved(_ status: String, _ label: String, score: String = "") -> [String] {
            summary.byStatus[status, default: 0] += 1
            return fields + ["", "", label, score] + Array(repeating: "", count: Self.resultColumns.count - 5) + [status] + notGeocoded
        }
        if let readError { return unresolved("error", "ligne illisible : \(readError)") }

        let text = columns.map { Self.trimmed(record[$0]) }.filter { !$0.isEmpty }.joined(separator: " ")
        if text.isEmpty { return unresolved("skipped", "adresse vide") }
        let query = AddressQuery(parsing: text)
        var geocodeOptions = options.geocodeOptions
        if let k = filters.0 {
            let v = record[k].filter(\.isNumber)
            if !v.isEmpty { geocodeOptions.postcode = v.count == 4 ? "0" + v : v }
        }
        if let k = filters.1 {
            let v = record[k].trimmingCharacters(in: .whitespaces).uppercased()
            if !v.isEmpty { geocodeOptions.citycode = v.count == 4 && v.allSatisfy(\.isNumber) ? "0" + v : v }
        }
        let results = geocoder.geocode(query: query, options: geocodeOptions)
        guard let best = results.first else { return unresolved("not-found", "aucune adresse ni commune reconnue") }
        let score = worker.encoder.decimal(format(best.score))
        if let minScore = options.minScore, best.score < minScore {
            summary.belowMinScore += 1
            return unresolved(
                "not-found", "score \(score) inférieur au minimum \(format(minScore)) ; meilleur candidat : \(best.label)", score: score)
        }
        summary.byStatus["ok", default: 0] += 1
        summary.byType[best.type.rawValue, default: 0] += 1
        if best.score < options.reviewBelow || (best.type == .municipality && query.hasStreet) { summary.needsReview += 1 }
        var row = fields
        row += [
            worker.encoder.decimal(fixed(best.lat, 7)), worker.encoder.decimal(fixed(best.lon, 7)), best.label, score,
            results.count > 1 ? worker.encoder.decimal(format(results[1].score)) : "", best.type.rawValue, best.id, best.housenumber, best.name,
            best.street, best.postcode, best.city, best.context, best.citycode, best.oldcitycode, best.oldcity, best.district, "ok",
        ]
        if let annotate = worker.annotate { row += annotate(results) }
        return row
    }

    static func format(_ score: Double) -> String { fixed(score, 4) }

    /// `x` with exactly `digits` decimals and a point ("50.2486000"), without Foundation's formatter.
    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "" }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let n = Int64((abs(x) * Double(scale)).rounded())
        var frac = String(n % scale)
        if frac.count < digits { frac = String(repeating: "0", count: digits - frac.count) + frac }
        let sign = x < 0 && n != 0 ? "-" : ""
        return digits == 0 ? sign + String(n) : sign + String(n / scale) + "." + frac
    }
}
