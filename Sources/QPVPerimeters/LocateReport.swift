// `LocateReport`: the JSON shape of one locate answer (`qpv locate --format json`, `GET /locate`), its French
// sentence and its text form. The answer itself is computed by `Locator`.

import Foundation
import QPVCore
import QPVGeometry

/// The JSON shape of a locate answer (`qpv locate --format json`, `GET /locate`). Stable snake_case keys.
public struct LocateReport: Codable, Sendable {
    /// A perimeter containing the point.
    public struct Perimeter: Codable, Sendable {
        /// The perimeter's code.
        public var code: String
        /// Its name.
        public var name: String
        /// "qpv" or "qic".
        public var kind: String
        /// Its list's year.
        public var vintage: String
        /// Identifier of its official list, nil for QIC and ad-hoc files.
        public var listId: String?
        /// The communes it lies in.
        public var communes: [CommuneRef]
        /// SIREN of its intercommunalité, when known.
        public var epciSiren: String?
        /// Name of its intercommunalité, when known.
        public var epciName: String?
        /// True for a perimeter of the fictional demonstration data.
        public var demo: Bool

        enum CodingKeys: String, CodingKey {
            case code, name, kind, vintage
            case listId = "list_id"
            case communes
            case epciSiren = "epci_siren"
            case epciName = "epci_name"
            case demo
        }
    }

    /// The nearest perimeter when the point is outside.
    public struct Nearest: Codable, Sendable {
        /// Its code.
        public var code: String
        /// Its name.
        public var name: String
        /// Distance from the point to its boundary, in metres.
        public var distanceM: Double

        enum CodingKeys: String, CodingKey {
            case code, name
            case distanceM = "distance_m"
        }
    }

    /// A list the answer relied on, with its source file.
    public struct ListUsed: Codable, Sendable {
        /// Identifier of the official list, nil for QIC and ad-hoc files.
        public var listId: String?
        /// The list's French label.
        public var label: String
        /// "qpv" or "qic".
        public var kind: String
        /// The list's year.
        public var vintage: String
        /// The territory it covers.
        public var territory: String
        /// First day in force (ISO date), when known.
        public var validFrom: String?
        /// Last day in force, nil while in force.
        public var validTo: String?
        /// The decree or deliberation that defines it.
        public var legalBasis: String
        /// The file the perimeters were imported from.
        public var sourceFile: String
        /// SHA-256 of that file.
        public var sourceSHA256: String
        /// Publication date of the release of the list the answer used (nil when unknown).
        public var sourceReleaseDate: String?
        /// The installed pack (`qpv data list`).
        public var packId: String
        /// True for the fictional demonstration list.
        public var demo: Bool
        /// Why the list is doubtful, nil when it is not.
        public var toVerify: String?

        enum CodingKeys: String, CodingKey {
            case listId = "list_id"
            case label, kind, vintage, territory
            case validFrom = "valid_from"
            case validTo = "valid_to"
            case legalBasis = "legal_basis"
            case sourceFile = "source_file"
            case sourceSHA256 = "source_sha256"
            case sourceReleaseDate = "source_release_date"
            case packId = "pack_id"
            case demo
            case toVerify = "to_verify"
        }
    }

    /// The official list in force on the date that is not installed (status `no_list`).
    public struct MissingList: Codable, Sendable {
        /// Its registry identifier.
        public var listId: String
        /// Its French label.
        public var label: String
        /// The decree that defines it.
        public var legalBasis: String
        /// First day in force.
        public var validFrom: String
        /// Last day in force, nil while in force.
        public var validTo: String?
        /// How to install it (`qpv data` commands), in French.
        public var howToInstall: String

        enum CodingKeys: String, CodingKey {
            case listId = "list_id"
            case label
            case legalBasis = "legal_basis"
            case validFrom = "valid_from"
            case validTo = "valid_to"
            case howToInstall = "how_to_install"
        }
    }

