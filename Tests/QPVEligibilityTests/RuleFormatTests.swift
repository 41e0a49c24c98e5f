import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters
import QPVTestSupport
import Testing

/// The public rule format (issue 20): the checker names line and field of each error kind, a user programme is
/// evaluated by the same engine as the shipped ones, amounts stay apart from verdicts.
@Suite struct RuleFormatTests {
    static let fictional = SharedData.fictionalProgramme

    static func fictionalBook() throws -> RuleBook { try RuleBook.load(data: Data(contentsOf: fictional), origin: "aide-fictive-quartville.json") }

    @Test func shippedAndFictionalFilesHaveNoError() throws {
        for name in RuleBook.shippedNames() {
            let issues = RuleBook.check(data: try GeoDataFile.data(name), origin: name).filter(\.isError)
            #expect(issues.isEmpty, "\(name) : \(issues)")
        }
        #expect(RuleBook.check(data: try Data(contentsOf: Self.fictional), origin: "f").filter(\.isError).isEmpty)
    }

    /// A valid file, then one broken copy per error kind: each message names the field and its line.
    @Test func checkNamesLineAndFieldOfEachErrorKind() throws {
        let good = try String(contentsOf: Self.fictional, encoding: .utf8)
        func issues(_ text: String) -> [RuleIssue] { RuleBook.check(data: Data(text.utf8), origin: "t.json").filter(\.isError) }
        func line(of needle: String, in text: String) -> Int {
            (text.components(separatedBy: "\n").firstIndex { $0.contains(needle) } ?? -2) + 1
        }
        // Unknown criterion kind.
        let unknownKind = good.replacingOccurrences(of: "\"check\": \"age_range\"", with: "\"check\": \"age_between\"")
        let k = issues(unknownKind)
        #expect(
            k.contains {
                $0.path == "criteria[2].check" && $0.message.contains("contrôle « age_between » inconnu")
                    && $0.line == line(of: "age_between", in: unknownKind)
            }, "\(k)")
        // Overlapping versions.
        let overlap = good.replacingOccurrences(
            of: "\"valid_from\": \"2025-01-01\", \"valid_to\": \"2030-12-31\", \"value\": { \"rate\": 0.6 }",
            with: "\"valid_from\": \"2024-06-01\", \"valid_to\": \"2030-12-31\", \"value\": { \"rate\": 0.6 }")
        let o = issues(overlap)
        #expect(
            o.contains {
                $0.path == "rules.rate[1].valid_from" && $0.message.contains("se chevauchent") && $0.line == line(of: "2024-06-01", in: overlap)
            }, "\(o)")
        // Gap between versions.
        let gap = good.replacingOccurrences(
            of: "\"valid_from\": \"2025-01-01\", \"valid_to\": \"2030-12-31\", \"value\": { \"rate\": 0.6 }",
            with: "\"valid_from\": \"2025-03-01\", \"valid_to\": \"2030-12-31\", \"value\": { \"rate\": 0.6 }")
        let g = issues(gap)
        #expect(
            g.contains {
                $0.path == "rules.rate[1].valid_from" && $0.message.contains("trou entre deux versions : rien du 1er janvier 2025 au 28 février 2025")
            }, "\(g)")
        // A version without a source.
        let unsourced = good.replacingOccurrences(
            of: "\"note\": \"16 à 25 ans\", \"sources\": [\"deliberation-fictive\"]", with: "\"note\": \"16 à 25 ans\", \"sources\": []")
        let u = issues(unsourced)
        #expect(
            u.contains {
                $0.path == "rules.age[0].sources" && $0.message.contains("au moins une source") && $0.line == line(of: "16 à 25 ans", in: unsourced)
            }, "\(u)")
        // An EPCI no registry knows.
        let epci = good.replacingOccurrences(of: "\"epci_siren\": \"000000019\", \"demo\": true", with: "\"epci_siren\": \"123456789\"")
        let e = issues(epci)
        #expect(
            e.contains { $0.path == "rules.qic_majoration[0].value.epci_siren" && $0.message.contains("EPCI « 123456789 » inconnu des registres") },
            "\(e)")
        // An official list no registry knows.
        let list = good.replacingOccurrences(of: "\"value\": { \"list_available\": true }", with: "\"value\": { \"list_ids\": [\"qpv-2099-lune\"] }")
        let l = issues(list)
        #expect(
            l.contains {
                $0.path == "rules.residence[0].value.list_ids" && $0.message.contains("liste « qpv-2099-lune » inconnue")
                    && $0.line == line(of: "qpv-2099-lune", in: list)
            }, "\(l)")
        // The format version.
        let v2 = good.replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 2")
        #expect(issues(v2).contains { $0.path == "format_version" && $0.line == 3 })
        // Load refuses with the first error and its line.
        #expect(throws: RuleBookError.self) { try RuleBook.load(data: Data(unknownKind.utf8), origin: "t.json") }
    }

    static let date = CivilDate("2024-09-02")!

    static func facts(_ extra: [String: InputValue] = [:], drop: String? = nil) -> EligibilityInputs {
        var i = EligibilityInputs([
            "training_start_date": .date(date), "birth_date": .date(CivilDate("2004-05-12")!), "status": .text("jobseeker"),
            "other_aid": .flag(false),
            "application_date": .date(CivilDate("2024-09-20")!), "training_cost_eur": .number(1200),
        ])
        for (k, v) in extra { i[k] = v }
        if let drop { i.values[drop] = nil }
        return i
    }

    @Test func fictionalProgrammeVerdictsAndAmounts() throws {
        let book = try Self.fictionalBook()
        let inside = Fixture.inside(on: Self.date)
        let ok = ProgrammeEvaluator.evaluate(book: book, date: Self.date, inputs: Self.facts(), location: inside)
        #expect(ok.verdict == .eligible, "\(ok.toVerify)")
        #expect(ok.aid?.totalEUR == 600)
        #expect(ok.filingDeadline == "2024-11-02")
        // Each undeclared fact → to verify, never eligible.
        for fact in ["birth_date", "status", "other_aid", "application_date"] {
            let r = ProgrammeEvaluator.evaluate(book: book, date: Self.date, inputs: Self.facts(drop: fact), location: inside)
            #expect(r.verdict == .toVerify, "\(fact)")
        }
        // Boundary, no list: never eligible.
        #expect(
            ProgrammeEvaluator.evaluate(book: book, date: Self.date, inputs: Self.facts(), location: Fixture.boundary(on: Self.date, inside: true))
                .verdict == .toVerify)
        #expect(
            ProgrammeEvaluator.evaluate(book: book, date: Self.date, inputs: Self.facts(), location: Fixture.noList(on: Self.date)).verdict
                == .toVerify)
        // Failed criteria.
        #expect(
            ProgrammeEvaluator.evaluate(book: book, date: Self.date, inputs: Self.facts(), location: Fixture.outside(on: Self.date)).verdict
                == .notEligible)
        let old = ProgrammeEvaluator.evaluate(
            book: book, date: Self.date, inputs: Self.facts(["birth_date": .date(CivilDate("1990-01-01")!)]), location: inside)
        #expect(old.verdict == .notEligible && old.criteria.first { $0.id == "age" }?.detail.contains("au plus 25 ans") == true)
        let late = ProgrammeEvaluator.evaluate(
            book: book, date: Self.date, inputs: Self.facts(["application_date": .date(CivilDate("2024-12-01")!)]), location: inside)
        #expect(late.verdict == .notEligible)
        #expect(
            ProgrammeEvaluator.evaluate(book: book, date: Self.date, inputs: Self.facts(["other_aid": .flag(true)]), location: inside).verdict
                == .notEligible)
        // 2025: the rate is uncertain → the amount is to verify, the verdict is not changed.
        let d25 = CivilDate("2025-09-01")!
        let r25 = ProgrammeEvaluator.evaluate(
            book: book, date: d25, inputs: Self.facts(["training_start_date": .date(d25), "application_date": .date(CivilDate("2025-09-10")!)]),
            location: Fixture.inside(on: d25))
        #expect(r25.verdict == .eligible, "\(r25.toVerify)")
        #expect(r25.aid?.totalEUR == 720)
        #expect(r25.aid?.uncertain?.contains("taux 2025 fictif") == true)
        // Closed period.
        let d23 = CivilDate("2023-05-01")!
        #expect(
            ProgrammeEvaluator.evaluate(
                book: book, date: d23, inputs: Self.facts(["training_start_date": .date(d23)]), location: Fixture.inside(on: d23)
            ).verdict == .notEligible)
    }

    @Test func factsAreTypedAndUnknownOnesRefused() throws {
        let book = try Self.fictionalBook()
        let i = try FactParser.inputs(
            [("other_aid", "non"), ("training_cost_eur", "1 200".replacingOccurrences(of: " ", with: "")), ("birth_date", "2004-05-12")], book: book)
        #expect(i.flag("other_aid") == false && i.number("training_cost_eur") == 1200 && i.date("birth_date") == CivilDate("2004-05-12"))
        #expect(throws: EligibilityInputError.self) { try FactParser.inputs([("magic", "1")], book: book) }
        #expect(throws: EligibilityInputError.self) { try FactParser.inputs([("birth_date", "12/05/2004")], book: book) }
        #expect(try FactParser.inputs([("status", "")], book: book).text("status") == nil)
    }

    @Test func areaCriterionNeedsTheCommune() throws {
        let pec = try RuleBook.shipped("pec-jeunes-occitanie")
        let d = CivilDate("2020-10-01")!
        var facts = EligibilityInputs([
            "contract_start_date": .date(d), "birth_date": .date(CivilDate("2001-01-01")!), "monthly_base_eur": .number(1000),
        ])
        let toulouse = Fixture.inside(on: d, communes: [CommuneRef(insee: "31555", name: "Toulouse")])
        let r = ProgrammeEvaluator.evaluate(book: pec, date: d, inputs: facts, location: toulouse)
        #expect(r.criteria.first { $0.id == "region" }?.result == .met)
        // Everything is uncertain (arrêté not read): never eligible; the QPV majoration applies to the amount only.
        #expect(r.verdict == .toVerify)
        #expect(r.aid?.totalEUR == 800 && r.aid?.uncertain != nil)
        let lille = Fixture.inside(on: d, communes: [CommuneRef(insee: "59350", name: "Lille")])
        #expect(ProgrammeEvaluator.evaluate(book: pec, date: d, inputs: facts, location: lille).verdict == .notEligible)
        let unknown = Fixture.inside(on: d)
        #expect(
            ProgrammeEvaluator.evaluate(book: pec, date: d, inputs: facts, location: unknown).criteria.first { $0.id == "region" }?.result == .unknown
        )
        // Outside a QPV: base rate, same verdict.
        facts["birth_date"] = .date(CivilDate("2001-01-01")!)
        let out = ProgrammeEvaluator.evaluate(
            book: pec, date: d, inputs: facts, location: Fixture.outside(on: d, communes: [CommuneRef(insee: "31555", name: "Toulouse")]))
        #expect(out.aid?.totalEUR == 650 && out.verdict == .toVerify)
    }

    @Test func fondsDeConcoursRunsThroughThePublicFormat() throws {
        let book = try RuleBook.shipped("fonds-de-concours-cabbalr")
        let d = CivilDate("2025-03-01")!
        let inQPV = Fixture.inside("QN06255M", on: d, epci: "200072460")
        var facts = EligibilityInputs(["date": .date(d), "applicant_kind": .text("commune"), "paved_roads_or_parking": .flag(false)])
        #expect(ProgrammeEvaluator.evaluate(book: book, date: d, inputs: facts, location: inQPV).verdict == .eligible)
        facts["applicant_kind"] = .text("association")
        #expect(ProgrammeEvaluator.evaluate(book: book, date: d, inputs: facts, location: inQPV).verdict == .notEligible)
        facts["applicant_kind"] = .text("commune")
        facts.values["paved_roads_or_parking"] = nil
        #expect(ProgrammeEvaluator.evaluate(book: book, date: d, inputs: facts, location: inQPV).verdict == .toVerify)
    }
}

