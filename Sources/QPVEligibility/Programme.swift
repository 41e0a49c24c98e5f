// QPVEligibility — the one evaluation path of every programme, shipped or written by a user: the criteria of the
// rule book (RuleEngine), then — unless refused — the amount and the filing deadline, the notes, and the report.
// Also the typed reading of declared facts (`--fact name=value`, API parameters, CSV cells).

import Foundation
import QPVCore
import QPVPerimeters

/// Evaluates a rule book on a date: the verdict with its criteria, amount, deadline, notes and sources.
public enum ProgrammeEvaluator {
    /// Evaluates `book` on `date` with the declared `inputs` at `location`: the explained verdict, its amount and notes, as every programme (shipped or user-written) gets it.
    public static func evaluate(book: RuleBook, date: CivilDate, inputs given: EligibilityInputs, location: EligibilityLocation?) -> EligibilityReport
    {
        var inputs = given
        if inputs[book.dateInput] == nil { inputs[book.dateInput] = .date(date) }
        let found = RuleEngine(book: book).evaluate(date: date, inputs: inputs, location: location)
        var notes = found.notes
        var sources = found.sources
        let caveats = found.caveats
        for n in book.notes where !n.exceptNotEligible {
            if let text = note(n, book: book, date: date, inputs: inputs, location: location) { notes.append(text) }
        }
        var aid: AidReport?
        var deadline: CivilDate?
        var deadlineDetail: String?
        let (verdict, _) = EligibilityReport.decide(criteria: found.criteria, extraReasons: caveats)
        if verdict != .notEligible {
            if let spec = book.amount {
                let computed = Amounts.compute(spec, book: book, date: date, inputs: inputs, location: location)
                aid = computed.aid
                notes += computed.notes
                sources += computed.sources
            }
            if let d = book.deadline, let v = book.version(d.rule, on: date), let limit = Checks.deadline(v, from: date) {
                deadline = limit
                let amount = v.number("months").map { "\(Int($0)) mois" } ?? v.number("days").map { "\(Int($0)) jours" } ?? ""
                deadlineDetail = "\(amount) \(d.after) — \(v.note ?? "")"
                sources += v.sources
                // A doubt on the deadline goes with the deadline, like the amount's: it never changes the verdict.
                if let u = v.uncertain { deadlineDetail! += " ; délai à vérifier : \(u)" }
            }
            for n in book.notes where n.exceptNotEligible {
                if let text = note(n, book: book, date: date, inputs: inputs, location: location) { notes.append(text) }
            }
        }
        return EligibilityReport(
            book: book, date: date, criteria: found.criteria, extraReasons: caveats, aid: aid, filingDeadline: deadline,
            filingDeadlineDetail: deadlineDetail, location: location?.report, notes: notes, sources: sources)
    }

    /// A note's text when its condition holds, placeholders filled.
    static func note(_ n: NoteSpec, book: RuleBook, date: CivilDate, inputs: EligibilityInputs, location: EligibilityLocation?) -> String? {
        var values: [String: Double] = [:]
        if let f = n.whenFact {
            if let eq = n.equals {
                guard inputs.text(f) == eq || inputs.flag(f).map({ ($0 ? "true" : "false") == eq }) == true else { return nil }
            } else if let below = n.below {
                guard let x = inputs.number(f), x < below else { return nil }
                values["value"] = x
            } else if inputs[f] == nil {
                return nil
            }
        }
        if n.whenLocation == "in_qic_not_qpv" {
            guard let t = book.territory, let loc = location else { return nil }
            let inQIC = loc.qic?.containing.contains { $0.epciSiren == t.siren } ?? false
            let inQPV = loc.qpv.contains { t.owns($0) }
            guard inQIC && !inQPV else { return nil }
        }
        var text = n.text
        if let r = n.rule {
            guard let v = book.version(r, on: date) else { return nil }
            for (k, x) in v.value.objectValue ?? [] { if let d = x.numberValue { values[k] = d } }
            if text == nil { text = v.note }
        }
        guard var out = text else { return nil }
        for (k, x) in values {
            out = out.replacingOccurrences(of: "{\(k)%}", with: FrenchFormat.decimal(x * 100, digits: 0))
            out = out.replacingOccurrences(of: "{\(k)}", with: FrenchFormat.decimal(x, digits: x == x.rounded() ? 0 : 2))
        }
        // A placeholder left means the rule does not give that value on this date: no note rather than a wrong one.
        return out.contains("{") ? nil : out
    }
}

