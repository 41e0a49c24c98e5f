// What the three carreaux commands share: reading options, the id column (`CarreauxInput`), row problems and
// counts, duplicate detection (`SeenCells`) and `CarreauxScanner`, the ordered parallel scan of a carreaux file
// (on `AnnotatingBatch`).

import Foundation
import QPVCore
import QPVGeometry
import QPVTabular

/// Why one input row cannot be used. Every row still comes out (classify) or is counted and reported
/// (stats, candidates): nothing is lost silently.
public struct RowProblem: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The id field is empty or not a `CRS3035RES{r}mN{n}E{e}` id on the grid.
        case invalidId = "invalid_id"
        /// A valid id of another resolution than the file's (a 1 km id in a 200 m file).
        case wrongResolution = "wrong_resolution"
        /// The same carreau already appeared higher in the file: the first occurrence is kept.
        case duplicate
        /// A Filosofi count is not a number (stats, candidates).
        case invalidValue = "invalid_value"
    }

    public var kind: Kind
    /// French message naming file, line and field.
    public var message: String
}

/// How a carreaux file is read, common to classify, stats and candidates.
public struct CarreauxReadOptions: Sendable {
    /// Id column (default: the first of `CarreauxInput.idColumnNames` present).
    public var idColumn: String?
    /// 200 or 1000 (default: from the id column's name, else 200).
    public var resolution: Int?
    public var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    public var chunkSize: Int = 4096
    /// Called after each chunk is processed (rows so far, fraction of the file); the CLI draws it.
    public var progress: BatchProgressHandler? = nil
    /// Row problems kept for standard error (the rest are counted).
    public var maxReportedProblems: Int = 20

    public init() {}
}

/// Where the carreau id is and what the file holds: shared by the three commands.
public struct CarreauxInput: Sendable {
    /// Id column names tried in order (Filosofi 2015–2021 and the 2010 "idINSPIRE" files), case-insensitive.
    public static let idColumnNames = ["idcar_200m", "idcar_1km", "idinspire", "idcar", "id_carreau"]
    /// The id column's role for `ColumnMatcher` (names above, tried in order: a 200 m file that also lists its
    /// 1 km carreau uses the 200 m ids).
    public static let idRole = ColumnRole(label: "identifiant de carreau", option: "--id-column", tiers: idColumnNames.map { [$0] })

    public let file: String
    public let header: [String]
    public let idIndex: Int
    public let idColumn: String
    /// Resolution every id must have (200 m unless the column or `--resolution` says 1 km).
    public let resolution: Int

    public init(reader: CSVReader, options: CarreauxReadOptions) throws {
        try self.init(reader: reader, idColumn: options.idColumn, resolution: options.resolution)
    }

    public init(reader: CSVReader, idColumn: String?, resolution: Int?) throws {
        file = reader.name
        header = reader.header
        idIndex = try ColumnMatcher.find(CarreauxInput.idRole, in: reader, explicit: idColumn, required: true)!
        self.idColumn = reader.header[idIndex]
        if let resolution {
            guard GridCell.supportedResolutions.contains(resolution) else {
                throw CarreauxError.invalidOption("--resolution \(resolution) : 200 ou 1000 attendu")
            }
            self.resolution = resolution
        } else {
            self.resolution = self.idColumn.lowercased().contains("1km") ? 1000 : 200
        }
    }

    /// Index of a column (case-insensitive), nil when absent.
    public func column(_ name: String) -> Int? {
        header.firstIndex { $0.lowercased() == name.lowercased() }
    }

    /// The cell of a record, or why there is none.
    public func cell(of record: CSVRecord) -> (GridCell?, RowProblem?) {
        let text = record[idIndex]
        if let cell = GridCell.parse(text) {
            if cell.resolution != resolution {
                return (
                    nil,
                    RowProblem(
                        kind: .wrongResolution,
                        message:
                            "\(fieldLocation(record)) : carreau de \(cell.resolution) m « \(cell.id) » dans un fichier de carreaux de \(resolution) m (ligne ignorée ; --resolution pour un fichier de carreaux de 1 km)"
                    )
                )
            }
            return (cell, nil)
        }
        var reason: String
        if text.trimmingCharacters(in: .whitespaces).isEmpty {
            reason = "identifiant de carreau vide"
        } else {
            do {
                _ = try GridCell(id: text)
                reason = "identifiant de carreau invalide"
            } catch {
                reason = "\(error)"
            }
        }
        if let issue = record.issue { reason += " (\(issue))" }
        return (nil, RowProblem(kind: .invalidId, message: "\(fieldLocation(record)) : \(reason)"))
    }

