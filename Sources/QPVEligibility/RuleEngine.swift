// `RuleEngine`: evaluates the criteria a rule file declares, each with the version of its rule in force on the
// date (`Checks`: period, declared facts, contract, age, residence), from `EligibilityInputs`.

import Foundation
import QPVCore
import QPVPerimeters

/// A declared input of a verdict.
public enum InputValue: Sendable, Equatable {
    /// A text value (a choice: `cdi`, `jobseeker`…).
    case text(String)
    /// A number (months, working time…).
    case number(Double)
    /// A yes/no fact.
    case flag(Bool)
    /// A date.
    case date(CivilDate)
}

/// The declared inputs of one question, by name (`status`, `contract`, `duration_months`, `birth_date`…).
public struct EligibilityInputs: Sendable, Equatable {
    /// The inputs by name.
    public var values: [String: InputValue] = [:]

    /// Inputs from a dictionary.
    public init(_ values: [String: InputValue] = [:]) { self.values = values }

    /// The input `name`, nil when not declared.
    public subscript(name: String) -> InputValue? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// The text input `name`, nil when absent or of another kind.
    public func text(_ name: String) -> String? { if case .text(let s)? = values[name] { return s } else { return nil } }
    /// The number input `name`, nil when absent or of another kind.
    public func number(_ name: String) -> Double? { if case .number(let n)? = values[name] { return n } else { return nil } }
    /// The yes/no input `name`, nil when absent or of another kind.
    public func flag(_ name: String) -> Bool? { if case .flag(let b)? = values[name] { return b } else { return nil } }
    /// The date input `name`, nil when absent or of another kind.
    public func date(_ name: String) -> CivilDate? { if case .date(let d)? = values[name] { return d } else { return nil } }
}

/// What a check found, before the engine adds the rule's sources and validity.
public struct CheckOutcome: Sendable, Equatable {
    /// Met, not met or unknown.
    public var result: CriterionResult
    /// The French sentence explaining it.
    public var detail: String
    /// A doubt that does not change the criterion but makes the verdict `to_verify` (an official list marked
    /// uncertain in the registry, an uncertain territory registry…).
    public var caveat: String?
    /// Further citations (the décret of the list used…).
    public var citations: [String]

    /// An outcome with its sentence, an optional doubt and citations.
    public init(_ result: CriterionResult, _ detail: String, caveat: String? = nil, citations: [String] = []) {
        self.result = result
        self.detail = detail
        self.caveat = caveat
        self.citations = citations
    }
}

/// The small engine: evaluates the criteria a rule file declares, each with the version of its rule in force on
/// the programme's date. Missing rule version or uncertain rule → `unknown`; missing input → `unknown`.
public struct RuleEngine: Sendable {
    /// The rule file whose criteria are evaluated.
    public let book: RuleBook

    /// An engine over `book`.
    public init(book: RuleBook) { self.book = book }

    /// French wording for missing inputs (with the CLI option that provides them).
    static let missingInput: [String: String] = [
        "status": "situation de la personne non indiquée (--status)",
        "employer": "type d'employeur non indiqué (--employer)",
        "contract": "type de contrat non indiqué (--contract cdi|cdd)",
        "duration_months": "durée du CDD non indiquée (--duration-months)",
        "birth_date": "date de naissance non indiquée (--birth-date)",
        "employment": "situation au regard de l'emploi non indiquée (--employment)",
        "employer_kind": "nature de l'employeur non indiquée (--employer)",
    ]

    static func missing(_ input: String) -> String { missingInput[input] ?? "information « \(input) » non fournie" }

