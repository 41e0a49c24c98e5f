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
    public func owns(_ p: PerimeterRef) -> Bool { territory.owns(p) }

    /// The intercommunalité's territory the fund answers on (its QPV and QIC).
    public var territory: EPCITerritory { EPCITerritory(siren: epciSiren, name: epciName, registry: registry, demo: demo) }
}

/// The Fonds de cohésion sociale verdict: is the project's location in one of the EPCI's QPV (2024 list) or QIC?
public enum CohesionFund {
    /// Every programme of `GeoData/rules/fcs.json`, with its territory registry loaded.
    public static func programmes(book: RuleBook) throws -> [CohesionFundProgramme] {
        try book.programmes.map { p in
            let selected = try book.forProgramme(p)
            return CohesionFundProgramme(
                epciSiren: p.epciSiren, epciName: p.epciName, registry: selected.territory?.registry, demo: p.demo, book: selected)
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

    /// The verdict: the same engine path as any programme (`programme_territory` answers on the programme's EPCI;
    /// its registry's doubt and transcription, and the QIC note, come with it).
    public static func evaluate(date: CivilDate, location: EligibilityLocation, programme: CohesionFundProgramme) -> EligibilityReport {
        var book = programme.book
        book.territory = programme.territory
        return ProgrammeEvaluator.evaluate(book: book, date: date, inputs: EligibilityInputs(["date": .date(date)]), location: location)
    }
}
