// `qpv carreaux stats`: `StatsBatch` sums Filosofi counts per perimeter weighted by each carreau's area share;
// `FilosofiColumns` and `CarreauxMethod` name the columns and the caveat every output carries.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular

/// The Filosofi columns qpv knows (données carroyées 2015–2021, lower or upper case).
public enum FilosofiColumns {
    /// Counts and sums that add up across carreaux (area-weighted in `stats`).
    public static let counts = [
        "ind", "men", "men_pauv", "men_1ind", "men_5ind", "men_prop", "men_fmp", "ind_snv", "men_surf", "men_coll", "men_mais",
        "log_av45", "log_45_70", "log_70_90", "log_ap90", "log_inc", "log_soc",
        "ind_0_3", "ind_4_5", "ind_6_10", "ind_11_17", "ind_18_24", "ind_25_39", "ind_40_54", "ind_55_64", "ind_65_79", "ind_80p", "ind_inc",
    ]
    /// "1" when the carreau's values were imputed (fewer than 11 households: INSEE's secrecy rule).
    public static let imputed = ["i_est_200", "i_est_1km", "i_est_cr"]

    /// Derived indicators: name, numerator, denominator.
    public static let ratios: [(name: String, numerator: String, denominator: String)] = [
        ("poor_household_share", "men_pauv", "men"),
        ("mean_standard_of_living", "ind_snv", "ind"),
        ("single_person_household_share", "men_1ind", "men"),
        ("large_household_share", "men_5ind", "men"),
        ("single_parent_household_share", "men_fmp", "men"),
        ("owner_household_share", "men_prop", "men"),
        ("collective_housing_household_share", "men_coll", "men"),
        ("mean_dwelling_surface_m2", "men_surf", "men"),
    ]

    /// Ratios computable from `columns`, as indices into `columns` (numerator, denominator).
    static func ratioIndices(_ columns: [String]) -> [(name: String, numerator: Int, denominator: Int)] {
        ratios.compactMap { r in
            guard let n = columns.firstIndex(of: r.numerator), let d = columns.firstIndex(of: r.denominator) else { return nil }
            return (r.name, n, d)
        }
    }

    /// Values read as "missing" rather than wrong: an empty field (Filosofi leaves ind_snv empty where
    /// incomes could not be matched) or NA.
    static func isMissing(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        return t.isEmpty || t == "na" || t == "n/a"
    }
}

/// The caveat every statistics output carries.
public enum CarreauxMethod {
    public static let statsNote =
        "approximation : sommes Filosofi des carreaux pondérées par la part de leur surface dans le périmètre ; suppose la population répartie uniformément dans chaque carreau de 200 m (ce n'est pas le calcul de l'INSEE sur les adresses)"
    public static let candidatesNote =
        "approximation de la méthode INSEE : l'INSEE sélectionne les carreaux sur le revenu médian, le fichier carroyé ne donne que des sommes ; le niveau de vie moyen (ind_snv / ind) le remplace ici. Candidats à examiner, pas une délimitation officielle."
}

/// `stats` needs nothing beyond how to read the file.
public typealias StatsOptions = CarreauxReadOptions

/// Area-weighted Filosofi statistics of one perimeter.
public struct PerimeterStats: Sendable {
    public var perimeter: GridPerimeter
    /// Carreaux overlapping the perimeter (share > 0), of which imputed (`i_est_200` = 1).
    public var carreaux = 0
    public var carreauxImputed = 0
    /// Σ share: the number of "whole carreaux" the perimeter holds.
    public var weight = 0.0
    /// Σ share × value, per count column (in `StatsReport.columns` order), over carreaux where it is present.
    public var sums: [Double]
    /// Carreaux of the perimeter where each column is empty (not counted in its sum).
    public var missing: [Int]
    /// Per derived ratio (`FilosofiColumns.ratios` present in the file): Σ share × numerator and Σ share ×
    /// denominator over the carreaux where both are present, so an empty value biases no ratio.
    public var ratioSums: [(numerator: Double, denominator: Double)]
}

/// What `qpv carreaux stats` computed.
public struct StatsReport: Sendable {
    public var file = ""
    public var date: CivilDate
    /// Count columns found in the file and summed.
    public var columns: [String] = []
    public var imputedColumn: String?
    public var resolution = 200
    public var perimeters: [PerimeterStats] = []
    public var perimetersWithoutCarreaux = 0
    public var counts = RowCounts()
    /// Valid carreaux used in at least one perimeter, and those outside every perimeter.
    public var carreauxUsed = 0
    public var carreauxOutside = 0
    /// Carreaux touching no QPV of a partial list, outside its coverage: neither summed nor "hors de tout périmètre".
    public var carreauxNotCovered = 0
    public var notes: [String] = []
    public var problems: [String] = []
    public var seconds = 0.0

