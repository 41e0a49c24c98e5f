import ArgumentParser
import Foundation
import QPVCarreaux
import QPVCore
import QPVTabular

struct CarreauxCandidates: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candidates",
        abstract: "Grappes de carreaux à bas revenus : quartiers de la taille d'un QPV et candidats QIC (approximation).",
        discussion: """
            Un carreau est « à bas revenus » quand son niveau de vie moyen (ind_snv / ind) est sous le seuil : \
            --threshold en euros, ou la formule officielle S = 0,6 × (0,7 × médiane nationale + 0,3 × médiane de \
            l'unité urbaine) avec --national-median et --urban-unit-median.
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

    @Option(name: .customLong("threshold"), help: ArgumentHelp("Seuil de niveau de vie moyen en euros par an (ex. 12600).", valueName: "euros")) var thresholdArgument: NumberArgument?
    var threshold: Double? { thresholdArgument?.value }
    @Option(name: .customLong("national-median"), help: "Médiane nationale du niveau de vie (euros), pour la formule officielle.") var nationalMedianArgument: NumberArgument?
    var nationalMedian: Double? { nationalMedianArgument?.value }
    @Option(name: .customLong("urban-unit-median"), help: "Médiane du niveau de vie de l'unité urbaine (euros), pour la formule officielle.") var urbanUnitMedianArgument: NumberArgument?
    var urbanUnitMedian: Double? { urbanUnitMedianArgument?.value }
    @Option(name: .customLong("min-population"), help: "Population minimale d'une grappe retenue.") var minPopulationArgument: NumberArgument = 300
    var minPopulation: Double { minPopulationArgument.value }
    @Option(help: ArgumentHelp("Fichier GeoJSON de sortie (- pour la sortie standard).", valueName: "fichier")) var output: String

    func validate() throws {
        switch (threshold, nationalMedian, urbanUnitMedian) {
        case (.some, nil, nil): break
        case (nil, .some, .some): break
        case (.some, _, _): throw ValidationError("--threshold et --national-median/--urban-unit-median s'excluent : un seuil, ou les deux médianes")
        case (nil, .some, nil), (nil, nil, .some): throw ValidationError("la formule officielle demande les deux médianes : --national-median et --urban-unit-median")
        case (nil, nil, nil): throw ValidationError("indiquez --threshold EUROS, ou --national-median et --urban-unit-median")
        }
        if let t = threshold, !(t > 0) { throw ValidationError("--threshold doit être un nombre positif d'euros") }
        if !(minPopulation >= 0) { throw ValidationError("--min-population doit être positif") }
    }

    func run() async throws {
        let s = threshold ?? CandidatesOptions.threshold(nationalMedian: nationalMedian!, urbanUnitMedian: urbanUnitMedian!)
        if threshold == nil {
            printError("Seuil calculé : 0,6 × (0,7 × \(NumberArgument.french(nationalMedian!)) + 0,3 × \(NumberArgument.french(urbanUnitMedian!))) = \(FrenchFormat.integer(Int(s.rounded()))) €")
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
            try Data(text.utf8).write(to: URL(fileURLWithPath: output))
        }
        for p in report.problems { printError(p) }
        printError(report.text)
    }
}
