// Shared fixtures of the eligibility tests: the shipped rule books and hand-made `EligibilityLocation`s (no GEOS
// needed); the truth points and `installPack` come from QPVTestSupport.

import Foundation
import QPVCore
import QPVEligibility
import QPVGeometry
import QPVPerimeters
import QPVTestSupport

/// Rule books and hand-made location answers for table-driven tests (no GEOS needed: the engine works on
/// plain location values; the real-perimeter tests build them with the locate engine instead).
enum Fixture {
    static let emploiFranc = try! RuleBook.shipped("emploi-franc")
    static let adulteRelais = try! RuleBook.shipped("adulte-relais")
    static let fcs = try! RuleBook.shipped("fcs")
    static let tfpb = try! RuleBook.shipped("tfpb")

    static func date(_ s: String) -> CivilDate { CivilDate(s)! }

    /// The official list (registry entry) in force in the Hexagone on a date.
    static func hexagoneList(on date: CivilDate) -> ListRef? {
        guard let l = try! Registry.shipped().list(kind: .qpv, territory: .hexagone, on: date) else { return nil }
        return ListRef(
            listId: l.id, label: l.label, kind: .qpv, vintage: l.vintage, territory: .hexagone, legalBasis: l.legalBasis, uncertain: l.uncertain)
    }

    /// A point inside `code`, `distance` metres from the boundary, on `date` (list of that date).
    static func inside(
        _ code: String = "QP031001", name: String = "Quartier test", on date: CivilDate, distance: Double = 150, communes: [CommuneRef] = [],
        epci: String? = nil, listUncertain: Bool = false
    ) -> EligibilityLocation {
        var list = hexagoneList(on: date)!
        list.uncertain = listUncertain ? "date de fin non confirmée sur le texte officiel (test)" : nil
        return EligibilityLocation(
            status: .inside, lon: 1.33, lat: 43.47, date: date,
            qpv: [PerimeterRef(code: code, name: name, vintage: list.vintage, listId: list.listId, communes: communes, epciSiren: epci)],
            nearestQPV: PerimeterRef(code: code, name: name, vintage: list.vintage), distanceBoundaryM: distance, qpvLists: [list],
            communes: communes, communeSource: communes.isEmpty ? nil : "communes du QPV")
    }

    static func outside(on date: CivilDate, nearest: String = "QP031001", distance: Double = 400, communes: [CommuneRef] = []) -> EligibilityLocation
    {
        let list = hexagoneList(on: date)!
        return EligibilityLocation(
            status: .outside, lon: 1.30, lat: 43.40, date: date, nearestQPV: PerimeterRef(code: nearest, name: "Voisin", vintage: list.vintage),
            distanceBoundaryM: distance, qpvLists: [withoutDoubt(list)], communes: communes,
            communeSource: communes.isEmpty ? nil : "fichier des communes")
    }

    static func boundary(on date: CivilDate, code: String = "QP031001", inside: Bool, distance: Double = 5) -> EligibilityLocation {
        var loc = inside ? Fixture.inside(code, on: date, distance: distance) : outside(on: date, nearest: code, distance: distance)
        loc.status = .boundary
        return loc
    }

    static func noList(on date: CivilDate) -> EligibilityLocation {
        let missing = try! Registry.shipped().list(kind: .qpv, territory: .hexagone, on: date)
        return EligibilityLocation(status: .noList, lon: 1.33, lat: 43.47, date: date, missingList: missing, problem: "liste non installée")
    }

    static func withoutDoubt(_ l: ListRef) -> ListRef {
        var l = l
        l.uncertain = nil
        return l
    }

    /// An emploi-franc hire meeting every criterion on `date` (CDI, jobseeker, private employer, every yes/no
    /// employer condition declared as required).
    static func hire(_ date: String, contract: EmploiFrancRequest.Contract = .cdi, months: Double? = nil, age: Int? = 40) -> EmploiFrancRequest {
        EmploiFrancRequest(
            signatureDate: Self.date(date), contract: contract, durationMonths: months, status: .jobseeker, age: age, previousEmployment: false,
            employer: .privateCompany, economicDismissal: false, obligationsUpToDate: true, otherStateAid: false, keptSixMonths: true)
    }

    /// An adulte-relais hire meeting every criterion on `date` (40 years old, unemployed, CDD of 36 months, an
    /// association with a convention signed before the hire).
    static func adulteRelaisHire(_ date: String) -> AdulteRelaisRequest {
        let d = Self.date(date)
        return AdulteRelaisRequest(
            hireDate: d, birthDate: CivilDate(year: d.year - 40, month: 1, day: 1), employment: .unemployed, contract: .cdd, durationMonths: 36,
            derogation: false, employerKind: .association, conventionBeforeHire: true)
    }

    static func criterion(_ r: EligibilityReport, _ id: String) -> Criterion { r.criteria.first { $0.id == id }! }
}