    /// Evaluates every criterion of the book. `custom` evaluates checks the engine does not know by itself
    /// (`programme_territory`).
    public func evaluate(
        date: CivilDate, inputs: EligibilityInputs, location: EligibilityLocation?,
        custom: (CriterionSpec, RuleVersion) -> CheckOutcome = { _, _ in CheckOutcome(.unknown, "contrôle non disponible") }
    ) -> (criteria: [Criterion], caveats: [String], sources: [RuleSource]) {
        var criteria: [Criterion] = []
        var caveats: [String] = []
        var sources: [RuleSource] = []
        // A programme closed on the date makes the other criteria moot (their rules often stop with it).
        let closed = book.criteria.contains { spec in
            spec.check == .periodOpen && book.version(spec.rule, on: date).map { $0.bool("open") == false } == true
        }
        for spec in book.criteria {
            guard let version = book.version(spec.rule, on: date) else {
                let detail =
                    closed
                    ? "sans objet : le dispositif n'est pas ouvert le \(date.french)"
                    : "aucune règle saisie pour le \(date.french) (\(book.dateLabel)) : période non couverte par les textes saisis dans \(book.origin)"
                criteria.append(Criterion(id: spec.id, label: spec.label, result: .unknown, detail: detail, source: ""))
                continue
            }
            let outcome: CheckOutcome
            switch spec.check {
            case .periodOpen: outcome = Checks.periodOpen(version, date: date, book: book)
            case .oneOf: outcome = Checks.oneOf(version, input: spec.input ?? "", inputs: inputs, book: book)
            case .residenceQPV: outcome = Checks.residence(version, location: location, inputs: inputs)
            case .flagFalse: outcome = Checks.flag(version, spec: spec, inputs: inputs, mustBe: false)
            case .flagTrue: outcome = Checks.flag(version, spec: spec, inputs: inputs, mustBe: true)
            case .contract: outcome = Checks.contract(version, inputs: inputs, book: book)
            case .minAge: outcome = Checks.minimumAge(version, input: spec.input ?? "birth_date", inputs: inputs, date: date)
            case .programmeTerritory: outcome = custom(spec, version)
            }
            var result = outcome.result
            var detail = outcome.detail
            if let u = version.uncertain {
                result = .unknown
                detail += " ; règle non confirmée : \(u)"
            }
            if let c = outcome.caveat { caveats.append("\(spec.label) : \(c)") }
            sources.append(contentsOf: version.sources)
            criteria.append(
                Criterion(
                    id: spec.id, label: spec.label, result: result, detail: detail,
                    source: (version.sources.map(\.citation) + outcome.citations).joined(separator: " ; "), rule_note: version.note,
                    rule_period: version.periodFrench,
                    uncertain: version.uncertain))
        }
        if let location, location.date != date {
            caveats.append("la position a été évaluée au \(location.date.french) et non à la \(book.dateLabel) (\(date.french))")
        }
        return (criteria, caveats, sources)
    }
}

/// The checks the engine knows (see `CheckKind`).
enum Checks {
    static func periodOpen(_ v: RuleVersion, date: CivilDate, book: RuleBook) -> CheckOutcome {
        let open = v.bool("open") ?? false
        return CheckOutcome(open ? .met : .notMet, "\(date.french) : \(open ? "dans la période d'application" : "hors de la période d'application")")
    }

    static func oneOf(_ v: RuleVersion, input: String, inputs: EligibilityInputs, book: RuleBook) -> CheckOutcome {
        guard let value = inputs.text(input) else { return CheckOutcome(.unknown, RuleEngine.missing(input)) }
        let allowed = v.strings("allowed") ?? []
        if allowed.contains(value) { return CheckOutcome(.met, "\(book.label(input, value)) : admis") }
        return CheckOutcome(
            .notMet, "\(book.label(input, value)) : non admis (admis à cette date : \(allowed.map { book.label(input, $0) }.joined(separator: " ; ")))")
    }

    /// A declared yes/no fact: true, false, or not given (→ unknown, never assumed). The sentences come from the
    /// criterion (`when_true`, `when_false`, `ask`), `{months}` replaced by the rule's value.
    static func flag(_ v: RuleVersion, spec: CriterionSpec, inputs: EligibilityInputs, mustBe: Bool) -> CheckOutcome {
        let input = spec.input ?? ""
        func fill(_ s: String) -> String { s.replacingOccurrences(of: "{months}", with: String(Int(v.number("months") ?? 6))) }
        guard let value = inputs.flag(input) else {
            let ask = spec.ask.map { " (\($0))" } ?? ""
            return CheckOutcome(.unknown, "non renseigné\(ask) : ce critère n'est jamais supposé rempli")
        }
        let text = (value ? spec.whenTrue : spec.whenFalse).map(fill) ?? "\(spec.label.lowercasedFirst) : \(value ? "oui" : "non")"
        return CheckOutcome(value == mustBe ? .met : .notMet, text + " (déclaré)")
    }

