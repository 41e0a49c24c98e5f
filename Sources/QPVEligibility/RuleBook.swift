// QPVEligibility — decisions that follow from "in a QPV or not": emplois francs, adultes-relais, an
// intercommunalité's Fonds de cohésion sociale, the TFPB abatement of social landlords. Owns the dated rule
// tables (GeoData/rules/*.json, each version with its legal sources), the small engine that evaluates them into
// verdicts (`eligible`, `not_eligible`, `to_verify`) with criteria explained in French, the location answer the
// verdicts rely on (built from the locate engine or, through `AddressResolving`, from a geocoded address), and the
// streaming TFPB batch over a landlord's housing file.
// This file: the rule tables as loaded — `RuleBook`, `RuleVersion`, `RuleSource`, `CriterionSpec`, `CheckKind`.

import Foundation
import QPVCore
import QPVGeoData

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
    /// The location is in a QPV of the list in force (options: `list_available`, `excluded_code_prefixes`,
    /// `expected_vintages`, `derogation`).
    case residenceQPV = "residence_qpv"
    /// A declared yes/no fact must be false (e.g. "employed by the same employer recently").
    case flagFalse = "flag_false"
    /// A declared yes/no fact must be true (e.g. "convention signed").
    case flagTrue = "flag_true"
    /// Contract type and length (`cdi`, `cdd_min_months`, `cdd_max_months`).
    case contract
    /// Age on the programme's date at least `min_age`.
    case minAge = "min_age"
    /// The location is in one of the programme's QPV or QIC (Fonds de cohésion sociale).
    case programmeTerritory = "programme_territory"
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

    /// A criterion from its fields.
    public init(
        id: String, label: String, check: CheckKind, rule: String, input: String?, whenTrue: String? = nil, whenFalse: String? = nil, ask: String? = nil
    ) {
        self.id = id
        self.label = label
        self.check = check
        self.rule = rule
        self.input = input
        self.whenTrue = whenTrue
        self.whenFalse = whenFalse
        self.ask = ask
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
    /// "file : path : reason".
    public var description: String { "\(origin) : \(path.isEmpty ? "" : path + " : ")\(reason)" }
    public var errorDescription: String? { description }
}

/// A programme's rule table (`GeoData/rules/NAME.json`): sources, vocabulary, criteria and dated rules.
public struct RuleBook: Sendable {
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

    /// One intercommunalité's programme inside a rule file.
    public struct TerritoryProgramme: Sendable {
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

    /// A copy using one territory programme's rules.
    public func forProgramme(_ p: TerritoryProgramme) -> RuleBook {
        var b = self
        b.rules = p.rules
        b.alsoDecides += p.alsoDecides
        return b
    }

