// `qpv locate`: one point, one address (geocoded, then `AddressCheck`) or a CSV file (`LocateBatch`). Parses
// options, prints the answer or the summary, sets the exit status; computes nothing itself.

import ArgumentParser
import Foundation
import QPVAddressing
import QPVCore
import QPVGeocoding
import QPVPerimeters
import QPVTabular

struct Locate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        // Named here: otherwise ArgumentParser derives the name from the type on every run (String(describing:),
        // ~6 % of a single `qpv locate` in callgrind, issue 17).
        commandName: "locate",
        abstract: "Dire si un point (ou chaque ligne d'un fichier) est dans un QPV, lequel, à quelle distance de la limite.",
        discussion: """
            Un point :   qpv locate --lon 2.6303 --lat 50.5297 [--date 2023-12-31] [--format json]
            Une adresse : qpv locate --address "12 rue des Tilleuls 00100 Quartville-sur-Démo"
            Un fichier : qpv locate --input points.csv --output resultats.csv [--lon-column lon --lat-column lat]

            Statuts : in (dans un QPV), out (hors QPV), boundary (à moins de --boundary-tolerance mètres d'une limite : \
            à vérifier, la limite d'un quartier bordé par une voie passe au milieu de la voie), not_covered (hors des \
            quartiers d'une liste partielle, département non couvert ou indéterminé : à vérifier), no_list (liste en vigueur \
            à cette date non installée), invalid_coordinates.
            """)

    @OptionGroup var perimeterOptions: PerimeterOptions

    @Option(parsing: .unconditional, help: "Longitude WGS84 en degrés décimaux (ex. 2.6303).") var lon: String?
    @Option(parsing: .unconditional, help: "Latitude WGS84 en degrés décimaux (ex. 50.5297).") var lat: String?
    @Option(help: "Format de la réponse pour un point.") var format: OutputFormat = .text
    @Flag(
        name: .customLong("exit-status"),
        help: "Pour un point ou une adresse : code de sortie selon la réponse (0 in, 1 out, 2 à vérifier : boundary, no_list, coordonnées invalides)."
    )
    var exitStatus = false
    @Option(help: ArgumentHelp("Adresse postale à géocoder (BAN installée, ou adresses de démonstration) avant de répondre.", valueName: "adresse"))
    var address: String?

    @Option(help: ArgumentHelp("Fichier CSV de points (séparateur , ou ; ; UTF-8 ou Windows-1252).", valueName: "fichier")) var input: String?
    @Option(help: ArgumentHelp("Fichier CSV de sortie (- pour la sortie standard).", valueName: "fichier")) var output: String?
    @Option(name: .customLong("lon-column"), help: "Colonne des longitudes (défaut : lon, longitude, lng, x).") var lonColumn: String?
    @Option(name: .customLong("lat-column"), help: "Colonne des latitudes (défaut : lat, latitude, y).") var latColumn: String?
    @Option(help: "Nombre de fils de calcul (défaut : nombre de cœurs).") var threads: Int?
    @OptionGroup var conventions: OutputConventions

    var boundaryTolerance: Double { perimeterOptions.boundaryTolerance }

    func validate() throws {
        let modes = [input != nil, address != nil, lon != nil || lat != nil].filter { $0 }.count
        if modes > 1 { throw ValidationError("--input, --address et --lon/--lat s'excluent : un fichier, une adresse ou un point") }
        if input != nil {
            if output == nil { throw ValidationError("--output est obligatoire avec --input (- pour la sortie standard)") }
        } else if address == nil && (lon == nil || lat == nil) {
            throw ValidationError("indiquez --lon et --lat (un point), --address (une adresse) ou --input (un fichier)")
        }
        try perimeterOptions.validateTolerance()
    }

    func run() async throws {
        let date = try perimeterOptions.civilDate()
        let catalog = try perimeterOptions.openCatalogAnnounced()
        if let address {
            try locateAddress(address, catalog: catalog, date: date)
            return
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
        if exitStatus { throw ExitCode(ExitStatus.of(result.status)) }
        if result.status == .invalidCoordinates { throw ExitCode(ExitStatus.toVerify) }
    }

    /// `--address`: geocode, then answer for the point found, with the geocoding in the answer.
    func locateAddress(_ text: String, catalog: PerimeterCatalog, date: CivilDate) throws {
        let (geocoder, isDemo) = try Geocoder.installedOrDemo(dataDirectory: perimeterOptions.dataDirectory)
        if isDemo {
            printError(
                "Aucune BAN installée : adresses de DÉMONSTRATION fictives utilisées. Installer la BAN : qpv data import-ban adresses-XX.csv.gz")
        }
        let results = geocoder.geocode(text, options: GeocodeOptions(limit: 3))
        guard let best = results.first else {
            if format == .json {
                print(
                    try jsonString(
                        AddressAnswer(
                            query: text, geocoding: nil, alternatives: [], locate: nil, verdict: "not_found", reason: nil,
                            message: "Adresse introuvable dans la BAN installée.")))
            } else {
                print("✗ ADRESSE INTROUVABLE : « \(text) » ne correspond à aucune adresse de la BAN installée.")
            }
            throw ExitCode(ExitStatus.no)
        }
        let locator = try Locator(catalog: catalog)
        let result = try locator.locate(lon: best.lon, lat: best.lat, on: date, tolerance: boundaryTolerance, commune: best.citycode)
        let report = LocateReport(result: result, catalog: catalog)
        // One confidence policy (score > 0,8, no close second candidate, not the commune only) and, for a
        // street-level result, the whole street checked.
        let check = AddressCheck(results, located: result, geocoder: geocoder, locator: locator, on: date, tolerance: boundaryTolerance)
        switch format {
        case .json:
            print(
                try jsonString(
                    AddressAnswer(
                        query: text, geocoding: best, alternatives: Array(results.dropFirst()), locate: report,
                        verdict: check.toVerify ? "to_verify" : result.status.rawValue, reason: check.reason,
                        message: check.toVerify ? "À vérifier : \(check.reason ?? "")" : report.message)))
        case .text:
            print("Adresse trouvée : \(best.label) (\(Geocode.typeName(best.type)), score \(FrenchFormat.decimal(best.score, digits: 2)))")
            if check.toVerify {
                print("? À VÉRIFIER — \(check.reason ?? "")")
                for (k, r) in results.dropFirst().enumerated() {
                    print("  candidat \(k + 2) : \(r.label) (\(Geocode.typeName(r.type)), score \(FrenchFormat.decimal(r.score, digits: 2)))")
                }
                print("Réponse au point trouvé, à confirmer :")
            } else if let reason = check.reason {
                print("Note : \(reason)")
            }
            print(report.text())
        }
        if exitStatus { throw ExitCode(!check.toVerify ? ExitStatus.of(result.status) : ExitStatus.toVerify) }
    }

    struct AddressAnswer: Encodable {
        var query: String
        var geocoding: GeocodeResult?
        var alternatives: [GeocodeResult]
        var locate: LocateReport?
        /// `to_verify` when the geocoding or the street cannot be relied on, else the locate status.
        var verdict: String
        var reason: String?
        var message: String
    }

    func runBatch(input: String, output: String, catalog: PerimeterCatalog, date: CivilDate) throws {
        let reader = try CSVReader(path: input)
        let writer = try CSVWriter(path: output, dialect: conventions.dialect(following: reader))
        var options = LocateBatchOptions(date: date)
        options.lonColumn = lonColumn
        options.latColumn = latColumn
        options.tolerance = boundaryTolerance
        if let threads { options.workers = max(1, threads) }
        let line = ProgressLine(label: "qpv locate")
        options.progress = line.handler
        let batch = LocateBatch(catalog: catalog, options: options)
        printError(ColumnMatcher.describe(try batch.columns(reader)))
        let summary = try batch.run(reader: reader, writer: writer)
        line.finish()
        for p in summary.problems { printError(p) }
        printError(summary.text)
        if summary.engineErrors > 0 {
            printError(EngineFailure.closingMessage(rows: summary.engineErrors, errorColumn: LocateBatch.errorColumn))
            throw ExitCode(1)
        }
    }
}
