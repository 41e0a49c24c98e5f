// The verdict and its explanation: `Verdict`, `Criterion`, `AidReport`, `LocationReport`, `EligibilityReport`
// (JSON keys and the French text a counsellor reads aloud). Stable JSON: every key is always present, `null`
// when it does not apply (optionals are `@ExplicitNull`), so API clients can rely on the shape.

import Foundation
import QPVCore

/// The answer to "may this be funded / granted?".
public enum Verdict: String, Sendable, Codable, CaseIterable {
    /// Every criterion qpv checks is met.
    case eligible
    /// At least one criterion is not met.
    case notEligible = "not_eligible"
    /// A boundary location, a missing input, a missing list or an uncertain rule: never `eligible`.
    case toVerify = "to_verify"

    /// The verdict as a headline with its symbol ("✓ ÉLIGIBLE", "✗ NON ÉLIGIBLE", "? À VÉRIFIER").
    public var headline: String {
        switch self {
        case .eligible: return "✓ ÉLIGIBLE"
        case .notEligible: return "✗ NON ÉLIGIBLE"
        case .toVerify: return "? À VÉRIFIER"
        }
    }

    /// The verdict in French, lower case ("éligible", "non éligible", "à vérifier").
    public var french: String {
        switch self {
        case .eligible: return "éligible"
        case .notEligible: return "non éligible"
        case .toVerify: return "à vérifier"
        }
    }
}

/// What one criterion says.
public enum CriterionResult: String, Sendable, Codable {
    /// The criterion is met.
    case met
    /// The criterion is not met.
    case notMet = "not_met"
    /// Not known (fact not declared, boundary location, uncertain rule): the verdict is at best `toVerify`.
    case unknown

    /// ✓, ✗ or ?.
    public var symbol: String {
        switch self {
        case .met: return "✓"
        case .notMet: return "✗"
        case .unknown: return "?"
        }
    }
}

/// One criterion of a verdict, explained.
public struct Criterion: Sendable, Codable, Equatable {
    /// The criterion's identifier (stable JSON key).
    public var id: String
    /// Its French label.
    public var label: String
    /// Met, not met or unknown.
    public var result: CriterionResult
    /// A French sentence a counsellor can read aloud.
    public var detail: String
    /// Citations of the texts the criterion relies on.
    public var source: String
    /// What the rule version used says, in French.
    @ExplicitNull public var ruleNote: String? = nil
    /// Validity of the rule version used ("du 1er janvier 2020 au 31 décembre 2024").
    @ExplicitNull public var rulePeriod: String? = nil
    /// Why the rule itself is doubtful (forces `unknown`).
    @ExplicitNull public var uncertain: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, label, result, detail, source
        case ruleNote = "rule_note"
        case rulePeriod = "rule_period"
        case uncertain
    }

    /// A criterion from its fields.
    public init(
        id: String, label: String, result: CriterionResult, detail: String, source: String, ruleNote: String? = nil, rulePeriod: String? = nil,
        uncertain: String? = nil
    ) {
        self.id = id
        self.label = label
        self.result = result
        self.detail = detail
        self.source = source
        self.ruleNote = ruleNote
        self.rulePeriod = rulePeriod
        self.uncertain = uncertain
    }
}

/// Amounts of an aid, when they apply.
public struct AidReport: Sendable, Codable, Equatable {
    /// Total over the contract (nil when not computable, e.g. an adulte-relais post without end).
    @ExplicitNull public var totalEUR: Double? = nil
    /// Amount per contract year (year 1 first).
    public var byYearEUR: [Double]
    /// Yearly amount for a full-time post, when the aid is expressed that way.
    @ExplicitNull public var perYearFullTimeEUR: Double? = nil
    /// How the amount was computed, in French.
    public var detail: String
    /// The texts the amount relies on.
    public var source: String
    /// Why the amount is doubtful (never changes the verdict), nil when it is not.
    @ExplicitNull public var uncertain: String? = nil

    enum CodingKeys: String, CodingKey {
        case totalEUR = "total_eur"
        case byYearEUR = "by_year_eur"
        case perYearFullTimeEUR = "per_year_full_time_eur"
        case detail, source, uncertain
    }
}

/// A cited source in a report.
public struct SourceReference: Sendable, Codable, Equatable {
    /// The source's identifier in the rule file.
    public var id: String
    /// Its title.
    public var title: String
    /// Official text when known.
    @ExplicitNull public var url: String? = nil
}

