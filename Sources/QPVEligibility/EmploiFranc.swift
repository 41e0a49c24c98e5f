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
            throw EligibilityInputError(
                field: "temps de travail",
                reason: "\(workingTime) : attendu une part d'un temps plein, entre 0 (exclu) et 1 (ex. 0.5 pour un mi-temps)")
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
/// (`contract_years`: prorated to the contract's length and working time, emploi franc+ for under-26s in its
/// window) and the filing deadline — the same engine path as any programme.
public enum EmploiFranc {
    /// The verdict for `request` at `location` (the home, nil when unknown) with the rules of `book` in force on the signature date. `text()` of the report is its French explanation, `summary` its one sentence.
    public static func evaluate(_ request: EmploiFrancRequest, location: EligibilityLocation?, book: RuleBook) -> EligibilityReport {
        ProgrammeEvaluator.evaluate(book: book, date: request.signatureDate, inputs: request.inputs, location: location)
    }
}
