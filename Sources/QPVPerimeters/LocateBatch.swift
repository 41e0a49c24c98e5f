// `qpv locate --input` as a library: `LocateBatch` (every input row and column kept, QPV/QIC columns appended,
// rows parsed and located on `OrderedBatchRunner` workers), `LocateColumns` (the appended columns, also used by
// geocoded batches) and `LocateBatchSummary`. The CLI only opens files and prints the summary.

import Foundation
import QPVCore
import QPVGeometry
import QPVTabular

/// Options of `qpv locate --input`.
public struct LocateBatchOptions: Sendable {
    /// Column of longitudes (WGS84), nil: found by its name (lon, longitude, x…).
    public var lonColumn: String?
    /// Column of latitudes (WGS84), nil: found by its name.
    public var latColumn: String?
    /// The date of the question: the lists in force that day are used.
    public var date: CivilDate
    /// Distance to a boundary under which a row is `boundary` (to verify), in metres.
    public var tolerance: Double = 20
    /// Worker threads (`--threads`).
    public var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Rows per unit of work handed to a thread (each is sorted spatially: larger chunks keep more locality).
    public var chunkSize: Int = LocateBatchOptions.defaultChunkSize
    /// The default `chunkSize` (also what `qpv-bench` gives the engine, to measure it as batches use it).
    public static let defaultChunkSize = 65536
    /// Called after each chunk is written (rows so far, fraction of the file); the CLI draws it.
    public var progress: BatchProgressHandler? = nil
    /// Row problems echoed on standard error (the rest are counted).
    public var maxReportedProblems: Int = 20

    /// Options for `date`, with the defaults of `qpv locate --input`.
    public init(date: CivilDate) { self.date = date }
}

/// What a batch did.
public struct LocateBatchSummary: Sendable {
    /// Data rows read.
    public var rows = 0
    /// Rows per `qpv_status`.
    public var byStatus: [String: Int] = [:]
    /// Rows inside a QIC.
    public var qicInside = 0
    /// Rows whose QIC answer is `not_covered`, and the reason given for the first of them.
    public var qicNotCovered = 0
    /// Why no QIC column was written, in French, nil when they were.
    public var qicReason: String?
    /// Row problems, each naming file, line and field (the first `maxReportedProblems`).
    public var problems: [String] = []
    /// Row problems, all counted.
    public var problemCount = 0
    /// Blank lines skipped.
    public var blankLines = 0
    /// Duration, in seconds.
    public var seconds = 0.0
    /// The longitude column used.
    public var lonColumn = ""
    /// The latitude column used.
    public var latColumn = ""
    /// Rows the engine could not compute (`qpv_status=error`): the command must exit non-zero.
    public var engineErrors: Int { byStatus[LocateBatch.errorStatus] ?? 0 }

    /// French summary printed at the end of a batch.
    public var text: String {
        var lines = [
            "\(FrenchFormat.integer(rows)) lignes traitées en \(FrenchFormat.decimal(seconds, digits: 1)) s (\(FrenchFormat.integer(seconds > 0 ? Int(Double(rows) / seconds) : rows)) lignes/s), colonnes \(lonColumn)/\(latColumn)"
        ]
        let order = ["in", "boundary", "out", "not_covered", "no_list", "invalid_coordinates", "error"]
        let labels = [
            "in": "dans un QPV", "boundary": "en limite (à vérifier)", "out": "hors QPV",
            "not_covered": "hors de la couverture de la liste installée (à vérifier)",
            "no_list": "liste non installée", "invalid_coordinates": "coordonnées invalides", "error": "erreur du moteur",
        ]
        for s in order where (byStatus[s] ?? 0) > 0 {
            let n = byStatus[s]!
            lines.append(
                "  \(labels[s]!) (\(s)) : \(FrenchFormat.integer(n)) (\(FrenchFormat.decimal(100 * Double(n) / Double(max(rows, 1)), digits: 1)) %)")
        }
        if qicInside > 0 { lines.append("  dans un QIC : \(FrenchFormat.integer(qicInside))") }
        if qicNotCovered > 0 {
            lines.append(
                "  QIC à vérifier (qic_status not_covered) : \(FrenchFormat.integer(qicNotCovered)) — \(qicReason ?? "EPCI du point indéterminé")")
        }
        if blankLines > 0 { lines.append("  lignes vides ignorées : \(blankLines)") }
        if problemCount > problems.count {
            lines.append("  … et \(problemCount - problems.count) autres lignes en anomalie (voir la colonne qpv_error)")
        }
        return lines.joined(separator: "\n")
    }
}