/// The perimeter answer a verdict relied on, in the report's JSON.
public struct LocationReport: Sendable, Codable, Equatable {
    /// The QPV answer: in, out, boundary, no_list, not_covered, invalid_coordinates.
    public var status: String
    /// Code of the QPV containing the place, "" when none.
    public var code: String
    /// Its name.
    public var name: String
    /// Its list's year.
    public var vintage: String
    /// Distance to the nearest QPV boundary, in metres.
    @ExplicitNull public var distanceBoundaryM: Double? = nil
    /// Distance under which the answer is « à vérifier », in metres.
    @ExplicitNull public var boundaryToleranceM: Double? = nil
    /// The QPV list used, in French.
    @ExplicitNull public var list: String? = nil
    /// The decree that defines it.
    @ExplicitNull public var legalBasis: String? = nil
    /// The list that should be installed (status no_list).
    @ExplicitNull public var missingList: String? = nil
    /// How to install it (the `qpv data` command).
    @ExplicitNull public var howToInstall: String? = nil
    /// Longitude, WGS84.
    @ExplicitNull public var lon: Double? = nil
    /// Latitude, WGS84.
    @ExplicitNull public var lat: Double? = nil
    /// Code of the nearest QPV when outside.
    @ExplicitNull public var nearestCode: String? = nil
    /// Its name.
    @ExplicitNull public var nearestName: String? = nil
    /// The QIC answer, when QIC lists are installed.
    @ExplicitNull public var qicStatus: String? = nil
    /// Code of the QIC containing the place.
    @ExplicitNull public var qicCode: String? = nil
    /// Its name.
    @ExplicitNull public var qicName: String? = nil
    /// SIREN of the QIC's intercommunalité.
    @ExplicitNull public var qicEPCI: String? = nil
    /// The commune(s) the place may be in ("59350 Lille").
    public var communes: [String]
    /// How the commune is known, in French.
    @ExplicitNull public var communeSource: String? = nil
    /// The geocoded address's label, when given as an address.
    @ExplicitNull public var addressLabel: String? = nil
    /// Its geocoding score.
    @ExplicitNull public var addressScore: Double? = nil
    /// Why the position or the address cannot be relied on, in French.
    @ExplicitNull public var problem: String? = nil
    /// True when the answer comes from the fictional demonstration data.
    public var demo: Bool

    enum CodingKeys: String, CodingKey {
        case status, code, name, vintage
        case distanceBoundaryM = "distance_boundary_m"
        case boundaryToleranceM = "boundary_tolerance_m"
        case list
        case legalBasis = "legal_basis"
        case missingList = "missing_list"
        case howToInstall = "how_to_install"
        case lon, lat
        case nearestCode = "nearest_code"
        case nearestName = "nearest_name"
        case qicStatus = "qic_status"
        case qicCode = "qic_code"
        case qicName = "qic_name"
        case qicEPCI = "qic_epci"
        case communes
        case communeSource = "commune_source"
        case addressLabel = "address_label"
        case addressScore = "address_score"
        case problem, demo
    }
}

/// A verdict with everything needed to explain it: criteria, amounts, deadline, the list used, the sources.
/// JSON keys are stable (`programme, verdict, criteria[{id, result, detail, source}], aid{total_eur,
/// by_year_eur[]}, filing_deadline, location{status, code, name, vintage, distance_boundary_m}` and more).
public struct EligibilityReport: Sendable, Codable, Equatable {
    /// The programme's identifier (`emploi-franc`, `adulte-relais`, `fcs`, `tfpb`).
    public var programme: String
    /// Its French name.
    public var programmeLabel: String
    /// `eligible`, `not_eligible` or `to_verify`.
    public var verdict: Verdict
    /// The verdict as a counsellor reads it: « Éligible », « Territoire éligible » (FCS: location is one
    /// condition, not a grant), « Non éligible », « À vérifier ».
    public var verdictLabel: String
    /// What else decides beyond the criteria qpv checks (règlement, committee, council vote…); empty when the
    /// verdict is `not_eligible`.
    public var alsoDecides: [String]
    /// One French sentence: the verdict and its main reason.
    public var summary: String
    /// The programme's date (signature, hire, 1 January of the tax year, request date).
    public var date: String
    /// How that date is said ("date de signature du contrat").
    public var dateLabel: String
    /// Every criterion checked, with its result, French sentence and source.
    public var criteria: [Criterion]
    /// The aid's amount, when the programme has one and it can be computed.
    @ExplicitNull public var aid: AidReport? = nil
    /// Last day to file the request (ISO date), when known.
    @ExplicitNull public var filingDeadline: String? = nil
    /// How the deadline was computed, in French.
    @ExplicitNull public var filingDeadlineDetail: String? = nil
    /// The perimeter answer the verdict relied on.
    @ExplicitNull public var location: LocationReport? = nil
    /// Why the verdict is `to_verify` (empty otherwise).
    public var toVerify: [String]
    /// Information that does not change the verdict.
    public var notes: [String]
    /// The texts cited by the criteria, amount and deadline.
    public var sources: [SourceReference]
    /// The rule file used.
    public var rulesFile: String
    /// True when the answer comes from the fictional demonstration data.
    public var demo: Bool

