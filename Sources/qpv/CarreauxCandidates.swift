// `qpv carreaux candidates`: options (threshold, or the EPCI's from its territory registry) and printing; the
// clustering is `QPVCarreaux.CandidatesBatch`.

import ArgumentParser
import Foundation
import QPVCarreaux
import QPVCore
import QPVPerimeters
import QPVTabular

struct CarreauxCandidates: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candidates",
        abstract: "Grappes de carreaux à bas revenus : quartiers de la taille d'un QPV et candidats QIC (approximation).",
        discussion: """
            Un carreau est « à bas revenus » quand son niveau de vie moyen (ind_snv / ind) est sous le seuil : \
            --threshold en euros, ou la formule officielle S = 0,6 × (0,7 × médiane nationale + 0,3 × médiane de \
            l'unité urbaine) avec --national-median et --urban-unit-median ; avec --epci SIREN seul, le seuil que le \
            contrat de ville de l'EPCI énonce (registre du territoire : 12 600 € pour la CA de Béthune-Bruay, Artois \
            Lys Romane, Filosofi, population fiscale 2019).
            Contiguïté : deux carreaux sont dans la même grappe s'ils ont un côté commun (4-connexité) ; un coin \
            commun ne suffit pas. Chaque grappe est fusionnée en un polygone (GeoJSON WGS84, RFC 7946, lisible \
            dans QGIS) avec sa population, sa part de ménages pauvres, son niveau de vie moyen et les QPV/QIC en \
            vigueur qu'elle recouvre. 1 000 habitants ou plus : taille d'un QPV (qpv_sized) ; de \
            --min-population à 1 000 : candidat QIC (qic_candidate) ; en dessous : écartée.

            APPROXIMATION de la méthode INSEE : l'INSEE retient les carreaux sur le revenu médian, le fichier \
            carroyé ne donne que des sommes (niveau de vie moyen à la place). Les populations supposent une \
            densité uniforme dans chaque carreau. Des pistes à examiner, pas une délimitation.
            """)

    @OptionGroup var file: CarreauxFileOptions
    @OptionGroup var perimeterOptions: PerimeterOptions

    @Option(name: .customLong("threshold"), help: ArgumentHelp("Seuil de niveau de vie moyen en euros par an (ex. 12600).", valueName: "euros"))
    var thresholdArgument: NumberArgument?
    var threshold: Double? { thresholdArgument?.value }
    @Option(name: .customLong("national-median"), help: "Médiane nationale du niveau de vie (euros), pour la formule officielle.")
    var nationalMedianArgument: NumberArgument?
    var nationalMedian: Double? { nationalMedianArgument?.value }
    @Option(name: .customLong("urban-unit-median"), help: "Médiane du niveau de vie de l'unité urbaine (euros), pour la formule officielle.")
    var urbanUnitMedianArgument: NumberArgument?
    var urbanUnitMedian: Double? { urbanUnitMedianArgument?.value }
    @Option(name: .customLong("min-population"), help: "Population minimale d'une grappe retenue.") var minPopulationArgument: NumberArgument = 300
    var minPopulation: Double { minPopulationArgument.value }
    @Option(help: ArgumentHelp("SIREN de l'EPCI : seuil par défaut, celui de son contrat de ville (registre du territoire).", valueName: "siren"))
    var epci: String?
    @Option(help: ArgumentHelp("Fichier GeoJSON de sortie (- pour la sortie standard).", valueName: "fichier")) var output: String

    func validate() throws {
        switch (threshold, nationalMedian, urbanUnitMedian) {
        case (.some, nil, nil): break
        case (nil, .some, .some): break
        case (.some, _, _): throw ValidationError("--threshold et --national-median/--urban-unit-median s'excluent : un seuil, ou les deux médianes")
        case (nil, .some, nil), (nil, nil, .some):
            throw ValidationError("la formule officielle demande les deux médianes : --national-median et --urban-unit-median")
        case (nil, nil, nil):
            guard let epci else { throw ValidationError("indiquez --threshold EUROS, --national-median et --urban-unit-median, ou --epci SIREN") }
            guard try Self.registryThreshold(epci) != nil else {
                throw ValidationError(
                    "--epci \(epci) : aucun seuil de revenu dans les registres de territoire (GeoData/registry/territories) ; indiquez --threshold EUROS"
                )
            }
        }
        if let t = threshold, !(t > 0) { throw ValidationError("--threshold doit être un nombre positif d'euros") }
        if !(minPopulation >= 0) { throw ValidationError("--min-population doit être positif") }
    }

    /// The median-income threshold the EPCI's contract states, from its territory registry.
    static func registryThreshold(_ siren: String) throws -> TerritoryRegistry.IncomeThreshold? {
        try TerritoryRegistry.shipped().first { $0.epci.siren == siren && $0.incomeThreshold != nil }?.incomeThreshold
    }

    func run() async throws {
        let fromRegistry = threshold == nil && nationalMedian == nil ? try epci.flatMap { try Self.registryThreshold($0) } : nil
        if let t = fromRegistry {
            printError(
                "Seuil du contrat de ville de l'EPCI \(epci ?? "") : \(FrenchFormat.integer(Int(t.eur.rounded()))) € — \(t.basis) [\(t.source)]")
        }
        let s = threshold ?? fromRegistry?.eur ?? CandidatesOptions.threshold(nationalMedian: nationalMedian!, urbanUnitMedian: urbanUnitMedian!)
        if threshold == nil && fromRegistry == nil {
            printError(
                "Seuil calculé : 0,6 × (0,7 × \(NumberArgument.french(nationalMedian!)) + 0,3 × \(NumberArgument.french(urbanUnitMedian!))) = \(FrenchFormat.integer(Int(s.rounded()))) €"
            )
        }
        let grid: GridPerimeters?
        do { grid = try perimeterOptions.gridPerimeters() } catch let e as CarreauxError {
            printError("Attention : \(e) ; grappes calculées sans les recouvrements")
            grid = nil
        }
        let reader = try file.reader()
        var options = CandidatesOptions(threshold: s)
        let line = ProgressLine(label: "qpv carreaux candidates")
        options.read = file.readOptions(line)
        options.minPopulation = minPopulation
        let report = try CandidatesBatch(perimeters: grid, options: options).run(reader: reader)
        line.finish()
        let text = report.geoJSON(perimeters: grid)
        if output == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
        } else {
            try OutputFile.write(path: output, bytes: Array(text.utf8))
        }
        for p in report.problems { printError(p) }
        printError(report.text)
    }
}