    /// The QPV answer: in, out, boundary, no_list, not_covered, invalid_coordinates.
    public var status: String
    /// Longitude asked, WGS84.
    public var lon: Double
    /// Latitude asked, WGS84.
    public var lat: Double
    /// Date of the question (ISO).
    public var date: String
    /// Territory of the point (hexagone, an overseas territory), nil when unknown.
    public var territory: String?
    /// Code of the QPV containing the point, "" when none.
    public var qpvCode: String
    /// Its name, "" when none.
    public var qpvName: String
    /// Its list's year, "" when none.
    public var qpvVintage: String
    /// Distance to the nearest QPV boundary, in metres.
    public var distanceBoundaryM: Double?
    /// Distance under which the answer is `boundary` (to verify), in metres.
    public var boundaryToleranceM: Double
    /// Every QPV containing the point.
    public var qpv: [Perimeter]
    /// The nearest QPV when the point is outside.
    public var nearestQPV: Nearest?
    /// The QIC answer, nil when no QIC is installed.
    public var qicStatus: String?
    /// Why `qic_status` is `not_covered` or `not_applicable`.
    public var qicProblem: String?
    /// Every QIC containing the point.
    public var qic: [Perimeter]
    /// Distance to the nearest QIC boundary, in metres.
    public var qicDistanceBoundaryM: Double?
    /// The nearest QIC when the point is outside.
    public var nearestQIC: Nearest?
    /// `qpv`, `qic`, `qpv_and_qic` or `none` (only meaningful for `in`/`boundary` answers).
    public var zone: String
    /// The lists the answer relied on.
    public var listsUsed: [ListUsed]
    /// The list that should be installed (status `no_list`).
    public var missingList: MissingList?
    /// Why the answer must be checked by hand, in French (empty when sure).
    public var toVerify: [String]
    /// True when the answer comes from the fictional demonstration data.
    public var demo: Bool
    /// The answer in one French sentence (`sentence(_:catalog:)`).
    public var message: String

    enum CodingKeys: String, CodingKey {
        case status, lon, lat, date, territory
        case qpvCode = "qpv_code"
        case qpvName = "qpv_name"
        case qpvVintage = "qpv_vintage"
        case distanceBoundaryM = "distance_boundary_m"
        case boundaryToleranceM = "boundary_tolerance_m"
        case qpv
        case nearestQPV = "nearest_qpv"
        case qicStatus = "qic_status"
        case qicProblem = "qic_problem"
        case qic
        case qicDistanceBoundaryM = "qic_distance_boundary_m"
        case nearestQIC = "nearest_qic"
        case zone
        case listsUsed = "lists_used"
        case missingList = "missing_list"
        case toVerify = "to_verify"
        case demo, message
    }

