// `EligibilityLocation`: the location answer verdicts rely on (QPV and QIC perimeters, lists used, commune,
// geocoded address), built from a `LocateResult`; and the address hook `AddressResolving` / `ResolvedAddress`.

import Foundation
import QPVCore
import QPVPerimeters

/// A perimeter (QPV or QIC) as a verdict cites it.
public struct PerimeterRef: Sendable, Equatable {
    /// The perimeter's code (QN…, QP…, QX… for the demonstration, or the QIC code).
    public var code: String
    /// The perimeter's name.
    public var name: String
    /// QPV or QIC.
    public var kind: PerimeterKind
    /// The list it belongs to, by year ("2024", "2015").
    public var vintage: String
    /// Identifier of the official list in the registry, nil for a file without one.
    public var listId: String?
    /// The communes the perimeter lies in.
    public var communes: [CommuneRef]
    /// SIREN of its intercommunalité, when known.
    public var epciSiren: String?
    /// Name of its intercommunalité, when known.
    public var epciName: String?
    /// True for a perimeter of the fictional demonstration data.
    public var demo: Bool

    /// A reference from its fields.
    public init(
        code: String, name: String, kind: PerimeterKind = .qpv, vintage: String, listId: String? = nil, communes: [CommuneRef] = [],
        epciSiren: String? = nil, epciName: String? = nil, demo: Bool = false
    ) {
        self.code = code
        self.name = name
        self.kind = kind
        self.vintage = vintage
        self.listId = listId
        self.communes = communes
        self.epciSiren = epciSiren
        self.epciName = epciName
        self.demo = demo
    }
}

/// A perimeter set (an official list, or one EPCI's QIC) an answer relied on.
public struct ListRef: Sendable, Equatable {
    /// Identifier of the official list in the registry, nil for a file without one.
    public var listId: String?
    /// The list's French label ("liste des QPV 2024 de métropole").
    public var label: String
    /// QPV or QIC.
    public var kind: PerimeterKind
    /// The list's year.
    public var vintage: String
    /// The territory the list covers (métropole, an overseas territory…).
    public var territory: ListTerritory
    /// The decree or deliberation that defines the list.
    public var legalBasis: String
    /// Why the list is doubtful (verdicts relying on it are `to_verify`), nil when it is not.
    public var uncertain: String?
    /// True for the fictional demonstration list.
    public var demo: Bool
    /// The EPCI owning a QIC set.
    public var epciSiren: String?

    /// A reference from its fields.
    public init(
        listId: String? = nil, label: String, kind: PerimeterKind = .qpv, vintage: String, territory: ListTerritory = .hexagone,
        legalBasis: String = "", uncertain: String? = nil, demo: Bool = false, epciSiren: String? = nil
    ) {
        self.listId = listId
        self.label = label
        self.kind = kind
        self.vintage = vintage
        self.territory = territory
        self.legalBasis = legalBasis
        self.uncertain = uncertain
        self.demo = demo
        self.epciSiren = epciSiren
    }
}

/// The QIC part of a location answer.
public struct QICAnswer: Sendable, Equatable {
    /// The QIC answer: in, out, boundary, not covered…
    public var status: LocateStatus
    /// QIC containing the point.
    public var containing: [PerimeterRef]
    /// The nearest QIC when the point is outside.
    public var nearest: PerimeterRef?
    /// Distance to the nearest QIC boundary, in metres.
    public var distanceBoundaryM: Double?
    /// QIC sets in force on the date (each owned by one EPCI).
    public var sets: [ListRef]

    /// A QIC answer from its fields.
    public init(status: LocateStatus, containing: [PerimeterRef], nearest: PerimeterRef? = nil, distanceBoundaryM: Double? = nil, sets: [ListRef]) {
        self.status = status
        self.containing = containing
        self.nearest = nearest
        self.distanceBoundaryM = distanceBoundaryM
        self.sets = sets
    }
}

/// An address turned into a position by a geocoder (the hook for `--address`).
public struct ResolvedAddress: Sendable, Equatable {
    /// Longitude found, WGS84.
    public var lon: Double
    /// Latitude found, WGS84.
    public var lat: Double
    /// The geocoder's label of what it found ("12 Rue Victor Hugo 62400 Béthune").
    public var label: String
    /// Confidence in [0, 1].
    public var score: Double
    /// `housenumber`, `street` or `municipality` (BAN / addok vocabulary), when known.
    public var precision: String?
    /// INSEE code and name of the commune found, when the geocoder knows them.
    public var cityCode: String?
    /// Name of the commune found.
    public var cityName: String?
    /// The geocoder's own doubt (low score, close second candidate, commune only), in French; nil when sure.
    public var confidenceProblem: String?
    /// Labels of the other candidates, best first.
    public var candidates: [String] = []
    /// For a `street` / `locality` result: the known addresses of that street (to check it is on one side of
    /// every boundary). Empty otherwise.
    public var streetLons: [Double] = []
    /// Latitudes of the street's known addresses (with `streetLons`).
    public var streetLats: [Double] = []