    public func sums(_ s: PerimeterStats) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(columns, s.sums))
    }

    /// Derived indicators: population (Σ ind), then each ratio over carreaux where both terms are present.
    public func indicators(_ s: PerimeterStats) -> [(String, Double)] {
        var out: [(String, Double)] = []
        if let i = columns.firstIndex(of: "ind") { out.append(("population", s.sums[i])) }
        for (k, r) in FilosofiColumns.ratioIndices(columns).enumerated() where s.ratioSums[k].denominator > 0 {
            out.append((r.name, s.ratioSums[k].numerator / s.ratioSums[k].denominator))
        }
        return out
    }

    /// "ind_snv:3" for the columns with empty values in the perimeter's carreaux.
    func missingText(_ s: PerimeterStats) -> String {
        zip(columns, s.missing).filter { $0.1 > 0 }.map { "\($0.0):\($0.1)" }.joined(separator: ";")
    }

    var cellArea: Double { Double(resolution * resolution) }

    /// CSV columns of the per-perimeter table.
    public var csvHeader: [String] {
        [
            "code_qp", "name", "kind", "vintage", "list", "perimeter_area_m2", "carreaux", "carreaux_imputed", "carreaux_weight", "covered_area_m2",
            "coverage_share",
        ]
            + columns + indicatorNames + ["missing_values", "method"]
    }

    var indicatorNames: [String] {
        (columns.contains("ind") ? ["population"] : []) + FilosofiColumns.ratioIndices(columns).map(\.name)
    }

    public func csvRow(_ s: PerimeterStats, decimalMark: DecimalMark = .point) -> [String] {
        let p = s.perimeter
        let formatNumber = { (x: Double, decimals: Int) in decimalMark.apply(QPVCarreaux.formatNumber(x, decimals: decimals)) }
        let covered = s.weight * cellArea
        let ind = Dictionary(uniqueKeysWithValues: indicators(s))
        return [
            p.code, p.name, p.kind.rawValue, p.vintage, p.setLabel, formatNumber(p.area, 1), String(s.carreaux), String(s.carreauxImputed),
            formatNumber(s.weight, 6), formatNumber(covered, 1), formatNumber(p.area > 0 ? covered / p.area : 0, 6),
        ]
            + s.sums.map { formatNumber($0, 4) }
            + indicatorNames.map { ind[$0].map { formatNumber($0, 4) } ?? "" }
            + [missingText(s), CarreauxMethod.statsNote]
    }

    /// The JSON document (`--output stats.json`).
    public func json() -> String {
        var o = "{\n"
        o += "  \"method\": \(jsonQuoted(CarreauxMethod.statsNote)),\n"
        o += "  \"date\": \(jsonQuoted(date.description)),\n"
        o +=
            "  \"input\": {\"file\": \(jsonQuoted(file)), \"resolution_m\": \(resolution), \"columns_summed\": [\(columns.map(jsonQuoted).joined(separator: ", "))], "
        o +=
            "\"imputed_column\": \(imputedColumn.map(jsonQuoted) ?? "null"), \"rows\": \(counts.rows), \"carreaux_used\": \(carreauxUsed), \"carreaux_outside\": \(carreauxOutside), \"carreaux_not_covered\": \(carreauxNotCovered), "
        o +=
            "\"rejected\": {\"invalid_id\": \(counts.invalidId), \"wrong_resolution\": \(counts.wrongResolution), \"duplicate\": \(counts.duplicate), \"invalid_value\": \(counts.invalidValue)}, \"blank_lines\": \(counts.blankLines)},\n"
        o += "  \"notes\": [\(notes.map(jsonQuoted).joined(separator: ", "))],\n"
        o += "  \"perimeters_without_carreaux\": \(perimetersWithoutCarreaux),\n"
        o += "  \"perimeters\": ["
        for (k, s) in perimeters.enumerated() {
            let p = s.perimeter
            let covered = s.weight * cellArea
            o += k == 0 ? "\n" : ",\n"
            o +=
                "    {\"code\": \(jsonQuoted(p.code)), \"name\": \(jsonQuoted(p.name)), \"kind\": \(jsonQuoted(p.kind.rawValue)), \"vintage\": \(jsonQuoted(p.vintage)), \"list\": \(jsonQuoted(p.setLabel)), "
            o +=
                "\"perimeter_area_m2\": \(formatNumber(p.area, decimals: 1)), \"carreaux\": \(s.carreaux), \"carreaux_imputed\": \(s.carreauxImputed), \"carreaux_weight\": \(formatNumber(s.weight)), "
            o +=
                "\"covered_area_m2\": \(formatNumber(covered, decimals: 1)), \"coverage_share\": \(formatNumber(p.area > 0 ? covered / p.area : 0)),\n"
            o +=
                "     \"sums\": {" + zip(columns, s.sums).map { "\(jsonQuoted($0.0)): \(formatNumber($0.1, decimals: 4))" }.joined(separator: ", ")
                + "},\n"
            o +=
                "     \"missing_values\": {"
                + zip(columns, s.missing).filter { $0.1 > 0 }.map { "\(jsonQuoted($0.0)): \($0.1)" }.joined(separator: ", ") + "},\n"
            o +=
                "     \"indicators\": {" + indicators(s).map { "\(jsonQuoted($0.0)): \(formatNumber($0.1, decimals: 4))" }.joined(separator: ", ")
                + "}}"
        }
        o += "\n  ]\n}\n"
        return o
    }

    public var text: String {
        var lines = [
            "\(FrenchFormat.integer(counts.rows)) carreaux lus en \(FrenchFormat.decimal(seconds, digits: 1)) s ; \(FrenchFormat.integer(carreauxUsed)) dans au moins un périmètre, \(FrenchFormat.integer(carreauxOutside)) hors de tout périmètre"
        ]
        if carreauxNotCovered > 0 {
            lines.append(
                "  \(FrenchFormat.integer(carreauxNotCovered)) hors de la couverture de la liste installée (not_covered : ni comptés, ni « hors de tout périmètre » ; installez la liste complète ou des communes)"
            )
        }
        lines.append(
            "  \(perimeters.count) périmètre(s) avec des carreaux"
                + (perimetersWithoutCarreaux > 0 ? ", \(perimetersWithoutCarreaux) sans aucun carreau du fichier" : ""))
        lines.append("  colonnes sommées : \(columns.joined(separator: ", "))")
        lines += counts.frenchLines
        for n in notes { lines.append("  note : \(n)") }
        lines.append("  " + CarreauxMethod.statsNote)
        return lines.joined(separator: "\n")
    }
}

