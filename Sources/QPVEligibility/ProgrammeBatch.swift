// QPVEligibility — any programme of the public rule format over a CSV file (`qpv eligibility run-batch`,
// `POST /eligibility/{id}/csv`): every row out once, in order, with its verdict, rows evaluated on the ordered
// parallel workers of `OrderedBatchRunner`; and the programmes installed in the data directory
// (`qpv data import-rules`, `GET /eligibility/{id}`).

import Foundation
import QPVCore
import QPVPerimeters
import QPVTabular

/// Rule files installed in `<data-dir>/rules/` (one programme per file, named after its id).
public enum InstalledRules {
    /// The folder of the data directory where `qpv data import-rules` installs rule files.
    public static func directory(_ d: DataDirectory) -> URL { d.url.appendingPathComponent("rules") }

    /// Checks a rule file (any error refuses it) and copies it to `<data-dir>/rules/<programme>.json`.
    public static func install(path: String, dataDirectory: DataDirectory) throws -> (book: RuleBook, installed: URL) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let book = try RuleBook.load(data: data, origin: path)
        guard book.programme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw RuleBookError(origin: path, path: "programme", reason: "identifiant « \(book.programme) » : lettres, chiffres, _ et - seulement")
        }
        let dir = directory(dataDirectory)
        try dataDirectory.ensure(dir)
        let target = dir.appendingPathComponent("\(book.programme).json")
        try data.write(to: target, options: .atomic)
        return (book, target)
    }

    /// Every installed rule file, loaded (a damaged file is an error naming it).
    public static func all(_ d: DataDirectory) throws -> [RuleBook] {
        let dir = directory(d)
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return try files.filter { $0.hasSuffix(".json") }.sorted().map { name in
            try RuleBook.load(data: Data(contentsOf: dir.appendingPathComponent(name)), origin: "rules/\(name) (installé)")
        }
    }

    /// The book for `id`: a rule file given, else installed programmes, else shipped ones.
    public static func book(id: String, file: String?, dataDirectory: DataDirectory, epci: String? = nil, location: EligibilityLocation? = nil) throws
        -> RuleBook
    {
        var candidates: [RuleBook]
        if let file {
            candidates = [try RuleBook.load(data: Data(contentsOf: URL(fileURLWithPath: file)), origin: file)]
        } else {
            candidates = try all(dataDirectory) + RuleBook.shippedNames().map { try RuleBook.shipped($0) }
        }
        for b in candidates where b.programmeIds.contains(id) || b.programmes.contains(where: { $0.epciSiren == id }) {
            if let selected = try b.selecting(id, epci: epci, location: location) { return selected }
            throw EligibilityInputError(
                field: "programme",
                reason:
                    "« \(id) » regroupe plusieurs programmes : précisez l'un d'eux (\(b.programmes.compactMap(\.id).joined(separator: ", "))) ou --epci"
            )
        }
        let known = candidates.flatMap(\.programmeIds)
        throw EligibilityInputError(field: "programme", reason: "« \(id) » inconnu (programmes : \(known.joined(separator: ", ")))")
    }
}

/// Options of a programme batch.
public struct ProgrammeBatchOptions: Sendable {
    /// Column of the longitude (WGS84), found by its name when nil.
    public var lonColumn: String?
    /// Column of the latitude (WGS84), found by its name when nil.
    public var latColumn: String?
    /// Column of an address to geocode when a row has no coordinates.
    public var addressColumn: String?
    /// Values for every row (a row's own cell wins when not empty).
    public var defaults: [(String, String)] = []
    /// The programme's date when a row has none (nil: such a row is `to_verify`).
    public var defaultDate: CivilDate?
    /// Distance (m) to a boundary under which the location is « à vérifier ».
    public var tolerance: Double = 20
    /// How many row problems the summary lists at most (all are counted).
    public var maxReportedProblems = 20
    /// Worker threads (`--threads`); the output is in input order whatever their number.
    public var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Rows per chunk handed to a worker.
    public var chunkSize: Int = 512

    /// Default options: columns found by their names, 20 m tolerance.
    public init() {}
}

/// What a programme batch did.
public struct ProgrammeBatchSummary: Sendable {
    /// Rows read (each written once).
    public var rows = 0
    /// Rows by verdict (`eligible`, `not_eligible`, `to_verify`, `error`).
    public var byVerdict: [Verdict: Int] = [:]
    /// The first row problems, in French, with their line.
    public var problems: [String] = []
    /// Every row problem counted.
    public var problemCount = 0

