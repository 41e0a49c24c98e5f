// QPVEligibility — decisions that follow from "in a QPV or not": emplois francs, adultes-relais, an
// intercommunalité's Fonds de cohésion sociale, the TFPB abatement of social landlords, and any programme a user
// writes in the public rule format (Docs/rules.md, Docs/rules.schema.json). Owns the dated rule tables
// (GeoData/rules/*.json and installed rule files, each version with its legal sources), the small engine that
// evaluates them into verdicts (`eligible`, `not_eligible`, `to_verify`) with criteria explained in French, the
// location answer the verdicts rely on (built from the locate engine or, through `AddressResolving`, from a
// geocoded address), and the streaming batches (TFPB, any programme) over a CSV file.
//
// This file owns the rule file format: its parsing into a `RuleBook` and every check of its content (one home for
// both `RuleBook.load` and `qpv rules check`, which names the line of each problem).

import Foundation
import QPVCore
import QPVGeoData
import QPVPerimeters

/// A legal or documentary source cited by rules.
public struct RuleSource: Sendable, Codable, Equatable {
    /// The identifier rules cite it by.
    public var id: String
    /// The text's title.
    public var title: String
    /// Official text when known (Légifrance, BOFiP, service-public.fr…).
    public var url: String?
    /// Other pages where the team read the fact.
    public var consulted: [String]

    /// "Titre (url)".
    public var citation: String { url.map { "\(title) — \($0)" } ?? title }
}

/// One dated version of a rule: its value applies on dates between `validFrom` and `validTo` (inclusive).
public struct RuleVersion: Sendable {
    /// The rule this is a version of.
    public var rule: String
    /// First day in force; nil: since always.
    public var validFrom: CivilDate?
    /// Last day in force; nil: still in force.
    public var validTo: CivilDate?
    /// The rule's parameters (shape depends on the rule).
    public var value: JSONValue
    /// What this version says, in French.
    public var note: String?
    /// The texts this version relies on.
    public var sources: [RuleSource]
    /// Non-nil when the team could not confirm this version: verdicts relying on it are `to_verify`.
    public var uncertain: String?

    /// True when `date` is within the version's validity.
    public func isInForce(on date: CivilDate) -> Bool {
        (validFrom.map { date >= $0 } ?? true) && (validTo.map { date <= $0 } ?? true)
    }

    /// The validity in French ("du 1er janvier 2020 au 31 décembre 2024").
    public var periodFrench: String {
        switch (validFrom, validTo) {
        case (let f?, let t?): return "du \(f.french) au \(t.french)"
        case (let f?, nil): return "depuis le \(f.french)"
        case (nil, let t?): return "jusqu'au \(t.french)"
        case (nil, nil): return "sans limite de date"
        }
    }

    /// The number parameter `key`, nil when absent or not a number.
    public func number(_ key: String) -> Double? { value[key]?.numberValue }
    /// The yes/no parameter `key`, nil when absent or not a boolean.
    public func bool(_ key: String) -> Bool? { if case .bool(let b)? = value[key] { return b } else { return nil } }
    /// The list-of-strings parameter `key`, nil when absent.
    public func strings(_ key: String) -> [String]? { value[key]?.arrayValue?.compactMap(\.stringValue) }
    /// The string parameter `key`, nil when absent.
    public func string(_ key: String) -> String? { value[key]?.stringValue }
}

/// The kinds of checks the engine knows; a criterion in a rule file names one.
public enum CheckKind: String, Sendable, CaseIterable {
    /// The programme is open on the date (`{"open": true|false}`).
    case periodOpen = "period_open"
    /// A declared value is among `allowed`.
    case oneOf = "one_of"
    /// The location is in a QPV of the list in force (options: `list_ids`, `list_available`,
    /// `excluded_code_prefixes`, `included_code_prefixes`, `expected_vintages`, `derogation`).
    case residenceQPV = "residence_qpv"
    /// A declared yes/no fact must be false (e.g. "employed by the same employer recently").
    case flagFalse = "flag_false"
    /// A declared yes/no fact must be true (e.g. "convention signed").
    case flagTrue = "flag_true"
    /// Contract type and length (`cdi`, `cdd_min_months`, `cdd_max_months`).
    case contract
    /// Age on the programme's date at least `min_age`.
    case minAge = "min_age"
    /// Age on the programme's date between `min_age` and `max_age` (both optional, inclusive).
    case ageRange = "age_range"
    /// The location is in one of the programme's QPV or QIC (the EPCI of the selected `programmes[]` entry).
    case programmeTerritory = "programme_territory"
    /// The location is in a QPV and/or a QIC of the EPCI `epci_siren` (`qpv`, `qic`, `qpv_vintages`).
    case inEPCITerritory = "in_epci_territory"
    /// The location is in one of `codes` at `level` (commune, epci, departement, region).
    case inArea = "in_area"
    /// A declared date (the filing) is at most `months` (or `days`) after the programme's date.
    case filingDeadline = "filing_deadline"
}

/// A criterion as declared in a rule file.
public struct CriterionSpec: Sendable, Equatable {
    /// The criterion's identifier (`id` in the JSON of verdicts).
    public var id: String
    /// Its French label.
    public var label: String
    /// How it is checked (location, date window, declared value…).
    public var check: CheckKind
    /// The rule whose version in force gives the parameters.
    public var rule: String
    /// The input the check reads (nil for location checks).
    public var input: String?
    /// Yes/no criteria: the French sentence when the declared fact is true / false, and how to declare it when
    /// it was not given (`ask`: the CLI options and API parameter). An undeclared fact is never assumed.
    public var whenTrue: String?
    /// The French sentence when the declared fact is false.
    public var whenFalse: String?
    /// How to declare the fact when it was not given (CLI options, API parameter).
    public var ask: String?
    /// A rule that turns a failed location criterion into "à vérifier" in some territories (TFPB overseas 2025).
    public var relaxedBy: Relaxation?

