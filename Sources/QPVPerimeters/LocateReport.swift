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
        public var list_id: String?
        /// The communes it lies in.
        public var communes: [CommuneRef]
        /// SIREN of its intercommunalité, when known.
        public var epci_siren: String?
        /// Name of its intercommunalité, when known.
        public var epci_name: String?
        /// True for a perimeter of the fictional demonstration data.
        public var demo: Bool
    }

    /// The nearest perimeter when the point is outside.
    public struct Nearest: Codable, Sendable {
        /// Its code.
        public var code: String
        /// Its name.
        public var name: String
        /// Distance from the point to its boundary, in metres.
        public var distance_m: Double
    }

    /// A list the answer relied on, with its source file.
    public struct ListUsed: Codable, Sendable {
        /// Identifier of the official list, nil for QIC and ad-hoc files.
        public var list_id: String?
        /// The list's French label.
        public var label: String
        /// "qpv" or "qic".
        public var kind: String
        /// The list's year.
        public var vintage: String
        /// The territory it covers.
        public var territory: String
        /// First day in force (ISO date), when known.
        public var valid_from: String?
        /// Last day in force, nil while in force.
        public var valid_to: String?
        /// The decree or deliberation that defines it.
        public var legal_basis: String
        /// The file the perimeters were imported from.
        public var source_file: String
        /// SHA-256 of that file.
        public var source_sha256: String
        /// Publication date of the release of the list the answer used (nil when unknown).
        public var source_release_date: String?
        /// The installed pack (`qpv data list`).
        public var pack_id: String
        /// True for the fictional demonstration list.
        public var demo: Bool
        /// Why the list is doubtful, nil when it is not.
        public var to_verify: String?
    }

    /// The official list in force on the date that is not installed (status `no_list`).
    public struct MissingList: Codable, Sendable {
        /// Its registry identifier.
        public var list_id: String
        /// Its French label.
        public var label: String
        /// The decree that defines it.
        public var legal_basis: String
        /// First day in force.
        public var valid_from: String
        /// Last day in force, nil while in force.
        public var valid_to: String?
        /// How to install it (`qpv data` commands), in French.
        public var how_to_install: String
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
    public var qpv_code: String
    /// Its name, "" when none.
    public var qpv_name: String
    /// Its list's year, "" when none.
    public var qpv_vintage: String
    /// Distance to the nearest QPV boundary, in metres.
    public var distance_boundary_m: Double?
    /// Distance under which the answer is `boundary` (to verify), in metres.
    public var boundary_tolerance_m: Double
    /// Every QPV containing the point.
    public var qpv: [Perimeter]
    /// The nearest QPV when the point is outside.
    public var nearest_qpv: Nearest?
    /// The QIC answer, nil when no QIC is installed.
    public var qic_status: String?
    /// Why `qic_status` is `not_covered` or `not_applicable`.
    public var qic_problem: String?
    /// Every QIC containing the point.
    public var qic: [Perimeter]
    /// Distance to the nearest QIC boundary, in metres.
    public var qic_distance_boundary_m: Double?
    /// The nearest QIC when the point is outside.
    public var nearest_qic: Nearest?
    /// `qpv`, `qic`, `qpv_and_qic` or `none` (only meaningful for `in`/`boundary` answers).
    public var zone: String
    /// The lists the answer relied on.
    public var lists_used: [ListUsed]
    /// The list that should be installed (status `no_list`).
    public var missing_list: MissingList?
    /// Why the answer must be checked by hand, in French (empty when sure).
    public var to_verify: [String]
    /// True when the answer comes from the fictional demonstration data.
    public var demo: Bool
    /// The answer in one French sentence (`sentence(_:catalog:)`).
    public var message: String

    /// The report of `r`, with the lists of `c` it relied on and its French sentence.
    public init(result r: LocateResult, catalog c: PerimeterCatalog) {
        func perimeter(_ h: PerimeterHit) -> Perimeter {
            let lp = c.perimeters[h.index]
            let s = c.sets[lp.set].info
            return Perimeter(
                code: lp.code, name: lp.name, kind: s.kind.rawValue, vintage: s.vintage, list_id: s.listId, communes: lp.record.communes,
                epci_siren: lp.record.epciSiren, epci_name: lp.record.epciName, demo: s.isDemo)
        }
        func nearest(_ a: KindAnswer?) -> Nearest? {
            guard let a, a.containing.isEmpty || a.status == .boundary, let n = a.nearest, let d = a.distanceBoundaryM else { return nil }
            return Nearest(code: n.code, name: n.name, distance_m: LocateReport.round2(d))
        }
        status = r.status.rawValue
        lon = r.lon
        lat = r.lat
        date = r.date.description
        territory = r.territory?.description
        let qpvHits = r.qpv?.containing ?? []
        qpv_code = qpvHits.map(\.code).joined(separator: ";")
        qpv_name = qpvHits.map(\.name).joined(separator: ";")
        let usedSets = Set((r.qpv?.sets ?? []) + (r.qic?.sets ?? []))
        qpv_vintage = Array(Set((r.qpv?.sets ?? []).map { c.sets[$0].info.vintage })).sorted().joined(separator: ";")
        distance_boundary_m = r.qpv?.distanceBoundaryM.map(LocateReport.round2)
        boundary_tolerance_m = r.toleranceM
        qpv = qpvHits.map(perimeter)
        nearest_qpv = nearest(r.qpv)
        qic_status = r.qic?.status.rawValue
        qic_problem = r.qicProblem
        qic = (r.qic?.containing ?? []).map(perimeter)
        qic_distance_boundary_m = r.qic?.distanceBoundaryM.map(LocateReport.round2)
        nearest_qic = nearest(r.qic)
        switch (qpvHits.isEmpty, qic.isEmpty) {
        case (false, false): zone = "qpv_and_qic"
        case (false, true): zone = "qpv"
        case (true, false): zone = "qic"
        case (true, true): zone = "none"
        }
        lists_used = usedSets.sorted().map { i in
            let s = c.sets[i]
            return ListUsed(
                list_id: s.info.listId, label: s.info.label, kind: s.info.kind.rawValue, vintage: s.info.vintage,
                territory: s.info.territory.description, valid_from: s.info.validFrom?.description, valid_to: s.info.validTo?.description,
                legal_basis: s.info.legalBasis, source_file: s.source.fileName, source_sha256: s.source.sha256,
                source_release_date: s.source.releaseDate?.description, pack_id: s.packId, demo: s.info.isDemo, to_verify: s.info.uncertain)
        }
        missing_list = r.missingList.map {
            MissingList(
                list_id: $0.id, label: $0.label, legal_basis: $0.legalBasis, valid_from: $0.validFrom.description,
                valid_to: $0.validTo?.description, how_to_install: $0.installHint)
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
        to_verify = verify
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

    static func listPhrase(_ sets: [Int], _ c: PerimeterCatalog) -> String {
        let labels = Array(Set(sets.map { c.sets[$0].info.label })).sorted()
        let bases = Array(
            Set(
                sets.compactMap {
                    !c.sets[$0].info.isDemo && c.sets[$0].info.listId != nil
                        ? c.sets[$0].info.legalBasis.components(separatedBy: " fixant").first?.components(separatedBy: " modifiant").first : nil
                })
        ).sorted()
        var p = labels.joined(separator: " et ")
        if !bases.isEmpty { p += " (" + bases.joined(separator: ", ") + ")" }
        return p
    }

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
        if let d = distance_boundary_m {
            lines.append(
                "Distance à la limite de QPV la plus proche : \(FrenchFormat.metres(d)) (tolérance \(FrenchFormat.metres(boundary_tolerance_m)))")
        }
        for p in qpv {
            lines.append(
                "QPV \(p.code) — \(p.name) — liste \(p.vintage)"
                    + (p.communes.isEmpty
                        ? "" : " — " + p.communes.map { $0.name.isEmpty ? $0.insee : "\($0.name) (\($0.insee))" }.joined(separator: ", ")))
        }
        if let n = nearest_qpv, qpv.isEmpty { lines.append("QPV le plus proche : \(n.code) — \(n.name) — à \(FrenchFormat.metres(n.distance_m))") }
        for p in qic { lines.append("QIC \(p.code) — \(p.name) — EPCI \(p.epci_name ?? p.epci_siren ?? "?")") }
        if qic_status == "not_applicable", let q = qic_problem { lines.append("QIC : sans objet — \(q)") }
        if let m = missing_list {
            lines.append("Liste nécessaire : \(m.label) — \(m.legal_basis)")
            lines.append("Pour l'installer : \(m.how_to_install)")
        }
        for l in lists_used {
            let release = l.source_release_date.flatMap(CivilDate.init).map { ", publication du \($0.french)" } ?? ""
            lines.append(
                "Liste utilisée : \(l.label) — \(l.legal_basis) — fichier \(l.source_file)\(release) (sha256 \(l.source_sha256.prefix(12))…)")
        }
        for v in to_verify { lines.append("À vérifier : \(v)") }
        return lines.joined(separator: "\n")
    }
}