    /// The summary in French, for the closing message of the CLI.
    public var text: String {
        var out = [
            "\(FrenchFormat.integer(rows)) lignes traitées",
            "  éligibles : \(FrenchFormat.integer(byVerdict[.eligible] ?? 0))",
            "  à vérifier : \(FrenchFormat.integer(byVerdict[.toVerify] ?? 0))",
            "  non éligibles : \(FrenchFormat.integer(byVerdict[.notEligible] ?? 0))",
        ]
        if problemCount > problems.count { out.append("  … et \(problemCount - problems.count) autres lignes en anomalie (voir la colonne error)") }
        return out.joined(separator: "\n")
    }
}

/// Streams a CSV file: keeps every column and row, reads the programme's facts from the columns named like them
/// (case and accents ignored), appends the verdict columns. A row whose fact cannot be read keeps it undeclared
/// (never guessed) and says so in `error`.
public struct ProgrammeBatch: Sendable {
    /// The columns appended to every input row, in order.
    public static let appendedColumns = ["verdict", "qpv_status", "qpv_code", "qpv_name", "distance_boundary_m", "amount_eur", "reason", "error"]

    /// The perimeters the locations are answered from.
    public let catalog: PerimeterCatalog
    /// The programme's rule file.
    public let book: RuleBook
    /// Columns, facts and workers.
    public let options: ProgrammeBatchOptions
    /// Geocodes the address column of rows without coordinates (nil: such rows are `to_verify`).
    public let addressResolver: (any AddressResolving)?

    /// A batch of `book` over a CSV file, locations answered from `catalog`.
    public init(catalog: PerimeterCatalog, book: RuleBook, options: ProgrammeBatchOptions, addressResolver: (any AddressResolving)? = nil) {
        self.catalog = catalog
        self.book = book
        self.options = options
        self.addressResolver = addressResolver
    }

    /// The fact read from each column (by header name), for the start-of-batch message.
    public func factColumns(_ header: [String]) -> [(Int, FactSpec)] {
        header.enumerated().compactMap { i, h in
            let k = ColumnMatcher.key(h)
            return book.facts.values.first { ColumnMatcher.key($0.name) == k }.map { (i, $0) }
        }
    }

    /// The position columns (`TabularError` when one is missing or ambiguous): lon/lat, required unless an
    /// address column is named.
    public func positionColumns(_ reader: CSVReader) throws -> (lon: Int?, lat: Int?, address: Int?) {
        let addressIndex = try options.addressColumn.flatMap { try ColumnMatcher.find(.address, in: reader, explicit: $0, required: true) }
        if addressIndex != nil && addressResolver == nil { throw EligibilityLocationError.geocodingUnavailable }
        let lonIndex = try ColumnMatcher.find(.longitude, in: reader, explicit: options.lonColumn, required: addressIndex == nil)
        let latIndex = try ColumnMatcher.find(.latitude, in: reader, explicit: options.latColumn, required: addressIndex == nil)
        return (lonIndex, latIndex, addressIndex)
    }

    /// Runs the batch on `options.workers` threads: the same bytes, rows in input order, whatever their number.
    public func run(reader: CSVReader, writer: CSVWriter) throws -> ProgrammeBatchSummary {
        let (lonIndex, latIndex, addressIndex) = try positionColumns(reader)
        let facts = factColumns(reader.header)
        var summary = ProgrammeBatchSummary()
        let headerCount = reader.header.count
        let fileName = reader.name
        let encoder = writer.encoder
        let (catalog, book, options, resolver) = (self.catalog, self.book, self.options, self.addressResolver)

        // Rows are evaluated on worker threads (one EligibilityLocator, GEOS/PROJ state, each) and written back
        // in input order by `AnnotatingBatch`, as the TFPB batch does.
        _ = try AnnotatingBatch(workers: options.workers).run(
            reader: reader, output: (writer, AnnotatingBatch.header(reader.header, appending: Self.appendedColumns)),
            read: { try AnnotatingBatch.records(reader, options.chunkSize) },
            makeWorker: { try EligibilityLocator(catalog: catalog, addressResolver: resolver, tolerance: options.tolerance) },
            annotate: { locator, records in
                var out = ChunkOutput()
                out.bytes.reserveCapacity(records.count * 160)
                for rec in records {
                    let row = Self.evaluate(
                        rec, book: book, options: options, facts: facts, positions: (lonIndex, latIndex, addressIndex), locator: locator,
                        encoder: encoder)
                    var fields = rec.fields
                    if fields.count < headerCount { fields += Array(repeating: "", count: headerCount - fields.count) }
                    if fields.count > headerCount { fields = Array(fields[..<headerCount]) }
                    encoder.encode(fields + row.cells, into: &out.bytes)
                    out.rows += 1
                    out.byVerdict[row.verdict, default: 0] += 1
                    if !row.error.isEmpty { out.problems.append("\(fileName), ligne \(rec.line) : \(row.error)") }
                }
                return out
            },
            deliver: { out in
                summary.rows += out.rows
                for (v, n) in out.byVerdict { summary.byVerdict[v, default: 0] += n }
                summary.problemCount += out.problems.count
                for p in out.problems where summary.problems.count < options.maxReportedProblems { summary.problems.append(p) }
                return (out.bytes, out.rows)
            })
        return summary
    }

