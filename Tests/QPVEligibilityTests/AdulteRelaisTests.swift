// Table-driven tests of `AdulteRelais.evaluate` on `Fixture` locations: age and contract rules by date,
// residence with derogation, each criterion failing alone, missing facts, State aid per post.

import Foundation
import QPVCore
import QPVEligibility
import Testing

@Suite struct AdulteRelaisTests {
    let book = Fixture.adulteRelais

    func hire(
        _ date: String, born: String, employment: AdulteRelaisRequest.Employment? = .unemployed, contract: EmploiFrancRequest.Contract? = .cdi,
        months: Double? = nil
    ) -> AdulteRelaisRequest {
        AdulteRelaisRequest(
            hireDate: Fixture.date(date), birthDate: Fixture.date(born), employment: employment, contract: contract, durationMonths: months,
            derogation: false,
            employerKind: .association, conventionBeforeHire: true)
    }

    func run(_ r: AdulteRelaisRequest, _ location: EligibilityLocation? = nil) -> EligibilityReport {
        AdulteRelais.evaluate(r, location: location ?? Fixture.inside(on: r.hireDate), book: book)
    }

    // Minimum age: 30 until 15 September 2021, 26 from 16 September 2021; age judged on the hire date.
    @Test(arguments: [
        ("2021-09-15", "1993-01-01", CriterionResult.notMet),  // 28: too young under the 30-year rule
        ("2021-09-16", "1993-01-01", .met),  // 28 ≥ 26
        ("2021-09-17", "1993-01-01", .met),
        ("2021-09-15", "1991-09-15", .met),  // exactly 30 on the hire date
        ("2021-09-15", "1991-09-16", .notMet),  // 30 the next day
        ("2024-06-10", "1998-06-10", .met),  // 26th birthday on the hire date
        ("2024-06-10", "1998-06-11", .notMet),  // 26 the next day
        ("2024-06-10", "1998-06-09", .met),
    ])
    func ageEdges(date: String, born: String, result: CriterionResult) {
        let report = run(hire(date, born: born))
        #expect(Fixture.criterion(report, "minimum_age").result == result, "\(date) né le \(born)")
        #expect(report.verdict == (result == .met ? .eligible : .notEligible), "\(date)")
    }

    @Test(arguments: [
        (AdulteRelaisRequest.Employment.unemployed, CriterionResult.met), (.caeCui, .met), (.employed, .notMet),
    ])
    func employmentSituation(employment: AdulteRelaisRequest.Employment, result: CriterionResult) {
        #expect(Fixture.criterion(run(hire("2024-03-01", born: "1980-01-01", employment: employment)), "employment_situation").result == result)
    }

    // CDI, or CDD of at most 3 years.
    @Test(arguments: [(12.0, CriterionResult.met), (35, .met), (36, .met), (37, .notMet), (48, .notMet)])
    func cddLength(months: Double, result: CriterionResult) {
        let report = run(hire("2024-03-01", born: "1980-01-01", contract: .cdd, months: months))
        #expect(Fixture.criterion(report, "contract").result == result, "\(months)")
    }

    @Test func residenceInAnyQPVWithTheDerogationCase() {
        let date = Fixture.date("2024-03-01")
        // Any QPV, not the one of the mission.
        #expect(run(hire("2024-03-01", born: "1980-01-01"), Fixture.inside("QN06208M", on: date)).verdict == .eligible)
        let out = run(hire("2024-03-01", born: "1980-01-01"), Fixture.outside(on: date))
        #expect(out.verdict == .notEligible)
        #expect(Fixture.criterion(out, "residence_qpv").detail.contains("dérogation"))
        var derogation = hire("2024-03-01", born: "1980-01-01")
        derogation.derogation = true
        let asked = run(derogation, Fixture.outside(on: date))
        #expect(asked.verdict == .toVerify)
        #expect(Fixture.criterion(asked, "residence_qpv").result == .unknown)
        #expect(run(hire("2024-03-01", born: "1980-01-01"), Fixture.boundary(on: date, inside: true)).verdict == .toVerify)
    }

    @Test func eachCriterionFailingAlone() {
        let date = Fixture.date("2024-03-01")
        let cases: [(String, AdulteRelaisRequest, EligibilityLocation)] = [
            ("minimum_age", hire("2024-03-01", born: "2000-01-01"), Fixture.inside(on: date)),
            ("employment_situation", hire("2024-03-01", born: "1980-01-01", employment: .employed), Fixture.inside(on: date)),
            ("residence_qpv", hire("2024-03-01", born: "1980-01-01"), Fixture.outside(on: date)),
            ("contract", hire("2024-03-01", born: "1980-01-01", contract: .cdd, months: 40), Fixture.inside(on: date)),
        ]
        for (id, request, location) in cases {
            let report = run(request, location)
            #expect(report.verdict == .notEligible, "\(id)")
            #expect(report.criteria.filter { $0.result == .notMet }.map(\.id) == [id], "\(id)")
            #expect(report.aid == nil)
        }
    }

    @Test func missingFactsAreToVerify() {
        #expect(run(hire("2024-03-01", born: "1980-01-01", contract: nil)).verdict == .toVerify)
        #expect(run(hire("2024-03-01", born: "1980-01-01", contract: .cdd, months: nil)).verdict == .toVerify)
        #expect(run(hire("2024-03-01", born: "1980-01-01", employment: nil)).verdict == .toVerify)
        var noBirth = hire("2024-03-01", born: "1980-01-01")
        noBirth.birthDate = nil
        let r = run(noBirth)
        #expect(r.verdict == .toVerify)
        #expect(Fixture.criterion(r, "minimum_age").detail.contains("--birth-date"))
        // Before the first rule version we typed (8 August 2015): no rule, no verdict.
        let old = run(hire("2015-08-07", born: "1970-01-01"))
        #expect(old.verdict == .toVerify)
        #expect(Fixture.criterion(old, "minimum_age").detail.contains("aucune règle"))
    }

    @Test func stateAidPerPostWhenKnownForTheYear() {
        let y2024 = run(hire("2024-03-01", born: "1980-01-01"))
        #expect(y2024.verdict == .eligible)
        #expect(y2024.aid?.perYearFullTimeEUR == 22810.61)
        #expect(y2024.aid?.source.contains("F1019") == true)
        #expect(y2024.text().contains("22 810,61 € par an et par poste à temps plein"))
        // 2023: amount given to the project but not found on an official page → the amount is to verify, the
        // verdict is not (issue 12.6).
        let y2023 = run(hire("2023-05-01", born: "1980-01-01"))
        #expect(y2023.verdict == .eligible)
        #expect(y2023.aid?.perYearFullTimeEUR == 22555.73)
        #expect(y2023.aid?.uncertain != nil)
        #expect(y2023.toVerify.isEmpty)
        // 2025: not known — said so, the verdict does not depend on it.
        let y2025 = run(hire("2025-02-03", born: "1980-01-01"))
        #expect(y2025.verdict == .eligible)
        #expect(y2025.aid?.perYearFullTimeEUR == nil)
        #expect(y2025.aid?.detail.contains("non connu pour 2025") == true)
        #expect(y2025.text().contains("Montant de l'aide : non connu"))
    }

    @Test func impossibleBirthDateIsRejected() {
        let r = AdulteRelaisRequest(hireDate: Fixture.date("2024-03-01"), birthDate: Fixture.date("2024-03-02"), employment: .unemployed)
        #expect(throws: EligibilityInputError.self) { try r.validate() }
    }
}
