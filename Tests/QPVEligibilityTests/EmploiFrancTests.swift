// Table-driven tests of `EmploiFranc.evaluate`: scheme dates, contracts, status and age, each criterion failing
// alone, aid amounts and part time, locations that cannot decide, French text and stable JSON keys.

import Foundation
import QPVCore
import QPVEligibility
import Testing

@Suite struct EmploiFrancTests {
    let book = Fixture.emploiFranc

    func run(_ r: EmploiFrancRequest, _ location: EligibilityLocation? = nil) -> EligibilityReport {
        EmploiFranc.evaluate(r, location: location ?? Fixture.inside(on: r.signatureDate), book: book)
    }

    // Day before / day of / day after each start and end of the scheme.
    @Test(arguments: [
        ("2018-03-31", Verdict.notEligible, CriterionResult.notMet),
        ("2018-04-01", .toVerify, .met),  // experiment: the arrêté's list of QPV is not available
        ("2018-04-02", .toVerify, .met),
        ("2019-12-30", .eligible, .met),  // QP031001: Haute-Garonne, admitted from 28 March 2019
        ("2019-12-31", .eligible, .met),
        ("2020-01-01", .eligible, .met),
        ("2020-01-02", .eligible, .met),
        ("2024-12-30", .eligible, .met),
        ("2024-12-31", .eligible, .met),
        ("2025-01-01", .notEligible, .notMet),
        ("2025-01-02", .notEligible, .notMet),
    ])
    func schemeDateEdges(date: String, verdict: Verdict, period: CriterionResult) {
        let report = run(Fixture.hire(date))
        #expect(report.verdict == verdict, "\(date): \(report.summary)")
        #expect(Fixture.criterion(report, "signature_period").result == period, "\(date)")
        if date < "2019-03-28" && date >= "2018-04-01" {
            let residence = Fixture.criterion(report, "residence_qpv")
            #expect(residence.result == .unknown)
            #expect(residence.detail.contains("arrêté du 30 mars 2018"))
        }
        if verdict == .notEligible { #expect(report.aid == nil && report.filingDeadline == nil) }
    }

    @Test func hiresFrom2025AreRefusedWithTheReason() {
        let report = run(Fixture.hire("2025-01-02"))
        #expect(report.verdict == .notEligible)
        #expect(report.summary.contains("2025"))
        #expect(Fixture.criterion(report, "signature_period").ruleNote?.contains("loi de finances pour 2025") == true)
        // The other criteria have no rule after 2024: they say so instead of failing.
        #expect(Fixture.criterion(report, "person_status").detail.contains("sans objet"))
    }

    // Filing deadline: 2 months until 26 April 2019, 3 months from 27 April 2019, 1 month from 31 December 2023.
    @Test(arguments: [
        ("2018-04-01", "2018-06-01"),
        ("2019-04-26", "2019-06-26"),
        ("2019-04-27", "2019-07-27"),
        ("2019-04-28", "2019-07-28"),
        ("2022-03-15", "2022-06-15"),
        ("2023-12-30", "2024-03-30"),
        ("2023-12-31", "2024-01-31"),
        ("2024-01-01", "2024-02-01"),
        ("2024-12-31", "2025-01-31"),
    ])
    func filingDeadlineEdges(signed: String, deadline: String) {
        let report = run(Fixture.hire(signed))
        #expect(report.filingDeadline == deadline, "\(signed)")
    }

    // Who may be hired: CSP from 27 April 2019, mission locale from 1 January 2020.
    @Test(arguments: [
        (EmploiFrancRequest.Status.csp, "2019-04-26", CriterionResult.notMet),
        (.csp, "2019-04-27", .met),
        (.csp, "2019-04-28", .met),
        (.missionLocale, "2019-12-31", .notMet),
        (.missionLocale, "2020-01-01", .met),
        (.missionLocale, "2020-01-02", .met),
        (.jobseeker, "2018-04-01", .met),
        (.other, "2022-03-15", .notMet),
    ])
    func statusEdges(status: EmploiFrancRequest.Status, date: String, result: CriterionResult) {
        var hire = Fixture.hire(date)
        hire.status = status
        #expect(Fixture.criterion(run(hire), "person_status").result == result, "\(status) \(date)")
    }

    // Sociétés d'économie mixte are admitted from 2020; EPA, EPIC and private individuals never.
    @Test(arguments: [
        (EmploiFrancRequest.Employer.sem, "2019-12-31", CriterionResult.notMet),
        (.sem, "2020-01-01", .met),
        (.association, "2018-04-01", .met),
        (.privateCompany, "2024-12-31", .met),
        (.epa, "2022-03-15", .notMet),
        (.epic, "2022-03-15", .notMet),
        (.individual, "2022-03-15", .notMet),
    ])
    func employerEdges(employer: EmploiFrancRequest.Employer, date: String, result: CriterionResult) {
        var hire = Fixture.hire(date)
        hire.employer = employer
        #expect(Fixture.criterion(run(hire), "employer").result == result, "\(employer) \(date)")
    }

    /// Each criterion failing alone makes the hire ineligible, and only that criterion is ✗.
    @Test func eachCriterionFailingAlone() {
        let date = Fixture.date("2022-03-15")
        typealias Case = (id: String, request: EmploiFrancRequest, location: EligibilityLocation)
        var cases: [Case] = []
        var r = Fixture.hire("2022-03-15")
        r.status = .other
        cases.append(("person_status", r, Fixture.inside(on: date)))
        r = Fixture.hire("2022-03-15")
        cases.append(("residence_qpv", r, Fixture.outside(on: date)))
        r.previousEmployment = true
        cases.append(("no_recent_employment", r, Fixture.inside(on: date)))
        r = Fixture.hire("2022-03-15", contract: .cdd, months: 5)
        cases.append(("contract", r, Fixture.inside(on: date)))
        r = Fixture.hire("2022-03-15")
        r.employer = .individual
        cases.append(("employer", r, Fixture.inside(on: date)))
        for c in cases {
            let report = EmploiFranc.evaluate(c.request, location: c.location, book: book)
            #expect(report.verdict == .notEligible, "\(c.id)")
            #expect(report.criteria.filter { $0.result == .notMet }.map(\.id) == [c.id], "\(c.id)")
            #expect(report.criteria.filter { $0.result == .unknown }.isEmpty, "\(c.id)")
            #expect(report.summary.contains(Fixture.criterion(report, c.id).detail), "\(c.id)")
        }
        // The period criterion failing alone (a 2017 hire: the other rules have no version yet → "aucune règle").
        let early = run(Fixture.hire("2018-03-31"))
        #expect(early.criteria.filter { $0.result == .notMet }.map(\.id) == ["signature_period"])
    }

    // CDD lengths 5, 6, 12, 18, 30 months: 2,500 € a year prorated, at most 2 years.
    @Test(arguments: [
        (5.0, nil as Double?, [] as [Double]),
        (6.0, 1250, [1250]),
        (12.0, 2500, [2500]),
        (18.0, 3750, [2500, 1250]),
        (30.0, 5000, [2500, 2500]),
    ])
    func cddLengths(months: Double, total: Double?, years: [Double]) {
        let report = run(Fixture.hire("2022-03-15", contract: .cdd, months: months))
        if let total {
            #expect(report.verdict == .eligible)
            #expect(report.aid?.totalEUR == total)
            #expect(report.aid?.byYearEUR == years)
        } else {
            #expect(report.verdict == .notEligible)
            #expect(Fixture.criterion(report, "contract").detail.contains("5 mois"))
            #expect(report.aid == nil)
        }
    }

    @Test func partTimeProratesEveryYear() {
        var cdi = Fixture.hire("2022-03-15")
        cdi.workingTime = 0.5
        let half = run(cdi)
        #expect(half.verdict == .eligible)
        #expect(half.aid?.totalEUR == 7500)
        #expect(half.aid?.byYearEUR == [2500, 2500, 2500])
        #expect(half.notes.contains { $0.contains("50 %") })
        var cdd = Fixture.hire("2022-03-15", contract: .cdd, months: 18)
        cdd.workingTime = 0.8
        #expect(run(cdd).aid?.byYearEUR == [2000, 1000])
        #expect(run(cdd).aid?.totalEUR == 3000)
    }

    @Test func invalidFactsAreRejectedBeforeTheRules() {
        var r = Fixture.hire("2022-03-15")
        r.workingTime = 1.5
        #expect(throws: EligibilityInputError.self) { try r.validate() }
        r.workingTime = 0
        #expect(throws: EligibilityInputError.self) { try r.validate() }
        r = Fixture.hire("2022-03-15", contract: .cdi, months: 12)
        #expect(throws: EligibilityInputError.self) { try r.validate() }
        r = Fixture.hire("2022-03-15", contract: .cdd, months: -3)
        #expect(throws: EligibilityInputError.self) { try r.validate() }
        #expect(throws: Never.self) { try Fixture.hire("2022-03-15", contract: .cdd, months: 6).validate() }
    }

    // Emploi franc+: signed 15 Oct 2020 – 31 May 2021, under 26 on the signature date.
    @Test(arguments: [
        ("2020-10-14", 25, 15000.0),
        ("2020-10-15", 25, 17000),
        ("2020-10-16", 25, 17000),
        ("2021-01-31", 25, 17000),
        ("2021-02-01", 25, 17000),
        ("2021-05-30", 25, 17000),
        ("2021-05-31", 25, 17000),
        ("2021-06-01", 25, 15000),
        ("2020-10-15", 26, 15000),
        ("2021-05-31", 26, 15000),
    ])
    func emploiFrancPlusForCDI(date: String, age: Int, total: Double) {
        let report = run(Fixture.hire(date, age: age))
        #expect(report.verdict == .eligible, "\(date) \(age)")
        #expect(report.aid?.totalEUR == total, "\(date) \(age)")
        if total == 17000 { #expect(report.aid?.byYearEUR == [7000, 5000, 5000]) }
    }

    @Test(arguments: [(6.0, 25, 2750.0), (12.0, 25, 5500), (18.0, 25, 6750), (30.0, 25, 8000), (12.0, 26, 2500), (30.0, 26, 5000)])
    func emploiFrancPlusForCDD(months: Double, age: Int, total: Double) {
        let report = run(Fixture.hire("2021-01-10", contract: .cdd, months: months, age: age))
        #expect(report.aid?.totalEUR == total, "\(months) mois, \(age) ans")
    }

    @Test func missingAgeInTheEmploiFrancPlusWindowIsToVerify() {
        // The amount is to verify (emploi franc+ or not), not the eligibility (issue 12.6).
        let inWindow = run(Fixture.hire("2021-03-01", age: nil))
        #expect(inWindow.verdict == .eligible)
        #expect(inWindow.aid?.uncertain?.contains("emploi franc+") == true)
        #expect(inWindow.aid?.totalEUR == 15000)
        // Outside the window the age does not matter.
        #expect(run(Fixture.hire("2022-03-01", age: nil)).verdict == .eligible)
    }

    @Test func missingInputsNeverGiveEligible() {
        var r = Fixture.hire("2022-03-15")
        r.employer = nil
        let noEmployer = run(r)
        #expect(noEmployer.verdict == .toVerify)
        #expect(Fixture.criterion(noEmployer, "employer").detail.contains("--employer"))
        r = Fixture.hire("2022-03-15")
        r.contract = nil
        #expect(run(r).verdict == .toVerify)
        #expect(run(Fixture.hire("2022-03-15", contract: .cdd, months: nil)).verdict == .toVerify)
        r = Fixture.hire("2022-03-15")
        r.status = nil
        #expect(run(r).verdict == .toVerify)
        #expect(EmploiFranc.evaluate(Fixture.hire("2022-03-15"), location: nil, book: book).verdict == .toVerify)
    }

    @Test func locationsThatCannotDecide() {
        let date = Fixture.date("2022-03-15")
        for (name, location) in [
            ("limite intérieure", Fixture.boundary(on: date, inside: true)), ("limite extérieure", Fixture.boundary(on: date, inside: false)),
        ] {
            let report = run(Fixture.hire("2022-03-15"), location)
            #expect(report.verdict == .toVerify, "\(name)")
            #expect(Fixture.criterion(report, "residence_qpv").detail.contains("5,0 m"), "\(name)")
        }
        let missing = run(Fixture.hire("2024-06-01"), Fixture.noList(on: Fixture.date("2024-06-01")))
        #expect(missing.verdict == .toVerify)
        #expect(Fixture.criterion(missing, "residence_qpv").detail.contains("liste 2024 des QPV de l'Hexagone"))
        let bad = EligibilityLocation(status: .invalidCoordinates, date: date, territory: nil, problem: "coordonnées absentes ou non numériques")
        #expect(run(Fixture.hire("2022-03-15"), bad).verdict == .toVerify)
        // An official list the registry marks as uncertain: the criterion holds, the verdict says to verify.
        let doubtful = run(Fixture.hire("2024-06-01"), Fixture.inside("QN03101M", on: Fixture.date("2024-06-01"), listUncertain: true))
        #expect(Fixture.criterion(doubtful, "residence_qpv").result == .met)
        #expect(doubtful.verdict == .toVerify)
        #expect(doubtful.toVerify.contains { $0.contains("date de fin non confirmée") })
    }

    @Test func polynesieFrancaiseIsExcluded() {
        let report = run(Fixture.hire("2022-03-15"), Fixture.inside("QP987001", on: Fixture.date("2022-03-15")))
        #expect(report.verdict == .notEligible)
        #expect(Fixture.criterion(report, "residence_qpv").detail.contains("Polynésie"))
    }

    @Test func textReadsLikeACounsellor() {
        let report = run(Fixture.hire("2022-03-15"))
        let text = report.text()
        #expect(text.hasPrefix("✓ ÉLIGIBLE"))
        #expect(text.contains("  ✓ Type et durée du contrat : CDI"))
        #expect(text.contains("Montant de l'aide : 15 000 €"))
        #expect(text.contains("Date limite de la demande d'aide : 15 juin 2022"))
        #expect(text.contains("Liste utilisée : liste 2015 des QPV de l'Hexagone"))
        #expect(text.contains("Décret n° 2019-1471"))
        let failed = run(Fixture.hire("2022-03-15", contract: .cdd, months: 5)).text()
        #expect(failed.hasPrefix("✗ NON ÉLIGIBLE"))
        #expect(failed.contains("  ✗ Type et durée du contrat : CDD de 5 mois"))
        let unsure = run(Fixture.hire("2022-03-15"), Fixture.boundary(on: Fixture.date("2022-03-15"), inside: true)).text()
        #expect(unsure.hasPrefix("? À VÉRIFIER"))
        #expect(unsure.contains("  ? Résidence dans un QPV"))
    }

    @Test func jsonKeysAreStable() throws {
        let encoder = JSONEncoder()
        for report in [run(Fixture.hire("2022-03-15")), run(Fixture.hire("2025-01-02"))] {
            let json = try JSONParser.parse(try encoder.encode(report))
            for key in ["programme", "verdict", "criteria", "aid", "filing_deadline", "location", "sources", "to_verify"] {
                #expect(json[key] != nil, "\(key)")
            }
            for key in ["id", "result", "detail", "source"] { #expect(json["criteria"]?.arrayValue?.first?[key] != nil, "\(key)") }
            for key in ["status", "code", "name", "vintage", "distance_boundary_m"] { #expect(json["location"]?[key] != nil, "\(key)") }
        }
        let ok = try JSONParser.parse(try encoder.encode(run(Fixture.hire("2022-03-15"))))
        #expect(ok["verdict"]?.stringValue == "eligible")
        #expect(ok["aid"]?["total_eur"]?.numberValue == 15000)
        #expect(ok["aid"]?["by_year_eur"]?.arrayValue?.count == 3)
        #expect(ok["filing_deadline"]?.stringValue == "2022-06-15")
        #expect(ok["location"]?["code"]?.stringValue == "QP031001")
        let refused = try JSONParser.parse(try encoder.encode(run(Fixture.hire("2025-01-02"))))
        #expect(refused["aid"] == .null)
        #expect(refused["filing_deadline"] == .null)
    }
}