    /// The report of `r`, with the lists of `c` it relied on and its French sentence.
    public init(result r: LocateResult, catalog c: PerimeterCatalog) {
        func perimeter(_ h: PerimeterHit) -> Perimeter {
            let lp = c.perimeters[h.index]
            let s = c.sets[lp.set].info
            return Perimeter(
                code: lp.code, name: lp.name, kind: s.kind.rawValue, vintage: s.vintage, listId: s.listId, communes: lp.record.communes,
                epciSiren: lp.record.epciSiren, epciName: lp.record.epciName, demo: s.isDemo)
        }
        func nearest(_ a: KindAnswer?) -> Nearest? {
            guard let a, a.containing.isEmpty || a.status == .boundary, let n = a.nearest, let d = a.distanceBoundaryM else { return nil }
            return Nearest(code: n.code, name: n.name, distanceM: LocateReport.round2(d))
        }
        status = r.status.rawValue
        lon = r.lon
        lat = r.lat
        date = r.date.description
        territory = r.territory?.description
        let qpvHits = r.qpv?.containing ?? []
        qpvCode = qpvHits.map(\.code).joined(separator: ";")
        qpvName = qpvHits.map(\.name).joined(separator: ";")
        let usedSets = Set((r.qpv?.sets ?? []) + (r.qic?.sets ?? []))
        qpvVintage = Array(Set((r.qpv?.sets ?? []).map { c.sets[$0].info.vintage })).sorted().joined(separator: ";")
        distanceBoundaryM = r.qpv?.distanceBoundaryM.map(LocateReport.round2)
        boundaryToleranceM = r.toleranceM
        qpv = qpvHits.map(perimeter)
        nearestQPV = nearest(r.qpv)
        qicStatus = r.qic?.status.rawValue
        qicProblem = r.qicProblem
        qic = (r.qic?.containing ?? []).map(perimeter)
        qicDistanceBoundaryM = r.qic?.distanceBoundaryM.map(LocateReport.round2)
        nearestQIC = nearest(r.qic)
        switch (qpvHits.isEmpty, qic.isEmpty) {
        case (false, false): zone = "qpv_and_qic"
        case (false, true): zone = "qpv"
        case (true, false): zone = "qic"
        case (true, true): zone = "none"
        }
        listsUsed = usedSets.sorted().map { i in
            let s = c.sets[i]
            return ListUsed(
                listId: s.info.listId, label: s.info.label, kind: s.info.kind.rawValue, vintage: s.info.vintage,
                territory: s.info.territory.description, validFrom: s.info.validFrom?.description, validTo: s.info.validTo?.description,
                legalBasis: s.info.legalBasis, sourceFile: s.source.fileName, sourceSHA256: s.source.sha256,
                sourceReleaseDate: s.source.releaseDate?.description, packId: s.packId, demo: s.info.isDemo, toVerify: s.info.uncertain)
        }
        missingList = r.missingList.map {
            MissingList(
                listId: $0.id, label: $0.label, legalBasis: $0.legalBasis, validFrom: $0.validFrom.description,
                validTo: $0.validTo?.description, howToInstall: $0.installHint)
        }
        var verify: [String] = []
        if r.status == .boundary, let d = r.qpv?.distanceBoundaryM {
            verify.append(
                "adresse en limite de quartier, à \(FrenchFormat.metres(d)) de la limite (tolérance \(FrenchFormat.metres(r.toleranceM))) : la limite passe au milieu de la voie, vérifiez sur sig.ville.gouv.fr"
            )
        }
        if r.qic?.status == .boundary, let d = r.qic?.distanceBoundaryM {
            verify.append("point en limite d'un QIC, à \(FrenchFormat.metres(d)) de la limite")
        }
        if r.status == .notCovered, let p = r.problem { verify.append(p) }
        if r.qic?.status == .notCovered, let p = r.qicProblem { verify.append("QIC : " + p) }
        for i in usedSets.sorted() { if let u = c.sets[i].info.uncertain { verify.append("\(c.sets[i].info.label) : \(u)") } }
        toVerify = verify
        demo = usedSets.contains { c.sets[$0].info.isDemo }
        message = LocateReport.sentence(r, catalog: c)
    }

    static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    /// One French sentence a counsellor can read aloud.
    public static func sentence(_ r: LocateResult, catalog c: PerimeterCatalog) -> String {
        let demoPrefix = ((r.qpv?.sets ?? []) + (r.qic?.sets ?? [])).contains { c.sets[$0].info.isDemo } ? "[DÉMONSTRATION, données fictives] " : ""
        switch r.status {
        case .invalidCoordinates:
            return "Coordonnées inutilisables : \(r.problem ?? "valeur invalide")."
        case .noList:
            return "Impossible de répondre pour le \(r.date.french) : \(r.problem ?? "liste non installée")."
        case .notCovered, .notApplicable:
            return
                "À vérifier : le point n'est dans aucun des quartiers installés, mais la liste installée ne permet pas de dire qu'il est hors QPV — \(r.problem ?? "hors de la couverture de la liste")."
        case .inside, .outside, .boundary:
            guard let a = r.qpv else { return "" }
            let list = listPhrase(a.sets, c)
            var s = demoPrefix
            let names = a.containing.map { "« \($0.name) » (\($0.code))" }.joined(separator: " et ")
            switch a.status {
            case .inside:
                s += "Le point est dans le QPV \(names), \(list)"
                if let d = a.distanceBoundaryM { s += ", à \(FrenchFormat.metres(d)) de la limite la plus proche" }
            case .boundary:
                let d = a.distanceBoundaryM.map(FrenchFormat.metres) ?? "?"
                if a.containing.isEmpty {
                    s +=
                        "À vérifier : le point est juste hors QPV, à \(d) de la limite de « \(a.nearest?.name ?? "?") » (\(a.nearest?.code ?? "?")), \(list)"
                } else {
                    s += "À vérifier : le point est dans le QPV \(names) mais à \(d) seulement de sa limite, \(list)"
                }
                s += " ; la limite d'un quartier bordé par une voie passe au milieu de la voie"
            default:
                s += "Le point n'est dans aucun QPV (\(list))"
                if let n = a.nearest, let d = a.distanceBoundaryM {
                    s += " ; le plus proche est « \(n.name) » (\(n.code)) à \(FrenchFormat.metres(d))"
                }
            }
            if let q = r.qic {
                switch q.status {
                case .inside:
                    let epci = q.containing.first.flatMap { c.perimeters[$0.index].record.epciName ?? c.perimeters[$0.index].record.epciSiren } ?? "?"
                    s +=
                        ". Il est aussi dans le QIC " + q.containing.map { "« \($0.name) » (\($0.code))" }.joined(separator: " et ")
                        + " de l'EPCI \(epci)"
                case .boundary:
                    s += ". Il est en limite d'un QIC (à \(q.distanceBoundaryM.map(FrenchFormat.metres) ?? "?"))"
                case .notCovered:
                    s += ". QIC à vérifier : \(r.qicProblem ?? "EPCI du point inconnu")"
                default: break
                }
            }
            return s + "."
        }
    }