    enum CodingKeys: String, CodingKey {
        case programme
        case programmeLabel = "programme_label"
        case verdict
        case verdictLabel = "verdict_label"
        case alsoDecides = "also_decides"
        case summary, date
        case dateLabel = "date_label"
        case criteria, aid
        case filingDeadline = "filing_deadline"
        case filingDeadlineDetail = "filing_deadline_detail"
        case location
        case toVerify = "to_verify"
        case notes, sources
        case rulesFile = "rules_file"
        case demo
    }

    /// The verdict criteria and extra reasons imply: a failed criterion → not eligible; otherwise an unknown
    /// criterion or any extra reason (uncertain amount…) → to verify; otherwise eligible.
    public static func decide(criteria: [Criterion], extraReasons: [String]) -> (verdict: Verdict, reasons: [String]) {
        if criteria.contains(where: { $0.result == .notMet }) { return (.notEligible, []) }
        let reasons = criteria.filter { $0.result == .unknown }.map { "\($0.label) : \($0.detail)" } + extraReasons
        return reasons.isEmpty ? (.eligible, []) : (.toVerify, reasons)
    }

    /// Builds a report, deciding the verdict and writing the summary sentence.
    public init(
        book: RuleBook, date: CivilDate, criteria: [Criterion], extraReasons: [String] = [], aid: AidReport? = nil,
        filingDeadline: CivilDate? = nil, filingDeadlineDetail: String? = nil, location: LocationReport? = nil, notes: [String] = [],
        sources extraSources: [RuleSource] = []
    ) {
        let (verdict, reasons) = EligibilityReport.decide(criteria: criteria, extraReasons: extraReasons)
        programme = book.programme
        programmeLabel = book.label
        self.verdict = verdict
        let eligibleWord = book.eligibleWording ?? "Éligible"
        switch verdict {
        case .eligible: verdictLabel = eligibleWord
        case .notEligible: verdictLabel = "Non éligible"
        case .toVerify: verdictLabel = "À vérifier"
        }
        alsoDecides = verdict == .notEligible ? [] : book.alsoDecides
        self.date = date.description
        dateLabel = book.dateLabel
        self.criteria = criteria
        self.aid = aid
        self.filingDeadline = filingDeadline?.description
        self.filingDeadlineDetail = filingDeadlineDetail
        self.location = location
        toVerify = reasons
        self.notes = notes
        rulesFile = book.origin
        demo = location?.demo ?? false
        // Sources actually cited by the criteria, amounts and deadline, in file order of first citation.
        var seen = Set<String>()
        var refs: [SourceReference] = []
        for s in extraSources where !seen.contains(s.id) {
            seen.insert(s.id)
            refs.append(SourceReference(id: s.id, title: s.title, url: s.url))
        }
        sources = refs
        switch verdict {
        case .eligible:
            summary = "\(eligibleWord) (\(book.label)) : tous les critères vérifiés par qpv sont remplis à la \(book.dateLabel) (\(date.french))."
            if !book.alsoDecides.isEmpty { summary += " Décident aussi : " + book.alsoDecides.joined(separator: " ; ") + "." }
            if let u = aid?.uncertain { summary += " Montant à vérifier : \(u)." }
        case .notEligible:
            let failed = criteria.filter { $0.result == .notMet }
            summary = "Non éligible (\(book.label)) : " + failed.map { "\($0.label.lowercasedFirst) — \($0.detail)" }.joined(separator: " ; ") + "."
        case .toVerify:
            summary =
                "À vérifier (\(book.label)) : " + (reasons.first ?? "")
                + (reasons.count > 1 ? " (et \(reasons.count - 1) autre\(reasons.count > 2 ? "s" : "") point\(reasons.count > 2 ? "s" : ""))" : "")
                + "."
        }
    }

