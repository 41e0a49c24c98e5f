// TFPB abatement (CGI art. 1388 bis): `TFPB.evaluate` for one dwelling on 1 January of the tax year, and
// `TFPBBatch` (`qpv eligibility tfpb`), the streamed landlord file with per-QPV totals and optional GeoJSON.

import Foundation
import QPVCore
import QPVPerimeters
import QPVTabular

/// The TFPB abatement verdict for one dwelling or building (CGI art. 1388 bis), on 1 January of the tax year.
public enum TFPB {
    /// 1 January of the tax year: the QPV list in force that day decides.
    public static func referenceDate(taxYear: Int) -> CivilDate { CivilDate(year: taxYear, month: 1, day: 1)! }

    /// Criteria and verdict for one row.
    /// `socialHousing` (a social rental dwelling of an HLM body or a SEM) and `exonerationEnded` (no longer
    /// under a TFPB exoneration) are the dwelling conditions: nil (column absent or empty) → à vérifier.
    public static func evaluate(
        taxYear: Int, conventionSigned: Bool?, socialHousing: Bool? = nil, exonerationEnded: Bool? = nil, location: EligibilityLocation?,
        book: RuleBook
    ) -> EligibilityReport {
        let date = referenceDate(taxYear: taxYear)
        var inputs = EligibilityInputs(["reference_date": .date(date)])
        if let conventionSigned { inputs["convention_signed"] = .flag(conventionSigned) }
        if let socialHousing { inputs["social_housing"] = .flag(socialHousing) }
        if let exonerationEnded { inputs["exoneration_ended"] = .flag(exonerationEnded) }
        // Overseas 2025 (LFI 2025 art. 47, `relaxed_by` in the file) and the rate note are part of the rule file.
        return ProgrammeEvaluator.evaluate(book: book, date: date, inputs: inputs, location: location)
    }

    /// Reads a yes/no cell: oui/non, o/n, yes/no, y, true/false, vrai/faux, 1/0, x (yes). Empty → nil (unknown).
    public static func parseFlag(_ text: String) -> Bool?? {
        // Fast path for the usual cells ("oui", "non", ""), then a tolerant one (case, accents, spaces).
        if let v = flagWords[text] { return .some(v) }
        if text.isEmpty { return .some(nil) }
        let t = TerritoryRegistry.normalizedName(text)
        if t.isEmpty { return .some(nil) }
        return flagWords[t].map { .some($0) } ?? nil
    }

    static let flagWords: [String: Bool] = {
        var m: [String: Bool] = [:]
        for w in ["oui", "o", "yes", "y", "true", "vrai", "1", "x", "signe", "signee"] { m[w] = true; m[w.uppercased()] = true }
        for w in ["non", "n", "no", "false", "faux", "0"] { m[w] = false; m[w.uppercased()] = false }
        return m
    }()
}

/// Options of `qpv eligibility tfpb`.
public struct TFPBBatchOptions: Sendable {
    /// The tax year (the abatement's rules and the QPV list in force on 1 January of that year apply).
    public var taxYear: Int
    /// Column of longitudes (WGS84), nil: found by its name.
    public var lonColumn: String?
    /// Column of latitudes (WGS84), nil: found by its name.
    public var latColumn: String?
    /// Column of addresses, used (through the geocoder hook) for rows without coordinates.
    public var addressColumn: String?
    /// Column of the number of dwellings per row (« Nb logements »…); nil: found by its name, else one per row.
    public var dwellingsColumn: String?
    /// Column saying whether the contrat de ville convention is signed (oui/non).
    public var conventionColumn: String?
    /// Value for rows whose convention cell is empty or absent (the landlord's status as a whole).
    public var defaultConventionSigned: Bool?
    /// Dwelling conditions: columns (oui/non) and whole-file values for empty or absent cells.
    public var socialHousingColumn: String?
    /// Whole-file value for an empty or absent social-housing cell.
    public var defaultSocialHousing: Bool?
    /// Column saying whether the dwelling's property tax exemption has ended (oui/non).
    public var exonerationColumn: String?
    /// Whole-file value for an empty or absent exemption cell.
    public var defaultExonerationEnded: Bool?
    /// Distance to a boundary under which a row is « à vérifier », in metres.
    public var tolerance: Double = 20
    /// Worker threads (`--threads`).
    public var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Rows per unit of work handed to a thread.
    public var chunkSize: Int = 2048
    /// Called after each chunk is written (rows so far, fraction of the file); the CLI draws it.
    public var progress: BatchProgressHandler? = nil
    /// Most row problems listed in the summary (the others are counted).
    public var maxReportedProblems: Int = 20