/// The amounts of `AmountSpec`: separate from the verdict, with their own doubts.
enum Amounts {
    struct Computed {
        var aid: AidReport?
        var notes: [String] = []
        var sources: [RuleSource] = []
    }

    static func compute(_ spec: AmountSpec, book: RuleBook, date: CivilDate, inputs: EligibilityInputs, location: EligibilityLocation?) -> Computed {
        let year = String(date.year)
        guard let v = book.version(spec.rule, on: date) else {
            guard let missing = spec.missing else { return Computed() }
            let known = (book.rules[spec.rule] ?? []).compactMap { v in v.validFrom.map { String($0.year) } }.joined(separator: ", ")
            let detail = missing.replacingOccurrences(of: "{year}", with: year).replacingOccurrences(
                of: "{known}", with: known.isEmpty ? "aucun" : known)
            return Computed(
                aid: AidReport(
                    totalEUR: nil, byYearEUR: [], perYearFullTimeEUR: nil, detail: detail, source: "",
                    uncertain: "montant \(year) non saisi dans \(book.origin)"))
        }
        let label = (spec.label ?? "").replacingOccurrences(of: "{year}", with: year)
        func described(_ s: String) -> String {
            [label.isEmpty ? nil : label, s.isEmpty ? nil : s].compactMap { $0 }.joined(separator: " : ") + (v.note.map { " — \($0)" } ?? "")
        }
        let source = v.sources.map(\.citation).joined(separator: " ; ")
        var doubts: [String] = []
        if let u = v.uncertain { doubts.append("montant : \(u)") }
        func doubt() -> String? { doubts.isEmpty ? nil : doubts.joined(separator: " ; ") }
        switch spec.kind {
        case .contractYears:
            return contractYears(spec, v, book: book, date: date, inputs: inputs)
        case .perYear:
            let perYear = v.number("per_year_eur") ?? 0
            // The amount's doubt stays on the amount ("montant à vérifier"): it never changes the verdict.
            return Computed(
                aid: AidReport(
                    totalEUR: nil, byYearEUR: [perYear], perYearFullTimeEUR: perYear,
                    detail: label.isEmpty ? described("\(FrenchFormat.euros(perYear)) par an") : "\(label) — \(v.note ?? "")",
                    source: source, uncertain: v.uncertain), sources: v.sources)
        case .fixed:
            let x = v.number("amount_eur") ?? 0
            return Computed(
                aid: AidReport(
                    totalEUR: x, byYearEUR: [], perYearFullTimeEUR: nil, detail: described(FrenchFormat.euros(x)), source: source,
                    uncertain: doubt()),
                sources: v.sources)
        case .byYear:
            let years = v.value["by_year_eur"]?.arrayValue?.compactMap(\.numberValue) ?? []
            let total = (years.reduce(0, +) * 100).rounded() / 100
            return Computed(
                aid: AidReport(
                    totalEUR: total, byYearEUR: years, perYearFullTimeEUR: nil,
                    detail: described("\(years.count) année\(years.count > 1 ? "s" : "")"), source: source,
                    uncertain: doubt()), sources: v.sources)
        case .prorated:
            let perYear = v.number("per_year_eur") ?? 0
            guard let months = spec.durationFact.flatMap(inputs.number) else {
                doubts.append("durée non déclarée (« \(spec.durationFact ?? "?") ») : montant non calculé")
                return Computed(
                    aid: AidReport(
                        totalEUR: nil, byYearEUR: [], perYearFullTimeEUR: perYear, detail: described("\(FrenchFormat.euros(perYear)) par an"),
                        source: source, uncertain: doubt()),
                    sources: v.sources)
            }
            var workingTime = 1.0
            if let f = spec.workingTimeFact {
                if let w = inputs.number(f) {
                    workingTime = w
                } else {
                    doubts.append("temps de travail non déclaré (« \(f) ») : montant calculé pour un temps plein")
                }
            }
            let covered = v.number("max_years").map { min(months, $0 * 12) } ?? months
            let years = yearShares(covered).map { (perYear * $0 * workingTime * 100).rounded() / 100 }
            let total = (years.reduce(0, +) * 100).rounded() / 100
            return Computed(
                aid: AidReport(
                    totalEUR: total, byYearEUR: years, perYearFullTimeEUR: perYear,
                    detail: described(
                        "\(FrenchFormat.euros(perYear)) par an pour un temps plein, au prorata de \(FrenchFormat.decimal(months, digits: months == months.rounded() ? 0 : 1)) mois"
                    ),
                    source: source, uncertain: doubt()), sources: v.sources)
        case .rateOfBase:
            var rate = v.number("rate") ?? 0
            var sources = v.sources
            var why = "taux de \(FrenchFormat.decimal(rate * 100, digits: 0)) %"
            var rateNote = v.note
            // Majorations: a met check replaces the rate; an unknown one leaves the base rate and a doubt on the amount.
            let engine = RuleEngine(book: book)
            for m in spec.majorations {
                guard let mv = book.version(m.rule, on: date), let mrate = mv.number("rate") else { continue }
                sources += mv.sources
                let o = engine.check(m, mv, date: date, inputs: inputs, location: location)
                let result = o.result
                switch result {
                case .met:
                    rate = mrate
                    rateNote = mv.note
                    why = "taux majoré de \(FrenchFormat.decimal(mrate * 100, digits: 0)) % (\(m.label.lowercasedFirst) : \(o.detail))"
                case .notMet: why += " (\(m.label.lowercasedFirst) : non — \(o.detail))"
                case .unknown:
                    doubts.append(
                        "\(m.label) : \(o.detail)\(mv.uncertain.map { " ; majoration non confirmée : \($0)" } ?? "") — taux majoré de \(FrenchFormat.decimal(mrate * 100, digits: 0)) % possible"
                    )
                }
                if let u = mv.uncertain, result != .unknown { doubts.append("majoration : \(u)") }
            }
            func said(_ s: String) -> String {
                [label.isEmpty ? nil : label, s].compactMap { $0 }.joined(separator: " : ") + (rateNote.map { " — \($0)" } ?? "")
            }
            let base = v.number("base_eur") ?? spec.baseFact.flatMap(inputs.number)
            let src = sources.map(\.citation).joined(separator: " ; ")
            guard let base else {
                doubts.append("base non déclarée (« \(spec.baseFact ?? "base_eur") ») : montant non calculé")
                return Computed(
                    aid: AidReport(totalEUR: nil, byYearEUR: [], perYearFullTimeEUR: nil, detail: said(why), source: src, uncertain: doubt()),
                    sources: sources)
            }
            let total = (rate * base * 100).rounded() / 100
            return Computed(
                aid: AidReport(
                    totalEUR: total, byYearEUR: [], perYearFullTimeEUR: nil, detail: said("\(why) × \(FrenchFormat.euros(base))"), source: src,
                    uncertain: doubt()), sources: sources)
        }
    }