extension RuleFormatTests {
    /// A one-criterion book with an amount, inline.
    static func inline(criterion: String, value: String, amount: String = "", amountValue: String = "{}") throws -> RuleBook {
        let text =
            #"{"format_version":1,"programme":"t","label":"T","date_input":"d","date_label":"date","sources":[{"id":"s","title":"Texte"}],"criteria":[{"id":"c","label":"C","check":"\#(criterion)","rule":"r"}],"#
            + (amount.isEmpty ? "" : #""amount":\#(amount),"#)
            + #""rules":{"r":[{"valid_from":"2024-01-01","value":\#(value),"sources":["s"]}],"a":[{"valid_from":"2024-01-01","value":\#(amountValue),"sources":["s"]}]}}"#
        return try RuleBook.load(data: Data(text.utf8), origin: "inline")
    }

    @Test func areaLevelsAndListIds() throws {
        let d = CivilDate("2024-06-01")!
        func result(_ value: String, _ loc: EligibilityLocation) throws -> CriterionResult? {
            ProgrammeEvaluator.evaluate(
                book: try Self.inline(criterion: value.contains("list_ids") ? "residence_qpv" : "in_area", value: value), date: d,
                inputs: EligibilityInputs(), location: loc
            ).criteria.first?.result
        }
        let bethune = Fixture.inside("QN06255M", on: d, communes: [CommuneRef(insee: "62119", name: "Béthune")], epci: "200072460")
        #expect(try result(#"{"level":"departement","codes":["62"]}"#, bethune) == .met)
        #expect(try result(#"{"level":"departement","codes":["59"]}"#, bethune) == .notMet)
        #expect(try result(#"{"level":"commune","codes":["62119"]}"#, bethune) == .met)
        #expect(try result(#"{"level":"region","codes":["Hauts-de-France"]}"#, bethune) == .met)
        #expect(try result(#"{"level":"epci","codes":["200072460"]}"#, bethune) == .met)
        #expect(try result(#"{"level":"epci","codes":["200072460"]}"#, Fixture.outside(on: d)) == .unknown)
        // Two candidate communes, one admitted: unknown, never a guess.
        let two = Fixture.inside(
            "QN06216M", on: d, communes: [CommuneRef(insee: "62400", name: "Haisnes"), CommuneRef(insee: "59350", name: "Lille")])
        #expect(try result(#"{"level":"departement","codes":["62"]}"#, two) == .unknown)
        #expect(try result(#"{"level":"departement","codes":["62"]}"#, Fixture.boundary(on: d, inside: true)) == .unknown)
        var nearEdge = bethune
        nearEdge.status = .boundary
        #expect(try result(#"{"level":"departement","codes":["62"]}"#, nearEdge) == .unknown, "commune read from the QPV, point at its edge")
        nearEdge.setCommune(CommuneRef(insee: "62119", name: "Béthune"), source: "fichier des communes")
        #expect(try result(#"{"level":"departement","codes":["62"]}"#, nearEdge) == .met)
        // Only the QPV of a given official list.
        #expect(try result(#"{"list_ids":["qpv-2024-hexagone"]}"#, Fixture.inside(on: d)) == .met)
        #expect(try result(#"{"list_ids":["qpv-2015-hexagone"]}"#, Fixture.inside(on: d)) == .unknown)
        // The checker knows départements and régions.
        #expect(
            RuleBook.check(
                data: Data(
                    #"{"format_version":1,"programme":"t","label":"T","date_input":"d","date_label":"date","sources":[{"id":"s","title":"Texte"}],"criteria":[{"id":"c","label":"C","check":"in_area","rule":"r"}],"rules":{"r":[{"value":{"level":"region","codes":["Atlantide"]},"sources":["s"]}]}}"#
                        .utf8), origin: "x"
            ).contains { $0.message.contains("région « Atlantide » inconnue") })
    }

