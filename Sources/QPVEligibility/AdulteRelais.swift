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
    /// The préfet granted (or is asked for) a derogation to the residence condition.
    public var derogation: Bool

    public init(
        hireDate: CivilDate, birthDate: CivilDate?, employment: Employment?, contract: EmploiFrancRequest.Contract? = nil, durationMonths: Double? = nil,
        derogation: Bool = false
    ) {
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
        i["derogation"] = .flag(derogation)
        return i
    }
}

/// The adulte-relais verdict (`GeoData/rules/adulte-relais.json`) and the State aid per full-time post for the
/// hire year, when known.
public enum AdulteRelais {
    public static func evaluate(_ request: AdulteRelaisRequest, location: EligibilityLocation?, book: RuleBook) -> EligibilityReport {
        let date = request.hireDate
        var (criteria, caveats, sources) = RuleEngine(book: book).evaluate(date: date, inputs: request.inputs, location: location)
        var aid: AidReport?
        var notes = ["la création du poste suppose une convention préalable entre l'employeur et l'État (préfet) : qpv ne la vérifie pas"]
        if request.contract == .cdd {
            notes.append("un CDD d'adulte-relais peut être renouvelé une fois (trois ans au plus chaque fois)")
        }
        let (verdict, _) = EligibilityReport.decide(criteria: criteria, extraReasons: caveats)
        if verdict != .notEligible {
            if let v = book.version("aid_per_post", on: date), let perYear = v.number("per_year") {
                aid = AidReport(
                    total_eur: nil, by_year_eur: [perYear], per_year_full_time_eur: perYear,
                    detail: "aide annuelle de l'État à l'employeur pour un poste à temps plein en \(date.year) — \(v.note ?? "")",
                    source: v.sources.map(\.citation).joined(separator: " ; "), uncertain: v.uncertain)
                sources += v.sources
                if let u = v.uncertain { caveats.append("montant de l'aide \(date.year) : \(u)") }
            } else {
                let known = (book.rules["aid_per_post"] ?? []).compactMap { v in v.validFrom.map { String($0.year) } }.joined(separator: ", ")
                aid = AidReport(
                    total_eur: nil, by_year_eur: [], per_year_full_time_eur: nil,
                    detail: "montant de l'aide de l'État non connu pour \(date.year) (montants saisis : \(known.isEmpty ? "aucun" : known)) ; il est revalorisé chaque année",
                    source: "", uncertain: nil)
            }
        }
        return EligibilityReport(
            book: book, date: date, criteria: criteria, extraReasons: caveats, aid: aid, location: location?.report, notes: notes, sources: sources)
    }
}