    /// Shares of each contract year covered by `months` (14 months → [1, 1/6]).
    static func yearShares(_ months: Double) -> [Double] {
        var out: [Double] = []
        var remaining = months
        while remaining > 1e-9 {
            out.append(min(remaining, 12) / 12)
            remaining -= 12
        }
        return out
    }

    /// Yearly amounts for a contract: full-time rate × share of each contract year covered × working time; the
    /// `first_year_rule` replaces the first year's rate for a person under its age limit in its window (emploi
    /// franc+).
    static func contractYears(_ spec: AmountSpec, _ v: RuleVersion, book: RuleBook, date: CivilDate, inputs: EligibilityInputs) -> Computed {
        guard let contract = inputs.text("contract"), contract == "cdi" || contract == "cdd" else { return Computed() }
        // Doubts on the amount go with the amount ("montant à vérifier"), never into the verdict.
        var amountDoubts: [String] = []
        var notes: [String] = []
        var sources = v.sources
        let workingTimeFact = spec.workingTimeFact ?? "working_time"
        let declaredTime = inputs.number(workingTimeFact)
        if declaredTime == nil { amountDoubts.append("temps de travail non déclaré (« \(workingTimeFact) ») : montant calculé pour un temps plein") }
        let workingTime = declaredTime ?? 1
        let plus = spec.firstYearRule.flatMap { book.version($0, on: date) }
        var firstYear: Double?
        if let plus {
            sources += plus.sources
            let limit = Int(plus.number("max_age_exclusive") ?? 26)
            if let age = inputs.number(spec.ageFact ?? "age").map({ Int($0) }) {
                if age < limit {
                    firstYear = plus.number(contract == "cdi" ? "cdi_first_year" : "cdd_first_year")
                    notes.append(
                        "emploi franc+ : personne de \(age) ans (moins de \(limit) ans) à la signature, première année majorée — \(plus.note ?? "")")
                } else {
                    notes.append("emploi franc+ non applicable : personne de \(age) ans à la signature (réservé aux moins de \(limit) ans)")
                }
            } else {
                amountDoubts.append(
                    "âge à la signature non indiqué (--age) : pour un contrat signé \(plus.periodFrench), l'aide majorée « emploi franc+ » s'applique aux moins de \(limit) ans ; montant calculé au taux normal"
                )
            }
            if let u = plus.uncertain { amountDoubts.append("emploi franc+ : \(u)") }
        }
        var years: [Double] = []
        let detail: String
        if contract == "cdi" {
            let perYear = v.number("cdi_per_year") ?? 0
            let count = Int(v.number("cdi_years") ?? 0)
            years = (0..<count).map { i in (i == 0 ? (firstYear ?? perYear) : perYear) * workingTime }
            detail =
                "CDI : \(FrenchFormat.euros(perYear)) par an pendant \(count) ans pour un temps plein"
                + (firstYear.map { " (\(FrenchFormat.euros($0)) la première année)" } ?? "")
        } else {
            guard let months = inputs.number(spec.durationFact ?? "duration_months") else {
                return Computed(aid: nil, notes: notes, sources: sources)
            }
            let perYear = v.number("cdd_per_year") ?? 0
            let maxYears = v.number("cdd_max_years") ?? 0
            years = yearShares(min(months, maxYears * 12)).enumerated().map { i, share in
                (i == 0 ? (firstYear ?? perYear) : perYear) * share * workingTime
            }
            detail =
                "CDD de \(FrenchFormat.decimal(months, digits: months == months.rounded() ? 0 : 1)) mois : \(FrenchFormat.euros(perYear)) par an pour un temps plein"
                + (firstYear.map { " (\(FrenchFormat.euros($0)) la première année)" } ?? "")
                + ", au prorata de la durée du contrat, dans la limite de \(Int(maxYears)) ans"
        }
        years = years.map { ($0 * 100).rounded() / 100 }
        let total = (years.reduce(0, +) * 100).rounded() / 100
        var full = detail
        if workingTime < 1 { full += ", × \(FrenchFormat.decimal(workingTime, digits: 2)) (temps de travail)" }
        if let note = v.note { full += " — \(note)" }
        if let u = v.uncertain { amountDoubts.append("montant de l'aide : \(u)") }
        let aid = AidReport(
            totalEUR: total, byYearEUR: years, perYearFullTimeEUR: nil, detail: full,
            source: (v.sources + (plus?.sources ?? [])).map(\.citation).joined(separator: " ; "),
            uncertain: amountDoubts.isEmpty ? nil : amountDoubts.joined(separator: " ; "))
        return Computed(aid: aid, notes: notes, sources: sources)
    }
}

