// `qpv eligibility tfpb`: options into `TFPBBatchOptions`, the landlord's file run by `TFPBBatch`, summary
// files and progress line written here.

import ArgumentParser
import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters
import QPVTabular

struct EligibilityTFPB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tfpb",
        abstract: "Abattement de 30 % de taxe foncière (CGI art. 1388 bis) : verdict par logement ou immeuble d'un bailleur, totaux par QPV.",
        discussion: """
            qpv eligibility tfpb --input parc.csv --tax-year 2026 --output resultats.csv [--summary par-qpv.csv] [--geojson carte.geojson]

            Colonnes lues : lon/lat (ou --lon-column/--lat-column), logements (facultatif, 1 par défaut), conventionne, \
            logement_social (logement locatif social d'un organisme HLM ou d'une SEM) et exoneration_terminee (hors \
            exonération de TFPB) : oui/non ; --conventionne, --logement-social, --exoneration-terminee pour tout le \
            fichier. Une condition non renseignée rend la ligne « à vérifier ». Le QPV est celui de la liste en vigueur \
            au 1er janvier de l'année d'imposition : 2016 à 2023 sur la liste 2015, 2025 à 2030 sur la liste 2024 (2025 \
            outre-mer) avec la convention signée (au plus tard le 31 mars 2025 pour l'imposition 2025 en métropole) ; la \
            liste de référence de 2024 reste « à vérifier ». Chaque ligne ressort une fois, avec son verdict.
            """)

    @OptionGroup var perimeterOptions: PerimeterOptions

    @Option(help: ArgumentHelp("Fichier CSV du parc (séparateur , ou ; ; UTF-8 ou Windows-1252).", valueName: "fichier")) var input: String
    @Option(name: .customLong("tax-year"), help: "Année d'imposition.") var taxYear: Int
    @Option(help: ArgumentHelp("Fichier CSV de sortie (- pour la sortie standard).", valueName: "fichier")) var output: String
    @Option(help: ArgumentHelp("Totaux par QPV (CSV).", valueName: "fichier")) var summary: String?
    @Option(help: ArgumentHelp("Lignes en points GeoJSON (WGS84), pour QGIS.", valueName: "fichier")) var geojson: String?
    @Option(name: .customLong("lon-column"), help: "Colonne des longitudes (défaut : lon, longitude, lng, x).") var lonColumn: String?
    @Option(name: .customLong("lat-column"), help: "Colonne des latitudes (défaut : lat, latitude, y).") var latColumn: String?
    @Option(name: .customLong("dwellings-column"), help: "Colonne du nombre de logements (défaut : logements, nb_logements).") var dwellingsColumn:
        String?
    @Option(name: .customLong("convention-column"), help: "Colonne oui/non de la convention d'abattement signée (défaut : conventionne).")
    var conventionColumn: String?
    @Option(help: ArgumentHelp("Convention d'abattement signée par le bailleur, pour les lignes sans valeur : oui ou non.", valueName: "oui|non"))
    var conventionne: String?
    @Option(
        name: .customLong("logement-social"),
        help: ArgumentHelp(
            "Logements locatifs sociaux d'un organisme HLM ou d'une SEM, pour les lignes sans colonne logement_social : oui ou non.",
            valueName: "oui|non"))
    var logementSocial: String?
    @Option(
        name: .customLong("exoneration-terminee"),
        help: ArgumentHelp(
            "Logements hors période d'exonération de TFPB, pour les lignes sans colonne exoneration_terminee : oui ou non.", valueName: "oui|non"))
    var exonerationTerminee: String?
    @Option(name: .customLong("address-column"), help: "Colonne de l'adresse, géocodée hors ligne quand la ligne n'a pas de coordonnées.")
    var addressColumn: String?
    @Option(help: "Nombre de fils de calcul (défaut : nombre de cœurs).") var threads: Int?
    @OptionGroup var conventions: OutputConventions

    func validate() throws {
        try EligibilityCLI.rejectDate(perimeterOptions, use: "le 1er janvier de --tax-year")
        if !(1990...2100).contains(taxYear) { throw ValidationError("--tax-year \(taxYear) : année invalide") }
        if let conventionne, TFPB.parseFlag(conventionne) == nil { throw ValidationError("--conventionne « \(conventionne) » : oui ou non") }
        if let logementSocial, TFPB.parseFlag(logementSocial) == nil { throw ValidationError("--logement-social « \(logementSocial) » : oui ou non") }
        if let exonerationTerminee, TFPB.parseFlag(exonerationTerminee) == nil {
            throw ValidationError("--exoneration-terminee « \(exonerationTerminee) » : oui ou non")
        }
        try perimeterOptions.validateTolerance()
    }

    func run() async throws {
        let catalog = try perimeterOptions.openCatalogAnnounced()
        var options = TFPBBatchOptions(taxYear: taxYear)
        options.lonColumn = lonColumn
        options.latColumn = latColumn
        options.dwellingsColumn = dwellingsColumn
        options.conventionColumn = conventionColumn
        options.defaultConventionSigned = conventionne.flatMap { TFPB.parseFlag($0) ?? nil }
        options.defaultSocialHousing = logementSocial.flatMap { TFPB.parseFlag($0) ?? nil }
        options.defaultExonerationEnded = exonerationTerminee.flatMap { TFPB.parseFlag($0) ?? nil }
        options.tolerance = perimeterOptions.boundaryTolerance
        options.addressColumn = addressColumn
        if let threads { options.workers = max(1, threads) }
        let reader = try CSVReader(path: input)
        let writer = try CSVWriter(path: output, dialect: conventions.dialect(following: reader))
        // The GeoJSON file is written through the same buffered byte writer (UTF-8, no BOM).
        let geo = try geojson.map { try CSVWriter(path: $0, dialect: CSVDialect()) }
        let resolver = try addressColumn.map { _ in try AddressHook.resolver(perimeterOptions.dataDirectory) } ?? nil
        let line = ProgressLine(label: "qpv eligibility tfpb")
        options.progress = line.handler
        let batch = TFPBBatch(catalog: catalog, book: try RuleBook.shipped("tfpb"), options: options, addressResolver: resolver)
        printError(ColumnMatcher.describe(try batch.columns(reader)))
        let result = try batch.run(reader: reader, writer: writer, geojson: geo)
        line.finish()
        if let summary { try result.writeCSV(to: try CSVWriter(path: summary, dialect: conventions.dialect(following: reader))) }
        for p in result.problems { printError(p) }
        printError(result.text)
        if result.engineErrors > 0 {
            printError(EngineFailure.closingMessage(rows: result.engineErrors, errorColumn: "tfpb_error"))
            throw ExitCode(1)
        }
    }
}