    /// A relaxation: where `territory` matches, a failed criterion becomes « à vérifier » under `rule`.
    public struct Relaxation: Sendable, Equatable {
        /// The rule whose version in force says whether the relaxation applies.
        public var rule: String
        /// The territory it applies to (`outre-mer`, a département code…).
        public var territory: String
        /// What to check by hand, said with the « à vérifier » verdict.
        public var ask: String
    }

    /// A criterion from its fields.
    public init(
        id: String, label: String, check: CheckKind, rule: String, input: String?, whenTrue: String? = nil, whenFalse: String? = nil,
        ask: String? = nil,
        relaxedBy: Relaxation? = nil
    ) {
        self.id = id
        self.label = label
        self.check = check
        self.rule = rule
        self.input = input
        self.whenTrue = whenTrue
        self.whenFalse = whenFalse
        self.ask = ask
        self.relaxedBy = relaxedBy
    }
}

/// How a programme's amount is computed (`amount` in a rule file). The amount is separate from the verdict: its
/// doubts ("montant à vérifier") never change it.
public struct AmountSpec: Sendable {
    /// How the amount is computed from the rule's version in force.
    public enum Kind: String, Sendable, CaseIterable {
        /// `{amount_eur}`.
        case fixed
        /// `{per_year_eur}`: a yearly amount (per full-time post).
        case perYear = "per_year"
        /// `{by_year_eur: [..]}`: an amount for each year.
        case byYear = "by_year"
        /// `{rate, base_eur?}` × the declared `base_fact` when `base_eur` is absent; `majorations` may replace the rate.
        case rateOfBase = "rate_of_base"
        /// `{per_year_eur, max_years?}` prorated to the declared `duration_fact` (months) and `working_time_fact`.
        case prorated
        /// `{cdi_per_year, cdi_years, cdd_per_year, cdd_max_years}` by contract type, prorated for a CDD and the
        /// working time; `first_year_rule` may replace the first year's amount below an age.
        case contractYears = "contract_years"
    }

    /// How the amount is computed.
    public var kind: Kind
    /// The rule whose dated versions give the amounts.
    public var rule: String
    /// French wording of the amount (`{year}` replaced by the year of the programme's date).
    public var label: String?
    /// When no version covers the date: the sentence to say (`{year}`, `{known}`), or nil for no amount at all.
    public var missing: String?
    /// The declared fact that is the base of `rate_of_base` (a salary, a cost).
    public var baseFact: String?
    /// The declared fact giving a duration in months (`prorated`, `contract_years`).
    public var durationFact: String?
    /// The declared fact giving the working time (1 = full time).
    public var workingTimeFact: String?
    /// The declared fact giving the age used by `first_year_rule`.
    public var ageFact: String?
    /// A rule that may replace the first year's amount below an age (`contract_years`).
    public var firstYearRule: String?
    /// Checks that, when met, replace the rate (`rate_of_base`) with their rule's `rate`.
    public var majorations: [CriterionSpec]
}

/// The filing deadline of a programme: `months` (or `days`) after its date, from the version in force.
public struct DeadlineSpec: Sendable {
    /// The rule whose versions give the delay (`months` or `days`).
    public var rule: String
    /// "après la signature du contrat".
    public var after: String
}

/// A note added to a report: always, when a declared fact has a value, when a rule has a version (its `{key}` /
/// `{key%}` placeholders filled), or when the location is in a QIC but not a QPV of the programme's EPCI.
public struct NoteSpec: Sendable {
    /// The note's French text (`{key}` placeholders filled from the rule).
    public var text: String?
    /// Only when this declared fact has a value (or equals `equals`).
    public var whenFact: String?
    /// With `when_fact`: the value the fact must have.
    public var equals: String?
    /// Only when this rule has a version in force; its values fill the text.
    public var rule: String?
    /// Only for this kind of location (`qic_not_qpv`: in a QIC of the EPCI but not in one of its QPV).
    public var whenLocation: String?
    /// With `when_fact`: only when the declared number is below this (a part-time share under 1).
    public var below: Double?
    /// Only with a verdict that is not `not_eligible` (like the amount), after the amount's notes.
    public var exceptNotEligible = false
}

/// A fact the programme reads, with its type (for `--fact name=value`, API parameters and CSV columns).
public struct FactSpec: Sendable, Equatable {
    /// The type of a fact.
    public enum Kind: String, Sendable, CaseIterable {
        /// A date, AAAA-MM-JJ.
        case date
        /// A number (decimal comma accepted).
        case number
        /// A text (a status, a contract type…).
        case text
        /// A yes/no declaration (undeclared is unknown, never assumed).
        case flag
    }
    /// The fact's name (`birth_date`, `salary_eur`…), as given to `--fact name=value`.
    public var name: String
    /// Its type, which decides how a value is read.
    public var kind: Kind
    /// Its French label, for messages and the page.
    public var label: String?
}

/// A problem in a rule file: its JSON path, its line when known, the French message.
public struct RuleIssue: Sendable, Equatable, CustomStringConvertible {
    /// The file (or programme) the problem is in.
    public var origin: String
    /// The JSON path of the field (`criteria[2].check`).
    public var path: String
    /// The line of the field in the file, when known.
    public var line: Int?
    /// The problem, in French.
    public var message: String
    /// `false` for a remark that does not stop the file from loading.
    public var isError: Bool = true