    /// Options for `taxYear`, columns found by their names.
    public init(taxYear: Int) { self.taxYear = taxYear }

    /// Column of the number of dwellings of a row ("Nb logements", "nombre de logements"…).
    public static let dwellingsRole = ColumnRole(
        label: "nombre de logements", option: "--dwellings-column",
        tiers: [
            [
                "logements", "nb logements", "nombre logements", "nombre de logements", "nb logts", "nb lgts", "nb de logements",
                "nombre logts", "nb logement", "logement", "dwellings",
            ]
        ])
    /// Column saying whether the abatement convention is signed.
    public static let conventionRole = ColumnRole(
        label: "convention signée", option: "--convention-column",
        tiers: [["conventionne", "convention", "convention signee", "convention signed", "convention abattement", "convention tfpb"]])
    /// Column saying whether the dwelling is a social dwelling (HLM, SEM) — a condition of the abatement.
    public static let socialHousingRole = ColumnRole(
        label: "logement social", option: "--social-housing-column",
        tiers: [["logement social", "hlm", "social housing", "parc social"]])
    /// Column saying whether a long exoneration of the dwelling has ended — a condition of the abatement.
    public static let exonerationRole = ColumnRole(
        label: "exonération terminée", option: "--exoneration-column",
        tiers: [["exoneration terminee", "hors exoneration", "exoneration ended"]])
}

/// One line of the per-QPV summary.
public struct TFPBSummaryLine: Sendable, Equatable {
    /// QPV code (empty for rows outside any QPV or without a usable position).
    public var code: String
    /// QPV name.
    public var name: String
    /// QPV list year.
    public var vintage: String
    /// Rows of this QPV.
    public var rows = 0
    /// Rows `eligible`.
    public var rowsEligible = 0
    /// Rows `to_verify`.
    public var rowsToVerify = 0
    /// Rows `not_eligible`.
    public var rowsNotEligible = 0
    /// Dwellings of these rows.
    public var dwellings = 0
    /// Dwellings of the `eligible` rows.
    public var eligibleDwellings = 0

    /// An empty line for one QPV.
    public init(code: String, name: String, vintage: String) {
        self.code = code
        self.name = name
        self.vintage = vintage
    }

    mutating func add(_ o: TFPBSummaryLine) {
        rows += o.rows
        rowsEligible += o.rowsEligible
        rowsToVerify += o.rowsToVerify
        rowsNotEligible += o.rowsNotEligible
        dwellings += o.dwellings
        eligibleDwellings += o.eligibleDwellings
    }

    /// Columns of the summary CSV.
    public static let csvHeader = [
        "qpv_code", "qpv_name", "qpv_vintage", "rows", "rows_eligible", "rows_to_verify", "rows_not_eligible", "dwellings", "eligible_dwellings",
    ]

    /// The line's values, in `csvHeader` order.
    public var csvFields: [String] {
        [
            code, name, vintage, String(rows), String(rowsEligible), String(rowsToVerify), String(rowsNotEligible), String(dwellings),
            String(eligibleDwellings),
        ]
    }
}

/// What a TFPB batch did.
public struct TFPBBatchSummary: Sendable {
    /// Data rows read.
    public var rows = 0
    /// Rows per verdict.
    public var byVerdict: [Verdict: Int] = [:]
    /// Per QPV, sorted by code; rows outside any QPV under code "".
    public var lines: [TFPBSummaryLine] = []
    /// The first row problems, in French.
    public var problems: [String] = []
    /// Row problems, all counted.
    public var problemCount = 0
    /// Blank lines skipped.
    public var blankLines = 0
    /// Duration, in seconds.
    public var seconds = 0.0
    /// Rows the engine could not compute (`qpv_status=error`); the command exits non-zero when there are any.
    public var engineErrors = 0

