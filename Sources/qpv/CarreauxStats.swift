// `qpv carreaux stats`: options and output files; the sums are `QPVCarreaux.StatsBatch`.

import ArgumentParser
import Foundation
import QPVCarreaux
import QPVTabular

struct CarreauxStats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Statistiques Filosofi par QPV/QIC : sommes des carreaux pondérées par leur part de surface.",
        discussion: """
            Pour chaque périmètre en vigueur à --date : nombre de carreaux qui le touchent (dont imputés, \
            i_est_200 = 1), sommes pondérées des comptes présents dans le fichier (ind, men, men_pauv, men_1ind, \
            men_5ind, men_prop, men_fmp, men_coll, men_mais, men_surf, ind_snv, log_…, ind_…) et indicateurs \
            dérivés (population, part de ménages pauvres, niveau de vie moyen ind_snv/ind, part de ménages d'une \
            personne…).

            APPROXIMATION : un carreau coupé par une limite compte au prorata de sa surface, ce qui suppose la \
            population répartie uniformément dans le carreau. Ce n'est pas le calcul de l'INSEE (fait sur les \
            adresses des ménages).

            Sortie JSON si le fichier se termine par .json, CSV sinon (séparateur et encodage de l'entrée). \
            Les lignes rejetées (identifiant invalide, autre résolution, doublon, valeur non numérique) sont \
            comptées, signalées avec leur ligne et leur champ, et écrites dans --rejects si demandé.
            """)

    @OptionGroup var file: CarreauxFileOptions
    @OptionGroup var perimeterOptions: PerimeterOptions

    @Option(help: ArgumentHelp("Fichier de sortie : .json ou .csv (- : CSV sur la sortie standard).", valueName: "fichier")) var output: String
    @Option(help: ArgumentHelp("Fichier CSV des lignes rejetées (colonnes d'entrée + line, error).", valueName: "fichier")) var rejects: String?

    func run() async throws {
        let grid = try perimeterOptions.gridPerimeters()
        let reader = try file.reader()
        let line = ProgressLine(label: "qpv carreaux stats")
        let options = file.readOptions(line)
        let rejectsWriter = try rejects.map { try CSVWriter(path: $0, dialect: reader.dialect) }
        let report = try StatsBatch(perimeters: grid, options: options).run(reader: reader, rejects: rejectsWriter)
        line.finish()
        if output.lowercased().hasSuffix(".json") {
            try OutputFile.write(path: output, bytes: Array(report.json().utf8))
        } else {
            try StatsBatch.writeCSV(report, path: output, dialect: file.conventions.dialect(following: reader))
        }
        for p in report.problems { printError(p) }
        printError(report.text)
    }
}
