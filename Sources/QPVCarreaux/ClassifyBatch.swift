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
    public var pairs = 0
    public var seconds = 0.0
    public var problems: [String] = []
    public var idColumn = ""

    public var text: String {
        var lines = [
            "\(FrenchFormat.integer(counts.rows)) carreaux lus en \(String(format: "%.1f", seconds)) s (\(FrenchFormat.integer(seconds > 0 ? Int(Double(counts.rows) / seconds) : counts.rows)) lignes/s), colonne \(idColumn)",
            "  touchant un QPV : \(FrenchFormat.integer(inQPV))",
        ]
        if inQIC > 0 { lines.append("  touchant un QIC : \(FrenchFormat.integer(inQIC))") }
        lines.append("  hors de tout périmètre : \(FrenchFormat.integer(outside))")
        lines.append("  couples carreau × périmètre : \(FrenchFormat.integer(pairs))")
        lines += counts.frenchLines
        if counts.rejected > problems.count { lines.append("  … \(counts.rejected - problems.count) autres lignes en anomalie (voir la colonne d'erreur)") }
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
        let separator = String(UnicodeScalar(encoder.dialect.separator))

        let appended = ClassifyBatch.wideQPVColumns + (withQIC ? ClassifyBatch.wideQICColumns : []) + [ClassifyBatch.errorColumn]
        switch options.format {
        case .long:
            try writer.writeRow([input.idColumn, "code_qp", "share", "kind", "error"])
        case .wide:
            let renamed = input.header.map { appended.contains($0.lowercased()) ? $0 + "_input" : $0 }
            try writer.writeRow(renamed + appended)
        }

        /// The row(s) of one input record.
        @Sendable func encodeRows(_ rec: CSVRecord, _ row: ParsedRow, _ shares: [CellShare], into out: inout [UInt8]) {
            let idText = rec[input.idIndex]
            let error = row.problem?.message ?? ""
            switch options.format {
            case .long:
                if row.problem != nil {
                    encoder.encode([idText, "", "", "", error], into: &out)
                } else if shares.isEmpty {
                    encoder.encode([idText, "", "0", "", ""], into: &out)
                } else {
                    for s in shares {
                        let p = perimeters.perimeters[s.perimeter]
                        encoder.encode([idText, p.code, formatNumber(s.share, decimals: options.decimals), p.kind.rawValue, ""], into: &out)
                    }
                }
            case .wide:
                var fields = rec.fields
                if fields.count < headerCount {
                    fields += Array(repeating: "", count: headerCount - fields.count)
                } else if fields.count > headerCount {
                    let extra = fields[(headerCount - 1)...].joined(separator: separator)
                    fields = Array(fields[..<(headerCount - 1)]) + [extra]
                }
                func columns(_ kind: PerimeterKind) -> [String] {
                    guard row.problem == nil else { return ["", "", ""] }
                    let mine = shares.filter { perimeters.perimeters[$0.perimeter].kind == kind }
                    let total = mine.reduce(0) { $0 + $1.share }
                    return [
                        mine.map { perimeters.perimeters[$0.perimeter].code }.joined(separator: ";"),
                        mine.map { formatNumber($0.share, decimals: options.decimals) }.joined(separator: ";"),
                        formatNumber(min(total, 1), decimals: options.decimals),
                    ]
                }
                var notes: [String] = []
                if let p = row.problem { notes.append(p.message) } else if let issue = rec.issue { notes.append("\(input.file), ligne \(rec.line) : \(issue)") }
                fields += columns(.qpv)
                if withQIC { fields += columns(.qic) }
                fields.append(notes.joined(separator: " ; "))
                encoder.encode(fields, into: &out)
            }
        }

        struct Payload: Sendable {
            var bytes: [UInt8] = []
            /// End offset of each input row's bytes.
            var ends: [Int] = []
            var shares: [[CellShare]] = []
        }

        var summary = ClassifySummary()
        summary.idColumn = input.idColumn
        let scanner = CarreauxScanner(input: input, options: options.read, progressLabel: "qpv carreaux")
        summary.seconds = try scanner.run(
            reader: reader, perimeters: perimeters,
            process: { classifier, records, rows in
                var p = Payload()
                p.bytes.reserveCapacity(records.count * 48)
                p.ends.reserveCapacity(records.count)
                p.shares.reserveCapacity(records.count)
                for (k, rec) in records.enumerated() {
                    var row = rows[k]
                    var shares: [CellShare] = []
                    if let cell = row.cell, row.problem == nil {
                        do {
                            shares = try classifier!.shares(of: cell)
                        } catch {
                            row.problem = RowProblem(kind: .invalidId, message: "\(input.file), ligne \(rec.line) : erreur de calcul pour « \(cell.id) » : \(error)")
                        }
                    }
                    encodeRows(rec, row, shares, into: &p.bytes)
                    p.ends.append(p.bytes.count)
                    p.shares.append(row.problem == nil ? shares : [])
                }
                return p
            },
            deliver: { chunk, duplicates in
                let p = chunk.payload
                if duplicates.isEmpty {
                    try writer.write(encoded: p.bytes)
                } else {
                    // Rewrite the duplicate rows (rare): the first occurrence keeps the answer.
                    var out: [UInt8] = []
                    out.reserveCapacity(p.bytes.count)
                    var start = 0
                    var d = 0
                    for k in chunk.records.indices {
                        if d < duplicates.count && duplicates[d] == k {
                            encodeRows(chunk.records[k], chunk.rows[k], [], into: &out)
                            d += 1
                        } else {
                            out.append(contentsOf: p.bytes[start..<p.ends[k]])
                        }
                        start = p.ends[k]
                    }
                    try writer.write(encoded: out)
                }
                for k in chunk.records.indices {
                    summary.counts.rows += 1
                    let row = chunk.rows[k]
                    if let problem = row.problem {
                        summary.counts.count(problem, keepingIn: &summary.problems, limit: options.read.maxReportedProblems)
                        continue
                    }
                    let shares = p.shares[k]
                    summary.pairs += shares.count
                    if shares.isEmpty { summary.outside += 1 }
                    if shares.contains(where: { perimeters.perimeters[$0.perimeter].kind == .qpv }) { summary.inQPV += 1 }
                    if shares.contains(where: { perimeters.perimeters[$0.perimeter].kind == .qic }) { summary.inQIC += 1 }
                }
            })
        try writer.close()
        summary.counts.blankLines = reader.blankLines
        return summary
    }
}