/// The QPV (and QIC) columns appended to batch outputs — by `qpv locate --input`, and by `qpv geocode
/// --input` after each address is geocoded — computed from a `LocateResult`.
public struct LocateColumns: Sendable {
    /// The perimeters located against.
    public let catalog: PerimeterCatalog
    /// True when QIC columns are written (QIC installed).
    public let withQIC: Bool
    private let setVintages: [String]
    /// Decimal separator of the distances in `values(_:)` (the `append` functions follow their encoder).
    public var decimalMark: DecimalMark = .point

    /// The columns for `catalog` (QIC columns when QIC are installed).
    public init(catalog: PerimeterCatalog) {
        self.catalog = catalog
        self.withQIC = catalog.hasQIC
        self.setVintages = catalog.sets.map(\.info.vintage)
    }

    /// A distance: its bytes straight in, quoted when the decimal comma is also the separator.
    @inline(__always) static func appendDistance(_ d: Double?, separator: UInt8, mark: UInt8, into out: inout [UInt8]) {
        guard let d else { return }
        if mark == separator { out.append(UInt8(ascii: "\"")) }
        LocateResult.appendTwoDecimals(d, to: &out, mark: mark)
        if mark == separator { out.append(UInt8(ascii: "\"")) }
    }

    /// Column names, in order.
    public var names: [String] { LocateBatch.qpvColumns + (withQIC ? LocateBatch.qicColumns : []) }

    /// Values when there is no point to locate (an address that was not geocoded).
    public func values(status: String) -> [String] { [status] + Array(repeating: "", count: names.count - 1) }

    /// "2015", or "2015;2024" when sets of several vintages answered.
    func vintageText(_ sets: [Int]) -> String {
        if sets.count == 1 { return setVintages[sets[0]] }
        if sets.isEmpty { return "" }
        return Array(Set(sets.map { setVintages[$0] })).sorted().joined(separator: ";")
    }

    /// The bytes of the values that repeat from row to row, encoded once per batch in its output dialect,
    /// each preceded by the separator: every status, every perimeter's code and name, every set's vintage.
    /// A row then copies them (batch output was a tenth of a batch's instructions, issue 17).
    public struct Encoded: Sendable {
        let statuses: [[UInt8]]
        let perimeters: [[UInt8]]
        let vintages: [[UInt8]]
    }

    /// The repeated values of these columns encoded for `encoder`'s dialect (`append(_:_:encoder:encoded:into:)`).
    public func encoded(for encoder: CSVRowEncoder) -> Encoded {
        let sep = encoder.dialect.separator
        func field(_ s: String) -> [UInt8] {
            var out = [sep]
            encoder.encodeField(s, into: &out)
            return out
        }
        return Encoded(
            statuses: LocateBatch.statusOrder.map { field($0.rawValue) },
            perimeters: catalog.perimeters.map { field($0.code) + field($0.name) },
            vintages: setVintages.map(field))
    }

    /// Appends the values of point `i` of `answers`, each preceded by the separator, encoded in `encoder`'s
    /// dialect — straight from the flat arrays, no object per row. `encoded` (made by `encoded(for:)` with
    /// the same encoder): the repeated values are copied from it.
    public func append(_ answers: LocateAnswers, _ i: Int, encoder: CSVRowEncoder, encoded: Encoded? = nil, into out: inout [UInt8]) {
        let sep = encoder.dialect.separator
        let mark = encoder.dialect.decimalMark.character
        @inline(__always) func distance(_ d: Double?) { LocateColumns.appendDistance(d, separator: sep, mark: mark, into: &out) }
        @inline(__always) func field(_ s: String) {
            out.append(sep)
            encoder.encodeField(s, into: &out)
        }
        func kindColumns(_ kind: PerimeterKind, withStatus: Bool) {
            if withStatus {
                let status = kind == .qpv ? answers.status(i) : answers.kindStatus(i, kind: kind)
                if let encoded, let status {
                    out.append(contentsOf: encoded.statuses[LocateBatch.statusSlot(status)])
                } else {
                    out.append(sep)
                    out.appendUTF8(status?.rawValue ?? "")
                }
            }
            if answers.firstHitIndex(i, kind: kind) == nil {
                // Most rows: no perimeter, two empty fields.
                out.append(sep)
                out.append(sep)
            } else if answers.hitCount(i, kind: kind) == 1 {
                let g = answers.firstHitIndex(i, kind: kind)!
                if let encoded {
                    out.append(contentsOf: encoded.perimeters[g])
                } else {
                    field(catalog.perimeters[g].code)
                    field(catalog.perimeters[g].name)
                }
            } else {
                let hits = answers.hits(i, kind: kind)
                field(hits.map { catalog.perimeters[$0].code }.joined(separator: ";"))
                field(hits.map { catalog.perimeters[$0].name }.joined(separator: ";"))
            }
        }
        kindColumns(.qpv, withStatus: true)
        if answers.kindStatus(i, kind: .qpv) == .noList {
            out.append(sep)
        } else {
            let sets = answers.sets(i, kind: .qpv)
            if let encoded, sets.count == 1 { out.append(contentsOf: encoded.vintages[sets[0]]) } else { field(vintageText(sets)) }
        }
        out.append(sep)
        distance(answers.distanceBoundary(i, kind: .qpv))
        if withQIC {
            let applies = answers.kindStatus(i, kind: .qic) != nil
            kindColumns(.qic, withStatus: true)
            field(
                applies
                    ? Array(Set(answers.hits(i, kind: .qic).compactMap { catalog.perimeters[$0].record.epciSiren })).sorted().joined(separator: ";")
                    : ""
            )
            out.append(sep)
            distance(answers.distanceBoundary(i, kind: .qic))
        }
    }

