// `qpv carreaux classify`: `ClassifyBatch` writes, for every input row, the share of the carreau in each QPV
// and QIC in force (long or wide layout, input dialect kept).

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular

/// Output layout of `qpv carreaux classify`.
public enum ClassifyFormat: String, Sendable, CaseIterable {
    /// One row per carreau × perimeter: `idcar_200m, code_qp, share, kind, error` (a carreau touching no
    /// perimeter gets one row with an empty code and share 0; a rejected row one row with its error).
    case long
    /// Every input column, plus `qpv_codes, qpv_shares, qpv_share_total` (and the same for QIC when QIC
    /// are in force) and `carreau_error`.
    case wide
}

public struct ClassifyOptions: Sendable {
    public var read = CarreauxReadOptions()
    public var format: ClassifyFormat = .long
    /// Decimals written for shares.
    public var decimals: Int = 9

    public init() {}
}

public struct ClassifySummary: Sendable {
    public var counts = RowCounts()
    /// Valid carreaux overlapping at least one QPV / one QIC / nothing.
    public var inQPV = 0
    public var inQIC = 0
    public var outside = 0
    /// Carreaux touching no QPV of a partial list, outside its coverage (not "hors de tout périmètre").
    public var notCovered = 0
    public var pairs = 0
    public var seconds = 0.0
    public var problems: [String] = []
    public var idColumn = ""

    public var text: String {
        var lines = [
            "\(FrenchFormat.integer(counts.rows)) carreaux lus en \(FrenchFormat.decimal(seconds, digits: 1)) s (\(FrenchFormat.integer(seconds > 0 ? Int(Double(counts.rows) / seconds) : counts.rows)) lignes/s), colonne \(idColumn)",
            "  touchant un QPV : \(FrenchFormat.integer(inQPV))",
        ]
        if inQIC > 0 { lines.append("  touchant un QIC : \(FrenchFormat.integer(inQIC))") }
        lines.append("  hors de tout périmètre : \(FrenchFormat.integer(outside))")
        if notCovered > 0 {
            lines.append("  hors de la couverture de la liste installée (not_covered, à vérifier) : \(FrenchFormat.integer(notCovered))")
        }
        lines.append("  couples carreau × périmètre : \(FrenchFormat.integer(pairs))")
        lines += counts.frenchLines
        if counts.rejected > problems.count {
            lines.append("  … \(counts.rejected - problems.count) autres lignes en anomalie (voir la colonne d'erreur)")
        }
        return lines.joined(separator: "\n")
    }
}

/// `qpv carreaux classify`: streams a carreaux file and writes, for every row, the share of the carreau in
/// each perimeter in force. Output follows the input's dialect (separator, encoding, BOM, line endings).
public struct ClassifyBatch {
    public let perimeters: GridPerimeters
    public let options: ClassifyOptions

    public init(perimeters: GridPerimeters, options: ClassifyOptions) {
        self.perimeters = perimeters
        self.options = options
    }

    public static let wideQPVColumns = ["qpv_codes", "qpv_shares", "qpv_share_total"]
    public static let wideQICColumns = ["qic_codes", "qic_shares", "qic_share_total"]
    public static let errorColumn = "carreau_error"