    public var description: String {
        "\(origin)\(line.map { ":\($0)" } ?? "") : \(isError ? "erreur" : "remarque") : \(path.isEmpty ? "" : "champ \(path) : ")\(message)"
    }
}

/// Errors reading a rule file.
public struct RuleBookError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// The rule file.
    public var origin: String
    /// Where in the file (JSON path), "" for the whole file.
    public var path: String
    /// What is wrong, in French.
    public var reason: String
    /// Line of the problem in the file, when known.
    public var line: Int? = nil
    /// "file:line : path : reason".
    public var description: String { "\(origin)\(line.map { ":\($0)" } ?? "") : \(path.isEmpty ? "" : path + " : ")\(reason)" }
    public var errorDescription: String? { description }
}

/// An intercommunalité's territory a check answers on: its QPV (registry codes, or QPV carrying its SIREN) and QIC.
public struct EPCITerritory: Sendable {
    /// SIREN of the intercommunalité.
    public var siren: String
    /// Its name.
    public var name: String
    /// Its territory registry (QPV codes, QIC, sources), when the project has typed one.
    public var registry: TerritoryRegistry?
    /// True for the demonstration EPCI.
    public var demo: Bool

    /// A territory from its SIREN, name and registry.
    public init(siren: String, name: String, registry: TerritoryRegistry?, demo: Bool) {
        self.siren = siren
        self.name = name
        self.registry = registry
        self.demo = demo
    }

    /// Whether a QPV belongs to the EPCI: listed in the territory registry, or carrying the EPCI's SIREN.
    public func owns(_ p: PerimeterRef) -> Bool {
        (registry?.qpvCodes.contains(p.code) ?? false) || p.epciSiren == siren
    }
}

/// A programme's rule table (`GeoData/rules/NAME.json`, or a user's file): sources, vocabulary, criteria, dated
/// rules, amount, deadline and notes.
public struct RuleBook: Sendable {
    /// The version of the format this engine reads (`format_version`).
    public static let formatVersion = 1

    /// The programme's identifier (`emploi-franc`, `adulte-relais`, `fcs`, `tfpb`).
    public var programme: String
    /// Its French name.
    public var label: String
    /// What the programme is, in French.
    public var about: String
    /// When the team last checked the file against the texts.
    public var updated: String
    /// Which input is the programme's date (`signature_date`, `hire_date`…) and how to say it.
    public var dateInput: String
    /// How the programme's date is said ("date de signature du contrat").
    public var dateLabel: String
    /// The texts the rules cite, by identifier.
    public var sources: [String: RuleSource]
    /// French labels of declared values, per input (`status` → `jobseeker` → "demandeur d'emploi…").
    public var vocabulary: [String: [String: String]]
    /// The criteria, in the order verdicts list them.
    public var criteria: [CriterionSpec]
    /// The dated versions of each rule, by rule name.
    public var rules: [String: [RuleVersion]]
    /// Per-EPCI programmes (Fonds de cohésion sociale): each with its own rules.
    public var programmes: [TerritoryProgramme]
    /// Where the file was read from (shown in verdicts as `rules_file`).
    public var origin: String
    /// How an `eligible` verdict is said when location is only one condition ("Territoire éligible" for the
    /// FCS), nil for the plain "Éligible".
    public var eligibleWording: String?
    /// What else decides, beyond the criteria qpv checks (the programme's règlement, the committee, the council
    /// vote…): listed with every verdict that is not `not_eligible`.
    public var alsoDecides: [String] = []
    /// How the programme's amount is computed (nil: no amount is given).
    public var amount: AmountSpec?
    /// The filing deadline, when the programme has one.
    public var deadline: DeadlineSpec?
    /// Notes added to the report, in order.
    public var notes: [NoteSpec] = []
    /// Declared facts (explicit `facts` and those the criteria and amount read), by name.
    public var facts: [String: FactSpec] = [:]
    /// The EPCI of the selected territory programme (`programme_territory`).
    public var territory: EPCITerritory?
    /// Territories of the EPCI named by `in_epci_territory` criteria, by SIREN.
    public var epciTerritories: [String: EPCITerritory] = [:]

    /// One intercommunalité's programme inside a rule file.
    public struct TerritoryProgramme: Sendable {
        /// Its identifier for `--programme` (`fcs_cabbalr`), nil in older files.
        public var id: String?
        /// SIREN of the intercommunalité.
        public var epciSiren: String
        /// Its name.
        public var epciName: String
        /// Territory registry path inside GeoData (QPV codes, QIC with communes), nil when none.
        public var registryPath: String?
        /// True for the demonstration programme.
        public var demo: Bool
        /// The programme's own dated rules, by rule name.
        public var rules: [String: [RuleVersion]]
        /// Programme-specific conditions beyond the territory (fonds de concours: communes only, works excluded…).
        public var alsoDecides: [String] = []
    }

    /// Loads a shipped rule file: `shipped("emploi-franc")` reads `GeoData/rules/emploi-franc.json`.
    public static func shipped(_ name: String) throws -> RuleBook {
        try load(data: try GeoDataBundle.data("rules/\(name).json"), origin: "GeoData/rules/\(name).json")
    }