    /// A geocoded address from its fields.
    public init(lon: Double, lat: Double, label: String, score: Double, precision: String? = nil, cityCode: String? = nil, cityName: String? = nil) {
        self.lon = lon
        self.lat = lat
        self.label = label
        self.score = score
        self.precision = precision
        self.cityCode = cityCode
        self.cityName = cityName
    }
}

/// Turns an address into a position. The geocoder module (QPVGeocoding) plugs in here; nothing else in
/// QPVEligibility depends on it. Return nil when nothing was found. Implementations must be usable from several
/// threads (batches call it from their workers).
public protocol AddressResolving: Sendable {
    /// The position of `address`, nil when nothing was found; throws when the geocoder itself fails.
    func resolve(_ address: String) throws -> ResolvedAddress?
}

/// An `AddressResolving` made from a closure: `ClosureAddressResolver { text in … }`.
public struct ClosureAddressResolver: AddressResolving {
    let body: @Sendable (String) throws -> ResolvedAddress?
    /// A resolver calling `body` for each address.
    public init(_ body: @escaping @Sendable (String) throws -> ResolvedAddress?) { self.body = body }
    /// `body(address)`.
    public func resolve(_ address: String) throws -> ResolvedAddress? { try body(address) }
}

/// When a geocoded address is precise enough to decide: the geocoder's confidence policy said it is doubtful,
/// its score is not above `minimumScore` (0.8, as les-emplois), or it is located only at the commune
/// (`municipality`): the location criterion is `unknown`.
public struct AddressPolicy: Sendable, Equatable {
    /// Scores at or below this are not enough (0.8 by default).
    public var minimumScore: Double
    /// Precisions accepted (`housenumber`, `street`, `locality` by default: never the commune alone).
    public var acceptedPrecisions: Set<String>

    /// A policy from its thresholds.
    public init(minimumScore: Double = 0.8, acceptedPrecisions: Set<String> = ["housenumber", "street", "locality"]) {
        self.minimumScore = minimumScore
        self.acceptedPrecisions = acceptedPrecisions
    }

    /// Why this address cannot be relied on, or nil.
    public func problem(_ a: ResolvedAddress) -> String? {
        if let p = a.confidenceProblem { return p + " ; vérifiez l'adresse" }
        if !(a.score > minimumScore) {
            return
                "adresse reconnue avec un score faible (\(FrenchFormat.decimal(a.score, digits: 2)) < \(FrenchFormat.decimal(minimumScore, digits: 2))) : « \(a.label) » ; vérifiez l'adresse"
        }
        if let p = a.precision, !acceptedPrecisions.contains(p) {
            return p == "municipality"
                ? "adresse localisée seulement à la commune (« \(a.label) ») : la position ne dit pas dans quel quartier se trouve le logement"
                : "précision de l'adresse « \(p) » insuffisante (« \(a.label) »)"
        }
        return nil
    }
}

/// Where the thing judged is (a home, a project, a dwelling), as the eligibility engine sees it: the perimeter
/// answer on the programme's date, the QIC answer, the commune when known, the address when geocoded. Built
/// from a `LocateResult`; plain values, so verdicts can be computed (and tested) without GEOS.
public struct EligibilityLocation: Sendable, Equatable {
    /// The QPV answer on `date`: in, out, boundary (to verify), no_list, not_covered, invalid_coordinates.
    public var status: LocateStatus
    /// Longitude of the place, WGS84 (nil when no position was found).
    public var lon: Double?
    /// Latitude of the place, WGS84.
    public var lat: Double?
    /// The programme's date the answer is for.
    public var date: CivilDate
    /// The territory of the lists used (métropole, an overseas territory), when known.
    public var territory: ListTerritory?
    /// QPV containing the point.
    public var qpv: [PerimeterRef]
    /// The nearest QPV when the place is outside every one.
    public var nearestQPV: PerimeterRef?
    /// Distance to the nearest QPV boundary, in metres.
    public var distanceBoundaryM: Double?
    /// Distance to a boundary under which the answer is `boundary` (to verify), in metres.
    public var toleranceM: Double
    /// The QPV lists the answer relied on (in force on `date`).
    public var qpvLists: [ListRef]
    /// The official list that should be installed (status `no_list`).
    public var missingList: OfficialList?
    /// Why the position cannot be used, in French (invalid coordinates, address not found…).
    public var problem: String?
    /// The QIC answer, when QIC lists are installed for the place.
    public var qic: QICAnswer?
    /// The commune(s) the point may be in, and how that is known.
    public var communes: [CommuneRef]
    /// Where the commune comes from (the geocoder, a communes file, the perimeters), in French.
    public var communeSource: String?
    /// The geocoded address, when the place was given as an address.
    public var address: ResolvedAddress?
    /// Why the geocoded address cannot be relied on (low score, commune-level position…).
    public var addressProblem: String?

