import ArgumentParser
import Foundation
import QPVCore
import QPVPerimeters
import QPVTabular

struct Locate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dire si un point (ou chaque ligne d'un fichier) est dans un QPV, lequel, à quelle distance de la limite.",
        discussion: """
            Un point :   qpv locate --lon 2.6303 --lat 50.5297 [--date 2023-12-31] [--format json]
            Un fichier : qpv locate --input points.csv --output resultats.csv [--lon-column lon --lat-column lat]

            Statuts : in (dans un QPV), out (hors QPV), boundary (à moins de --boundary-tolerance mètres d'une limite : \
            à vérifier, la limite d'un quartier bordé par une voie passe au milieu de la voie), no_list (liste en vigueur \
            à cette date non installée), invalid_coordinates.
            """)

    @OptionGroup var perimeterOptions: PerimeterOptions

    @Option(parsing: .unconditional, help: "Longitude WGS84 en degrés décimaux (ex. 2.6303).") var lon: String?
    @Option(parsing: .unconditional, help: "Latitude WGS84 en degrés décimaux (ex. 50.5297).") var lat: String?
    @Option(help: "Format de la réponse pour un point.") var format: OutputFormat = .text
    @Option(name: .customLong("boundary-tolerance"), help: "Distance (m) à une limite en deçà de laquelle la réponse est « boundary ».")
    var boundaryTolerance: Double = 20

    @Option(help: ArgumentHelp("Fichier CSV de points (séparateur , ou ; ; UTF-8 ou Windows-1252).", valueName: "fichier")) var input: String?
    @Option(help: ArgumentHelp("Fichier CSV de sortie (- pour la sortie standard).", valueName: "fichier")) var output: String?
    @Option(name: .customLong("lon-column"), help: "Colonne des longitudes (défaut : lon, longitude, lng, x).") var lonColumn: String?
    @Option(name: .customLong("lat-column"), help: "Colonne des latitudes (défaut : lat, latitude, y).") var latColumn: String?
    @Option(help: "Nombre de fils de calcul (défaut : nombre de cœurs).") var workers: Int?

    func validate() throws {
        if input != nil {
            if lon != nil || lat != nil { throw ValidationError("--input et --lon/--lat s'excluent : un fichier ou un point") }
            if output == nil { throw ValidationError("--output est obligatoire avec --input (- pour la sortie standard)") }
        } else if lon == nil || lat == nil {
            throw ValidationError("indiquez --lon et --lat (un point) ou --input (un fichier)")
        }
        if !(boundaryTolerance >= 0) { throw ValidationError("--boundary-tolerance doit être un nombre positif de mètres") }
    }

    func run() async throws {
        let date = try perimeterOptions.civilDate()
        let catalog = try perimeterOptions.openCatalog()
        if catalog.includesDemo && perimeterOptions.perimeters == nil && !perimeterOptions.demo {
            printError("Aucun périmètre officiel installé : jeu de DÉMONSTRATION fictif utilisé (Quartville-sur-Démo, codes QX…). Installer une liste : qpv data import FICHIER")
        }
        if let input {
            try runBatch(input: input, output: output!, catalog: catalog, date: date)
            return
        }
        let lonValue = LocateResult.parseCoordinate(lon!) ?? .nan
        let latValue = LocateResult.parseCoordinate(lat!) ?? .nan
        let locator = try Locator(catalog: catalog)
        let result = try locator.locate(lon: lonValue, lat: latValue, on: date, tolerance: boundaryTolerance)
        var report = LocateReport(result: result, catalog: catalog)
        if lonValue.isNaN || latValue.isNaN {
            report.message = "Coordonnées inutilisables : « \(lon!) », « \(lat!) » ne sont pas des nombres."
        }
        switch format {
        case .json: print(try jsonString(report))
        case .text: print(report.text())
        }
        if result.status == .invalidCoordinates { throw ExitCode(2) }
    }

    func runBatch(input: String, output: String, catalog: PerimeterCatalog, date: CivilDate) throws {
        let reader = try CSVReader(path: input)
        let writer = try CSVWriter(path: output, dialect: reader.dialect)
        var options = LocateBatchOptions(date: date)
        options.lonColumn = lonColumn
        options.latColumn = latColumn
        options.tolerance = boundaryTolerance
        if let workers { options.workers = max(1, workers) }
        let summary = try LocateBatch(catalog: catalog, options: options).run(reader: reader, writer: writer)
        for p in summary.problems { printError(p) }
        printError(summary.text)
    }
}
