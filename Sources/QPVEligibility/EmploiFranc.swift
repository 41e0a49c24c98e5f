// Emplois francs: `EmploiFrancRequest` (the hire as declared, validated) and `EmploiFranc.evaluate`, the
// verdict from `GeoData/rules/emploi-franc.json` with the aid per contract year; `EligibilityInputError`.

import Foundation
import QPVCore

/// Errors in the facts given to a verdict (before any rule is applied).
public struct EligibilityInputError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The input concerned (CLI option / API parameter name).
    public var field: String
    /// What is wrong, in French.
    public var reason: String
    /// An error about `field`.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
    /// "field : reason".
    public var description: String { "\(field) : \(reason)" }
    public var errorDescription: String? { description }
}

/// An emploi-franc hire as declared by the employer or the counsellor.
public struct EmploiFrancRequest: Sendable, Equatable {
    /// The contract signed: CDI, or CDD (of 6 months or more for an emploi franc).
    public enum Contract: String, Sendable, CaseIterable {
        /// Contrat à durée indéterminée.
        case cdi
        /// Contrat à durée déterminée.
        case cdd
    }
    /// The person's situation on the signature date (values of `--status`).
    public enum Status: String, Sendable, CaseIterable {
        /// Demandeur d'emploi in category 1, 2, 3, 6, 7 or 8.
        case jobseeker
        /// Adhérent to a contrat de sécurisation professionnelle.
        case csp
        /// Young person followed by a mission locale (`mission-locale`).
        case missionLocale = "mission-locale"
        /// Any other situation (not eligible).
        case other
    }
    /// The employer's kind (values of `--employer`).
    public enum Employer: String, Sendable, CaseIterable {
        /// A private company (`private`).
        case privateCompany = "private"
        /// An association.
        case association
        /// A société d'économie mixte.
        case sem
        /// An établissement public administratif (not eligible).
        case epa
        /// An établissement public industriel et commercial.
        case epic
        /// A private individual employer (not eligible).
        case individual
    }

    /// The signature date of the contract: the rules and the QPV list in force that day apply (no contract signed since 1 January 2025 is eligible).
    public var signatureDate: CivilDate
    /// CDI or CDD; nil: not declared.
    public var contract: Contract?
    /// CDD length in months.
    public var durationMonths: Double?
    /// Share of a full-time job, in (0, 1].
    public var workingTime: Double
    /// The person's situation at signature; nil: not declared.
    public var status: Status?
    /// Age on the signature date (emploi franc+).
    public var age: Int?
    /// Employed by the same employer in the 6 months before the hire (nil: not declared → à vérifier).
    public var previousEmployment: Bool?
    /// The employer's kind; nil: not declared.
    public var employer: Employer?
    /// Employer conditions, each yes/no or not declared (nil → à vérifier, never assumed):
    /// an economic dismissal on the post in the previous 6 months,
    public var economicDismissal: Bool?
    /// the employer up to date with its social and tax obligations,
    public var obligationsUpToDate: Bool?
    /// another State aid for the same hire,
    public var otherStateAid: Bool?
    /// the employee kept in the workforce at least 6 months from the start of the contract.
    public var keptSixMonths: Bool?

    /// A contract as declared; every fact left nil is « non renseigné » and never assumed (the verdict is then at best `to_verify`).
    public init(
        signatureDate: CivilDate, contract: Contract?, durationMonths: Double? = nil, workingTime: Double = 1, status: Status?, age: Int? = nil,
        previousEmployment: Bool? = nil, employer: Employer?, economicDismissal: Bool? = nil, obligationsUpToDate: Bool? = nil,
        otherStateAid: Bool? = nil, keptSixMonths: Bool? = nil
    ) {
        self.economicDismissal = economicDismissal
        self.obligationsUpToDate = obligationsUpToDate
        self.otherStateAid = otherStateAid
        self.keptSixMonths = keptSixMonths
        self.signatureDate = signatureDate
        self.contract = contract
        self.durationMonths = durationMonths
        self.workingTime = workingTime
        self.status = status
        self.age = age
        self.previousEmployment = previousEmployment
        self.employer = employer
    }

