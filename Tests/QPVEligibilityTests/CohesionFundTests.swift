// Tests of `CohesionFund`: programmes per EPCI from `fcs.json`, QPV and QIC of the intercommunalité, missing
// QIC geometry, boundary and missing-list cases, and the choice of programme.

import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters
import Testing

@Suite struct CohesionFundTests {
    let programmes = try! CohesionFund.programmes(book: Fixture.fcs)
    var bethune: CohesionFundProgramme { programmes.first { $0.epciSiren == "200072460" }! }
    let date = Fixture.date("2025-03-01")

    func commune(_ name: String) -> CommuneRef { CommuneRef(insee: "", name: name) }

    /// QIC geometry of the Béthune-Bruay EPCI installed, with the point inside (or not) one of them.
    func qicAnswer(inside: Bool, status: LocateStatus? = nil) -> QICAnswer {
        let set = ListRef(label: "QIC 2024 de l'EPCI 200072460", kind: .qic, vintage: "2024", territory: .epci("200072460"), epciSiren: "200072460")
        let qic = PerimeterRef(code: "QIC-TRANSVAAL", name: "Cité du Transvaal", kind: .qic, vintage: "2024", epciSiren: "200072460")
        return QICAnswer(
            status: status ?? (inside ? .inside : .outside), containing: inside ? [qic] : [], nearest: qic, distanceBoundaryM: 5, sets: [set])
    }

    @Test func programmesAreGenericPerEPCI() {
        #expect(programmes.map(\.epciSiren).sorted() == ["000000019", "200072460"])
        #expect(bethune.registry?.qpv.count == 16)
        #expect(bethune.owns(PerimeterRef(code: "QN06208M", name: "Mont Liébaut", vintage: "2024")))
        #expect(!bethune.owns(PerimeterRef(code: "QN05901M", name: "ailleurs", vintage: "2024")))
        // A QPV carrying the EPCI's SIREN belongs to it even without a registry entry.
        #expect(bethune.owns(PerimeterRef(code: "QN06299Z", name: "x", vintage: "2024", epciSiren: "200072460")))
        let demo = programmes.first { $0.demo }!
        #expect(demo.owns(PerimeterRef(code: "QX000201", name: "Les Tilleuls (démo)", vintage: "2024", epciSiren: "000000019")))
    }

    @Test func pointInOneOfTheIntercommunaliteQPV() {
        let report = CohesionFund.evaluate(date: date, location: Fixture.inside("QN06208M", name: "Mont Liébaut", on: date), programme: bethune)
        #expect(report.verdict == .eligible, "\(report.summary)")
        #expect(Fixture.criterion(report, "territory").detail.contains("QN06208M"))
        #expect(!report.notes.contains { $0.contains("147") })
    }

    @Test func qicWithGeometryInstalled() {
        var loc = Fixture.outside(on: date, communes: [commune("Divion")])
        loc.qic = qicAnswer(inside: true)
        let report = CohesionFund.evaluate(date: date, location: loc, programme: bethune)
        #expect(report.verdict == .eligible)
        #expect(Fixture.criterion(report, "territory").detail.contains("Cité du Transvaal"))
        // A QIC is not a QPV, but the contract makes it a "territoire vulnérable": programme 147 credits possible.
        #expect(report.notes.contains { $0.contains("programme 147") && $0.contains("territoire vulnérable") && $0.contains("2,5 %") })
        // Installed QIC geometry decides, even in a commune hosting a QIC.
        loc.qic = qicAnswer(inside: false)
        #expect(CohesionFund.evaluate(date: date, location: loc, programme: bethune).verdict == .notEligible)
        loc.qic = qicAnswer(inside: false, status: .boundary)
        #expect(CohesionFund.evaluate(date: date, location: loc, programme: bethune).verdict == .toVerify)
    }

    @Test func qicGeometryMissingNeedsTheCommune() {
        // Commune unknown: cannot exclude a QIC.
        let unknown = CohesionFund.evaluate(date: date, location: Fixture.outside(on: date), programme: bethune)
        #expect(unknown.verdict == .toVerify)
        #expect(Fixture.criterion(unknown, "territory").detail.contains("--communes"))
        // A commune hosting QIC (registry): to verify, naming them and how to install their outlines.
        for (name, qic) in [("Divion", "Cité du Transvaal"), ("NOEUX LES MINES", "Fond de Sains"), ("Béthune", "Catorive")] {
            let r = CohesionFund.evaluate(date: date, location: Fixture.outside(on: date, communes: [commune(name)]), programme: bethune)
            #expect(r.verdict == .toVerify, "\(name)")
            #expect(Fixture.criterion(r, "territory").detail.contains(qic), "\(name)")
            #expect(Fixture.criterion(r, "territory").detail.contains("--kind qic --epci 200072460"), "\(name)")
        }
        // A commune without QIC: not eligible, and said why.
        let lillers = CohesionFund.evaluate(date: date, location: Fixture.outside(on: date, communes: [commune("Lillers")]), programme: bethune)
        #expect(lillers.verdict == .notEligible)
        #expect(Fixture.criterion(lillers, "territory").detail.contains("n'accueille aucun QIC"))
    }

    @Test func qpvOfAnotherIntercommunalite() {
        let elsewhere = Fixture.inside("QN05901M", name: "Ailleurs", on: date, communes: [commune("Lille")])
        let r = CohesionFund.evaluate(date: date, location: elsewhere, programme: bethune)
        #expect(r.verdict == .notEligible)
        #expect(Fixture.criterion(r, "territory").detail.contains("qui n'en fait pas partie"))
    }

    @Test func boundaryAndMissingListAreToVerify() {
        let edge = CohesionFund.evaluate(date: date, location: Fixture.boundary(on: date, code: "QN06212M", inside: false), programme: bethune)
        #expect(edge.verdict == .toVerify)
        #expect(Fixture.criterion(edge, "territory").detail.contains("QN06212M"))
        let missing = CohesionFund.evaluate(date: date, location: Fixture.noList(on: date), programme: bethune)
        #expect(missing.verdict == .toVerify)
        #expect(Fixture.criterion(missing, "territory").detail.contains("liste 2024 des QPV de l'Hexagone"))
    }

    // The contract is enforceable from 15 April 2024 to 2030; before, the 2017 rules are not typed (to verify).
    @Test(arguments: [
        ("2023-12-31", Verdict.toVerify), ("2024-01-01", .toVerify), ("2024-04-14", .toVerify), ("2024-04-15", .eligible), ("2030-12-31", .eligible),
        ("2031-01-01", .toVerify),
    ])
    func programmePeriod(day: String, verdict: Verdict) {
        let d = Fixture.date(day)
        var loc = Fixture.inside("QN06208M", on: Fixture.date("2024-06-01"))
        loc.date = d
        let r = CohesionFund.evaluate(date: d, location: loc, programme: bethune)
        #expect(r.verdict == verdict, "\(day): \(r.summary)")
    }

    @Test func choosingTheProgramme() {
        let inBethune = Fixture.inside("QN06208M", on: date)
        #expect(CohesionFund.programme(siren: nil, location: inBethune, among: programmes)?.epciSiren == "200072460")
        var demo = Fixture.outside(on: date)
        demo.territory = .demo
        #expect(CohesionFund.programme(siren: nil, location: demo, among: programmes)?.demo == true)
        #expect(CohesionFund.programme(siren: "000000019", location: inBethune, among: programmes)?.demo == true)
        #expect(CohesionFund.programme(siren: "123456789", location: inBethune, among: programmes) == nil)
    }
}