/// `qpv carreaux stats`: area-weighted sums of Filosofi counts per perimeter, streamed.
public struct StatsBatch {
    public let perimeters: GridPerimeters
    public let options: StatsOptions

    public init(perimeters: GridPerimeters, options: StatsOptions) {
        self.perimeters = perimeters
        self.options = options
    }

    /// Runs over `reader`. Rejected rows go to `rejects` (every input column + `line`, `error`) when given.
    public func run(reader: CSVReader, rejects: CSVWriter? = nil) throws -> StatsReport {
        let input = try CarreauxInput(reader: reader, options: options)
        let columns = FilosofiColumns.counts.filter { input.column($0) != nil }
        guard !columns.isEmpty else {
            throw CarreauxError.missingColumns(file: input.file, wanted: FilosofiColumns.counts, available: input.header)
        }
        let indices = columns.map { input.column($0)! }
        let imputedIndex = FilosofiColumns.imputed.lazy.compactMap { input.column($0) }.first
        let perimeters = self.perimeters

        var report = StatsReport(date: perimeters.date)
        report.file = input.file
        report.columns = columns
        report.imputedColumn = imputedIndex.map { input.header[$0] }
        report.resolution = input.resolution
        report.notes = perimeters.notes
        if imputedIndex == nil { report.notes.append("colonne i_est_200 absente : carreaux imputés non comptés") }
        try rejects?.writeRow(input.header + ["line", "error"])

        struct Row: Sendable {
            var values: [Double?]
            var imputed: Bool
            var shares: [CellShare]
            var notCovered = false
        }
        let ratios = FilosofiColumns.ratioIndices(columns)
        var acc = perimeters.perimeters.map {
            PerimeterStats(
                perimeter: $0, sums: Array(repeating: 0, count: columns.count), missing: Array(repeating: 0, count: columns.count),
                ratioSums: Array(repeating: (0, 0), count: ratios.count))
        }
        let scanner = CarreauxScanner(input: input, options: options)
        report.seconds = try scanner.run(
            reader: reader, perimeters: perimeters,
            process: { classifier, records, rows in
                var out: [Row?] = []
                var problems: [RowProblem?] = []
                out.reserveCapacity(records.count)
                for (k, rec) in records.enumerated() {
                    guard let cell = rows[k].cell, rows[k].problem == nil else {
                        out.append(nil)
                        problems.append(nil)
                        continue
                    }
                    let (values, imputed, problem) = FilosofiRow.read(rec, indices: indices, imputedIndex: imputedIndex, input: input)
                    if let problem {
                        out.append(nil)
                        problems.append(problem)
                        continue
                    }
                    do {
                        let shares = try classifier!.shares(of: cell)
                        var uncovered = false
                        if !shares.contains(where: { perimeters.perimeters[$0.perimeter].kind == .qpv }) {
                            uncovered = try classifier!.coverageProblem(of: cell) != nil
                        }
                        out.append(Row(values: shares.isEmpty ? [] : values, imputed: imputed, shares: shares, notCovered: uncovered))
                        problems.append(nil)
                    } catch {
                        out.append(nil)
                        problems.append(
                            RowProblem(
                                kind: .invalidId, message: "\(input.file), ligne \(rec.line) : erreur de calcul pour « \(cell.id) » : \(error)"))
                    }
                }
                return (out, problems)
            },
            deliver: { chunk, _ in
                let (rows, valueProblems) = chunk.payload
                for k in chunk.rows.indices {
                    report.counts.rows += 1
                    let problem = chunk.rows[k].problem ?? valueProblems[k]
                    if let problem {
                        report.counts.count(problem, keepingIn: &report.problems, limit: options.maxReportedProblems)
                        try rejects?.writeRow(
                            FilosofiRow.padded(chunk.records[k], count: input.header.count) + [String(chunk.records[k].line), problem.message])
                        continue
                    }
                    guard let row = rows[k] else { continue }
                    if row.notCovered && row.shares.isEmpty {
                        report.carreauxNotCovered += 1
                        continue
                    }
                    if row.shares.isEmpty {
                        report.carreauxOutside += 1
                        continue
                    }
                    report.carreauxUsed += 1
                    for s in row.shares {
                        acc[s.perimeter].carreaux += 1
                        if row.imputed { acc[s.perimeter].carreauxImputed += 1 }
                        acc[s.perimeter].weight += s.share
                        for j in 0..<row.values.count {
                            if let v = row.values[j] { acc[s.perimeter].sums[j] += s.share * v } else { acc[s.perimeter].missing[j] += 1 }
                        }
                        for (k, r) in ratios.enumerated() {
                            if let n = row.values[r.numerator], let d = row.values[r.denominator] {
                                acc[s.perimeter].ratioSums[k].numerator += s.share * n
                                acc[s.perimeter].ratioSums[k].denominator += s.share * d
                            }
                        }
                    }
                }
                return []
            })
        try rejects?.close()
        report.counts.blankLines = reader.blankLines
        report.perimeters = acc.filter { $0.carreaux > 0 }
        report.perimeters.sort { a, b in
            if a.perimeter.kind != b.perimeter.kind { return a.perimeter.kind == .qpv }
            return a.perimeter.code < b.perimeter.code
        }
        report.perimetersWithoutCarreaux = acc.count - report.perimeters.count
        return report
    }