    static func contract(_ v: RuleVersion, inputs: EligibilityInputs, book: RuleBook) -> CheckOutcome {
        guard let kind = inputs.text("contract") else { return CheckOutcome(.unknown, RuleEngine.missing("contract")) }
        switch kind {
        case "cdi":
            return (v.bool("cdi") ?? false) ? CheckOutcome(.met, "CDI : admis") : CheckOutcome(.notMet, "CDI : non admis")
        case "cdd":
            guard let months = inputs.number("duration_months") else { return CheckOutcome(.unknown, RuleEngine.missing("duration_months")) }
            let m = FrenchFormat.decimal(months, digits: months == months.rounded() ? 0 : 1)
            if let min = v.number("cdd_min_months"), months < min {
                return CheckOutcome(.notMet, "CDD de \(m) mois : durée inférieure au minimum de \(Int(min)) mois")
            }
            if let max = v.number("cdd_max_months"), months > max {
                return CheckOutcome(.notMet, "CDD de \(m) mois : durée supérieure au maximum de \(Int(max)) mois")
            }
            var bounds: [String] = []
            if let min = v.number("cdd_min_months") { bounds.append("au moins \(Int(min)) mois") }
            if let max = v.number("cdd_max_months") { bounds.append("au plus \(Int(max)) mois") }
            return CheckOutcome(.met, "CDD de \(m) mois : admis" + (bounds.isEmpty ? "" : " (\(bounds.joined(separator: ", ")))"))
        default:
            return CheckOutcome(.notMet, "contrat « \(kind) » : seuls le CDI et le CDD sont admis")
        }
    }

    static func minimumAge(_ v: RuleVersion, input: String, inputs: EligibilityInputs, date: CivilDate) -> CheckOutcome {
        guard let birth = inputs.date(input) else { return CheckOutcome(.unknown, RuleEngine.missing(input)) }
        guard birth <= date else { return CheckOutcome(.unknown, "date de naissance (\(birth.french)) postérieure au \(date.french)") }
        let age = birth.years(until: date)
        let min = Int(v.number("min_age") ?? 0)
        return CheckOutcome(age >= min ? .met : .notMet, "\(age) ans le \(date.french) (au moins \(min) ans requis)")
    }

