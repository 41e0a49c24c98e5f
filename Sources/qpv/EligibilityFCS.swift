// `qpv eligibility fcs`: the Fonds de cohésion sociale verdict of a place, by `CohesionFund.evaluate`.

import ArgumentParser
import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters

struct EligibilityFCS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fcs",
        abstract:
            "Fonds de cohésion sociale / fonds de concours politique de la ville d'une intercommunalité : le projet est-il dans un de ses QPV ou QIC ?",
        discussion: """
            qpv eligibility fcs --lon 2.6370 --lat 50.5260 [--date 2025-03-01] [--epci 200072460] [--communes communes.geojson]

            Territoire éligible : les QPV de l'intercommunalité (liste 2024) et ses quartiers d'intérêt communautaire (QIC). \
            Un QIC est éligible au FCS mais pas aux crédits de l'État pour les QPV (BOP 147). Quand les contours des QIC ne \
            sont pas installés, qpv a besoin de la commune du point (--communes, contours des communes) pour dire si un QIC \
            peut être concerné.
            """)

    @OptionGroup var perimeterOptions: PerimeterOptions
    @OptionGroup var place: EligibilityPlaceOptions

    @Option(help: ArgumentHelp("SIREN de l'intercommunalité (défaut : déduit du lieu ; 200072460 = Béthune-Bruay).", valueName: "siren"))
    var epci: String?
    @Option(help: ArgumentHelp("Contours des communes (GeoJSON, GeoPackage, Shapefile) pour connaître la commune du point.", valueName: "fichier"))
    var communes: String?

    func run() async throws {
        let date = try perimeterOptions.civilDate()
        let book = try RuleBook.shipped("fcs")
        let programmes = try CohesionFund.programmes(book: book)
        if let epci, !programmes.contains(where: { $0.epciSiren == epci }) {
            throw ValidationError(
                "--epci \(epci) : aucun programme connu (programmes : \(programmes.map { "\($0.epciSiren) \($0.epciName)" }.joined(separator: " ; ")))"
            )
        }
        let locator = try EligibilityCLI.locator(perimeterOptions, place: place, communes: communes)
        let location = try place.locate(with: locator, dataDirectory: perimeterOptions.dataDirectory, on: date)
        guard let programme = CohesionFund.programme(siren: epci, location: location, among: programmes) else {
            throw ValidationError("plusieurs programmes possibles : précisez --epci (\(programmes.map(\.epciSiren).joined(separator: ", ")))")
        }
        try EligibilityCLI.print(
            CohesionFund.evaluate(date: date, location: location, programme: programme), format: place.format, location: location,
            exitStatus: place.exitStatus)
    }
}