    /// The sum of every line ("TOTAL").
    public var total: TFPBSummaryLine {
        var t = TFPBSummaryLine(code: "TOTAL", name: "total", vintage: "")
        for l in lines { t.add(l) }
        return t
    }

    /// French summary printed at the end.
    public var text: String {
        let t = total
        var out = [
            "\(FrenchFormat.integer(rows)) lignes traitées en \(FrenchFormat.decimal(seconds, digits: 1)) s (\(FrenchFormat.integer(seconds > 0 ? Int(Double(rows) / seconds) : rows)) lignes/s)",
            "  éligibles : \(FrenchFormat.integer(byVerdict[.eligible] ?? 0)) lignes, \(FrenchFormat.integer(t.eligibleDwellings)) logements sur \(FrenchFormat.integer(t.dwellings))",
            "  à vérifier : \(FrenchFormat.integer(byVerdict[.toVerify] ?? 0)) lignes",
            "  non éligibles : \(FrenchFormat.integer(byVerdict[.notEligible] ?? 0)) lignes",
            "  QPV concernés : \(lines.filter { !$0.code.isEmpty }.count)",
        ]
        if engineErrors > 0 { out.append("  erreurs du moteur (qpv_status=error) : \(FrenchFormat.integer(engineErrors)) lignes") }
        if blankLines > 0 { out.append("  lignes vides ignorées : \(blankLines)") }
        if problemCount > problems.count {
            out.append("  … et \(problemCount - problems.count) autres lignes en anomalie (voir la colonne tfpb_error)")
        }
        return out.joined(separator: "\n")
    }

    /// Writes the per-QPV summary (then the TOTAL line) as CSV.
    public func writeCSV(to writer: CSVWriter) throws {
        try writer.writeRow(TFPBSummaryLine.csvHeader)
        for l in lines { try writer.writeRow(l.csvFields) }
        try writer.writeRow(total.csvFields)
        try writer.close()
    }
}

/// One batch worker: its locator (GEOS/PROJ, per thread) and a memo of row verdicts. A row's verdict and reason
/// depend only on its perimeter answer (status, QPV, lists), the convention flag and the position's problem, not
/// on the exact point: rows are evaluated once per distinct answer (distance and coordinates have their own
/// columns). The memo is bounded.
final class TFPBWorker {
    let locator: EligibilityLocator
    private var memo: [String: (Verdict, String)] = [:]
    static let memoLimit = 4096

    init(locator: EligibilityLocator) { self.locator = locator }

    func verdict(
        taxYear: Int, conventionSigned: Bool?, socialHousing: Bool? = nil, exonerationEnded: Bool? = nil, location: EligibilityLocation,
        book: RuleBook
    ) -> (Verdict, String) {
        var canonical = location
        canonical.lon = nil
        canonical.lat = nil
        canonical.distanceBoundaryM = nil
        canonical.nearestQPV = nil
        canonical.address = nil
        canonical.communes = []
        canonical.communeSource = nil
        var key = canonical.status.rawValue
        key += conventionSigned.map { $0 ? "|1" : "|0" } ?? "|?"
        key += socialHousing.map { $0 ? "1" : "0" } ?? "?"
        key += exonerationEnded.map { $0 ? "1" : "0" } ?? "?"
        if let t = canonical.territory { key += "|t\(t)" }
        if let p = canonical.problem { key += "|p" + p }
        if let p = canonical.addressProblem { key += "|a" + p }
        for q in canonical.qpv { key += "|q" + q.code + "/" + q.vintage }
        for l in canonical.qpvLists { key += "|l" + (l.listId ?? l.label) + "/" + l.vintage }
        if let hit = memo[key] { return hit }
        let report = TFPB.evaluate(
            taxYear: taxYear, conventionSigned: conventionSigned, socialHousing: socialHousing, exonerationEnded: exonerationEnded,
            location: canonical,
            book: book)
        var reason: String
        switch report.verdict {
        case .eligible:
            reason = report.criteria.first { $0.id == "location_qpv" }?.detail ?? report.summary
            if let n = report.notes.first { reason += " ; " + n }
        case .notEligible:
            reason = report.criteria.filter { $0.result == .notMet }.map { "\($0.label) : \($0.detail)" }.joined(separator: " ; ")
        case .toVerify:
            reason = report.toVerify.joined(separator: " ; ")
        }
        if memo.count >= TFPBWorker.memoLimit { memo.removeAll(keepingCapacity: true) }
        memo[key] = (report.verdict, reason)
        return (report.verdict, reason)
    }
}

