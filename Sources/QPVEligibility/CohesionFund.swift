// Fonds de cohésion sociale: `CohesionFundProgramme` (one EPCI's programme, its QPV and QIC from the territory
// registry) and `CohesionFund.evaluate`, the verdict from `GeoData/rules/fcs.json`.

import Foundation
import QPVCore
import QPVPerimeters

/// One intercommunalité's Fonds de cohésion sociale / fonds de concours programme: its QPV (registry codes and
/// installed perimeters of the EPCI) and its QIC sets.
public struct CohesionFundProgramme: Sendable {
    /// SIREN of the intercommunalité.
    public var epciSiren: String
    /// Its name.
    public var epciName: String
    /// The programme's territory registry (QPV codes, QIC and their communes), nil when none is shipped.
    public var registry: TerritoryRegistry?
    /// True for the demonstration programme (fictional territory).
    public var demo: Bool
    /// The rule book restricted to this programme's rules.
    public var book: RuleBook

    /// Whether a QPV belongs to the programme: listed in the territory registry, or carrying the EPCI's SIREN.
    public func owns(_ p: PerimeterRef) -> Bool {
        (registry?.qpvCodes.contains(p.code) ?? false) || p.epciSiren == epciSiren
    }
}

/// The Fonds de cohésion sociale verdict: is the project's location in one of the EPCI's QPV (2024 list) or QIC?
public enum CohesionFund {
    /// Every programme of `GeoData/rules/fcs.json`, with its territory registry loaded.
    public static func programmes(book: RuleBook) throws -> [CohesionFundProgramme] {
        try book.programmes.map { p in
            CohesionFundProgramme(
                epciSiren: p.epciSiren, epciName: p.epciName, registry: try p.registryPath.map { try TerritoryRegistry.shipped(path: $0) }, demo: p.demo,
                book: book.forProgramme(p))
        }
    }

    /// The programme to use: the one of `siren` when given; otherwise the demo programme for a point of the demo
    /// territory, the programme owning the QPV the point is in, or the only real programme.
    public static func programme(siren: String?, location: EligibilityLocation, among all: [CohesionFundProgramme]) -> CohesionFundProgramme? {
        if let siren { return all.first { $0.epciSiren == siren } }
        if location.territory == .demo { return all.first { $0.demo } }
        let real = all.filter { !$0.demo }
        if let owner = real.first(where: { p in location.qpv.contains { p.owns($0) } }) { return owner }
        return real.count == 1 ? real[0] : nil
    }

    /// The territory verdict of `location` for `programme` on `date`: location is one condition of the fund, never a grant; `text()` of the report is its French explanation.
    public static func evaluate(date: CivilDate, location: EligibilityLocation, programme: CohesionFundProgramme) -> EligibilityReport {
        let book = programme.book
        var (criteria, caveats, sources) = RuleEngine(book: book).evaluate(date: date, inputs: EligibilityInputs(["date": .date(date)]), location: location) {
            _, version in territory(version, location: location, programme: programme)
        }
        if let u = programme.registry?.uncertain { caveats.append("registre du territoire : \(u)") }
        var notes: [String] = []
        if let t = programme.registry?.transcription { notes.append(t) }
        let inQIC = location.qic?.containing.contains { $0.epciSiren == programme.epciSiren } ?? false
        let inQPV = location.qpv.contains { programme.owns($0) }
        if inQIC && !inQPV, let n = book.version("qic_state_credits", on: date)?.note {
            notes.append(n)
        }
        return EligibilityReport(
            book: book, date: date, criteria: criteria, extraReasons: caveats, location: location.report, notes: notes, sources: sources)
    }