    /// Parses and validates a rule file: dates, sources, no overlapping versions, criteria pointing to rules.
    public static func load(data: Data, origin: String) throws -> RuleBook {
        func fail(_ path: String, _ reason: String) -> RuleBookError { RuleBookError(origin: origin, path: path, reason: reason) }
        let root: JSONValue
        do {
            root = try JSONParser.parse(data)
        } catch {
            throw fail("", "\(error)")
        }
        func string(_ v: JSONValue?, _ path: String) throws -> String {
            guard let s = v?.stringValue, !s.isEmpty else { throw fail(path, "texte attendu") }
            return s
        }
        func date(_ v: JSONValue?, _ path: String) throws -> CivilDate? {
            guard let v, v != .null else { return nil }
            guard let s = v.stringValue, let d = CivilDate(s) else { throw fail(path, "date invalide (attendu AAAA-MM-JJ)") }
            return d
        }
        // Sources.
        var sources: [String: RuleSource] = [:]
        for (i, s) in (root["sources"]?.arrayValue ?? []).enumerated() {
            let path = "sources[\(i)]"
            let id = try string(s["id"], path + ".id")
            if sources[id] != nil { throw fail(path, "source « \(id) » déclarée deux fois") }
            sources[id] = RuleSource(
                id: id, title: try string(s["title"], path + ".title"), url: s["url"]?.stringValue,
                consulted: s["consulted"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        if sources.isEmpty { throw fail("sources", "aucune source déclarée") }

        func parseRules(_ value: JSONValue?, _ base: String) throws -> [String: [RuleVersion]] {
            var rules: [String: [RuleVersion]] = [:]
            for (name, versions) in value?.objectValue ?? [] {
                guard let list = versions.arrayValue, !list.isEmpty else { throw fail("\(base).\(name)", "liste de versions attendue") }
                var parsed: [RuleVersion] = []
                for (i, v) in list.enumerated() {
                    let path = "\(base).\(name)[\(i)]"
                    let from = try date(v["valid_from"], path + ".valid_from")
                    let to = try date(v["valid_to"], path + ".valid_to")
                    if let from, let to, to < from { throw fail(path, "valid_to (\(to)) avant valid_from (\(from))") }
                    let ids = v["sources"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    if ids.isEmpty { throw fail(path, "chaque version d'une règle cite au moins une source") }
                    let cited = try ids.map { id -> RuleSource in
                        guard let s = sources[id] else { throw fail(path + ".sources", "source « \(id) » inconnue") }
                        return s
                    }
                    guard let value = v["value"], case .object = value else { throw fail(path + ".value", "objet attendu") }
                    let uncertain = v["uncertain"]?.stringValue
                    parsed.append(
                        RuleVersion(
                            rule: name, validFrom: from, validTo: to, value: value, note: v["note"]?.stringValue, sources: cited,
                            uncertain: (uncertain?.isEmpty ?? true) ? nil : uncertain))
                }
                parsed.sort { ($0.validFrom?.dayNumber ?? Int.min) < ($1.validFrom?.dayNumber ?? Int.min) }
                for (a, b) in zip(parsed, parsed.dropFirst()) {
                    let aEnd = a.validTo?.dayNumber ?? Int.max
                    let bStart = b.validFrom?.dayNumber ?? Int.min
                    if bStart <= aEnd {
                        throw fail("\(base).\(name)", "deux versions se chevauchent (\(a.periodFrench) et \(b.periodFrench))")
                    }
                }
                rules[name] = parsed
            }
            return rules
        }

        let rules = try parseRules(root["rules"], "rules")
        var programmes: [TerritoryProgramme] = []
        for (i, p) in (root["programmes"]?.arrayValue ?? []).enumerated() {
            let path = "programmes[\(i)]"
            let siren = try string(p["epci_siren"], path + ".epci_siren")
            if siren.count != 9 || !siren.allSatisfy(\.isNumber) { throw fail(path + ".epci_siren", "SIREN « \(siren) » invalide (9 chiffres)") }
            var demo = false
            if case .bool(let b)? = p["demo"] { demo = b }
            programmes.append(
                TerritoryProgramme(
                    epciSiren: siren, epciName: try string(p["epci_name"], path + ".epci_name"), registryPath: p["registry"]?.stringValue,
                    demo: demo, rules: try parseRules(p["rules"], path + ".rules"),
                    alsoDecides: p["also_decides"]?.arrayValue?.compactMap(\.stringValue) ?? []))
        }

        var vocabulary: [String: [String: String]] = [:]
        for (input, labels) in root["vocabulary"]?.objectValue ?? [] {
            var m: [String: String] = [:]
            for (k, v) in labels.objectValue ?? [] { m[k] = v.stringValue ?? k }
            vocabulary[input] = m
        }

        var criteria: [CriterionSpec] = []
        for (i, c) in (root["criteria"]?.arrayValue ?? []).enumerated() {
            let path = "criteria[\(i)]"
            let checkName = try string(c["check"], path + ".check")
            guard let check = CheckKind(rawValue: checkName) else {
                throw fail(path + ".check", "contrôle « \(checkName) » inconnu (connus : \(CheckKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let rule = try string(c["rule"], path + ".rule")
            let known = rules[rule] != nil || (!programmes.isEmpty && programmes.allSatisfy { $0.rules[rule] != nil })
            if !known { throw fail(path + ".rule", "règle « \(rule) » absente du fichier") }
            criteria.append(
                CriterionSpec(
                    id: try string(c["id"], path + ".id"), label: try string(c["label"], path + ".label"), check: check, rule: rule,
                    input: c["input"]?.stringValue, whenTrue: c["when_true"]?.stringValue, whenFalse: c["when_false"]?.stringValue,
                    ask: c["ask"]?.stringValue))
        }
        if criteria.isEmpty { throw fail("criteria", "aucun critère déclaré") }

        return RuleBook(
            programme: try string(root["programme"], "programme"), label: try string(root["label"], "label"),
            about: root["about"]?.stringValue ?? "", updated: root["updated"]?.stringValue ?? "",
            dateInput: try string(root["date_input"], "date_input"), dateLabel: try string(root["date_label"], "date_label"),
            sources: sources, vocabulary: vocabulary, criteria: criteria, rules: rules, programmes: programmes, origin: origin,
            eligibleWording: root["eligible_wording"]?.stringValue,
            alsoDecides: root["also_decides"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }
}