    func fieldLocation(_ record: CSVRecord) -> String { "\(file), ligne \(record.line), champ « \(idColumn) »" }

    /// A duplicate-id problem.
    func duplicate(line: Int, _ cell: GridCell) -> RowProblem {
        RowProblem(
            kind: .duplicate,
            message:
                "\(file), ligne \(line), champ « \(idColumn) » : carreau « \(cell.id) » déjà présent plus haut dans le fichier (première occurrence gardée, celle-ci ignorée)"
        )
    }
}

/// Parses a Filosofi value: "12", "5.6", "5,6" (decimal comma), surrounding spaces. Nil when not a number.
public func parseFilosofiNumber(_ text: String) -> Double? {
    var t = Substring(text)
    while t.first == " " { t = t.dropFirst() }
    while t.last == " " { t = t.dropLast() }
    guard !t.isEmpty else { return nil }
    if let v = Double(t), v.isFinite { return v }
    if t.contains(","), !t.contains(".") {
        let swapped = t.replacingOccurrences(of: ",", with: ".")
        if let v = Double(swapped), v.isFinite { return v }
    }
    return nil
}

/// The set of carreaux already seen, to find duplicates. Bits grouped by 5 × 5 tiles in an open-addressing
/// table (it runs on the reading thread, for every row): memory grows with the territory covered (at most a
/// few MB for all of France), not with the number of rows.
struct SeenCells {
    /// key 0 = empty slot, else tile key + 1; mask = the tile's 25 cells. One cache line per probe.
    private struct Slot {
        var key: UInt64 = 0
        var mask: UInt32 = 0
    }
    private var slots = [Slot](repeating: Slot(), count: 1 << 12)
    private var used = 0

    /// Inserts the cell; false when it was already there.
    mutating func insert(_ c: GridCell) -> Bool {
        let r = c.resolution
        let i = c.easting / r
        let j = c.northing / r
        let key = (UInt64(r == 200 ? 0 : 1) << 62 | UInt64(i / 5) << 31 | UInt64(j / 5)) &+ 1
        let bit = UInt32(1) << UInt32((i % 5) + 5 * (j % 5))
        if 2 * (used + 1) > slots.count { grow() }
        return slots.withUnsafeMutableBufferPointer { buf in
            let s = SeenCells.find(key, in: buf)
            if buf[s].key == key {
                if buf[s].mask & bit != 0 { return false }
                buf[s].mask |= bit
                return true
            }
            buf[s] = Slot(key: key, mask: bit)
            used += 1
            return true
        }
    }

    /// The slot holding `key`, or the empty slot where it goes (linear probing, Fibonacci hashing).
    private static func find(_ key: UInt64, in buf: UnsafeMutableBufferPointer<Slot>) -> Int {
        let mask = buf.count - 1
        var s = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while buf[s].key != 0 && buf[s].key != key { s = (s + 1) & mask }
        return s
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        slots.withUnsafeMutableBufferPointer { buf in
            for slot in old where slot.key != 0 { buf[SeenCells.find(slot.key, in: buf)] = slot }
        }
    }
}

/// One row as parsed by a worker.
public struct ParsedRow: Sendable {
    /// Physical line of the record in the file.
    public var line: Int
    public var cell: GridCell?
    public var problem: RowProblem?
}

/// Streams a carreaux file through worker threads (each with its own `CellClassifier`) and hands each
/// chunk back in file order, duplicates marked. Memory stays bounded whatever the file size.
struct CarreauxScanner {
    let input: CarreauxInput
    let options: CarreauxReadOptions

    struct Chunk<Payload: Sendable>: Sendable {
        /// The records themselves, when `keepRecords` (else empty: they are freed on the worker thread, which
        /// takes that work off the reading thread).
        var records: [CSVRecord]
        var rows: [ParsedRow]
        var payload: Payload
    }