    /// Names of the shipped rule files.
    public static func shippedNames() -> [String] {
        guard let url = GeoDataBundle.url("rules"),
            let files = try? FileManager.default.contentsOfDirectory(atPath: url.path)
        else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The version of `rule` in force on `date`, or nil when no version covers it.
    public func version(_ rule: String, on date: CivilDate) -> RuleVersion? {
        rules[rule]?.first { $0.isInForce(on: date) }
    }

    /// The French label of a declared value ("jobseeker" → "demandeur d'emploi…"), or the value itself.
    public func label(_ input: String, _ value: String) -> String { vocabulary[input]?[value] ?? value }

    /// A copy using one territory programme's rules and EPCI (its registry loaded).
    public func forProgramme(_ p: TerritoryProgramme) throws -> RuleBook {
        var b = self
        b.rules = p.rules
        b.alsoDecides += p.alsoDecides
        b.territory = EPCITerritory(
            siren: p.epciSiren, name: p.epciName, registry: try p.registryPath.map { try TerritoryRegistry.shipped(path: $0) }, demo: p.demo)
        return b
    }

    /// The identifiers `--programme` accepts: the file's programme, and each territory programme's id and SIREN.
    public var programmeIds: [String] { [programme] + programmes.compactMap(\.id) }

    /// The book to evaluate for `--programme ID`: itself, or one territory programme (by id or EPCI SIREN). With
    /// territory programmes and the file's own id, nil unless `epci` (or a single real programme) decides.
    /// With a location, the programme is chosen as `qpv eligibility fcs` does (`CohesionFund.programme`).
    public func selecting(_ id: String, epci: String? = nil, location: EligibilityLocation? = nil) throws -> RuleBook? {
        if programmes.isEmpty { return id == programme ? self : nil }
        if let p = programmes.first(where: { $0.id == id || $0.epciSiren == id }) { return try forProgramme(p) }
        guard id == programme else { return nil }
        if let epci, let p = programmes.first(where: { $0.epciSiren == epci }) { return try forProgramme(p) }
        if let location { return CohesionFund.programme(siren: nil, location: location, among: try CohesionFund.programmes(book: self))?.book }
        let real = programmes.filter { !$0.demo }
        return real.count == 1 ? try forProgramme(real[0]) : nil
    }

    /// Parses and validates a rule file: dates, sources, no overlapping versions, criteria pointing to rules.
    /// Throws the first error (with its line); `check` lists them all.
    public static func load(data: Data, origin: String) throws -> RuleBook {
        let (book, issues) = parse(data: data, origin: origin)
        if let first = issues.first(where: \.isError) {
            throw RuleBookError(origin: origin, path: first.path, reason: first.message, line: first.line)
        }
        guard let book else { throw RuleBookError(origin: origin, path: "", reason: "fichier de règles illisible") }
        return book
    }

    /// Every problem of a rule file (errors and remarks), each with its line: the schema (fields, types), the
    /// engine (known checks and amounts, rules present, facts typed consistently) and the content (dated versions
    /// without overlap nor gap, each with a source; official lists and EPCI known to the registries).
    public static func check(data: Data, origin: String) -> [RuleIssue] { parse(data: data, origin: origin).issues }

    /// Parses a rule file, collecting every issue. The book is nil when the file cannot be read at all.
    public static func parse(data: Data, origin: String) -> (book: RuleBook?, issues: [RuleIssue]) {
        let root: JSONValue
        let positions: JSONPositions
        do {
            (root, positions) = try JSONParser.parseWithPositions(data)
        } catch let e as JSONSyntaxError {
            return (nil, [RuleIssue(origin: origin, path: "", line: e.line, message: "\(e)")])
        } catch {
            return (nil, [RuleIssue(origin: origin, path: "", line: nil, message: "\(error)")])
        }
        var p = RuleFileParser(origin: origin, positions: positions)
        let book = p.book(root)
        return (book, p.issues)
    }
}

/// Reads a rule file's JSON into a `RuleBook`, recording each problem with its path and line.
struct RuleFileParser {
    let origin: String
    let positions: JSONPositions
    var issues: [RuleIssue] = []

    init(origin: String, positions: JSONPositions) {
        self.origin = origin
        self.positions = positions
    }

    mutating func fail(_ path: String, _ message: String) {
        issues.append(RuleIssue(origin: origin, path: path, line: positions.line(path), message: message))
    }

    mutating func remark(_ path: String, _ message: String) {
        issues.append(RuleIssue(origin: origin, path: path, line: positions.line(path), message: message, isError: false))
    }

    static let rootKeys: Set<String> = [
        "$schema", "format_version", "programme", "label", "about", "updated", "date_input", "date_label", "sources", "vocabulary", "facts",
        "criteria", "rules", "programmes", "eligible_wording", "also_decides", "amount", "filing_deadline", "notes",
    ]
    static let criterionKeys: Set<String> = ["id", "label", "check", "rule", "input", "when_true", "when_false", "ask", "relaxed_by"]
    static let versionKeys: Set<String> = ["valid_from", "valid_to", "value", "note", "sources", "uncertain"]
    static let sourceKeys: Set<String> = ["id", "title", "url", "consulted"]
    static let programmeKeys: Set<String> = ["id", "epci_siren", "epci_name", "registry", "demo", "rules", "also_decides"]
    static let amountKeys: Set<String> = [
        "kind", "rule", "label", "missing", "base_fact", "duration_fact", "working_time_fact", "age_fact", "first_year_rule", "majorations",
    ]