    @Test func amountKindsStayApartFromTheVerdict() throws {
        let d = CivilDate("2024-06-01")!
        let open = #"{"open":true}"#
        func aid(_ amount: String, _ value: String, _ inputs: EligibilityInputs = EligibilityInputs()) throws -> (Verdict, AidReport?) {
            let r = ProgrammeEvaluator.evaluate(
                book: try Self.inline(criterion: "period_open", value: open, amount: amount, amountValue: value), date: d, inputs: inputs,
                location: nil)
            return (r.verdict, r.aid)
        }
        #expect(try aid(#"{"kind":"fixed","rule":"a"}"#, #"{"amount_eur":1500}"#).1?.totalEUR == 1500)
        #expect(try aid(#"{"kind":"by_year","rule":"a"}"#, #"{"by_year_eur":[1000,500]}"#).1?.totalEUR == 1500)
        let prorated = try aid(
            #"{"kind":"prorated","rule":"a","duration_fact":"months","working_time_fact":"share"}"#, #"{"per_year_eur":1200,"max_years":2}"#,
            EligibilityInputs(["months": .number(18), "share": .number(0.5)]))
        #expect(prorated.1?.byYearEUR == [600, 300] && prorated.1?.uncertain == nil)
        let noShare = try aid(
            #"{"kind":"prorated","rule":"a","duration_fact":"months","working_time_fact":"share"}"#, #"{"per_year_eur":1200}"#,
            EligibilityInputs(["months": .number(6)]))
        #expect(noShare.0 == .eligible && noShare.1?.totalEUR == 600 && noShare.1?.uncertain?.contains("temps de travail non déclaré") == true)
        let noBase = try aid(#"{"kind":"rate_of_base","rule":"a","base_fact":"cost"}"#, #"{"rate":0.5}"#)
        #expect(noBase.0 == .eligible && noBase.1?.totalEUR == nil && noBase.1?.uncertain?.contains("base non déclarée") == true)
    }
}

/// Shipped rule files as bytes.
enum GeoDataFile {
    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../GeoData/rules/\(name).json"))
    }
}
