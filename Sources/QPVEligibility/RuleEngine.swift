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

/// What the engine found for a book on a date, before amounts and the report.
public struct EngineResult: Sendable {
    /// The criteria evaluated, in the file's order, each with its result and explanation.
    public var criteria: [Criterion] = []
    /// Doubts that make the verdict `to_verify` without changing a criterion.
    public var caveats: [String] = []
    /// Sources of the criteria, in order of citation (then those of relaxations).
    public var sources: [RuleSource] = []
    /// Notes the checks add (a territory registry's transcription…).
    public var notes: [String] = []
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

    func missing(_ input: String) -> String {
        if let s = Self.missingInput[input] { return s }
        let label = book.facts[input]?.label.map { "\($0) (« \(input) »)" } ?? "information « \(input) »"
        return "\(label) non déclarée (--fact \(input)=… ; API : \(input)=…) : jamais supposée"
    }

    /// Evaluates every criterion of the book.
    public func evaluate(date: CivilDate, inputs: EligibilityInputs, location: EligibilityLocation?) -> EngineResult {
        var out = EngineResult()
        var late: [RuleSource] = []
        var usedTerritories: [EPCITerritory] = []
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
                out.criteria.append(Criterion(id: spec.id, label: spec.label, result: .unknown, detail: detail, source: ""))
                continue
            }
            var outcome = check(spec, version, date: date, inputs: inputs, location: location)
            if let t = territory(spec, version), !usedTerritories.contains(where: { $0.siren == t.siren }) { usedTerritories.append(t) }
            // A rule that turns a failed location into "à vérifier" in some territories (TFPB overseas 2025).
            if let r = spec.relaxedBy, outcome.result == .notMet, let relax = book.version(r.rule, on: date),
                location?.territory.map({ $0.description == r.territory }) == true
            {
                outcome.result = .unknown
                outcome.detail += " ; mais \(relax.note ?? r.rule) : \(r.ask)"
                late += relax.sources
            }
            var result = outcome.result
            var detail = outcome.detail
            if let u = version.uncertain {
                result = .unknown
                detail += " ; règle non confirmée : \(u)"
            }
            if let c = outcome.caveat { out.caveats.append("\(spec.label) : \(c)") }
            out.sources.append(contentsOf: version.sources)
            out.criteria.append(
                Criterion(
                    id: spec.id, label: spec.label, result: result, detail: detail,
                    source: (version.sources.map(\.citation) + outcome.citations).joined(separator: " ; "), ruleNote: version.note,
                    rulePeriod: version.periodFrench,
                    uncertain: version.uncertain))
        }
        if let location, location.date != date {
            out.caveats.append("la position a été évaluée au \(location.date.french) et non à la \(book.dateLabel) (\(date.french))")
        }
        for t in usedTerritories {
            if let u = t.registry?.uncertain { out.caveats.append("registre du territoire : \(u)") }
            if let n = t.registry?.transcription { out.notes.append(n) }
        }
        out.sources += late
        return out
    }

    /// The EPCI a territory check answers on.
    func territory(_ spec: CriterionSpec, _ v: RuleVersion) -> EPCITerritory? {
        switch spec.check {
        case .programmeTerritory: return book.territory
        case .inEPCITerritory: return v.string("epci_siren").flatMap { book.epciTerritories[$0] }
        default: return nil
        }
    }

    /// One check on the version in force.
    func check(_ spec: CriterionSpec, _ version: RuleVersion, date: CivilDate, inputs: EligibilityInputs, location: EligibilityLocation?)
        -> CheckOutcome
    {
        switch spec.check {
        case .periodOpen: return Checks.periodOpen(version, date: date, book: book)
        case .oneOf: return Checks.oneOf(version, input: spec.input ?? "", inputs: inputs, engine: self)
        case .residenceQPV: return Checks.residence(version, location: location, inputs: inputs)
        case .flagFalse: return Checks.flag(version, spec: spec, inputs: inputs, mustBe: false)
        case .flagTrue: return Checks.flag(version, spec: spec, inputs: inputs, mustBe: true)
        case .contract: return Checks.contract(version, inputs: inputs, engine: self)
        case .minAge: return Checks.age(version, input: spec.input ?? "birth_date", inputs: inputs, date: date, engine: self)
        case .ageRange: return Checks.age(version, input: spec.input ?? "birth_date", inputs: inputs, date: date, engine: self)
        case .programmeTerritory, .inEPCITerritory:
            guard let t = territory(spec, version) else {
                return CheckOutcome(.unknown, "intercommunalité du programme non choisie (précisez --programme ou --epci)")
            }
            guard let location else { return CheckOutcome(.unknown, "lieu non indiqué (--lon/--lat ou adresse)") }
            return Checks.territory(version, location: location, territory: t)
        case .inArea: return Checks.area(version, location: location)
        case .filingDeadline: return Checks.filingDeadline(version, input: spec.input ?? "", inputs: inputs, date: date, engine: self)
        }
    }
}