    static func listPhrase(_ sets: [Int], _ c: PerimeterCatalog) -> String { c.listPhrase(sets) }

    /// The text format: what a counsellor reads.
    public func text() -> String {
        var lines: [String] = []
        let head: String
        switch status {
        case "in": head = "✓ DANS UN QPV"
        case "out": head = "✗ HORS QPV"
        case "boundary": head = "? À VÉRIFIER — EN LIMITE DE QUARTIER"
        case "no_list": head = "? LISTE NON INSTALLÉE"
        case "not_covered": head = "? À VÉRIFIER — HORS DE LA COUVERTURE DE LA LISTE INSTALLÉE"
        default: head = "! COORDONNÉES INVALIDES"
        }
        lines.append((demo ? "[DÉMONSTRATION — données fictives] " : "") + head)
        lines.append(message)
        lines.append("")
        lines.append("Point : lon \(GeoJSONGeometry.format(lon, 7)), lat \(GeoJSONGeometry.format(lat, 7)) — date : \(date)")
        if let d = distanceBoundaryM {
            lines.append(
                "Distance à la limite de QPV la plus proche : \(FrenchFormat.metres(d)) (tolérance \(FrenchFormat.metres(boundaryToleranceM)))")
        }
        for p in qpv {
            lines.append(
                "QPV \(p.code) — \(p.name) — liste \(p.vintage)"
                    + (p.communes.isEmpty
                        ? "" : " — " + p.communes.map { $0.name.isEmpty ? $0.insee : "\($0.name) (\($0.insee))" }.joined(separator: ", ")))
        }
        if let n = nearestQPV, qpv.isEmpty { lines.append("QPV le plus proche : \(n.code) — \(n.name) — à \(FrenchFormat.metres(n.distanceM))") }
        for p in qic { lines.append("QIC \(p.code) — \(p.name) — EPCI \(p.epciName ?? p.epciSiren ?? "?")") }
        if qicStatus == "not_applicable", let q = qicProblem { lines.append("QIC : sans objet — \(q)") }
        if let m = missingList {
            lines.append("Liste nécessaire : \(m.label) — \(m.legalBasis)")
            lines.append("Pour l'installer : \(m.howToInstall)")
        }
        for l in listsUsed {
            let release = l.sourceReleaseDate.flatMap(CivilDate.init).map { ", publication du \($0.french)" } ?? ""
            lines.append(
                "Liste utilisée : \(l.label) — \(l.legalBasis) — fichier \(l.sourceFile)\(release) (sha256 \(l.sourceSHA256.prefix(12))…)")
        }
        for v in toVerify { lines.append("À vérifier : \(v)") }
        return lines.joined(separator: "\n")
    }
}