    mutating func unknownKeys(_ v: JSONValue?, _ allowed: Set<String>, _ path: String) {
        for (k, _) in v?.objectValue ?? [] where !allowed.contains(k) {
            fail(path.isEmpty ? k : "\(path).\(k)", "champ inconnu « \(k) » (champs possibles : \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    mutating func string(_ v: JSONValue?, _ path: String, required: Bool = true) -> String? {
        guard let v, v != .null else {
            if required { fail(path, "champ obligatoire absent") }
            return nil
        }
        guard let s = v.stringValue, !s.isEmpty else {
            fail(path, "texte non vide attendu")
            return nil
        }
        return s
    }

    mutating func date(_ v: JSONValue?, _ path: String) -> CivilDate? {
        guard let v, v != .null else { return nil }
        guard let s = v.stringValue, let d = CivilDate(s) else {
            fail(path, "date invalide (attendu AAAA-MM-JJ)")
            return nil
        }
        return d
    }

    mutating func strings(_ v: JSONValue?, _ path: String) -> [String] {
        guard let v, v != .null else { return [] }
        guard let a = v.arrayValue else {
            fail(path, "liste de textes attendue")
            return []
        }
        return a.enumerated().compactMap { i, s in
            if s.stringValue == nil { fail("\(path)[\(i)]", "texte attendu") }
            return s.stringValue
        }
    }

    mutating func book(_ root: JSONValue) -> RuleBook? {
        guard case .object = root else {
            fail("", "objet JSON attendu à la racine")
            return nil
        }
        unknownKeys(root, Self.rootKeys, "")
        switch root["format_version"] {
        case nil: fail("format_version", "champ obligatoire absent (version du format : \(RuleBook.formatVersion))")
        case .number(let n)? where n == Double(RuleBook.formatVersion): break
        case let v?: fail("format_version", "version \(v.scalarText ?? "?") non lue par ce qpv (version lue : \(RuleBook.formatVersion))")
        }
        // Sources.
        var sources: [String: RuleSource] = [:]
        if root["sources"]?.arrayValue == nil { fail("sources", "liste des sources attendue") }
        for (i, s) in (root["sources"]?.arrayValue ?? []).enumerated() {
            let path = "sources[\(i)]"
            unknownKeys(s, Self.sourceKeys, path)
            guard let id = string(s["id"], path + ".id") else { continue }
            if sources[id] != nil { fail(path + ".id", "source « \(id) » déclarée deux fois") }
            let title = string(s["title"], path + ".title") ?? ""
            sources[id] = RuleSource(id: id, title: title, url: s["url"]?.stringValue, consulted: strings(s["consulted"], path + ".consulted"))
        }
        if sources.isEmpty { fail("sources", "aucune source déclarée") }

        let rules = parseRules(root["rules"], "rules", sources: sources)
        var programmes: [RuleBook.TerritoryProgramme] = []
        for (i, p) in (root["programmes"]?.arrayValue ?? []).enumerated() {
            let path = "programmes[\(i)]"
            unknownKeys(p, Self.programmeKeys, path)
            let siren = string(p["epci_siren"], path + ".epci_siren") ?? ""
            if siren.count != 9 || !siren.allSatisfy(\.isNumber) { fail(path + ".epci_siren", "SIREN « \(siren) » invalide (9 chiffres)") }
            var demo = false
            if case .bool(let b)? = p["demo"] { demo = b }
            let registryPath = p["registry"]?.stringValue
            if let registryPath, (try? TerritoryRegistry.shipped(path: registryPath)) == nil {
                fail(path + ".registry", "registre de territoire « \(registryPath) » introuvable dans GeoData")
            } else if registryPath == nil, !demo, KnownTerritories.registry(siren: siren) == nil {
                fail(
                    path + ".epci_siren",
                    "EPCI « \(siren) » inconnu des registres de territoire (GeoData/registry/territories) ; marquez \"demo\": true pour un programme fictif"
                )
            }
            programmes.append(
                RuleBook.TerritoryProgramme(
                    id: p["id"]?.stringValue, epciSiren: siren, epciName: string(p["epci_name"], path + ".epci_name") ?? "",
                    registryPath: registryPath,
                    demo: demo, rules: parseRules(p["rules"], path + ".rules", sources: sources),
                    alsoDecides: strings(p["also_decides"], path + ".also_decides")))
        }
        if rules.isEmpty && programmes.isEmpty { fail("rules", "aucune règle déclarée") }
        func known(_ rule: String) -> Bool { rules[rule] != nil || (!programmes.isEmpty && programmes.allSatisfy { $0.rules[rule] != nil }) }
        func versions(_ rule: String) -> [RuleVersion] { (rules[rule] ?? []) + programmes.flatMap { $0.rules[rule] ?? [] } }

        var vocabulary: [String: [String: String]] = [:]
        for (input, labels) in root["vocabulary"]?.objectValue ?? [] {
            var m: [String: String] = [:]
            for (k, v) in labels.objectValue ?? [] { m[k] = v.stringValue ?? k }
            vocabulary[input] = m
        }

        // Facts: explicit ones, then those the checks read (with the type the check needs).
        var facts: [String: FactSpec] = [:]
        for (name, f) in root["facts"]?.objectValue ?? [] {
            let path = "facts.\(name)"
            guard let t = string(f["type"], path + ".type") else { continue }
            guard let kind = FactSpec.Kind(rawValue: t) else {
                fail(path + ".type", "type « \(t) » inconnu (types : \(FactSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            facts[name] = FactSpec(name: name, kind: kind, label: f["label"]?.stringValue)
        }
        func need(_ name: String, _ kind: FactSpec.Kind, _ path: String) {
            if let f = facts[name] {
                if f.kind != kind { fail(path, "le fait « \(name) » est lu comme \(kind.rawValue) ici mais déclaré \(f.kind.rawValue)") }
            } else {
                facts[name] = FactSpec(name: name, kind: kind, label: nil)
            }
        }
        let dateInput = string(root["date_input"], "date_input")
        if let dateInput { need(dateInput, .date, "date_input") }

        func parseCriterion(_ c: JSONValue, _ path: String, needsInput: Bool = true) -> CriterionSpec? {
            unknownKeys(c, Self.criterionKeys, path)
            guard let checkName = string(c["check"], path + ".check") else { return nil }
            guard let check = CheckKind(rawValue: checkName) else {
                fail(path + ".check", "contrôle « \(checkName) » inconnu (connus : \(CheckKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                return nil
            }
            guard let rule = string(c["rule"], path + ".rule") else { return nil }
            if !known(rule) { fail(path + ".rule", "règle « \(rule) » absente du fichier") }
            let input = c["input"]?.stringValue
            switch check {
            case .oneOf, .flagTrue, .flagFalse, .filingDeadline:
                if input == nil { fail(path + ".input", "le contrôle \(checkName) lit un fait déclaré : indiquez « input »") }
            default: break
            }
            if let input {
                switch check {
                case .oneOf: need(input, .text, path + ".input")
                case .flagTrue, .flagFalse: need(input, .flag, path + ".input")
                case .minAge: need(input, .date, path + ".input")
                case .ageRange: need(input, facts[input]?.kind == .number ? .number : .date, path + ".input")
                case .filingDeadline: need(input, .date, path + ".input")
                case .periodOpen: need(input, .date, path + ".input")
                default: break
                }
            }
            switch check {
            case .minAge where input == nil: need("birth_date", .date, path)
            case .contract:
                need("contract", .text, path)
                need("duration_months", .number, path)
            case .residenceQPV:
                for (i, v) in versions(rule).enumerated() where v.value["derogation"] != nil {
                    _ = i
                    need("derogation", .flag, path)
                }
            default: break
            }
            checkValues(check, rule: rule, versions: versions(rule), path: path)
            var relaxation: CriterionSpec.Relaxation?
            if let r = c["relaxed_by"] {
                let rp = path + ".relaxed_by"
                if let rr = string(r["rule"], rp + ".rule"), let t = string(r["territory"], rp + ".territory"),
                    let ask = string(r["ask"], rp + ".ask")
                {
                    if !known(rr) { fail(rp + ".rule", "règle « \(rr) » absente du fichier") }
                    if ListTerritory(string: t) == nil { fail(rp + ".territory", "territoire « \(t) » inconnu (hexagone, outre-mer)") }
                    relaxation = .init(rule: rr, territory: t, ask: ask)
                }
            }
            guard let id = string(c["id"], path + ".id"), let label = string(c["label"], path + ".label") else { return nil }
            return CriterionSpec(
                id: id, label: label, check: check, rule: rule, input: input, whenTrue: c["when_true"]?.stringValue,
                whenFalse: c["when_false"]?.stringValue,
                ask: c["ask"]?.stringValue, relaxedBy: relaxation)
        }

        var criteria: [CriterionSpec] = []
        var ids = Set<String>()
        for (i, c) in (root["criteria"]?.arrayValue ?? []).enumerated() {
            guard let spec = parseCriterion(c, "criteria[\(i)]") else { continue }
            if !ids.insert(spec.id).inserted { fail("criteria[\(i)].id", "critère « \(spec.id) » déclaré deux fois") }
            criteria.append(spec)
        }
        if criteria.isEmpty && (root["criteria"]?.arrayValue ?? []).isEmpty { fail("criteria", "aucun critère déclaré") }

        // Amount.
        var amount: AmountSpec?
        if let a = root["amount"] {
            unknownKeys(a, Self.amountKeys, "amount")
            if let k = string(a["kind"], "amount.kind"), let rule = string(a["rule"], "amount.rule") {
                if let kind = AmountSpec.Kind(rawValue: k) {
                    if !known(rule) { fail("amount.rule", "règle « \(rule) » absente du fichier") }
                    let majorations = (a["majorations"]?.arrayValue ?? []).enumerated().compactMap { i, m in
                        parseCriterion(m, "amount.majorations[\(i)]")
                    }
                    let spec = AmountSpec(
                        kind: kind, rule: rule, label: a["label"]?.stringValue, missing: a["missing"]?.stringValue,
                        baseFact: a["base_fact"]?.stringValue,
                        durationFact: a["duration_fact"]?.stringValue, workingTimeFact: a["working_time_fact"]?.stringValue,
                        ageFact: a["age_fact"]?.stringValue,
                        firstYearRule: a["first_year_rule"]?.stringValue, majorations: majorations)
                    for f in [spec.baseFact, spec.durationFact, spec.workingTimeFact, spec.ageFact].compactMap({ $0 }) { need(f, .number, "amount") }
                    if kind == .contractYears { need("contract", .text, "amount"); need("duration_months", .number, "amount") }
                    if let fy = spec.firstYearRule, !known(fy) { fail("amount.first_year_rule", "règle « \(fy) » absente du fichier") }
                    checkAmount(spec, versions: versions(rule))
                    amount = spec
                } else {
                    fail("amount.kind", "montant « \(k) » inconnu (connus : \(AmountSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
        }
        var deadline: DeadlineSpec?
        if let d = root["filing_deadline"] {
            if let rule = string(d["rule"], "filing_deadline.rule") {
                if !known(rule) { fail("filing_deadline.rule", "règle « \(rule) » absente du fichier") }
                for (i, v) in versions(rule).enumerated() where v.number("months") == nil && v.number("days") == nil {
                    fail("rules.\(rule)[\(i)].value", "délai attendu : « months » ou « days »")
                }
                deadline = DeadlineSpec(rule: rule, after: d["after"]?.stringValue ?? "après la \(root["date_label"]?.stringValue ?? "date")")
            }
        }
        var notes: [NoteSpec] = []
        for (i, n) in (root["notes"]?.arrayValue ?? []).enumerated() {
            let path = "notes[\(i)]"
            unknownKeys(n, ["text", "when_fact", "equals", "below", "rule", "when_location", "except_not_eligible"], path)
            var note = NoteSpec(
                text: n["text"]?.stringValue, whenFact: n["when_fact"]?.stringValue, equals: n["equals"]?.stringValue, rule: n["rule"]?.stringValue,
                whenLocation: n["when_location"]?.stringValue, below: n["below"]?.numberValue)
            if case .bool(true)? = n["except_not_eligible"] { note.exceptNotEligible = true }
            if note.text == nil && note.rule == nil { fail(path, "une note porte « text », ou « rule » (la note de la version en vigueur)") }
            if let r = note.rule, !known(r) && !programmes.contains(where: { $0.rules[r] != nil }) {
                fail(path + ".rule", "règle « \(r) » absente du fichier")
            }
            if let w = note.whenLocation, w != "in_qic_not_qpv" {
                fail(path + ".when_location", "condition « \(w) » inconnue (connue : in_qic_not_qpv)")
            }
            if let f = note.whenFact, facts[f] == nil { fail(path + ".when_fact", "fait « \(f) » lu par aucun critère ni déclaré dans « facts »") }
            notes.append(note)
        }

        // EPCI territories of `in_epci_territory` criteria.
        var epciTerritories: [String: EPCITerritory] = [:]
        for (i, c) in (criteria + (amount?.majorations ?? [])).enumerated() where c.check == .inEPCITerritory {
            for (k, v) in (rules[c.rule] ?? []).enumerated() {
                guard let siren = v.string("epci_siren") else { continue }
                if epciTerritories[siren] != nil { continue }
                let demo = v.bool("demo") ?? false
                let registry = KnownTerritories.registry(siren: siren)
                if registry == nil && !demo {
                    fail(
                        "rules.\(c.rule)[\(k)].value.epci_siren",
                        "EPCI « \(siren) » inconnu des registres de territoire (GeoData/registry/territories) ; \"demo\": true pour un territoire fictif"
                    )
                }
                _ = i
                epciTerritories[siren] = EPCITerritory(
                    siren: siren, name: v.string("epci_name") ?? registry?.epci.name ?? siren, registry: registry, demo: demo)
            }
        }

        guard let programme = string(root["programme"], "programme"), let label = string(root["label"], "label"), let dateInput,
            let dateLabel = string(root["date_label"], "date_label")
        else { return nil }
        var book = RuleBook(
            programme: programme, label: label, about: root["about"]?.stringValue ?? "", updated: root["updated"]?.stringValue ?? "",
            dateInput: dateInput, dateLabel: dateLabel, sources: sources, vocabulary: vocabulary, criteria: criteria, rules: rules,
            programmes: programmes, origin: origin, eligibleWording: root["eligible_wording"]?.stringValue,
            alsoDecides: strings(root["also_decides"], "also_decides"))
        book.amount = amount
        book.deadline = deadline
        book.notes = notes
        book.facts = facts
        book.epciTerritories = epciTerritories
        return book
    }

    mutating func parseRules(_ value: JSONValue?, _ base: String, sources: [String: RuleSource]) -> [String: [RuleVersion]] {
        var rules: [String: [RuleVersion]] = [:]
        guard let value, value != .null else { return rules }
        guard let members = value.objectValue else {
            fail(base, "objet attendu (une liste de versions par règle)")
            return rules
        }
        for (name, versions) in members {
            guard let list = versions.arrayValue, !list.isEmpty else {
                fail("\(base).\(name)", "liste de versions attendue")
                continue
            }
            var parsed: [(RuleVersion, String)] = []
            for (i, v) in list.enumerated() {
                let path = "\(base).\(name)[\(i)]"
                unknownKeys(v, Self.versionKeys, path)
                let from = date(v["valid_from"], path + ".valid_from")
                let to = date(v["valid_to"], path + ".valid_to")
                if let from, let to, to < from { fail(path + ".valid_to", "valid_to (\(to)) avant valid_from (\(from))") }
                let ids = strings(v["sources"], path + ".sources")
                if ids.isEmpty { fail(path + ".sources", "chaque version d'une règle cite au moins une source") }
                let cited = ids.compactMap { id -> RuleSource? in
                    guard let s = sources[id] else {
                        fail(path + ".sources", "source « \(id) » inconnue")
                        return nil
                    }
                    return s
                }
                guard let value = v["value"], case .object = value else {
                    fail(path + ".value", "objet attendu")
                    continue
                }
                let uncertain = v["uncertain"]?.stringValue
                parsed.append(
                    (
                        RuleVersion(
                            rule: name, validFrom: from, validTo: to, value: value, note: v["note"]?.stringValue, sources: cited,
                            uncertain: (uncertain?.isEmpty ?? true) ? nil : uncertain), path
                    ))
            }
            parsed.sort { ($0.0.validFrom?.dayNumber ?? Int.min) < ($1.0.validFrom?.dayNumber ?? Int.min) }
            for (a, b) in zip(parsed, parsed.dropFirst()) {
                let aEnd = a.0.validTo?.dayNumber ?? Int.max
                let bStart = b.0.validFrom?.dayNumber ?? Int.min
                if bStart <= aEnd {
                    fail(b.1 + ".valid_from", "deux versions se chevauchent (\(a.0.periodFrench) et \(b.0.periodFrench))")
                } else if bStart > aEnd + 1 {
                    fail(
                        b.1 + ".valid_from",
                        "trou entre deux versions : rien du \(CivilDate(dayNumber: aEnd + 1).french) au \(CivilDate(dayNumber: bStart - 1).french) ; ajoutez une version (par exemple {\"open\": false} ou \"uncertain\") pour dire ce qui vaut entre les deux"
                    )
                }
            }
            rules[name] = parsed.map(\.0)
        }
        return rules
    }

    /// Parameters each check needs in its rule's versions (and the registries they name).
    mutating func checkValues(_ check: CheckKind, rule: String, versions: [RuleVersion], path: String) {
        func at(_ v: RuleVersion, _ key: String) -> String {
            let all = versions.filter { $0.rule == v.rule }
            let i = all.firstIndex { $0.validFrom == v.validFrom && $0.validTo == v.validTo } ?? 0
            return "rules.\(rule)[\(i)].value" + (key.isEmpty ? "" : ".\(key)")
        }
        for v in versions {
            switch check {
            case .periodOpen:
                if v.bool("open") == nil { fail(at(v, "open"), "« open » (true ou false) attendu pour le contrôle period_open") }
            case .oneOf:
                if v.strings("allowed") == nil { fail(at(v, "allowed"), "liste « allowed » attendue pour le contrôle one_of") }
            case .minAge:
                if v.number("min_age") == nil { fail(at(v, "min_age"), "nombre « min_age » attendu") }
            case .ageRange:
                if v.number("min_age") == nil && v.number("max_age") == nil { fail(at(v, ""), "« min_age » ou « max_age » attendu") }
            case .contract:
                if v.bool("cdi") == nil { fail(at(v, "cdi"), "« cdi » (true ou false) attendu pour le contrôle contract") }
            case .residenceQPV:
                if let lists = v.strings("list_ids") {
                    for id in lists where KnownTerritories.officialList(id) == nil {
                        fail(at(v, "list_ids"), "liste « \(id) » inconnue du registre des listes officielles (GeoData/registry/official-lists.json)")
                    }
                }
            case .inEPCITerritory:
                if v.string("epci_siren") == nil { fail(at(v, "epci_siren"), "SIREN « epci_siren » de l'intercommunalité attendu") }
            case .inArea:
                let levels = ["commune", "epci", "departement", "region"]
                if let l = v.string("level") {
                    if !levels.contains(l) { fail(at(v, "level"), "niveau « \(l) » inconnu (niveaux : \(levels.joined(separator: ", ")))") }
                    for code in v.strings("codes") ?? [] {
                        switch l {
                        case "departement" where Departements.table[code] == nil:
                            fail(at(v, "codes"), "département « \(code) » inconnu (codes du COG : 01…95, 2A, 2B, 971…976)")
                        case "region" where !Departements.regionNames.contains(code):
                            fail(
                                at(v, "codes"),
                                "région « \(code) » inconnue (noms du COG : \(Departements.regionNames.sorted().joined(separator: ", ")))")
                        case "epci" where KnownTerritories.registry(siren: code) == nil && !(v.bool("demo") ?? false):
                            fail(at(v, "codes"), "EPCI « \(code) » inconnu des registres de territoire (GeoData/registry/territories)")
                        case "commune" where !(code.count == 5):
                            fail(at(v, "codes"), "code INSEE de commune « \(code) » invalide (5 caractères)")
                        default: break
                        }
                    }
                } else {
                    fail(at(v, "level"), "« level » attendu (commune, epci, departement, region)")
                }
                if (v.strings("codes") ?? []).isEmpty { fail(at(v, "codes"), "liste « codes » non vide attendue") }
            case .filingDeadline:
                if v.number("months") == nil && v.number("days") == nil { fail(at(v, ""), "délai attendu : « months » ou « days »") }
            case .flagTrue, .flagFalse, .programmeTerritory: break
            }
        }
    }

    mutating func checkAmount(_ a: AmountSpec, versions: [RuleVersion]) {
        for (i, v) in versions.enumerated() {
            let path = "rules.\(a.rule)[\(i)].value"
            switch a.kind {
            case .fixed: if v.number("amount_eur") == nil { fail(path, "« amount_eur » attendu (montant fixe)") }
            case .perYear: if v.number("per_year_eur") == nil { fail(path, "« per_year_eur » attendu (montant annuel)") }
            case .byYear: if v.value["by_year_eur"]?.arrayValue == nil { fail(path, "liste « by_year_eur » attendue") }
            case .rateOfBase:
                if v.number("rate") == nil { fail(path, "« rate » attendu (taux, 0,8 pour 80 %)") }
                if v.number("base_eur") == nil && a.baseFact == nil {
                    fail("amount.base_fact", "base du taux : « base_eur » dans la règle ou « base_fact » (fait déclaré)")
                }
            case .prorated:
                if v.number("per_year_eur") == nil { fail(path, "« per_year_eur » attendu") }
                if a.durationFact == nil { fail("amount.duration_fact", "fait de la durée en mois attendu (« duration_fact »)") }
            case .contractYears:
                if v.number("cdi_per_year") == nil && v.number("cdd_per_year") == nil { fail(path, "« cdi_per_year » ou « cdd_per_year » attendu") }
            }
        }
    }
}

/// The registries `qpv rules check` and the loader compare rule files with (read once).
enum KnownTerritories {
    static let territories: [TerritoryRegistry] = (try? TerritoryRegistry.shipped()) ?? []
    static let lists: Registry? = try? Registry.shipped()

    static func registry(siren: String) -> TerritoryRegistry? { territories.first { $0.epci.siren == siren } }
    static func officialList(_ id: String) -> OfficialList? { lists?.list(id: id) }
}