/// The checks the engine knows (see `CheckKind`).
enum Checks {
    static func periodOpen(_ v: RuleVersion, date: CivilDate, book: RuleBook) -> CheckOutcome {
        let open = v.bool("open") ?? false
        return CheckOutcome(open ? .met : .notMet, "\(date.french) : \(open ? "dans la période d'application" : "hors de la période d'application")")
    }

    static func oneOf(_ v: RuleVersion, input: String, inputs: EligibilityInputs, engine: RuleEngine) -> CheckOutcome {
        let book = engine.book
        guard let value = inputs.text(input) else { return CheckOutcome(.unknown, engine.missing(input)) }
        let allowed = v.strings("allowed") ?? []
        if allowed.contains(value) { return CheckOutcome(.met, "\(book.label(input, value)) : admis") }
        return CheckOutcome(
            .notMet,
            "\(book.label(input, value)) : non admis (admis à cette date : \(allowed.map { book.label(input, $0) }.joined(separator: " ; ")))")
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

    static func contract(_ v: RuleVersion, inputs: EligibilityInputs, engine: RuleEngine) -> CheckOutcome {
        guard let kind = inputs.text("contract") else { return CheckOutcome(.unknown, engine.missing("contract")) }
        switch kind {
        case "cdi":
            return (v.bool("cdi") ?? false) ? CheckOutcome(.met, "CDI : admis") : CheckOutcome(.notMet, "CDI : non admis")
        case "cdd":
            guard let months = inputs.number("duration_months") else { return CheckOutcome(.unknown, engine.missing("duration_months")) }
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

    /// Age on the date (from a declared birth date, or a declared age) against `min_age` and/or `max_age`.
    static func age(_ v: RuleVersion, input: String, inputs: EligibilityInputs, date: CivilDate, engine: RuleEngine) -> CheckOutcome {
        let age: Int
        if let birth = inputs.date(input) {
            guard birth <= date else { return CheckOutcome(.unknown, "date de naissance (\(birth.french)) postérieure au \(date.french)") }
            age = birth.years(until: date)
        } else if let n = inputs.number(input) {
            age = Int(n)
        } else {
            return CheckOutcome(.unknown, engine.missing(input))
        }
        let min = v.number("min_age").map { Int($0) }
        let max = v.number("max_age").map { Int($0) }
        if let min, max == nil {
            return CheckOutcome(age >= min ? .met : .notMet, "\(age) ans le \(date.french) (au moins \(min) ans requis)")
        }
        let bounds = [min.map { "au moins \($0) ans" }, max.map { "au plus \($0) ans" }].compactMap { $0 }.joined(separator: " et ")
        let ok = (min.map { age >= $0 } ?? true) && (max.map { age <= $0 } ?? true)
        return CheckOutcome(ok ? .met : .notMet, "\(age) ans le \(date.french) (\(bounds) requis)")
    }

    /// A declared date (a filing) at most `months` / `days` after the programme's date.
    static func filingDeadline(_ v: RuleVersion, input: String, inputs: EligibilityInputs, date: CivilDate, engine: RuleEngine) -> CheckOutcome {
        let limit = deadline(v, from: date)
        guard let limit else { return CheckOutcome(.unknown, "délai non saisi dans la règle") }
        guard let filed = inputs.date(input) else {
            return CheckOutcome(.unknown, engine.missing(input) + " ; date limite : \(limit.french)")
        }
        if filed < date { return CheckOutcome(.unknown, "date déclarée (\(filed.french)) antérieure au \(date.french) (\(engine.book.dateLabel))") }
        return filed <= limit
            ? CheckOutcome(.met, "déposée le \(filed.french), dans le délai (au plus tard le \(limit.french))")
            : CheckOutcome(.notMet, "déposée le \(filed.french), après la date limite du \(limit.french)")
    }

    /// The date `months` (or `days`) after `date`.
    static func deadline(_ v: RuleVersion, from date: CivilDate) -> CivilDate? {
        if let m = v.number("months") { return date.adding(months: Int(m)) }
        if let d = v.number("days") { return date.adding(days: Int(d)) }
        return nil
    }

    /// In a commune, EPCI, département or région of `codes`. The commune of the point comes from a communes file,
    /// the geocoder or the QPV it is in (candidates): all candidates in → met, none → not met, otherwise unknown.
    static func area(_ v: RuleVersion, location: EligibilityLocation?) -> CheckOutcome {
        guard let loc = location else { return CheckOutcome(.unknown, "lieu non indiqué (--lon/--lat ou adresse)") }
        if let p = loc.addressProblem { return CheckOutcome(.unknown, p) }
        if loc.status == .invalidCoordinates { return CheckOutcome(.unknown, "position inutilisable : \(loc.problem ?? "coordonnées invalides")") }
        let level = v.string("level") ?? "commune"
        let codes = v.strings("codes") ?? []
        let label = v.string("label") ?? codes.joined(separator: ", ")
        if level == "epci" {
            var sirens = Set(loc.qpv.compactMap(\.epciSiren))
            sirens.formUnion(loc.qic?.containing.compactMap(\.epciSiren) ?? [])
            if sirens.isEmpty {
                return CheckOutcome(
                    .unknown, "intercommunalité du lieu inconnue : qpv ne la connaît que par le QPV ou le QIC où se trouve le lieu (\(label))")
            }
            return sirens.contains(where: codes.contains)
                ? CheckOutcome(.met, "dans l'intercommunalité \(sirens.sorted().joined(separator: ", ")) (\(label))")
                : CheckOutcome(
                    .notMet, "le quartier du lieu relève de l'intercommunalité \(sirens.sorted().joined(separator: ", ")), hors de \(label)")
        }
        let communes = loc.communes.filter { !$0.insee.isEmpty }
        // Communes read from the QPV the point is in are only sure when the point is surely in that QPV.
        if loc.status == .boundary, loc.communeSource?.contains("QPV") == true {
            return CheckOutcome(
                .unknown,
                "lieu en limite de quartier : la commune déduite du QPV n'est pas sûre ; indiquez --communes FICHIER ou une adresse (\(level) : \(label))"
            )
        }
        guard !communes.isEmpty else {
            return CheckOutcome(
                .unknown, "commune du lieu inconnue : indiquez --communes FICHIER (contours des communes) ou une adresse (\(level) : \(label))")
        }
        func key(_ c: CommuneRef) -> String {
            switch level {
            case "departement": return Departements.code(citycode: c.insee)
            case "region": return Departements.region(citycode: c.insee) ?? ""
            default: return c.insee
            }
        }
        if level == "region", let c = communes.first(where: { Departements.region(citycode: $0.insee) == nil }) {
            return CheckOutcome(.unknown, "région de la commune \(c.name) (\(c.insee)) inconnue du Code officiel géographique (\(label))")
        }
        let inside = communes.filter { codes.contains(key($0)) }
        let names = communes.map { "\($0.name) (\($0.insee))" }.joined(separator: " ou ")
        let what = ["commune": "commune", "departement": "département", "region": "région"][level] ?? level
        if inside.count == communes.count {
            return CheckOutcome(.met, "\(names) : \(what) \(communes.map(key).uniqued().joined(separator: ", ")) admis (\(label))")
        }
        if inside.isEmpty {
            return CheckOutcome(.notMet, "\(names) : \(what) \(communes.map(key).uniqued().joined(separator: ", ")) hors de \(label)")
        }
        return CheckOutcome(
            .unknown,
            "le lieu est sur l'une des communes \(names), dont certaines seulement sont admises : précisez la commune (--communes FICHIER ou une adresse)"
        )
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
            let list =
                loc.missingList.map { "\($0.label) (\($0.legalBasis)) non installée ; \($0.installHint)" }
                ?? (loc.problem ?? "aucune liste installée")
            return CheckOutcome(.unknown, "liste des QPV en vigueur le \(loc.date.french) non disponible : \(list)")
        case .notCovered, .notApplicable:
            // A partial list: outside its quartiers is not "hors QPV" (issue 12).
            return CheckOutcome(
                .unknown,
                "hors des quartiers installés, mais la liste installée ne couvre pas ce lieu : \(loc.problem ?? "couverture de la liste insuffisante")",
                citations: listCitations)
        default: break
        }
        let distance = loc.distanceBoundaryM.map { FrenchFormat.metres($0) }
        if v.bool("list_available") == false {
            let name = v.string("list_name") ?? "liste applicable"
            if loc.status == .outside {
                return CheckOutcome(
                    .notMet, "hors de tout QPV (\(listLabel)) : le lieu ne peut pas être dans un QPV de la \(name)", citations: listCitations)
            }
            let place = loc.qpv.first.map { "dans le QPV \($0.code) « \($0.name) »" } ?? "en limite de QPV"
            return CheckOutcome(
                .unknown, "\(place), mais la \(name) n'est pas disponible dans qpv : vérifiez que ce quartier en faisait partie",
                citations: listCitations)
        }
        let derogation = v.string("derogation")
        // Only the QPV of some official lists (`list_ids`): a QPV of another list does not count.
        if let ids = v.strings("list_ids"), loc.status == .inside {
            let admitted = loc.qpv.filter { q in q.listId.map(ids.contains) ?? false }
            if admitted.isEmpty {
                let q = loc.qpv[0]
                let known = loc.qpvLists.contains { l in l.listId.map(ids.contains) ?? false }
                return CheckOutcome(
                    known ? .notMet : .unknown,
                    "dans le QPV \(q.code) « \(q.name) » de la \(listLabel), alors que la règle ne retient que les listes \(ids.joined(separator: ", "))"
                        + (known ? "" : " (non installées ou non en vigueur à cette date)"), citations: listCitations)
            }
        }
        switch loc.status {
        case .boundary:
            let near = loc.qpv.first ?? loc.nearestQPV
            let of = near.map { " de \($0.code)" } ?? ""
            let at =
                distance.map { "à \($0) seulement de la limite\(of) (tolérance \(FrenchFormat.metres(loc.toleranceM)))" }
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
                        .unknown, "\(s) ; dérogation du préfet non renseignée (--derogation / --no-derogation) : \(derogation)",
                        citations: listCitations)
                }
            }
            return CheckOutcome(.notMet, s, citations: listCitations)
        case .inside:
            let q = loc.qpv[0]
            if let prefixes = v.strings("excluded_code_prefixes"), prefixes.contains(where: { q.code.hasPrefix($0) }) {
                return CheckOutcome(
                    .notMet, "QPV \(q.code) « \(q.name) » : quartier exclu (\(v.string("excluded_label") ?? "territoire exclu"))",
                    citations: listCitations)
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
                    .met,
                    "dans le QPV \(admitted.code) « \(admitted.name) » (\(listLabel)), d'un territoire admis (\(label))"
                        + (distance.map { ", à \($0) de la limite la plus proche" } ?? ""), caveat: listCaveat, citations: listCitations)
            }
            if let expected = v.strings("expected_vintages"), !loc.qpv.contains(where: { expected.contains($0.vintage) }) {
                return CheckOutcome(
                    .unknown,
                    "dans le QPV \(q.code) de la liste \(q.vintage), alors que la règle se réfère à la liste \(expected.joined(separator: " ou "))",
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

    /// The `programme_territory` / `in_epci_territory` check: in a QPV (`qpv`, default true) or a QIC (`qic`,
    /// default true) of the EPCI.
    static func territory(_ v: RuleVersion, location loc: EligibilityLocation, territory p: EPCITerritory) -> CheckOutcome {
        if let problem = loc.addressProblem { return CheckOutcome(.unknown, problem) }
        if loc.status == .invalidCoordinates { return CheckOutcome(.unknown, "position inutilisable : \(loc.problem ?? "coordonnées invalides")") }
        let vintages = v.strings("qpv_vintages") ?? []
        let citations = Array(Set(loc.qpvLists.map(\.legalBasis).filter { !$0.isEmpty })).sorted()
        var unknowns: [String] = []
        var found: [String] = []
        var excludedParts: [String] = []
        var caveat = loc.qpvLists.compactMap { l in l.uncertain.map { "\(l.label) : \($0)" } }.first

        // QPV of the intercommunalité.
        switch v.bool("qpv") == false ? .outside : loc.status {
        case .noList:
            let list =
                loc.missingList.map { "\($0.label) (\($0.legalBasis)) non installée ; \($0.installHint)" }
                ?? (loc.problem ?? "aucune liste installée")
            unknowns.append("liste des QPV en vigueur le \(loc.date.french) non disponible : \(list)")
        case .inside:
            for q in loc.qpv where p.owns(q) {
                // A part of the QPV on a commune outside the EPCI (QN06216M on Hulluch, CA de Lens-Liévin).
                if let excluded = p.registry?.qpv(code: q.code)?.excludedCommunes, !excluded.isEmpty {
                    let isExcluded = { (c: CommuneRef) in
                        excluded.contains {
                            $0.insee == c.insee || TerritoryRegistry.normalizedName($0.name) == TerritoryRegistry.normalizedName(c.name)
                        }
                    }
                    // The point's commune is known when one commune remains (communes file, geocoder, or a QPV
                    // on a single commune); the QPV's own communes are only candidates.
                    if loc.communes.count == 1, isExcluded(loc.communes[0]) {
                        let e = excluded.first { $0.insee == loc.communes[0].insee } ?? excluded[0]
                        excludedParts.append("dans le QPV \(q.code) « \(q.name) », mais sur la commune de \(e.name) (\(e.insee)) : \(e.reason)")
                        continue
                    }
                    if loc.communes.count != 1 && (loc.communes.isEmpty || loc.communes.contains(where: isExcluded)) {
                        let names = excluded.map { "\($0.name) (\($0.insee))" }.joined(separator: ", ")
                        unknowns.append(
                            "dans le QPV \(q.code) « \(q.name) », qui s'étend aussi sur \(names), hors de l'intercommunalité : commune du point inconnue (indiquez --communes FICHIER, ou une adresse) ; \(excluded[0].reason)"
                        )
                        continue
                    }
                }
                if vintages.isEmpty || vintages.contains(q.vintage) {
                    found.append("dans le QPV \(q.code) « \(q.name) » de l'intercommunalité (liste \(q.vintage))")
                } else {
                    unknowns.append(
                        "dans le QPV \(q.code) de la liste \(q.vintage), alors que le programme se réfère à la liste \(vintages.joined(separator: " ou "))"
                    )
                }
            }
        case .boundary:
            if let near = loc.qpv.first ?? loc.nearestQPV, p.owns(near) {
                unknowns.append(
                    "en limite du QPV \(near.code) « \(near.name) » de l'intercommunalité, à \(loc.distanceBoundaryM.map { FrenchFormat.metres($0) } ?? "?") (tolérance \(FrenchFormat.metres(loc.toleranceM))) : vérifiez sur sig.ville.gouv.fr"
                )
            }
        case .notCovered:
            unknowns.append("hors des QPV installés, mais la liste installée ne couvre pas ce lieu : \(loc.problem ?? "couverture insuffisante")")
        default: break
        }

        // QIC of the intercommunalité.
        let qicSets = (loc.qic?.sets ?? []).filter { $0.epciSiren == p.siren }
        if v.bool("qic") ?? true {
            if !qicSets.isEmpty, let q = loc.qic {
                let mine = q.containing.filter { $0.epciSiren == p.siren }
                switch q.status {
                case .inside where !mine.isEmpty:
                    found.append(mine.map { "dans le QIC \($0.code) « \($0.name) » (quartier d'intérêt communautaire)" }.joined(separator: " et "))
                case .boundary:
                    if let near = mine.first ?? q.nearest, near.epciSiren == p.siren {
                        unknowns.append(
                            "en limite du QIC \(near.code) « \(near.name) », à \(q.distanceBoundaryM.map { FrenchFormat.metres($0) } ?? "?")")
                    }
                case .notCovered:
                    unknowns.append(
                        "QIC : impossible d'établir si le lieu est dans l'intercommunalité (installez ses communes : qpv data import-communes FICHIER --epci \(p.siren))"
                    )
                default: break
                }
                if let u = qicSets.compactMap(\.uncertain).first, caveat == nil { caveat = "QIC : \(u)" }
            } else if let registry = p.registry, !registry.qic.isEmpty {
                let install = "contours non installés (qpv data import FICHIER --kind qic --epci \(p.siren))"
                if loc.communes.isEmpty {
                    if found.isEmpty {
                        unknowns.append(
                            "les QIC de l'intercommunalité n'ont pas de géométrie installée et la commune du point est inconnue : indiquez --communes FICHIER (contours des communes) ou installez les QIC ; \(install)"
                        )
                    }
                } else {
                    let hosted = loc.communes.flatMap { c in registry.qic(inCommune: c.name).map { (c, $0) } }
                    if !hosted.isEmpty, found.isEmpty {
                        let list = hosted.map { "« \($0.1.name) » (\($0.0.name))" }.joined(separator: ", ")
                        unknowns.append("la commune du point accueille le(s) QIC \(list) : \(install)")
                    }
                }
            }
        }

        if !found.isEmpty { return CheckOutcome(.met, found.joined(separator: " ; "), caveat: caveat, citations: citations) }
        if !unknowns.isEmpty { return CheckOutcome(.unknown, unknowns.joined(separator: " ; "), caveat: caveat, citations: citations) }
        if !excludedParts.isEmpty { return CheckOutcome(.notMet, excludedParts.joined(separator: " ; "), caveat: caveat, citations: citations) }
        var s = "ni dans un QPV ni dans un QIC de l'intercommunalité \(p.name)"
        if let q = loc.qpv.first { s += " (dans le QPV \(q.code) « \(q.name) », qui n'en fait pas partie)" }
        if !loc.communes.isEmpty, qicSets.isEmpty, let r = p.registry, !r.qic.isEmpty {
            s += " ; la commune (\(loc.communes.map(\.name).joined(separator: ", "))) n'accueille aucun QIC"
        }
        return CheckOutcome(.notMet, s, caveat: caveat, citations: citations)
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