    /// - output: the writer and its header (classify), nil for a scan that writes no rows (stats, candidates).
    /// - process: per chunk on a worker: the records, their parsed cells, the worker's classifier.
    /// - deliver: per chunk in file order, duplicates already turned into `.duplicate` problems (the cell is
    ///   kept so classify can still show the id); returns the chunk's bytes to write (none without `output`).
    func run<Payload: Sendable>(
        reader: CSVReader,
        perimeters: GridPerimeters?,
        output: (writer: CSVWriter, header: [String])? = nil,
        keepRecords: Bool = true,
        process: @escaping @Sendable (CellClassifier?, [CSVRecord], [ParsedRow]) -> Payload,
        deliver: (Chunk<Payload>, _ duplicates: [Int]) throws -> [UInt8]
    ) throws -> Double {
        let input = self.input
        var seen = SeenCells()
        let chunkSize = options.chunkSize
        return try AnnotatingBatch(workers: options.workers, progress: options.progress).run(
            reader: reader, output: output, read: { try AnnotatingBatch.records(reader, chunkSize) },
            makeWorker: { ClassifierHolder(try perimeters.map { try CellClassifier(perimeters: $0) }) },
            annotate: { holder, records in
                let rows = records.map { rec -> ParsedRow in
                    let (cell, problem) = input.cell(of: rec)
                    return ParsedRow(line: rec.line, cell: cell, problem: problem)
                }
                return Chunk(records: keepRecords ? records : [], rows: rows, payload: process(holder.classifier, records, rows))
            },
            deliver: { chunk in
                var chunk = chunk
                var duplicates: [Int] = []
                for k in chunk.rows.indices {
                    guard let c = chunk.rows[k].cell, chunk.rows[k].problem == nil else { continue }
                    if !seen.insert(c) {
                        chunk.rows[k].problem = input.duplicate(line: chunk.rows[k].line, c)
                        duplicates.append(k)
                    }
                }
                return (try deliver(chunk, duplicates), chunk.rows.count)
            })
    }
}

/// A worker's state: its classifier, or none when no perimeter is in force.
final class ClassifierHolder {
    let classifier: CellClassifier?
    init(_ c: CellClassifier?) { classifier = c }
}

/// Counts of what happened to the input rows, common to the three commands.
public struct RowCounts: Sendable, Codable, Equatable {
    public var rows = 0
    public var invalidId = 0
    public var wrongResolution = 0
    public var duplicate = 0
    public var invalidValue = 0
    public var blankLines = 0

    enum CodingKeys: String, CodingKey {
        case rows
        case invalidId = "invalid_id"
        case wrongResolution = "wrong_resolution"
        case duplicate
        case invalidValue = "invalid_value"
        case blankLines = "blank_lines"
    }

    public var rejected: Int { invalidId + wrongResolution + duplicate + invalidValue }

    /// Counts a problem and keeps its message while fewer than `limit` are kept.
    mutating func count(_ p: RowProblem, keepingIn messages: inout [String], limit: Int) {
        count(p)
        if messages.count < limit { messages.append(p.message) }
    }

    mutating func count(_ p: RowProblem?) {
        guard let p else { return }
        switch p.kind {
        case .invalidId: invalidId += 1
        case .wrongResolution: wrongResolution += 1
        case .duplicate: duplicate += 1
        case .invalidValue: invalidValue += 1
        }
    }

    /// French lines for the summary.
    public var frenchLines: [String] {
        var out: [String] = []
        if invalidId > 0 { out.append("  identifiants invalides (invalid_id) : \(FrenchFormat.integer(invalidId))") }
        if wrongResolution > 0 { out.append("  carreaux d'une autre résolution (wrong_resolution) : \(FrenchFormat.integer(wrongResolution))") }
        if duplicate > 0 { out.append("  doublons ignorés (duplicate) : \(FrenchFormat.integer(duplicate))") }
        if invalidValue > 0 { out.append("  valeurs non numériques (invalid_value) : \(FrenchFormat.integer(invalidValue))") }
        if blankLines > 0 { out.append("  lignes vides ignorées : \(blankLines)") }
        return out
    }
}

/// Formats a share or a sum for CSV/JSON: at most `decimals` decimals, trailing zeros removed.
func formatNumber(_ x: Double, decimals: Int = 6) -> String {
    if x == 0 { return "0" }
    if x == 1 { return "1" }
    return GeoJSONGeometry.format(x, decimals)
}