    /// Writes the per-perimeter table as CSV in `dialect` (the input's).
    public static func writeCSV(_ report: StatsReport, path: String, dialect: CSVDialect) throws {
        let w = try CSVWriter(path: path, dialect: dialect)
        try w.writeRow(report.csvHeader)
        for s in report.perimeters { try w.writeRow(report.csvRow(s, decimalMark: dialect.decimalMark)) }
        try w.close()
    }
}

/// Reading the Filosofi values of one row.
enum FilosofiRow {
    /// Values of the columns at `indices` (nil where empty or NA), the imputed flag, or why the row is unusable.
    static func read(_ rec: CSVRecord, indices: [Int], imputedIndex: Int?, input: CarreauxInput) -> ([Double?], Bool, RowProblem?) {
        var values: [Double?] = []
        values.reserveCapacity(indices.count)
        var bad: [String] = []
        for i in indices {
            if let v = parseFilosofiNumber(rec[i]) {
                values.append(v)
            } else if FilosofiColumns.isMissing(rec[i]) && i < rec.fields.count {
                values.append(nil)
            } else {
                let t = rec[i].trimmingCharacters(in: .whitespaces)
                bad.append(
                    i >= rec.fields.count
                        ? "champ « \(input.header[i]) » absent (\(rec.fields.count) champs au lieu de \(input.header.count))"
                        : "champ « \(input.header[i]) » : « \(t.prefix(30)) » n'est pas un nombre")
                values.append(nil)
            }
        }
        var imputed = false
        if let imputedIndex {
            let t = rec[imputedIndex].trimmingCharacters(in: .whitespaces)
            if let v = parseFilosofiNumber(t) {
                imputed = v != 0
            } else if t.lowercased() == "true" {
                imputed = true
            } else if !t.isEmpty && t.lowercased() != "false" {
                bad.append("champ « \(input.header[imputedIndex]) » : « \(t.prefix(30)) » n'est ni 0 ni 1")
            }
        }
        if bad.isEmpty { return (values, imputed, nil) }
        var message = "\(input.file), ligne \(rec.line) : " + bad.joined(separator: ", ") + " (ligne ignorée)"
        if let issue = rec.issue { message += " — \(issue)" }
        return (values, imputed, RowProblem(kind: .invalidValue, message: message))
    }

    static func padded(_ rec: CSVRecord, count: Int) -> [String] {
        var f = rec.fields
        if f.count < count { f += Array(repeating: "", count: count - f.count) }
        return f
    }
}