/// `qpv eligibility tfpb`: streams a landlord's file (one row per dwelling or building), keeps every column and
/// row, appends the verdict columns, and sums dwellings per QPV. Memory does not grow with the row count (the
/// summary holds one line per QPV). Optional GeoJSON output of the rows as points, for QGIS.
public struct TFPBBatch {
    /// The columns appended to each row, in this order.
    public static let appendedColumns = [
        "tfpb_verdict", "qpv_status", "qpv_code", "qpv_name", "qpv_vintage", "distance_boundary_m", "tfpb_logements", "tfpb_logements_eligibles",
        "tfpb_reason",
        "tfpb_error",
    ]

    /// The perimeters rows are located in.
    public let catalog: PerimeterCatalog
    /// The TFPB rule file.
    public let book: RuleBook
    /// The batch's options.
    public let options: TFPBBatchOptions
    /// Geocoder hook for rows given by address, nil when none.
    public let addressResolver: (any AddressResolving)?

    /// A batch over `catalog` with the rules of `book`.
    public init(catalog: PerimeterCatalog, book: RuleBook, options: TFPBBatchOptions, addressResolver: (any AddressResolving)? = nil) {
        self.catalog = catalog
        self.book = book
        self.options = options
        self.addressResolver = addressResolver
    }

    struct ChunkOutput: Sendable {
        var bytes: [UInt8]
        var geojson: [UInt8]
        var verdicts: [Verdict: Int]
        var lines: [String: TFPBSummaryLine]
        var problems: [String]
        var rows: Int
        var engineErrors = 0
    }

    /// The columns the batch reads (`ColumnMatcher`): longitude and latitude (needed unless an address column
    /// is given), address (only when named), dwellings, convention and the dwelling conditions (optional).
    public func columns(_ reader: CSVReader) throws -> [ColumnMatch] {
        var found: [ColumnMatch] = []
        func add(_ role: ColumnRole, explicit: String?, required: Bool) throws {
            if let i = try ColumnMatcher.find(role, in: reader, explicit: explicit, required: required) {
                found.append(ColumnMatch(role: role, index: i, header: reader.header[i]))
            }
        }
        if let a = options.addressColumn { try add(.address, explicit: a, required: true) }
        try add(.longitude, explicit: options.lonColumn, required: options.addressColumn == nil)
        try add(.latitude, explicit: options.latColumn, required: options.addressColumn == nil)
        try add(TFPBBatchOptions.dwellingsRole, explicit: options.dwellingsColumn, required: false)
        try add(TFPBBatchOptions.conventionRole, explicit: options.conventionColumn, required: false)
        try add(TFPBBatchOptions.socialHousingRole, explicit: options.socialHousingColumn, required: false)
        try add(TFPBBatchOptions.exonerationRole, explicit: options.exonerationColumn, required: false)
        return found
    }

