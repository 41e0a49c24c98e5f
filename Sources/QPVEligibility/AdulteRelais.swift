import Foundation
import QPVCore

/// An adulte-relais hire as declared.
public struct AdulteRelaisRequest: Sendable, Equatable {
    public enum Employment: String, Sendable, CaseIterable {
        case unemployed
        case caeCui = "cae-cui"
        case employed
    }

    public var hireDate: CivilDate
    public var birthDate: CivilDate?
    public var employment: Employment?
    public var contract: EmploiFrancRequest.Contract?
    public var durationMonths: Double?
    /// The préfet granted (or is asked for) a derogation to the residence condition (nil: not declared).
    public var derogation: Bool?
    /// The employer's kind (associations, collectivités, établissements publics, HLM…).
    public var employerKind: EmployerKind?
    /// The post is covered by a convention with the State (préfet) signed before the hire (nil: not declared).
    public var conventionBeforeHire: Bool?

    /// Employer kinds of art. L5134-101 of the code du travail (values of `--employer`).
    public enum EmployerKind: String, Sendable, CaseIterable {
        case association
        case localAuthority = "collectivite"
        case publicEstablishment = "etablissement-public"
        case hlm
        case publicServicePrivate = "delegataire-service-public"
        case company = "entreprise"
        case other
    }

    public init(
        hireDate: CivilDate, birthDate: CivilDate?, employment: Employment?, contract: EmploiFrancRequest.Contract? = nil, durationMonths: Double? = nil,
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
    public static func evaluate(_ request: AdulteRelaisRequest, location: EligibilityLocation?, book: RuleBook) -> EligibilityReport {
        ProgrammeEvaluator.evaluate(book: book, date: request.hireDate, inputs: request.inputs, location: location)
    }
}