    /// Residence (or location) in a QPV of the list in force on the date.
    static func residence(_ v: RuleVersion, location: EligibilityLocation?, inputs: EligibilityInputs) -> CheckOutcome {
        guard let loc = location else { return CheckOutcome(.unknown, "lieu non indiqué (--lon/--lat ou adresse)") }
        if let p = loc.addressProblem { return CheckOutcome(.unknown, p) }
        let listCitations = Array(Set(loc.qpvLists.map(\.legalBasis).filter { !$0.isEmpty })).sorted()
        let listLabel = Array(Set(loc.qpvLists.map(\.label))).sorted().joined(separator: " et ")
        let listCaveat = loc.qpvLists.compactMap { l in l.uncertain.map { "\(l.label) : \($0)" } }.first
        switch loc.status {
        case .invalidCoordinates:
            return CheckOutcome(.unknown, "position inutilisable : \(loc.problem ?? "coordonnées invalides")")
        case .noList:
            let list = loc.missingList.map { "\($0.label) (\($0.legalBasis)) non installée ; \($0.installHint)" } ?? (loc.problem ?? "aucune liste installée")
            return CheckOutcome(.unknown, "liste des QPV en vigueur le \(loc.date.french) non disponible : \(list)")
        case .notCovered, .notApplicable:
            // A partial list: outside its quartiers is not "hors QPV" (issue 12).
            return CheckOutcome(.unknown, "hors des quartiers installés, mais la liste installée ne couvre pas ce lieu : \(loc.problem ?? "couverture de la liste insuffisante")", citations: listCitations)
        default: break
        }
        let distance = loc.distanceBoundaryM.map { FrenchFormat.metres($0) }
        if v.bool("list_available") == false {
            let name = v.string("list_name") ?? "liste applicable"
            if loc.status == .outside {
                return CheckOutcome(
                    .notMet, "hors de tout QPV (\(listLabel)) : le lieu ne peut pas être dans un QPV de la \(name)", citations: listCitations)
            }
            let where_ = loc.qpv.first.map { "dans le QPV \($0.code) « \($0.name) »" } ?? "en limite de QPV"
            return CheckOutcome(.unknown, "\(where_), mais la \(name) n'est pas disponible dans qpv : vérifiez que ce quartier en faisait partie", citations: listCitations)
        }
        let derogation = v.string("derogation")
        switch loc.status {
        case .boundary:
            let near = loc.qpv.first ?? loc.nearestQPV
            let of = near.map { " de \($0.code)" } ?? ""
            let at = distance.map { "à \($0) seulement de la limite\(of) (tolérance \(FrenchFormat.metres(loc.toleranceM)))" }
                ?? "à moins de \(FrenchFormat.metres(loc.toleranceM)) de la limite\(of)"
            return CheckOutcome(
                .unknown,
                (loc.qpv.isEmpty ? "juste hors QPV" : "dans le QPV \(near?.code ?? "?") « \(near?.name ?? "?") »")
                    + ", \(at) : la limite d'un quartier bordé par une voie passe au milieu de la voie, vérifiez sur sig.ville.gouv.fr",
                citations: listCitations)
        case .outside:
            var s = "hors QPV (\(listLabel))"
            if let n = loc.nearestQPV, let d = distance { s += " ; le plus proche est \(n.code) « \(n.name) » à \(d)" }
            if let derogation {
                // A derogation of the préfet is a yes/no fact: never assumed either way.
                switch inputs.flag("derogation") {
                case true?: return CheckOutcome(.unknown, "\(s) ; dérogation déclarée : à faire confirmer (\(derogation))", citations: listCitations)
                case false?: return CheckOutcome(.notMet, "\(s) ; pas de dérogation du préfet (déclaré)", citations: listCitations)
                case nil:
                    return CheckOutcome(
                        .unknown, "\(s) ; dérogation du préfet non renseignée (--derogation / --no-derogation) : \(derogation)", citations: listCitations)
                }
            }
            return CheckOutcome(.notMet, s, citations: listCitations)
        case .inside:
            let q = loc.qpv[0]
            if let prefixes = v.strings("excluded_code_prefixes"), prefixes.contains(where: { q.code.hasPrefix($0) }) {
                return CheckOutcome(.notMet, "QPV \(q.code) « \(q.name) » : quartier exclu (\(v.string("excluded_label") ?? "territoire exclu"))", citations: listCitations)
            }
            // Only the QPV of some départements (emplois francs, 28 March – 31 December 2019): the code carries
            // the département (QP + 3 digits).
            if let prefixes = v.strings("included_code_prefixes") {
                let label = v.string("included_label") ?? "territoires admis"
                guard let admitted = loc.qpv.first(where: { p in prefixes.contains { p.code.hasPrefix($0) } }) else {
                    return CheckOutcome(
                        .notMet, "QPV \(q.code) « \(q.name) » : hors des territoires admis à cette date (\(label))", citations: listCitations)
                }
                return CheckOutcome(
                    .met, "dans le QPV \(admitted.code) « \(admitted.name) » (\(listLabel)), d'un territoire admis (\(label))"
                        + (distance.map { ", à \($0) de la limite la plus proche" } ?? ""), caveat: listCaveat, citations: listCitations)
            }
            if let expected = v.strings("expected_vintages"), !loc.qpv.contains(where: { expected.contains($0.vintage) }) {
                return CheckOutcome(
                    .unknown, "dans le QPV \(q.code) de la liste \(q.vintage), alors que la règle se réfère à la liste \(expected.joined(separator: " ou "))",
                    citations: listCitations)
            }
            var s = "dans le QPV \(q.code) « \(q.name) » (\(listLabel))"
            if loc.qpv.count > 1 { s += " et " + loc.qpv.dropFirst().map { "\($0.code) « \($0.name) »" }.joined(separator: ", ") }
            if let d = distance { s += ", à \(d) de la limite la plus proche" }
            return CheckOutcome(.met, s, caveat: listCaveat, citations: listCitations)
        default:
            return CheckOutcome(.unknown, loc.problem ?? "position inutilisable")
        }
    }
}