    /// A location from its fields (tests, or callers with their own locate answer).
    public init(
        status: LocateStatus, lon: Double? = nil, lat: Double? = nil, date: CivilDate, territory: ListTerritory? = .hexagone,
        qpv: [PerimeterRef] = [], nearestQPV: PerimeterRef? = nil, distanceBoundaryM: Double? = nil, toleranceM: Double = 20,
        qpvLists: [ListRef] = [], missingList: OfficialList? = nil, problem: String? = nil, qic: QICAnswer? = nil,
        communes: [CommuneRef] = [], communeSource: String? = nil, address: ResolvedAddress? = nil, addressProblem: String? = nil
    ) {
        self.status = status
        self.lon = lon
        self.lat = lat
        self.date = date
        self.territory = territory
        self.qpv = qpv
        self.nearestQPV = nearestQPV
        self.distanceBoundaryM = distanceBoundaryM
        self.toleranceM = toleranceM
        self.qpvLists = qpvLists
        self.missingList = missingList
        self.problem = problem
        self.qic = qic
        self.communes = communes
        self.communeSource = communeSource
        self.address = address
        self.addressProblem = addressProblem
    }

    /// True when a fictional demonstration set was used.
    public var demo: Bool { qpvLists.contains { $0.demo } || (qic?.sets.contains { $0.demo } ?? false) || qpv.contains { $0.demo } }

    /// The location answer for a located point (the lists, codes and names read from the catalog).
    public init(result r: LocateResult, catalog c: PerimeterCatalog) {
        func perimeter(_ h: PerimeterHit) -> PerimeterRef {
            let lp = c.perimeters[h.index]
            let s = c.sets[lp.set].info
            return PerimeterRef(
                code: lp.code, name: lp.name, kind: s.kind, vintage: s.vintage, listId: s.listId, communes: lp.record.communes,
                epciSiren: lp.record.epciSiren, epciName: lp.record.epciName ?? s.epciName, demo: s.isDemo)
        }
        func list(_ i: Int) -> ListRef {
            let s = c.sets[i]
            var siren: String?
            if case .epci(let x) = s.info.territory { siren = x }
            if siren == nil, s.info.kind == .qic, let first = s.perimeters.first { siren = c.perimeters[first].record.epciSiren }
            return ListRef(
                listId: s.info.listId, label: s.info.label, kind: s.info.kind, vintage: s.info.vintage, territory: s.info.territory,
                legalBasis: s.info.legalBasis, uncertain: s.info.uncertain, demo: s.info.isDemo, epciSiren: siren)
        }
        self.init(status: r.status, lon: r.lon, lat: r.lat, date: r.date, territory: r.territory, toleranceM: r.toleranceM)
        if let a = r.qpv {
            qpv = a.containing.map(perimeter)
            nearestQPV = a.nearest.map(perimeter)
            distanceBoundaryM = a.distanceBoundaryM
            qpvLists = a.sets.map(list)
        }
        missingList = r.missingList
        problem = r.problem
        if let q = r.qic {
            qic = QICAnswer(
                status: q.status, containing: q.containing.map(perimeter), nearest: q.nearest.map(perimeter), distanceBoundaryM: q.distanceBoundaryM,
                sets: q.sets.map(list))
        }
        // Inside a QPV, its communes are the candidates for the point's commune.
        let fromQPV = Array(Set(qpv.flatMap(\.communes))).sorted { $0.insee < $1.insee }
        if !fromQPV.isEmpty {
            communes = fromQPV
            communeSource = fromQPV.count == 1 ? "commune du QPV" : "communes du QPV (le point est dans l'une d'elles)"
        }
    }

    /// Records the commune found by a communes file or a geocoder (replaces QPV-derived candidates).
    public mutating func setCommune(_ commune: CommuneRef, source: String) {
        communes = [commune]
        communeSource = source
    }

    /// The report block.
    public var report: LocationReport {
        let main = qpv.first
        let list = qpvLists.first
        return LocationReport(
            status: status.rawValue, code: qpv.map(\.code).joined(separator: ";"), name: qpv.map(\.name).joined(separator: ";"),
            vintage: main?.vintage ?? list?.vintage ?? "", distanceBoundaryM: distanceBoundaryM.map { ($0 * 100).rounded() / 100 },
            boundaryToleranceM: toleranceM, list: list.map { $0.label }, legalBasis: list.map { $0.legalBasis },
            missingList: missingList.map { "\($0.label) (\($0.periodFrench), \($0.legalBasis))" }, howToInstall: missingList?.installHint,
            lon: lon, lat: lat, nearestCode: qpv.isEmpty ? nearestQPV?.code : nil, nearestName: qpv.isEmpty ? nearestQPV?.name : nil,
            qicStatus: qic?.status.rawValue, qicCode: qic.map { $0.containing.map(\.code).joined(separator: ";") },
            qicName: qic.map { $0.containing.map(\.name).joined(separator: ";") },
            qicEPCI: qic?.containing.first.flatMap { $0.epciName ?? $0.epciSiren },
            communes: communes.map { $0.name.isEmpty ? $0.insee : ($0.insee.isEmpty ? $0.name : "\($0.name) (\($0.insee))") },
            communeSource: communeSource, addressLabel: address?.label, addressScore: address?.score, problem: problem ?? addressProblem,
            demo: demo)
    }
}