    public func run(reader: CSVReader, writer: CSVWriter) throws -> ClassifySummary {
        let input = try CarreauxInput(reader: reader, options: options.read)
        let perimeters = self.perimeters
        let options = self.options
        let withQIC = perimeters.hasQIC
        let encoder = writer.encoder
        let headerCount = input.header.count

        let appended = ClassifyBatch.wideQPVColumns + (withQIC ? ClassifyBatch.wideQICColumns : []) + [ClassifyBatch.errorColumn]
        let header: [String]
        switch options.format {
        case .long: header = [input.idColumn, "code_qp", "share", "kind", "error"]
        case .wide: header = AnnotatingBatch.header(input.header, appending: appended)
        }

        /// The part of a row kept when a duplicate is rewritten: the id (long) or every input column (wide),
        /// each followed by the separator.
        @Sendable func encodePrefix(_ rec: CSVRecord, into out: inout [UInt8]) {
            switch options.format {
            case .long:
                encoder.encodeField(rec[input.idIndex], into: &out)
                out.append(encoder.dialect.separator)
            case .wide:
                for f in AnnotatingBatch.aligned(rec.fields, width: headerCount, separator: encoder.dialect.separator) {
                    encoder.encodeField(f, into: &out)
                    out.append(encoder.dialect.separator)
                }
            }
        }

        /// Long format, carreau touching nothing (most rows of a national file): the same bytes every time.
        var outsideRow: [UInt8] = []
        encoder.encode(["", "0", "", ""], into: &outsideRow)
        let outsideSuffix = outsideRow

        /// What follows the prefix for one perimeter share (long), or for the whole row (wide).
        @Sendable func encodeRest(
            _ problem: RowProblem?, note: String?, _ shares: [CellShare], share: CellShare?, uncovered: String? = nil, into out: inout [UInt8]
        ) {
            switch options.format {
            case .long:
                if let problem {
                    encoder.encode(["", "", "", problem.message], into: &out)
                } else if share == nil, let uncovered {
                    encoder.encode(["", "0", "", "not_covered : " + uncovered], into: &out)
                } else if let s = share {
                    let p = perimeters.perimeters[s.perimeter]
                    encoder.encode([p.code, encoder.decimal(formatNumber(s.share, decimals: options.decimals)), p.kind.rawValue, ""], into: &out)
                } else {
                    out.append(contentsOf: outsideSuffix)
                }
            case .wide:
                func columns(_ kind: PerimeterKind) -> [String] {
                    guard problem == nil else { return ["", "", ""] }
                    let mine = shares.filter { perimeters.perimeters[$0.perimeter].kind == kind }
                    let total = mine.reduce(0) { $0 + $1.share }
                    return [
                        mine.map { perimeters.perimeters[$0.perimeter].code }.joined(separator: ";"),
                        mine.map { encoder.decimal(formatNumber($0.share, decimals: options.decimals)) }.joined(separator: ";"),
                        encoder.decimal(formatNumber(min(total, 1), decimals: options.decimals)),
                    ]
                }
                let message = problem?.message ?? ([note, uncovered.map { "not_covered : " + $0 }].compactMap { $0 }.joined(separator: " ; "))
                encoder.encode(columns(.qpv) + (withQIC ? columns(.qic) : []) + [message], into: &out)
            }
        }

        struct Payload: Sendable {
            var bytes: [UInt8] = []
            /// Per input row: end of its prefix (kept for duplicates) and end of its bytes.
            var prefixEnds: [Int] = []
            var ends: [Int] = []
            /// Per row: number of perimeter pairs << 2 | touches a QIC << 1 | touches a QPV (valid rows).
            var outcome: [UInt32] = []
            /// Rows with a problem found by the worker (id, resolution, computation), in order.
            var problems: [RowProblem] = []
            var inQPV = 0, inQIC = 0, outside = 0, notCovered = 0, pairs = 0
            /// Rows counted as not covered (duplicates are uncounted from here).
            var uncovered: Set<Int> = []
        }

        var summary = ClassifySummary()
        summary.idColumn = input.idColumn
        let scanner = CarreauxScanner(input: input, options: options.read)
        summary.seconds = try scanner.run(
            reader: reader, perimeters: perimeters, output: (writer, header), keepRecords: false,
            process: { classifier, records, rows in
                var p = Payload()
                p.bytes.reserveCapacity(records.count * 48)
                p.prefixEnds.reserveCapacity(records.count)
                p.ends.reserveCapacity(records.count)
                p.outcome.reserveCapacity(records.count)
                for (k, rec) in records.enumerated() {
                    var problem = rows[k].problem
                    var shares: [CellShare] = []
                    if let cell = rows[k].cell, problem == nil {
                        do {
                            shares = try classifier!.shares(of: cell)
                        } catch {
                            problem = RowProblem(
                                kind: .invalidId, message: "\(input.file), ligne \(rec.line) : erreur de calcul pour « \(cell.id) » : \(error)")
                        }
                    }
                    let note = rec.issue.map { "\(input.file), ligne \(rec.line) : \($0)" }
                    var uncovered: String?
                    if problem == nil, let cell = rows[k].cell, !shares.contains(where: { perimeters.perimeters[$0.perimeter].kind == .qpv }) {
                        do { uncovered = try classifier?.coverageProblem(of: cell) } catch {
                            uncovered = "couverture non vérifiable : \(error)"
                        }
                    }
                    let start = p.bytes.count
                    encodePrefix(rec, into: &p.bytes)
                    let prefixEnd = p.bytes.count
                    if options.format == .long && problem == nil && shares.count > 1 {
                        for (j, s) in shares.enumerated() {
                            if j > 0 { p.bytes.append(contentsOf: p.bytes[start..<prefixEnd]) }
                            encodeRest(nil, note: note, shares, share: s, into: &p.bytes)
                        }
                    } else {
                        encodeRest(problem, note: note, shares, share: shares.first, uncovered: uncovered, into: &p.bytes)
                    }
                    p.prefixEnds.append(prefixEnd)
                    p.ends.append(p.bytes.count)
                    if let problem {
                        p.outcome.append(0)
                        p.problems.append(problem)
                        continue
                    }
                    let qpv = shares.contains { perimeters.perimeters[$0.perimeter].kind == .qpv }
                    let qic = shares.contains { perimeters.perimeters[$0.perimeter].kind == .qic }
                    p.outcome.append(UInt32(shares.count) << 2 | (qic ? 2 : 0) | (qpv ? 1 : 0))
                    if qpv { p.inQPV += 1 }
                    if qic { p.inQIC += 1 }
                    if uncovered != nil {
                        p.notCovered += 1
                        p.uncovered.insert(k)
                    } else if shares.isEmpty {
                        p.outside += 1
                    }
                    p.pairs += shares.count
                }
                return p
            },
            deliver: { chunk, duplicates in
                var p = chunk.payload
                var out: [UInt8] = []
                if duplicates.isEmpty {
                    out = p.bytes
                } else {
                    // Rewrite the duplicate rows (rare): the first occurrence keeps the answer.
                    out.reserveCapacity(p.bytes.count)
                    var start = 0
                    var d = 0
                    for k in chunk.rows.indices {
                        if d < duplicates.count && duplicates[d] == k {
                            d += 1
                            out.append(contentsOf: p.bytes[start..<p.prefixEnds[k]])
                            encodeRest(chunk.rows[k].problem, note: nil, [], share: nil, into: &out)
                            let o = p.outcome[k]
                            if o & 1 != 0 { p.inQPV -= 1 }
                            if o & 2 != 0 { p.inQIC -= 1 }
                            if p.uncovered.contains(k) { p.notCovered -= 1 } else if o >> 2 == 0 { p.outside -= 1 }
                            p.pairs -= Int(o >> 2)
                        } else {
                            out.append(contentsOf: p.bytes[start..<p.ends[k]])
                        }
                        start = p.ends[k]
                    }
                }
                summary.counts.rows += chunk.rows.count
                summary.inQPV += p.inQPV
                summary.inQIC += p.inQIC
                summary.outside += p.outside
                summary.notCovered += p.notCovered
                summary.pairs += p.pairs
                for problem in p.problems + duplicates.compactMap({ chunk.rows[$0].problem }) {
                    summary.counts.count(problem, keepingIn: &summary.problems, limit: options.read.maxReportedProblems)
                }
                return out
            })
        summary.counts.blankLines = reader.blankLines
        return summary
    }
}
