// Rules as the legal texts say them (issues 12 and 14): emplois francs geography and employer conditions,
// undeclared facts never assumed, adultes-relais employer and convention, FCS wording, TFPB 2024–2025.

import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters
import Testing

/// Issue 14 and issue 12 (5, 6): rules as the texts say — emplois francs 2018–2019 geography and employer
/// conditions, undeclared yes/no facts never assumed, amounts separate from verdicts, adultes-relais employer
/// and convention, FCS wording and the Hulluch part of QN06216M, TFPB 2024–2025 and the dwelling conditions.
@Suite struct RulesAsTextsTests {
    // MARK: - Emplois francs, 2018–2019 geography

    /// Haute-Garonne (QP031…) and Nord (QP059…) are among the territories of the arrêté of 22 March 2019; Gironde
    /// (QP033…) and Hérault (QP034…) are not.
    @Test(arguments: [
        ("2018-04-01", "QP031001", Verdict.toVerify),
        ("2019-03-27", "QP031001", .toVerify),  // last day under the arrêté of 30 March 2018 (per-QPV list not typed)
        ("2019-03-28", "QP031001", .eligible),  // first day under the arrêté of 22 March 2019
        ("2019-03-28", "QP059043", .eligible),
        ("2019-06-03", "QP059043", .eligible),
        ("2019-12-31", "QP031001", .eligible),
        ("2019-03-28", "QP033005", .notEligible),
        ("2019-12-31", "QP034021", .notEligible),
        ("2019-06-03", "QP971002", .eligible),  // Guadeloupe: overseas départements admitted
        ("2019-06-03", "QP978001", .eligible),  // Saint-Martin
        ("2019-06-03", "QP093010", .eligible),  // Île-de-France
        ("2019-06-03", "QP008004", .eligible),  // Ardennes
        ("2019-06-03", "QP069010", .notEligible),  // Rhône: not in the list
        ("2020-01-01", "QP033005", .eligible),  // generalised
    ])
    func emploiFranc2019Geography(date: String, code: String, verdict: Verdict) {
        let report = EmploiFranc.evaluate(Fixture.hire(date), location: Fixture.inside(code, on: Fixture.date(date)), book: Fixture.emploiFranc)
        #expect(report.verdict == verdict, "\(date) \(code): \(report.summary)")
        let residence = Fixture.criterion(report, "residence_qpv")
        if date <= "2019-03-27" {
            #expect(residence.result == .unknown)
            #expect(residence.detail.contains("arrêté du 30 mars 2018"), "the text that decides is named: \(residence.detail)")
        }
        if verdict == .eligible && date < "2020-01-01" {
            #expect(residence.source.contains("22 mars 2019"))
            #expect(report.aid?.totalEUR == 15_000, "CDI 2019: 3 × 5 000 €")
        }
        if verdict == .notEligible { #expect(residence.detail.contains("hors des territoires admis")) }
    }

    @Test func a2019CDIInNordIsEligibleWith15000Euros() {
        let report = EmploiFranc.evaluate(
            Fixture.hire("2019-09-02"), location: Fixture.inside("QP059043", name: "Cœur d'étoile", on: Fixture.date("2019-09-02")),
            book: Fixture.emploiFranc)
        #expect(report.verdict == .eligible, "\(report.summary)")
        #expect(report.aid?.byYearEUR == [5000, 5000, 5000])
        #expect(report.filingDeadline == "2019-12-02", "3 months from décret 2019-365")
    }

    // MARK: - Emplois francs, yes/no facts never assumed (issue 12.5)

    /// A complete 2022 hire with one employer fact set to `value` (nil: not declared).
    static func hire(declaring criterion: String, _ value: Bool?) -> EmploiFrancRequest {
        var r = Fixture.hire("2022-03-15")
        switch criterion {
        case "no_recent_employment": r.previousEmployment = value
        case "no_economic_dismissal": r.economicDismissal = value
        case "obligations_up_to_date": r.obligationsUpToDate = value
        case "no_other_state_aid": r.otherStateAid = value
        default: r.keptSixMonths = value
        }
        return r
    }

    @Test(arguments: [
        "no_recent_employment", "no_economic_dismissal", "obligations_up_to_date", "no_other_state_aid", "kept_six_months",
    ])
    func eachUndeclaredEmployerFactIsToVerify(criterion: String) {
        let r = Self.hire(declaring: criterion, nil)
        let report = EmploiFranc.evaluate(r, location: Fixture.inside(on: r.signatureDate), book: Fixture.emploiFranc)
        let c = Fixture.criterion(report, criterion)
        #expect(c.result == .unknown)
        #expect(!c.detail.contains("(déclaré)"), "nothing was declared: \(c.detail)")
        #expect(c.detail.contains("non renseigné") && c.detail.contains("--"), "the option to give is named: \(c.detail)")
        #expect(report.verdict == .toVerify)
        #expect(report.toVerify.contains { $0.contains(c.label) })
    }

    /// Each fact declared the wrong way fails the criterion; declared the right way it is met "(déclaré)".
    @Test(arguments: [
        ("no_recent_employment", true), ("no_economic_dismissal", true), ("obligations_up_to_date", false), ("no_other_state_aid", true),
        ("kept_six_months", false),
    ])
    func eachDeclaredEmployerFactDecides(criterion: String, value: Bool) {
        let r = Self.hire(declaring: criterion, value)
        let failed = EmploiFranc.evaluate(r, location: Fixture.inside(on: r.signatureDate), book: Fixture.emploiFranc)
        #expect(failed.verdict == .notEligible)
        #expect(Fixture.criterion(failed, criterion).result == .notMet)
        let good = EmploiFranc.evaluate(Fixture.hire("2022-03-15"), location: Fixture.inside(on: r.signatureDate), book: Fixture.emploiFranc)
        #expect(Fixture.criterion(good, criterion).result == .met)
        #expect(Fixture.criterion(good, criterion).detail.contains("(déclaré)"))
    }

    // MARK: - Emplois francs, filing deadline transitions and the 2025 end

    @Test(arguments: [
        ("2019-02-26", "2019-04-26", false),  // 2-month deadline ended before décret 2019-365 came into force
        ("2019-02-27", "2019-04-27", true),  // deadline still open on 27 April 2019: 2 or 3 months, à vérifier
        ("2019-04-26", "2019-06-26", true),
        ("2019-04-27", "2019-07-27", false),  // 3 months
        ("2023-12-30", "2024-03-30", false),
        ("2023-12-31", "2024-01-31", false),  // 1 month from décret 2023-1353 (in force 31 December 2023)
    ])
    func filingDeadlineTransitions(signed: String, deadline: String, doubtful: Bool) {
        let report = EmploiFranc.evaluate(
            Fixture.hire(signed), location: Fixture.inside("QP059043", on: Fixture.date(signed)), book: Fixture.emploiFranc)
        #expect(report.filingDeadline == deadline, "\(signed)")
        #expect(report.filingDeadlineDetail?.contains("délai à vérifier") == doubtful, "\(signed): \(report.filingDeadlineDetail ?? "")")
        // A doubt on the deadline never changes the verdict (before 28 March 2019 the geography is what is to verify).
        #expect(report.verdict == (signed >= "2019-03-28" ? .eligible : .toVerify), "\(signed): \(report.summary)")
        #expect(!report.toVerify.contains { $0.contains("délai") })
    }

    @Test(arguments: ["2024-12-31", "2025-01-01", "2026-06-01"])
    func noNewEmploiFrancSince2025ButPastDatesAnswer(date: String) {
        let report = EmploiFranc.evaluate(Fixture.hire(date), location: Fixture.inside(on: Fixture.date(date)), book: Fixture.emploiFranc)
        if date == "2024-12-31" {
            #expect(report.verdict == .eligible)
            #expect(report.aid?.totalEUR == 15_000)
        } else {
            #expect(report.verdict == .notEligible)
            let period = Fixture.criterion(report, "signature_period")
            #expect(period.ruleNote?.contains("aucune nouvelle embauche") == true)
            #expect(period.ruleNote?.contains("1er janvier 2025") == true)
        }
    }

    // MARK: - Adultes-relais (issue 12.6 and the employer, convention criteria)

    @Test func adulteRelais2023IsEligibleWithItsOwnAmountDoubt() {
        let r = Fixture.adulteRelaisHire("2023-05-01")
        let report = AdulteRelais.evaluate(r, location: Fixture.inside(on: r.hireDate), book: Fixture.adulteRelais)
        #expect(report.verdict == .eligible, "\(report.summary) \(report.toVerify)")
        #expect(report.aid?.uncertain != nil, "the 2023 amount is not confirmed: the amount says it")
        #expect(report.summary.contains("Montant à vérifier"))
        #expect(report.toVerify.isEmpty)
        #expect(report.text().contains("montant à vérifier"))
    }

    @Test(
        arguments: [
            ("2024-03-01", 22_810.61, false),
            ("2023-05-01", 22_555.73, true),
            ("2022-05-01", nil, true),  // not typed: amount unknown, verdict unchanged
            ("2025-05-01", nil, true),
        ] as [(String, Double?, Bool)])
    func adulteRelaisAmountPerYear(date: String, amount: Double?, doubtful: Bool) {
        let r = Fixture.adulteRelaisHire(date)
        let report = AdulteRelais.evaluate(r, location: Fixture.inside(on: r.hireDate), book: Fixture.adulteRelais)
        #expect(report.verdict == .eligible, "\(date): \(report.summary)")
        #expect(report.aid?.perYearFullTimeEUR == amount)
        #expect((report.aid?.uncertain != nil) == doubtful, "\(date)")
    }

    @Test(arguments: [
        (AdulteRelaisRequest.EmployerKind.association, CriterionResult.met), (.localAuthority, .met), (.publicEstablishment, .met), (.hlm, .met),
        (.publicServicePrivate, .met), (.company, .notMet), (.other, .notMet),
    ])
    func adulteRelaisEmployerKinds(kind: AdulteRelaisRequest.EmployerKind, result: CriterionResult) {
        var r = Fixture.adulteRelaisHire("2024-03-01")
        r.employerKind = kind
        let report = AdulteRelais.evaluate(r, location: Fixture.inside(on: r.hireDate), book: Fixture.adulteRelais)
        #expect(Fixture.criterion(report, "employer_kind").result == result)
        #expect(report.verdict == (result == .met ? .eligible : .notEligible))
    }

    @Test(arguments: [(true as Bool?, Verdict.eligible), (false, .notEligible), (nil, .toVerify)])
    func adulteRelaisConventionBeforeHire(convention: Bool?, verdict: Verdict) {
        var r = Fixture.adulteRelaisHire("2024-03-01")
        r.conventionBeforeHire = convention
        let report = AdulteRelais.evaluate(r, location: Fixture.inside(on: r.hireDate), book: Fixture.adulteRelais)
        #expect(report.verdict == verdict)
        if convention == nil { #expect(Fixture.criterion(report, "convention_before_hire").detail.contains("--convention")) }
    }

    @Test func undeclaredEmployerKindIsToVerify() {
        var r = Fixture.adulteRelaisHire("2024-03-01")
        r.employerKind = nil
        let report = AdulteRelais.evaluate(r, location: Fixture.inside(on: r.hireDate), book: Fixture.adulteRelais)
        #expect(report.verdict == .toVerify)
        #expect(Fixture.criterion(report, "employer_kind").result == .unknown)
    }

    @Test(arguments: [(false as Bool?, Verdict.notEligible), (nil, .toVerify), (true, .toVerify)])
    func adulteRelaisDerogationIsNeverAssumed(derogation: Bool?, verdict: Verdict) {
        var r = Fixture.adulteRelaisHire("2024-03-01")
        r.derogation = derogation
        let report = AdulteRelais.evaluate(r, location: Fixture.outside(on: r.hireDate), book: Fixture.adulteRelais)
        #expect(report.verdict == verdict)
    }

    // MARK: - FCS and fonds de concours

    func cabbalr() throws -> CohesionFundProgramme {
        try #require(try CohesionFund.programmes(book: Fixture.fcs).first { $0.epciSiren == "200072460" })
    }

    func qn06216(on date: CivilDate, communes: [CommuneRef], source: String?) -> EligibilityLocation {
        var loc = Fixture.inside("QN06216M", name: "Saint-Élie - Fosse 13", on: date, communes: communes, epci: "200072460")
        loc.communeSource = source
        return loc
    }

    @Test func fcsSaysTerritoireEligibleAndWhatElseDecides() throws {
        let date = Fixture.date("2025-03-01")
        let report = CohesionFund.evaluate(date: date, location: Fixture.inside("QN06208M", on: date, epci: "200072460"), programme: try cabbalr())
        #expect(report.verdict == .eligible)
        #expect(report.verdictLabel == "Territoire éligible")
        #expect(report.summary.hasPrefix("Territoire éligible"))
        #expect(report.text().hasPrefix("✓ TERRITOIRE ÉLIGIBLE"))
        #expect(!report.text().contains("✓ ÉLIGIBLE"))
        let also = report.alsoDecides.joined(separator: " | ")
        #expect(also.contains("règlement") && also.contains("commission") && also.contains("conseil communautaire"))
        #expect(also.contains("communes") && also.contains("enrobé") && also.contains("eaux pluviales") && also.contains("PNRU 2"))
        #expect(report.aid == nil, "no amount: no text gives one")
    }

    @Test func hulluchPartOfQN06216MIsNotACABBALRTerritory() throws {
        let date = Fixture.date("2025-03-01")
        let p = try cabbalr()
        let hulluch = CohesionFund.evaluate(
            date: date, location: qn06216(on: date, communes: [CommuneRef(insee: "62464", name: "Hulluch")], source: "fichier des communes"),
            programme: p)
        #expect(hulluch.verdict == .notEligible, "\(hulluch.summary)")
        #expect(Fixture.criterion(hulluch, "territory").detail.contains("Lens-Liévin"))
        let douvrin = CohesionFund.evaluate(
            date: date, location: qn06216(on: date, communes: [CommuneRef(insee: "62276", name: "Douvrin")], source: "fichier des communes"),
            programme: p)
        #expect(douvrin.verdict == .eligible, "\(douvrin.summary)")
        // Commune unknown (only the QPV's three communes as candidates): never a confident answer.
        let candidates = [
            CommuneRef(insee: "62276", name: "Douvrin"), CommuneRef(insee: "62412", name: "Haisnes"), CommuneRef(insee: "62464", name: "Hulluch"),
        ]
        let unknown = CohesionFund.evaluate(date: date, location: qn06216(on: date, communes: candidates, source: "communes du QPV"), programme: p)
        #expect(unknown.verdict == .toVerify)
        #expect(Fixture.criterion(unknown, "territory").detail.contains("--communes"))
    }

    @Test func qicMayReceiveProgramme147CreditsAsTerritoiresVulnerables() throws {
        let date = Fixture.date("2025-03-01")
        var loc = Fixture.outside(on: date)
        let set = ListRef(label: "QIC CABBALR (test)", kind: .qic, vintage: "2024", territory: .epci("200072460"), epciSiren: "200072460")
        let catorive = PerimeterRef(code: "QIC-CATORIVE", name: "Catorive", kind: .qic, vintage: "2024", epciSiren: "200072460")
        loc.qic = QICAnswer(status: .inside, containing: [catorive], nearest: catorive, distanceBoundaryM: 40, sets: [set])
        let report = CohesionFund.evaluate(date: date, location: loc, programme: try cabbalr())
        #expect(report.verdict == .eligible)
        let note = report.notes.joined(separator: " ")
        #expect(note.contains("territoire vulnérable") && note.contains("2,5 %") && note.contains("31 août 2023"))
        #expect(!note.contains("pas aux crédits"), "the absolute statement is gone: \(note)")
    }

    @Test(arguments: [
        ("2017-06-27", Verdict.toVerify),  // no rule typed before the 2017 deliberation
        ("2017-06-28", .toVerify),  // 2017 deliberation: not re-read, uncertain
        ("2024-04-14", .toVerify),
        ("2024-04-15", .eligible),  // contract enforceable
        ("2030-12-31", .eligible),
    ])
    func cabbalrProgrammeDates(day: String, verdict: Verdict) throws {
        let date = Fixture.date(day)
        let report = CohesionFund.evaluate(date: date, location: Fixture.inside("QN06208M", on: date, epci: "200072460"), programme: try cabbalr())
        // Before 2024 the list in force is 2015 (QP…): the programme of that time is not typed.
        #expect(report.verdict == verdict, "\(day): \(report.summary)")
    }

    // MARK: - TFPB 2024–2025 and dwelling conditions

    func tfpb(_ year: Int, convention: Bool? = true, social: Bool? = true, exoneration: Bool? = true, _ location: EligibilityLocation? = nil)
        -> EligibilityReport
    {
        let date = TFPB.referenceDate(taxYear: year)
        return TFPB.evaluate(
            taxYear: year, conventionSigned: convention, socialHousing: social, exonerationEnded: exoneration,
            location: location ?? Fixture.inside("QN05943M", on: date), book: Fixture.tfpb)
    }

    @Test(arguments: [
        (true as Bool?, true as Bool?, Verdict.eligible), (nil, true, .toVerify), (true, nil, .toVerify), (false, true, .notEligible),
        (true, false, .notEligible),
    ])
    func dwellingConditions(social: Bool?, exoneration: Bool?, verdict: Verdict) {
        #expect(tfpb(2026, social: social, exoneration: exoneration).verdict == verdict)
    }

    @Test func taxYears2024And2025() {
        let y2024 = tfpb(2024)
        #expect(y2024.verdict == .toVerify, "the 2024 reference list is not confirmed")
        #expect(Fixture.criterion(y2024, "tax_year").result == .met, "the 2024 prorogation itself is sourced (LFI 2024 art. 73)")
        #expect(Fixture.criterion(y2024, "tax_year").source.contains("2023-1322"))
        let y2025 = tfpb(2025)
        #expect(y2025.verdict == .eligible)
        let convention = Fixture.criterion(y2025, "convention_signed")
        #expect(convention.ruleNote?.contains("31 mars 2025") == true)
        #expect(convention.source.contains("2025-127"))
    }

    @Test func overseas2025RenewalIsNotAConfidentRefusal() {
        let date = TFPB.referenceDate(taxYear: 2025)
        var out = Fixture.outside(on: date)
        out.territory = .outreMer
        let overseas = tfpb(2025, out)
        #expect(overseas.verdict == .toVerify)
        #expect(Fixture.criterion(overseas, "location_qpv").detail.contains("art. 47"))
        var mainland = Fixture.outside(on: date)
        mainland.territory = .hexagone
        #expect(tfpb(2025, mainland).verdict == .notEligible)
        var later = Fixture.outside(on: TFPB.referenceDate(taxYear: 2026))
        later.territory = .outreMer
        #expect(tfpb(2026, later).verdict == .notEligible)
    }

    // MARK: - Rule files

    @Test func everyFlagCriterionSaysHowToDeclareIt() throws {
        for name in RuleBook.shippedNames() {
            let book = try RuleBook.shipped(name)
            for c in book.criteria where c.check == .flagTrue || c.check == .flagFalse {
                #expect(c.ask != nil && c.whenTrue != nil && c.whenFalse != nil, "\(name): \(c.id)")
            }
        }
    }
}