/// Reads declared facts given as text (`--fact name=value`, API parameters, CSV cells) with the type the rule
/// book gives each fact. An unknown name or an unreadable value is refused, never guessed.
public enum FactParser {
    /// One value: date AAAA-MM-JJ, number (decimal point or comma), yes/no (oui/non, true/false, 1/0), or text.
    public static func value(_ text: String, for fact: FactSpec) throws -> InputValue {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch fact.kind {
        case .date:
            guard let d = CivilDate(t) else { throw EligibilityInputError(field: fact.name, reason: "« \(t) » : date AAAA-MM-JJ attendue") }
            return .date(d)
        case .number:
            guard let x = Double(t.replacingOccurrences(of: ",", with: ".")), x.isFinite else {
                throw EligibilityInputError(field: fact.name, reason: "« \(t) » : nombre attendu")
            }
            return .number(x)
        case .flag:
            guard let b = TFPB.parseFlag(t) ?? nil else { throw EligibilityInputError(field: fact.name, reason: "« \(t) » : oui ou non attendu") }
            return .flag(b)
        case .text:
            guard !t.isEmpty else { throw EligibilityInputError(field: fact.name, reason: "valeur vide") }
            return .text(t)
        }
    }

    /// Every `name=value` pair; an empty value means "not declared".
    public static func inputs(_ pairs: [(String, String)], book: RuleBook) throws -> EligibilityInputs {
        var inputs = EligibilityInputs()
        for (name, text) in pairs {
            guard let fact = book.facts[name] else {
                throw EligibilityInputError(
                    field: name, reason: "fait inconnu de « \(book.programme) » (faits lus : \(book.facts.keys.sorted().joined(separator: ", ")))")
            }
            if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            inputs[name] = try value(text, for: fact)
        }
        return inputs
    }
}