    /// Runs the batch. `geojson`, when given, receives a FeatureCollection of the rows (null geometry for rows
    /// without a usable position).
    public func run(reader: CSVReader, writer: CSVWriter, geojson: CSVWriter? = nil) throws -> TFPBBatchSummary {
        let found = try columns(reader)
        func index(_ role: ColumnRole) -> Int? { found.first { $0.role == role }?.index }
        let addressIndex = index(.address)
        if addressIndex != nil && addressResolver == nil { throw EligibilityLocationError.geocodingUnavailable }
        let lonIndex = index(.longitude)
        let latIndex = index(.latitude)
        let dwellingsIndex = index(TFPBBatchOptions.dwellingsRole)
        let conventionIndex = index(TFPBBatchOptions.conventionRole)
        let socialIndex = index(TFPBBatchOptions.socialHousingRole)
        let exonerationIndex = index(TFPBBatchOptions.exonerationRole)

        let header = AnnotatingBatch.header(reader.header, appending: TFPBBatch.appendedColumns)
        if let geojson { try geojson.write(encoded: Array("{\"type\":\"FeatureCollection\",\"features\":[\n".utf8)) }

        var summary = TFPBBatchSummary()
        var lines: [String: TFPBSummaryLine] = [:]
        var firstFeature = true
        let encoder = writer.encoder
        let (catalog, book, options, resolver) = (self.catalog, self.book, self.options, self.addressResolver)
        let headerCount = reader.header.count
        let fileName = reader.name
        let columnNames = Array(header.prefix(headerCount))
        let withGeoJSON = geojson != nil
        let lonName = lonIndex.map { reader.header[$0] } ?? "lon"
        let latName = latIndex.map { reader.header[$0] } ?? "lat"
        let dwellingsName = dwellingsIndex.map { reader.header[$0] } ?? "logements"
        let conventionName = conventionIndex.map { reader.header[$0] } ?? "conventionne"
        let header0 = reader.header
        let date = TFPB.referenceDate(taxYear: options.taxYear)

        summary.seconds = try AnnotatingBatch(workers: options.workers, progress: options.progress).run(
            reader: reader, output: (writer, header), read: { try AnnotatingBatch.records(reader, options.chunkSize) },
            makeWorker: { TFPBWorker(locator: try EligibilityLocator(catalog: catalog, addressResolver: resolver, tolerance: options.tolerance)) },
            annotate: { worker, records in
                let locator = worker.locator
                var out = ChunkOutput(bytes: [], geojson: [], verdicts: [:], lines: [:], problems: [], rows: records.count)
                out.bytes.reserveCapacity(records.count * 160)
                var lons = [Double](repeating: .nan, count: records.count)
                var lats = [Double](repeating: .nan, count: records.count)
                var errors = [[String]](repeating: [], count: records.count)
                var addresses = [ResolvedAddress?](repeating: nil, count: records.count)
                for (k, rec) in records.enumerated() {
                    if let issue = rec.issue { errors[k].append(issue.description) }
                    if rec.encodingFallback { errors[k].append("caractères non UTF-8 lus en Windows-1252") }
                    let lonText = lonIndex.map { rec[$0] } ?? ""
                    let latText = latIndex.map { rec[$0] } ?? ""
                    if let lon = LocateResult.parseCoordinate(lonText), let lat = LocateResult.parseCoordinate(latText) {
                        lons[k] = lon
                        lats[k] = lat
                    } else if let ai = addressIndex, let resolver, !rec[ai].trimmingCharacters(in: .whitespaces).isEmpty {
                        do {
                            if let found = try resolver.resolve(rec[ai]) {
                                addresses[k] = found
                                lons[k] = found.lon
                                lats[k] = found.lat
                            } else {
                                errors[k].append("adresse introuvable : « \(rec[ai].prefix(80)) »")
                            }
                        } catch {
                            errors[k].append("géocodage impossible : \(error)")
                        }
                    } else {
                        var why: [String] = []
                        for (name, text) in [(lonName, lonText), (latName, latText)] where LocateResult.parseCoordinate(text) == nil {
                            why.append(
                                text.trimmingCharacters(in: .whitespaces).isEmpty
                                    ? "champ « \(name) » vide" : "champ « \(name) » : « \(text.prefix(40)) » n'est pas un nombre")
                        }
                        errors[k].append(why.joined(separator: ", "))
                    }
                }
                let locations: [EligibilityLocation]
                // A GEOS/PROJ failure on this chunk is an engine error (as in `LocateBatch`): its rows say
                // `qpv_status=error` with the reason, their verdict is « à vérifier », the command exits non-zero.
                var engineFailure: String?
                do {
                    locations = try locator.locate(lons: lons, lats: lats, on: date)
                } catch {
                    let failure = EngineFailure.reason(error)
                    engineFailure = failure
                    locations = records.indices.map { _ in
                        EligibilityLocation(status: .invalidCoordinates, date: date, territory: nil, problem: failure)
                    }
                }
                for (k, rec) in records.enumerated() {
                    var location = locations[k]
                    if let a = addresses[k] {
                        location.address = a
                        location.addressProblem = locator.addressPolicy.problem(a)
                    }
                    // Dwellings and convention cells.
                    var dwellings = 1
                    var dwellingsKnown = true
                    if let di = dwellingsIndex {
                        let t = rec[di].trimmingCharacters(in: .whitespaces)
                        if !t.isEmpty {
                            if let n = Int(t), n >= 0 {
                                dwellings = n
                            } else {
                                dwellingsKnown = false
                                errors[k].append("champ « \(dwellingsName) » : « \(t.prefix(40)) » n'est pas un nombre entier de logements")
                            }
                        }
                    }
                    var convention = options.defaultConventionSigned
                    if let ci = conventionIndex {
                        switch TFPB.parseFlag(rec[ci]) {
                        case .some(.some(let b)): convention = b
                        case .some(.none): break
                        case .none: errors[k].append("champ « \(conventionName) » : « \(rec[ci].prefix(40)) » n'est pas oui/non")
                        }
                    }
                    // Dwelling conditions: the bailleur's yes/no columns when present, else the whole-file value.
                    func flagCell(_ index: Int?, _ fallback: Bool?) -> Bool? {
                        guard let index else { return fallback }
                        switch TFPB.parseFlag(rec[index]) {
                        case .some(.some(let b)): return b
                        case .some(.none): return fallback
                        case .none:
                            errors[k].append("champ « \(header0[index]) » : « \(rec[index].prefix(40)) » n'est pas oui/non")
                            return nil
                        }
                    }
                    let social = flagCell(socialIndex, options.defaultSocialHousing)
                    let exoneration = flagCell(exonerationIndex, options.defaultExonerationEnded)
                    var (verdict, reason) = worker.verdict(
                        taxYear: options.taxYear, conventionSigned: convention, socialHousing: social, exonerationEnded: exoneration,
                        location: location,
                        book: book)
                    var qpvStatus = location.status.rawValue
                    if let engineFailure {
                        verdict = .toVerify
                        reason = "position non calculée (erreur du moteur, voir tfpb_error)"
                        qpvStatus = EngineFailure.status
                        errors[k].append(engineFailure)
                        out.engineErrors += 1
                    }
                    if !dwellingsKnown && verdict != .notEligible {
                        if verdict == .eligible { reason = "" }
                        verdict = .toVerify
                        reason += (reason.isEmpty ? "" : " ; ") + "nombre de logements illisible"
                    }
                    let hit = location.qpv.first
                    let code = hit?.code ?? ""
                    let vintage = hit?.vintage ?? location.qpvLists.first?.vintage ?? ""
                    let countedDwellings = dwellingsKnown ? dwellings : 0
                    let eligibleDwellings = verdict == .eligible ? countedDwellings : 0
                    let fields = AnnotatingBatch.aligned(rec.fields, width: headerCount, separator: encoder.dialect.separator)
                    let error = errors[k].filter { !$0.isEmpty }.joined(separator: " ; ")
                    let added = [
                        verdict.rawValue, qpvStatus, location.qpv.map(\.code).joined(separator: ";"),
                        location.qpv.map(\.name).joined(separator: ";"), vintage,
                        location.distanceBoundaryM.map { encoder.decimal(LocateResult.twoDecimals($0)) } ?? "",
                        dwellingsKnown ? String(dwellings) : "", String(eligibleDwellings), reason, error,
                    ]
                    encoder.encode(fields + added, into: &out.bytes)
                    if withGeoJSON {
                        var props: [String] = []
                        props.append("\"line\":\(rec.line)")
                        for (c, (name, value)) in zip(columnNames, fields).enumerated() {
                            let json: String
                            if value.trimmingCharacters(in: .whitespaces).isEmpty {
                                json = "null"
                            } else if c == lonIndex || c == latIndex {
                                // Coordinates are numbers (a decimal comma read as such), null when unreadable.
                                json = LocateResult.parseCoordinate(value).map { "\($0)" } ?? "null"
                            } else if c == dwellingsIndex {
                                json = Int(value.trimmingCharacters(in: .whitespaces)).map(String.init) ?? "null"
                            } else {
                                json = jsonQuoted(value)
                            }
                            props.append("\(jsonQuoted(name)):\(json)")
                        }
                        // Our columns typed (RFC 7946 properties for QGIS): numbers, or null when unknown.
                        let typed: [String] = [
                            jsonQuoted(verdict.rawValue), jsonQuoted(qpvStatus),
                            location.qpv.isEmpty ? "null" : jsonQuoted(added[2]), location.qpv.isEmpty ? "null" : jsonQuoted(added[3]),
                            vintage.isEmpty ? "null" : jsonQuoted(vintage),
                            location.distanceBoundaryM.map { $0.isFinite ? LocateResult.twoDecimals($0) : "null" } ?? "null",
                            dwellingsKnown ? String(dwellings) : "null", String(eligibleDwellings),
                            reason.isEmpty ? "null" : jsonQuoted(reason), error.isEmpty ? "null" : jsonQuoted(error),
                        ]
                        for (name, value) in zip(TFPBBatch.appendedColumns, typed) { props.append("\(jsonQuoted(name)):\(value)") }
                        let geometry: String
                        if location.status != .invalidCoordinates, let lon = location.lon, let lat = location.lat, lon.isFinite, lat.isFinite {
                            geometry = "{\"type\":\"Point\",\"coordinates\":[\(lon),\(lat)]}"
                        } else {
                            geometry = "null"
                        }
                        out.geojson.append(
                            contentsOf: Array("{\"type\":\"Feature\",\"geometry\":\(geometry),\"properties\":{\(props.joined(separator: ","))}}".utf8)
                        )
                        out.geojson.append(UInt8(ascii: "\n"))
                    }
                    out.verdicts[verdict, default: 0] += 1
                    var line =
                        out.lines[code]
                        ?? TFPBSummaryLine(code: code, name: hit?.name ?? "hors QPV ou position inutilisable", vintage: code.isEmpty ? "" : vintage)
                    line.rows += 1
                    switch verdict {
                    case .eligible: line.rowsEligible += 1
                    case .toVerify: line.rowsToVerify += 1
                    case .notEligible: line.rowsNotEligible += 1
                    }
                    line.dwellings += countedDwellings
                    line.eligibleDwellings += eligibleDwellings
                    out.lines[code] = line
                    if !error.isEmpty { out.problems.append("\(fileName), ligne \(rec.line) : \(error)") }
                }
                return out
            },
            deliver: { chunk in
                if let geojson, !chunk.geojson.isEmpty {
                    // Features are newline-terminated; separate them with commas across chunks.
                    var bytes = chunk.geojson
                    if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
                    var joined: [UInt8] = firstFeature ? [] : Array(",\n".utf8)
                    joined.reserveCapacity(bytes.count + 1024)
                    for b in bytes { if b == UInt8(ascii: "\n") { joined.append(UInt8(ascii: ",")) }; joined.append(b) }
                    try geojson.write(encoded: joined)
                    firstFeature = false
                }
                summary.rows += chunk.rows
                summary.engineErrors += chunk.engineErrors
                for (v, n) in chunk.verdicts { summary.byVerdict[v, default: 0] += n }
                for (code, l) in chunk.lines {
                    if var existing = lines[code] {
                        existing.add(l)
                        lines[code] = existing
                    } else {
                        lines[code] = l
                    }
                }
                summary.problemCount += chunk.problems.count
                for p in chunk.problems where summary.problems.count < options.maxReportedProblems { summary.problems.append(p) }
                return (chunk.bytes, chunk.rows)
            })
        if let geojson {
            try geojson.write(encoded: Array("\n]}\n".utf8))
            try geojson.close()
        }
        summary.lines = lines.values.sorted { ($0.code.isEmpty ? "~" : $0.code) < ($1.code.isEmpty ? "~" : $1.code) }
        summary.blankLines = reader.blankLines
        return summary
    }
}