    /// Appends the values of `r`, each preceded by the separator, encoded in `encoder`'s dialect (no
    /// intermediate strings for the common single-perimeter and no-perimeter cases).
    public func append(_ r: borrowing LocateResult, encoder: CSVRowEncoder, into out: inout [UInt8]) {
        let sep = encoder.dialect.separator
        let mark = encoder.dialect.decimalMark.character
        @inline(__always) func distance(_ d: Double?) { LocateColumns.appendDistance(d, separator: sep, mark: mark, into: &out) }
        @inline(__always) func field(_ s: String) {
            out.append(sep)
            encoder.encodeField(s, into: &out)
        }
        out.append(sep)
        out.appendUTF8(r.status.rawValue)
        let hits = r.qpv?.containing ?? []
        if hits.count <= 1 {
            field(hits.first?.code ?? "")
            field(hits.first?.name ?? "")
        } else {
            field(hits.map(\.code).joined(separator: ";"))
            field(hits.map(\.name).joined(separator: ";"))
        }
        field(vintageText(r.qpv?.sets ?? []))
        out.append(sep)
        distance(r.qpv?.distanceBoundaryM)
        if withQIC {
            for v in values(copy r).suffix(LocateBatch.qicColumns.count) { field(v) }
        }
    }

    /// The values of one answer, in `names` order.
    public func values(_ r: LocateResult) -> [String] {
        var row: [String] = []
        row.reserveCapacity(names.count)
        row.append(r.status.rawValue)
        let hits = r.qpv?.containing ?? []
        row.append(hits.count == 1 ? hits[0].code : hits.map(\.code).joined(separator: ";"))
        row.append(hits.count == 1 ? hits[0].name : hits.map(\.name).joined(separator: ";"))
        row.append(vintageText(r.qpv?.sets ?? []))
        row.append(r.qpv?.distanceBoundaryM.map { decimalMark.apply(LocateResult.twoDecimals($0)) } ?? "")
        if withQIC {
            let q = r.qic
            let qhits = q?.containing ?? []
            row.append(q?.status.rawValue ?? "")
            row.append(qhits.map(\.code).joined(separator: ";"))
            row.append(qhits.map(\.name).joined(separator: ";"))
            row.append(Array(Set(qhits.compactMap { catalog.perimeters[$0.index].record.epciSiren })).sorted().joined(separator: ";"))
            row.append(q?.distanceBoundaryM.map { decimalMark.apply(LocateResult.twoDecimals($0)) } ?? "")
        }
        return row
    }
}

/// `qpv locate --input`: streams a CSV, keeps every input column and row, appends the QPV columns.
public struct LocateBatch {
    /// The QPV columns, in this order.
    public static let qpvColumns = ["qpv_status", "qpv_code", "qpv_name", "qpv_vintage", "distance_boundary_m"]
    /// The QIC columns, in this order.
    public static let qicColumns = ["qic_status", "qic_code", "qic_name", "qic_epci", "qic_distance_boundary_m"]
    /// The column telling why a row could not be located.
    public static let errorColumn = "qpv_error"
    /// `qpv_status` of a row the engine could not compute (GEOS/PROJ failure, damaged pack): never blamed on
    /// the input (`invalid_coordinates`); the command exits non-zero.
    public static let errorStatus = EngineFailure.status
    static let statusOrder: [LocateStatus] = [.inside, .outside, .boundary, .noList, .invalidCoordinates, .notCovered, .notApplicable]
    static func statusSlot(_ s: LocateStatus) -> Int {
        switch s {
        case .inside: return 0
        case .outside: return 1
        case .boundary: return 2
        case .noList: return 3
        case .invalidCoordinates: return 4
        case .notCovered: return 5
        case .notApplicable: return 6
        }
    }

