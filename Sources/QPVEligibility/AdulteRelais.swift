// Adultes-relais: `AdulteRelaisRequest` (the hire as declared) and `AdulteRelais.evaluate`, the verdict from
// `GeoData/rules/adulte-relais.json` with the State aid per post.

import Foundation
import QPVCore

/// An adulte-relais hire as declared.
public struct AdulteRelaisRequest: Sendable, Equatable {
    /// The person's situation before the hire (values of `--employment`).
    public enum Employment: String, Sendable, CaseIterable {
        /// Without a job.
        case unemployed
        /// In a CUI-CAE contract (to be ended before the hire).
        case caeCui = "cae-cui"
        /// In a job.
        case employed
    }

    /// The hire date: the rules and the QPV list in force that day apply.
    public var hireDate: CivilDate
    /// Date of birth (the age condition); nil: not declared.
    public var birthDate: CivilDate?
    /// Situation before the hire; nil: not declared.
    public var employment: Employment?
    /// CDI or CDD; nil: not declared.
    public var contract: EmploiFrancRequest.Contract?
    /// Length of a CDD in months (nil for a CDI or not declared).
    public var durationMonths: Double?
    /// The préfet granted (or is asked for) a derogation to the residence condition (nil: not declared).
    public var derogation: Bool?
    /// The employer's kind (associations, collectivités, établissements publics, HLM…).
    public var employerKind: EmployerKind?
    /// The post is covered by a convention with the State (préfet) signed before the hire (nil: not declared).
    public var conventionBeforeHire: Bool?

    /// Employer kinds of art. L5134-101 of the code du travail (values of `--employer`).
    public enum EmployerKind: String, Sendable, CaseIterable {
        /// An association (`association`).
        case association
        /// A collectivité territoriale or its groupement (`collectivite`).
        case localAuthority = "collectivite"
        /// An établissement public (`etablissement-public`).
        case publicEstablishment = "etablissement-public"
        /// An organisme HLM (`hlm`).
        case hlm
        /// A private body running a public service (`delegataire-service-public`).
        case publicServicePrivate = "delegataire-service-public"
        /// A private company (`entreprise`).
        case company = "entreprise"
        /// Any other employer (`other`).
        case other
    }

    /// A hire as declared; every fact left nil is « non renseigné » and never assumed.
    public init(
        hireDate: CivilDate, birthDate: CivilDate?, employment: Employment?, contract: EmploiFrancRequest.Contract? = nil,
        durationMonths: Double? = nil,
        derogation: Bool? = nil, employerKind: EmployerKind? = nil, conventionBeforeHire: Bool? = nil
    ) {
        self.employerKind = employerKind
        self.conventionBeforeHire = conventionBeforeHire
        self.hireDate = hireDate
        self.birthDate = birthDate
        self.employment = employment
        self.contract = contract
        self.durationMonths = durationMonths
        self.derogation = derogation
    }

    /// Rejects impossible values (a duration for a CDI, a birth after the hire…) with `EligibilityInputError`.
    public func validate() throws {
        if let b = birthDate, b > hireDate {
            throw EligibilityInputError(field: "date de naissance", reason: "\(b) est postérieure à la date d'embauche \(hireDate)")
        }
        try EmploiFrancRequest.Contract.validate(contract, months: durationMonths)
    }

    var inputs: EligibilityInputs {
        var i = EligibilityInputs()
        i["hire_date"] = .date(hireDate)
        if let birthDate { i["birth_date"] = .date(birthDate) }
        if let employment { i["employment"] = .text(employment.rawValue) }
        if let contract { i["contract"] = .text(contract.rawValue) }
        if let durationMonths { i["duration_months"] = .number(durationMonths) }
        if let derogation { i["derogation"] = .flag(derogation) }
        if let employerKind { i["employer_kind"] = .text(employerKind.rawValue) }
        if let conventionBeforeHire { i["convention_before_hire"] = .flag(conventionBeforeHire) }
        return i
    }
}

/// The adulte-relais verdict (`GeoData/rules/adulte-relais.json`) and the State aid per full-time post for the
/// hire year, when known — the same engine path as any programme.
public enum AdulteRelais {
    /// The verdict for `request` at `location` (the home, nil when unknown) with the rules of `book` in force on the hire date; `text()` of the report is its French explanation.
    public static func evaluate(_ request: AdulteRelaisRequest, location: EligibilityLocation?, book: RuleBook) -> EligibilityReport {
        ProgrammeEvaluator.evaluate(book: book, date: request.hireDate, inputs: request.inputs, location: location)
    }
}