    /// The `programme_territory` check.
    static func territory(_ v: RuleVersion, location loc: EligibilityLocation, programme p: CohesionFundProgramme) -> CheckOutcome {
        if let problem = loc.addressProblem { return CheckOutcome(.unknown, problem) }
        if loc.status == .invalidCoordinates { return CheckOutcome(.unknown, "position inutilisable : \(loc.problem ?? "coordonnées invalides")") }
        let vintages = v.strings("qpv_vintages") ?? []
        let citations = Array(Set(loc.qpvLists.map(\.legalBasis).filter { !$0.isEmpty })).sorted()
        var unknowns: [String] = []
        var found: [String] = []
        var excludedParts: [String] = []
        var caveat = loc.qpvLists.compactMap { l in l.uncertain.map { "\(l.label) : \($0)" } }.first

        // QPV of the intercommunalité.
        switch loc.status {
        case .noList:
            let list = loc.missingList.map { "\($0.label) (\($0.legalBasis)) non installée ; \($0.installHint)" } ?? (loc.problem ?? "aucune liste installée")
            unknowns.append("liste des QPV en vigueur le \(loc.date.french) non disponible : \(list)")
        case .inside:
            for q in loc.qpv where p.owns(q) {
                // A part of the QPV on a commune outside the EPCI (QN06216M on Hulluch, CA de Lens-Liévin).
                if let excluded = p.registry?.qpv(code: q.code)?.excludedCommunes, !excluded.isEmpty {
                    let isExcluded = { (c: CommuneRef) in
                        excluded.contains { $0.insee == c.insee || TerritoryRegistry.normalizedName($0.name) == TerritoryRegistry.normalizedName(c.name) }
                    }
                    // The point's commune is known when one commune remains (communes file, geocoder, or a QPV
                    // on a single commune); the QPV's own communes are only candidates.
                    if loc.communes.count == 1, isExcluded(loc.communes[0]) {
                        let e = excluded.first { $0.insee == loc.communes[0].insee } ?? excluded[0]
                        excludedParts.append("dans le QPV \(q.code) « \(q.name) », mais sur la commune de \(e.name) (\(e.insee)) : \(e.reason)")
                        continue
                    }
                    if loc.communes.count != 1 && (loc.communes.isEmpty || loc.communes.contains(where: isExcluded)) {
                        let names = excluded.map { "\($0.name) (\($0.insee))" }.joined(separator: ", ")
                        unknowns.append(
                            "dans le QPV \(q.code) « \(q.name) », qui s'étend aussi sur \(names), hors de l'intercommunalité : commune du point inconnue (indiquez --communes FICHIER, ou une adresse) ; \(excluded[0].reason)")
                        continue
                    }
                }
                if vintages.isEmpty || vintages.contains(q.vintage) {
                    found.append("dans le QPV \(q.code) « \(q.name) » de l'intercommunalité (liste \(q.vintage))")
                } else {
                    unknowns.append("dans le QPV \(q.code) de la liste \(q.vintage), alors que le programme se réfère à la liste \(vintages.joined(separator: " ou "))")
                }
            }
        case .boundary:
            if let near = loc.qpv.first ?? loc.nearestQPV, p.owns(near) {
                unknowns.append(
                    "en limite du QPV \(near.code) « \(near.name) » de l'intercommunalité, à \(loc.distanceBoundaryM.map { FrenchFormat.metres($0) } ?? "?") (tolérance \(FrenchFormat.metres(loc.toleranceM))) : vérifiez sur sig.ville.gouv.fr")
            }
        case .notCovered:
            unknowns.append("hors des QPV installés, mais la liste installée ne couvre pas ce lieu : \(loc.problem ?? "couverture insuffisante")")
        default: break
        }

        // QIC of the intercommunalité.
        let qicSets = (loc.qic?.sets ?? []).filter { $0.epciSiren == p.epciSiren }
        if v.bool("qic") ?? true {
            if !qicSets.isEmpty, let q = loc.qic {
                let mine = q.containing.filter { $0.epciSiren == p.epciSiren }
                switch q.status {
                case .inside where !mine.isEmpty:
                    found.append(mine.map { "dans le QIC \($0.code) « \($0.name) » (quartier d'intérêt communautaire)" }.joined(separator: " et "))
                case .boundary:
                    if let near = mine.first ?? q.nearest, near.epciSiren == p.epciSiren {
                        unknowns.append("en limite du QIC \(near.code) « \(near.name) », à \(q.distanceBoundaryM.map { FrenchFormat.metres($0) } ?? "?")")
                    }
                case .notCovered:
                    unknowns.append("QIC : impossible d'établir si le lieu est dans l'intercommunalité (installez ses communes : qpv data import-communes FICHIER --epci \(p.epciSiren))")
                default: break
                }
                if let u = qicSets.compactMap(\.uncertain).first, caveat == nil { caveat = "QIC : \(u)" }
            } else if let registry = p.registry, !registry.qic.isEmpty {
                let install = "contours non installés (qpv data import FICHIER --kind qic --epci \(p.epciSiren))"
                if loc.communes.isEmpty {
                    if found.isEmpty {
                        unknowns.append(
                            "les QIC de l'intercommunalité n'ont pas de géométrie installée et la commune du point est inconnue : indiquez --communes FICHIER (contours des communes) ou installez les QIC ; \(install)")
                    }
                } else {
                    let hosted = loc.communes.flatMap { c in registry.qic(inCommune: c.name).map { (c, $0) } }
                    if !hosted.isEmpty, found.isEmpty {
                        let list = hosted.map { "« \($0.1.name) » (\($0.0.name))" }.joined(separator: ", ")
                        unknowns.append("la commune du point accueille le(s) QIC \(list) : \(install)")
                    }
                }
            }
        }

        if !found.isEmpty { return CheckOutcome(.met, found.joined(separator: " ; "), caveat: caveat, citations: citations) }
        if !unknowns.isEmpty { return CheckOutcome(.unknown, unknowns.joined(separator: " ; "), caveat: caveat, citations: citations) }
        if !excludedParts.isEmpty { return CheckOutcome(.notMet, excludedParts.joined(separator: " ; "), caveat: caveat, citations: citations) }
        var s = "ni dans un QPV ni dans un QIC de l'intercommunalité \(p.epciName)"
        if let q = loc.qpv.first { s += " (dans le QPV \(q.code) « \(q.name) », qui n'en fait pas partie)" }
        if !loc.communes.isEmpty, qicSets.isEmpty, let r = p.registry, !r.qic.isEmpty {
            s += " ; la commune (\(loc.communes.map(\.name).joined(separator: ", "))) n'accueille aucun QIC"
        }
        return CheckOutcome(.notMet, s, caveat: caveat, citations: citations)
    }
}