    /// The perimeters located against.
    public let catalog: PerimeterCatalog
    /// The batch's options.
    public let options: LocateBatchOptions

    /// A batch over `catalog`.
    public init(catalog: PerimeterCatalog, options: LocateBatchOptions) {
        self.catalog = catalog
        self.options = options
    }

    /// Output columns appended to every row.
    public var appendedColumns: [String] { LocateColumns(catalog: catalog).names + [LocateBatch.errorColumn] }

    /// The longitude and latitude columns of `reader` (`ColumnMatcher`: explicit options, else loose names).
    public func columns(_ reader: CSVReader) throws -> [ColumnMatch] {
        let lon = try ColumnMatcher.find(.longitude, in: reader, explicit: options.lonColumn, required: true)!
        let lat = try ColumnMatcher.find(.latitude, in: reader, explicit: options.latColumn, required: true)!
        return [
            ColumnMatch(role: .longitude, index: lon, header: reader.header[lon]),
            ColumnMatch(role: .latitude, index: lat, header: reader.header[lat]),
        ]
    }

    /// Runs the batch. Output rows follow the input's dialect (separator, encoding, BOM, line endings).
    public func run(reader: CSVReader, writer: CSVWriter) throws -> LocateBatchSummary {
        let found = try columns(reader)
        let lonIndex = found[0].index
        let latIndex = found[1].index
        var summary = LocateBatchSummary()
        summary.lonColumn = reader.header[lonIndex]
        summary.latColumn = reader.header[latIndex]
        let encoder = writer.encoder
        let catalog = self.catalog
        let options = self.options
        let headerCount = reader.header.count
        let fileName = reader.name
        let lonName = reader.header[lonIndex]
        let latName = reader.header[latIndex]
        let columns = LocateColumns(catalog: catalog)
        let encoded = columns.encoded(for: encoder)

        struct ChunkOutput: Sendable {
            var bytes: [UInt8]
            var statusCounts = [Int](repeating: 0, count: LocateBatch.statusOrder.count)
            var qicInside: Int
            var qicNotCovered = 0
            var qicReason: String?
            var problems: [String]
            var rows: Int
            var engineErrors = 0
        }

        let separator = encoder.dialect.separator
        let crlf = encoder.dialect.crlf
        summary.seconds = try AnnotatingBatch(workers: options.workers, progress: options.progress).run(
            reader: reader, output: (writer, AnnotatingBatch.header(reader.header, appending: appendedColumns)),
            // The reading thread only scans: fields are decoded by the workers.
            read: { try reader.nextRaw(maxRecords: options.chunkSize) },
            makeWorker: { try Locator(catalog: catalog) },
            annotate: { locator, records in
                let count = records.count
                /// Record k's fields, padded or with the extra ones joined into the last, to the header's width.
                func alignedFields(_ k: Int) -> [String] {
                    AnnotatingBatch.aligned(records.record(k).fields, width: headerCount, separator: separator)
                }
                var lons = [Double](repeating: .nan, count: count)
                var lats = [Double](repeating: .nan, count: count)
                var notes = [String?](repeating: nil, count: count)
                for k in 0..<count {
                    // Fast path: both fields plain decimals, read from the record's bytes (no string made).
                    if records.issues[k] == nil, let lon = records.withPlainField(k, lonIndex, LocateResult.fastDecimal),
                        let lat = records.withPlainField(k, latIndex, LocateResult.fastDecimal)
                    {
                        lons[k] = lon
                        lats[k] = lat
                        continue
                    }
                    var note: [String] = []
                    if let issue = records.issues[k] { note.append(issue.description) }
                    var fellBack = false
                    let lonText = records.field(k, lonIndex, fellBack: &fellBack)
                    let latText = records.field(k, latIndex, fellBack: &fellBack)
                    if fellBack { note.append("caractères non UTF-8 lus en Windows-1252") }
                    if let lon = LocateResult.parseCoordinate(lonText), let lat = LocateResult.parseCoordinate(latText) {
                        lons[k] = lon
                        lats[k] = lat
                    } else {
                        var why: [String] = []
                        if LocateResult.parseCoordinate(lonText) == nil {
                            why.append(
                                lonText.trimmingCharacters(in: .whitespaces).isEmpty
                                    ? "champ « \(lonName) » vide" : "champ « \(lonName) » : « \(lonText.prefix(40)) » n'est pas un nombre")
                        }
                        if LocateResult.parseCoordinate(latText) == nil {
                            why.append(
                                latText.trimmingCharacters(in: .whitespaces).isEmpty
                                    ? "champ « \(latName) » vide" : "champ « \(latName) » : « \(latText.prefix(40)) » n'est pas un nombre")
                        }
                        note.append(why.joined(separator: ", "))
                    }
                    notes[k] = note.isEmpty ? nil : note.joined(separator: " ; ")
                }
                var out = ChunkOutput(bytes: [], qicInside: 0, problems: [], rows: count)
                out.bytes.reserveCapacity(count * 128)
                let answers: LocateAnswers
                do {
                    answers = try locator.locateAnswers(lons: lons, lats: lats, on: options.date, tolerance: options.tolerance)
                } catch {
                    // A GEOS/PROJ failure on this chunk: an engine error, not the input's fault. Every row
                    // still comes out, with `qpv_status=error` and the reason; the command exits non-zero.
                    let failure = EngineFailure.reason(error)
                    for k in 0..<count {
                        let fields = alignedFields(k)
                        encoder.encode(fields + columns.values(status: LocateBatch.errorStatus) + [failure], into: &out.bytes)
                    }
                    out.engineErrors = count
                    out.problems.append("\(fileName), lignes \(records.lines.first ?? 0) à \(records.lines.last ?? 0) : \(failure)")
                    return out
                }
                for k in 0..<count {
                    let status = answers.status(k)
                    var error = ""
                    if answers.kindStatus(k, kind: .qic) == .notCovered {
                        out.qicNotCovered += 1
                        if out.qicReason == nil { out.qicReason = answers.qicProblem(k) }
                    }
                    if notes[k] != nil || status == .invalidCoordinates || status == .noList || status == .notCovered {
                        var parts: [String] = []
                        if let n = notes[k] { parts.append(n) }
                        if (status == .invalidCoordinates && !lons[k].isNaN) || status == .noList || status == .notCovered, let p = answers.problem(k)
                        {
                            parts.append(p)
                        }
                        error = parts.joined(separator: " ; ")
                    }
                    if records.isPassThrough(k) {
                        // The input bytes as they were, then our columns.
                        records.appendRawBytes(k, to: &out.bytes)
                        columns.append(answers, k, encoder: encoder, encoded: encoded, into: &out.bytes)
                        out.bytes.append(separator)
                        if !error.isEmpty { encoder.encodeField(error, into: &out.bytes) }
                        if crlf { out.bytes.append(0x0D) }
                        out.bytes.append(0x0A)
                    } else {
                        // A record that was repaired or has too few/many fields: re-encoded, aligned on the header.
                        let fields = alignedFields(k)
                        encoder.encode(fields, into: &out.bytes)
                        out.bytes.removeLast(encoder.dialect.crlf ? 2 : 1)  // reopen the row
                        columns.append(answers, k, encoder: encoder, encoded: encoded, into: &out.bytes)
                        out.bytes.append(separator)
                        encoder.encodeField(error, into: &out.bytes)
                        if crlf { out.bytes.append(0x0D) }
                        out.bytes.append(0x0A)
                    }
                    if answers.hitCount(k, kind: .qic) > 0 { out.qicInside += 1 }
                    out.statusCounts[LocateBatch.statusSlot(status)] += 1
                    if !error.isEmpty && status != .noList && status != .notCovered {
                        out.problems.append("\(fileName), ligne \(records.lines[k]) : \(error)")
                    }
                }
                return out
            },
            deliver: { chunk in
                summary.rows += chunk.rows
                summary.qicInside += chunk.qicInside
                summary.qicNotCovered += chunk.qicNotCovered
                if summary.qicReason == nil { summary.qicReason = chunk.qicReason }
                for (k, v) in chunk.statusCounts.enumerated() where v > 0 { summary.byStatus[LocateBatch.statusOrder[k].rawValue, default: 0] += v }
                summary.problemCount += chunk.problems.count
                if chunk.engineErrors > 0 { summary.byStatus[LocateBatch.errorStatus, default: 0] += chunk.engineErrors }
                for p in chunk.problems where summary.problems.count < options.maxReportedProblems { summary.problems.append(p) }
                return (chunk.bytes, chunk.rows)
            })
        summary.blankLines = reader.blankLines
        return summary
    }
}