    /// Rejects impossible values (the rules never see them).
    public func validate() throws {
        if !(workingTime > 0 && workingTime <= 1) {
            throw EligibilityInputError(field: "temps de travail", reason: "\(workingTime) : attendu une part d'un temps plein, entre 0 (exclu) et 1 (ex. 0.5 pour un mi-temps)")
        }
        try Contract.validate(contract, months: durationMonths)
        if let a = age, !(0...120).contains(a) { throw EligibilityInputError(field: "âge", reason: "\(a) : âge impossible") }
    }

    var inputs: EligibilityInputs {
        var i = EligibilityInputs()
        i["signature_date"] = .date(signatureDate)
        if let contract { i["contract"] = .text(contract.rawValue) }
        if let durationMonths { i["duration_months"] = .number(durationMonths) }
        if let status { i["status"] = .text(status.rawValue) }
        if let employer { i["employer"] = .text(employer.rawValue) }
        let flags: [(String, Bool?)] = [
            ("previous_employment", previousEmployment), ("economic_dismissal", economicDismissal),
            ("obligations_up_to_date", obligationsUpToDate), ("other_state_aid", otherStateAid), ("kept_six_months", keptSixMonths),
        ]
        for (name, value) in flags { if let value { i[name] = .flag(value) } }
        if let age { i["age"] = .number(Double(age)) }
        i["working_time"] = .number(workingTime)
        return i
    }
}

extension EmploiFrancRequest.Contract {
    /// A CDD length must be a positive number of months; a CDI has none.
    static func validate(_ contract: Self?, months: Double?) throws {
        if let d = months, !(d > 0 && d <= 600) {
            throw EligibilityInputError(field: "durée du contrat", reason: "\(d) mois : attendu un nombre de mois positif")
        }
        if contract == .cdi, months != nil {
            throw EligibilityInputError(field: "durée du contrat", reason: "un CDI n'a pas de durée : retirez --duration-months")
        }
    }
}

/// The emploi-franc verdict: criteria of `GeoData/rules/emploi-franc.json` on the signature date, the aid
/// (prorated to the contract's length and working time, emploi franc+ for under-26s in its window) and the
/// filing deadline.
public enum EmploiFranc {
    /// The verdict for `request` at `location` (the home, nil when unknown) with the rules of `book` in force on the signature date. `text()` of the report is its French explanation, `summary` its one sentence.
    public static func evaluate(_ request: EmploiFrancRequest, location: EligibilityLocation?, book: RuleBook) -> EligibilityReport {
        let date = request.signatureDate
        var (criteria, caveats, sources) = RuleEngine(book: book).evaluate(date: date, inputs: request.inputs, location: location)
        var notes: [String] = []
        var aid: AidReport?
        var deadline: CivilDate?
        var deadlineDetail: String?
        let (verdict, _) = EligibilityReport.decide(criteria: criteria, extraReasons: caveats)
        if verdict != .notEligible {
            let computed = computeAid(request, book: book)
            aid = computed.aid
            caveats += computed.reasons
            notes += computed.notes
            sources += computed.sources
            if let v = book.version("filing_deadline_months", on: date), let months = v.number("months") {
                deadline = date.adding(months: Int(months))
                deadlineDetail = "\(Int(months)) mois après la signature du contrat — \(v.note ?? "")"
                sources += v.sources
                // A doubt on the deadline goes with the deadline, like the amount's: it never changes the verdict.
                if let u = v.uncertain { deadlineDetail! += " ; délai à vérifier : \(u)" }
            }
            if request.workingTime < 1 {
                notes.append("temps partiel (\(FrenchFormat.decimal(request.workingTime * 100, digits: 0)) % d'un temps plein) : montants proratisés")
            }
        }
        return EligibilityReport(
            book: book, date: date, criteria: criteria, extraReasons: caveats, aid: aid, filingDeadline: deadline,
            filingDeadlineDetail: deadlineDetail, location: location?.report, notes: notes, sources: sources)
    }