    struct ChunkOutput: Sendable {
        var bytes: [UInt8] = []
        var rows = 0
        var byVerdict: [Verdict: Int] = [:]
        var problems: [String] = []
    }

    /// One row: its facts (whole-file values, then the row's cells), place, verdict; the appended cells.
    static func evaluate(
        _ rec: CSVRecord, book: RuleBook, options: ProgrammeBatchOptions, facts: [(Int, FactSpec)], positions: (lon: Int?, lat: Int?, address: Int?),
        locator: EligibilityLocator, encoder: CSVRowEncoder
    ) -> (verdict: Verdict, cells: [String], error: String) {
        var errors: [String] = []
        if let issue = rec.issue { errors.append(issue.description) }
        var pairs = options.defaults
        for (i, f) in facts {
            let cell = rec[i].trimmingCharacters(in: .whitespaces)
            if !cell.isEmpty {
                pairs.removeAll { $0.0 == f.name }
                pairs.append((f.name, cell))
            }
        }
        var inputs = EligibilityInputs()
        for (name, text) in pairs {
            guard let f = book.facts[name] else { continue }
            do { inputs[name] = try FactParser.value(text, for: f) } catch { errors.append("\(error) : fait laissé non déclaré") }
        }
        var verdict = Verdict.toVerify
        var reason = ""
        var location: EligibilityLocation?
        var amount = ""
        if let date = inputs.date(book.dateInput) ?? options.defaultDate {
            do {
                if let lon = positions.lon.flatMap({ LocateResult.parseCoordinate(rec[$0]) }),
                    let lat = positions.lat.flatMap({ LocateResult.parseCoordinate(rec[$0]) })
                {
                    location = try locator.locate(lon: lon, lat: lat, on: date)
                } else if let ai = positions.address, !rec[ai].trimmingCharacters(in: .whitespaces).isEmpty {
                    location = try locator.locate(address: rec[ai], on: date)
                } else {
                    errors.append("position absente ou illisible (colonnes lon/lat\(positions.address == nil ? "" : " ou adresse"))")
                }
            } catch {
                errors.append("localisation impossible : \(error)")
            }
            let report = ProgrammeEvaluator.evaluate(book: book, date: date, inputs: inputs, location: location)
            verdict = report.verdict
            reason = Self.reason(report)
            if let t = report.aid?.totalEUR ?? report.aid?.perYearFullTimeEUR {
                amount = encoder.decimal(t == t.rounded() ? String(Int(t)) : String(format: "%.2f", t))
            }
            // Never "eligible" for a row with a problem the verdict did not see.
            if verdict == .eligible && !errors.isEmpty {
                verdict = .toVerify
                reason = errors.joined(separator: " ; ")
            }
        } else {
            errors.append("date de référence absente : colonne « \(book.dateInput) » (AAAA-MM-JJ) ou --date")
            reason = "date de référence (\(book.dateLabel)) inconnue"
        }
        let error = errors.joined(separator: " ; ")
        let status: String = location?.status.rawValue ?? ""
        let codes: String = location?.qpv.map(\.code).joined(separator: ";") ?? ""
        let names: String = location?.qpv.map(\.name).joined(separator: ";") ?? ""
        let distance: String = location?.distanceBoundaryM.map { encoder.decimal(LocateResult.twoDecimals($0)) } ?? ""
        let cells: [String] = [verdict.rawValue, status, codes, names, distance, amount, reason, error]
        return (verdict, cells, error)
    }

    /// The reason column: the failed criteria, the points to verify, or the location criterion when eligible.
    static func reason(_ report: EligibilityReport) -> String {
        switch report.verdict {
        case .eligible: return report.summary
        case .notEligible: return report.criteria.filter { $0.result == .notMet }.map { "\($0.label) : \($0.detail)" }.joined(separator: " ; ")
        case .toVerify: return report.toVerify.joined(separator: " ; ")
        }
    }
}
