// `qpv carreaux` and `qpv carreaux classify`, with the options the carreaux subcommands share
// (`CarreauxFileOptions`). The work is `QPVCarreaux.ClassifyBatch`.

import ArgumentParser
import Foundation
import QPVCarreaux
import QPVCore
import QPVPerimeters
import QPVTabular

struct Carreaux: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "carreaux",
        abstract: "Carreaux INSEE de 200 m (Filosofi, EPSG:3035) : part dans chaque QPV/QIC, statistiques par quartier, candidats QIC.",
        discussion: """
            Les carreaux sont ceux de la grille INSEE de France métropolitaine (identifiants \
            CRS3035RES200mN{nord}E{est}, coin sud-ouest, le nord d'abord). Les périmètres en vigueur à --date sont \
            projetés en EPSG:3035 (PROJ) et la part de chaque carreau est calculée en surface (GEOS).

            Exemples (jeu de démonstration fictif) :
              qpv carreaux --input GeoData/demo/demo-filosofi-200m.csv --output parts.csv --date 2024-06-01
              qpv carreaux stats --input GeoData/demo/demo-filosofi-200m.csv --output stats.json --date 2024-06-01
              qpv carreaux candidates --input GeoData/demo/demo-filosofi-200m.csv --threshold 12600 --output candidats.geojson
              qpv carreaux grid --lon -4.6 --lat 46.2
            """,
        subcommands: [CarreauxClassify.self, CarreauxStats.self, CarreauxCandidates.self, CarreauxGrid.self],
        defaultSubcommand: CarreauxClassify.self
    )
}

/// Options of the commands reading a carreaux file.
struct CarreauxFileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Fichier CSV de carreaux (Filosofi ; séparateur , ou ; ; UTF-8 ou Windows-1252 ; .gz accepté).", valueName: "fichier"))
    var input: String

    @Option(name: .customLong("id-column"), help: "Colonne des identifiants de carreaux (défaut : idcar_200m, idcar_1km, idINSPIRE…).")
    var idColumn: String?

    @Option(help: "Résolution des carreaux du fichier, 200 ou 1000 m (défaut : d'après le nom de la colonne, sinon 200).")
    var resolution: Int?

    @Option(help: "Nombre de fils de calcul (défaut : nombre de cœurs).")
    var threads: Int?

    @OptionGroup var conventions: OutputConventions

    func reader() throws -> CSVReader { try CSVReader(path: input) }

    /// The read options, progress drawn on `line`.
    func readOptions(_ line: ProgressLine) -> CarreauxReadOptions {
        var o = CarreauxReadOptions()
        o.progress = line.handler
        o.idColumn = idColumn
        o.resolution = resolution
        if let threads { o.workers = max(1, threads) }
        return o
    }
}

extension PerimeterOptions {
    /// The perimeters in force at --date, in EPSG:3035, with the demonstration notice when it applies.
    func gridPerimeters() throws -> GridPerimeters {
        let catalog = try openCatalog()
        if catalog.includesDemo && perimeters == nil && !demo {
            printError(
                "Aucun périmètre officiel installé : jeu de DÉMONSTRATION fictif utilisé (Quartville-sur-Démo, codes QX…). Installer une liste : qpv data import FICHIER"
            )
        }
        let grid = try GridPerimeters(catalog: catalog, date: try civilDate())
        for n in grid.notes { printError("Attention : \(n)") }
        return grid
    }
}

struct CarreauxClassify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Part de la surface de chaque carreau dans chaque QPV et QIC en vigueur (commande par défaut).",
        discussion: """
            --format long (défaut) : une ligne par carreau × périmètre, colonnes idcar_200m, code_qp, share, kind \
            (qpv ou qic), error ; un carreau hors de tout périmètre a une ligne au code vide et à la part 0.
            --format wide : toutes les colonnes d'entrée, plus qpv_codes, qpv_shares, qpv_share_total (et qic_… si \
            des QIC sont en vigueur), carreau_error.

            Chaque ligne d'entrée ressort : un identifiant invalide, un carreau d'une autre résolution (1 km dans un \
            fichier de 200 m) ou un doublon (la première occurrence est gardée) ressort avec le message d'erreur \
            (ligne et champ) au lieu des parts. La sortie suit le séparateur et l'encodage de l'entrée.
            """)

    @OptionGroup var file: CarreauxFileOptions
    @OptionGroup var perimeterOptions: PerimeterOptions

    @Option(help: ArgumentHelp("Fichier CSV de sortie (- pour la sortie standard).", valueName: "fichier")) var output: String
    @Option(help: "long (une ligne par carreau × périmètre) ou wide (colonnes ajoutées au fichier).") var format: ClassifyFormat = .long

    func run() async throws {
        let f = format
        let grid = try perimeterOptions.gridPerimeters()
        let reader = try file.reader()
        let writer = try CSVWriter(path: output, dialect: file.conventions.dialect(following: reader))
        var options = ClassifyOptions()
        let line = ProgressLine(label: "qpv carreaux")
        options.read = file.readOptions(line)
        options.format = f
        let summary = try ClassifyBatch(perimeters: grid, options: options).run(reader: reader, writer: writer)
        line.finish()
        for p in summary.problems { printError(p) }
        printError(summary.text)
    }
}

extension ClassifyFormat: ExpressibleByArgument {}