    /// Yearly amounts for the contract: full-time rate × share of each contract year covered × working time;
    /// emploi franc+ replaces the first year's rate for a person under 26 in its window.
    static func computeAid(_ r: EmploiFrancRequest, book: RuleBook) -> (aid: AidReport?, reasons: [String], notes: [String], sources: [RuleSource]) {
        guard let v = book.version("aid", on: r.signatureDate), let contract = r.contract else { return (nil, [], [], []) }
        // Doubts on the amount go with the amount ("montant à vérifier"), never into the verdict.
        var amountDoubts: [String] = []
        var notes: [String] = []
        var sources = v.sources
        let plus = book.version("aid_plus", on: r.signatureDate)
        var firstYear: Double?
        if let plus {
            sources += plus.sources
            let limit = Int(plus.number("max_age_exclusive") ?? 26)
            if let age = r.age {
                if age < limit {
                    firstYear = plus.number(contract == .cdi ? "cdi_first_year" : "cdd_first_year")
                    notes.append("emploi franc+ : personne de \(age) ans (moins de \(limit) ans) à la signature, première année majorée — \(plus.note ?? "")")
                } else {
                    notes.append("emploi franc+ non applicable : personne de \(age) ans à la signature (réservé aux moins de \(limit) ans)")
                }
            } else {
                amountDoubts.append(
                    "âge à la signature non indiqué (--age) : pour un contrat signé \(plus.periodFrench), l'aide majorée « emploi franc+ » s'applique aux moins de \(limit) ans ; montant calculé au taux normal")
            }
            if let u = plus.uncertain { amountDoubts.append("emploi franc+ : \(u)") }
        }
        var years: [Double] = []
        let detail: String
        switch contract {
        case .cdi:
            let perYear = v.number("cdi_per_year") ?? 0
            let count = Int(v.number("cdi_years") ?? 0)
            years = (0..<count).map { i in (i == 0 ? (firstYear ?? perYear) : perYear) * r.workingTime }
            detail = "CDI : \(FrenchFormat.euros(perYear)) par an pendant \(count) ans pour un temps plein" + (firstYear.map { " (\(FrenchFormat.euros($0)) la première année)" } ?? "")
        case .cdd:
            guard let months = r.durationMonths else { return (nil, [], notes, sources) }
            let perYear = v.number("cdd_per_year") ?? 0
            let maxYears = v.number("cdd_max_years") ?? 0
            let covered = min(months, maxYears * 12)
            var remaining = covered
            var i = 0
            while remaining > 1e-9 {
                let share = min(remaining, 12) / 12
                years.append((i == 0 ? (firstYear ?? perYear) : perYear) * share * r.workingTime)
                remaining -= 12
                i += 1
            }
            detail = "CDD de \(FrenchFormat.decimal(months, digits: months == months.rounded() ? 0 : 1)) mois : \(FrenchFormat.euros(perYear)) par an pour un temps plein"
                + (firstYear.map { " (\(FrenchFormat.euros($0)) la première année)" } ?? "")
                + ", au prorata de la durée du contrat, dans la limite de \(Int(maxYears)) ans"
        }
        years = years.map { ($0 * 100).rounded() / 100 }
        let total = (years.reduce(0, +) * 100).rounded() / 100
        var full = detail
        if r.workingTime < 1 { full += ", × \(FrenchFormat.decimal(r.workingTime, digits: 2)) (temps de travail)" }
        if let note = v.note { full += " — \(note)" }
        if let u = v.uncertain { amountDoubts.append("montant de l'aide : \(u)") }
        let aid = AidReport(
            total_eur: total, by_year_eur: years, per_year_full_time_eur: nil, detail: full,
            source: (v.sources + (plus?.sources ?? [])).map(\.citation).joined(separator: " ; "),
            uncertain: amountDoubts.isEmpty ? nil : amountDoubts.joined(separator: " ; "))
        return (aid, [], notes, sources)
    }
}