    /// What a counsellor reads aloud: verdict line, criteria with ✓ / ✗ / ?, amounts, deadline, list, sources.
    public func text() -> String {
        var lines: [String] = []
        let head = verdict == .eligible ? "✓ " + verdictLabel.uppercased() : verdict.headline
        lines.append((demo ? "[DÉMONSTRATION — données fictives] " : "") + "\(head) — \(programmeLabel)")
        lines.append(summary)
        lines.append("")
        lines.append("Critères (\(dateLabel) : \(CivilDate(date)?.french ?? date)) :")
        for c in criteria {
            lines.append("  \(c.result.symbol) \(c.label) : \(c.detail)")
            if let note = c.ruleNote { lines.append("      règle\(c.rulePeriod.map { " (\($0))" } ?? "") : \(note)") }
        }
        if let aid {
            lines.append("")
            var head = "Montant de l'aide : "
            if let total = aid.totalEUR {
                head += FrenchFormat.euros(total)
            } else if let y = aid.perYearFullTimeEUR {
                head += "\(FrenchFormat.euros(y)) par an et par poste à temps plein"
            } else {
                head += "non connu"
            }
            lines.append(head)
            if aid.byYearEUR.count > 1 || aid.totalEUR != nil {
                let years = aid.byYearEUR.enumerated().map { "année \($0.offset + 1) : \(FrenchFormat.euros($0.element))" }
                if !years.isEmpty { lines.append("  " + years.joined(separator: ", ")) }
            }
            lines.append("  \(aid.detail)")
            if let u = aid.uncertain { lines.append("  ? montant à vérifier : \(u)") }
        }
        if !alsoDecides.isEmpty {
            lines.append("")
            lines.append("Décident aussi (hors de ce que qpv vérifie) :")
            for a in alsoDecides { lines.append("  - \(a)") }
        }
        if let d = filingDeadline {
            lines.append("")
            lines.append("Date limite de la demande d'aide : \(CivilDate(d)?.french ?? d)" + (filingDeadlineDetail.map { " (\($0))" } ?? ""))
        }
        if let l = location {
            lines.append("")
            lines.append("Lieu : " + LocationReport.describe(l))
            if let list = l.list { lines.append("Liste utilisée : \(list)" + (l.legalBasis.map { " — \($0)" } ?? "")) }
            if let m = l.missingList {
                lines.append("Liste nécessaire : \(m)")
                if let h = l.howToInstall { lines.append("Pour l'installer : \(h)") }
            }
        }
        if !toVerify.isEmpty {
            lines.append("")
            lines.append("À vérifier :")
            for r in toVerify { lines.append("  ? \(r)") }
        }
        if !notes.isEmpty {
            lines.append("")
            for n in notes { lines.append("Note : \(n)") }
        }
        if !sources.isEmpty {
            lines.append("")
            lines.append("Sources :")
            for s in sources { lines.append("  - \(s.title)" + (s.url.map { " — \($0)" } ?? "")) }
        }
        lines.append("Règles : \(rulesFile)")
        return lines.joined(separator: "\n")
    }
}

extension LocationReport {
    /// "QPV QP031001 « … » (liste 2015), à 152 m de la limite".
    static func describe(_ l: LocationReport) -> String {
        var s = ""
        if let a = l.addressLabel {
            s += "adresse « \(a) »" + (l.addressScore.map { " (score \(FrenchFormat.decimal($0, digits: 2)))" } ?? "") + ", "
        }
        if let lon = l.lon, let lat = l.lat { s += "point lon \(String(format: "%.6f", lon)), lat \(String(format: "%.6f", lat)) — " }
        switch l.status {
        case "in":
            s += "dans le QPV \(l.code) « \(l.name) » (liste \(l.vintage))"
        case "boundary":
            s +=
                l.code.isEmpty
                ? "juste hors QPV, en limite de \(l.nearestCode ?? "?") « \(l.nearestName ?? "?") »"
                : "dans le QPV \(l.code) « \(l.name) » mais en limite"
        case "out":
            s += "hors QPV" + (l.nearestCode.map { " (le plus proche : \($0) « \(l.nearestName ?? "") »)" } ?? "")
        case "no_list":
            s += "liste non installée"
        case "not_covered":
            s += "hors de la couverture de la liste installée" + (l.problem.map { " (\($0))" } ?? "")
        default:
            s += "position inutilisable" + (l.problem.map { " (\($0))" } ?? "")
        }
        if let d = l.distanceBoundaryM, l.status == "in" || l.status == "out" || l.status == "boundary" {
            s += ", à \(FrenchFormat.metres(d)) de la limite la plus proche"
        }
        if let q = l.qicCode, !q.isEmpty { s += " ; dans le QIC \(q) « \(l.qicName ?? "") »" + (l.qicEPCI.map { " de l'EPCI \($0)" } ?? "") }
        if !l.communes.isEmpty { s += " ; commune : \(l.communes.joined(separator: " ou "))" + (l.communeSource.map { " (\($0))" } ?? "") }
        return s
    }
}

extension String {
    var lowercasedFirst: String { isEmpty ? self : prefix(1).lowercased() + dropFirst() }
}
