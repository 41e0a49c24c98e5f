import ArgumentParser
import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters
import QPVTabular

/// Which programme of which rule file, and the declared facts (`qpv eligibility run` and `run-batch`).
struct RuleFileOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Fichier de règles au format public (Docs/rules.md) ; défaut : programmes installés (qpv data import-rules) puis livrés.",
            valueName: "fichier"))
    var rules: String?
    @Option(help: ArgumentHelp("Identifiant du programme (champ « programme », ou « id » d'un programme d'intercommunalité).", valueName: "id"))
    var programme: String
    @Option(
        name: .customLong("fact"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Fait déclaré nom=valeur (répétable) : date AAAA-MM-JJ, nombre, oui/non ou texte. Un fait non déclaré n'est jamais supposé.",
            valueName: "nom=valeur"))
    var facts: [String] = []
    @Option(help: ArgumentHelp("SIREN de l'intercommunalité, quand le fichier en décrit plusieurs.", valueName: "siren")) var epci: String?

    func pairs() throws -> [(String, String)] {
        try facts.map { f in
            guard let eq = f.firstIndex(of: "="), eq != f.startIndex else { throw ValidationError("--fact « \(f) » : forme attendue nom=valeur") }
            return (String(f[..<eq]).trimmingCharacters(in: .whitespaces), String(f[f.index(after: eq)...]))
        }
    }

    func book(_ dataDirectory: DataDirectory, location: EligibilityLocation? = nil) throws -> RuleBook {
        do {
            return try InstalledRules.book(id: programme, file: rules, dataDirectory: dataDirectory, epci: epci, location: location)
        } catch let e as EligibilityInputError {
            throw ValidationError("--\(e.field) \(e.reason)")
        } catch let e as RuleBookError {
            throw ValidationError("\(e)\n(qpv rules check \(rules ?? "FICHIER") liste tous les problèmes)")
        }
    }
}

struct EligibilityRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Évaluer un programme écrit au format public de règles (fichier, programme installé ou livré), critère par critère.",
        discussion: """
            qpv eligibility run --rules mon-programme.json --programme aide_jeunes --lon 1.44 --lat 43.60 \
            --fact demand_date=2025-03-01 --fact birth_date=2004-05-12 --fact status=jobseeker

            Même moteur que les programmes livrés : verdict éligible, non éligible ou à vérifier, critères expliqués, \
            montant à part (son incertitude ne change jamais le verdict), sources. Un fait non déclaré, un lieu en \
            limite de quartier ou hors de la couverture des listes ne donnent jamais « éligible ». La date de \
            référence est le fait nommé par « date_input » (sinon --date). Format : Docs/rules.md.
            """)

    @OptionGroup var perimeterOptions: PerimeterOptions
    @OptionGroup var place: EligibilityPlaceOptions
    @OptionGroup var ruleOptions: RuleFileOptions
    @Option(help: ArgumentHelp("Contours des communes (GeoJSON, GeoPackage, Shapefile) pour connaître la commune du point.", valueName: "fichier"))
    var communes: String?

    func run() async throws {
        let book = try ruleOptions.book(perimeterOptions.dataDirectory)
        var inputs: EligibilityInputs
        do { inputs = try FactParser.inputs(try ruleOptions.pairs(), book: book) } catch let e as EligibilityInputError {
            throw ValidationError("--fact \(e)")
        }
        let date: CivilDate
        if let d = inputs.date(book.dateInput) {
            date = d
        } else if perimeterOptions.date != nil {
            date = try perimeterOptions.civilDate()
        } else {
            throw ValidationError("indiquez la date de référence (\(book.dateLabel)) : --fact \(book.dateInput)=AAAA-MM-JJ (ou --date)")
        }
        inputs[book.dateInput] = .date(date)
        let locator = try EligibilityCLI.locator(perimeterOptions, place: place, communes: communes)
        let location = try place.locate(with: locator, dataDirectory: perimeterOptions.dataDirectory, on: date)
        // A file of several intercommunalités' programmes: the one of the place, as qpv eligibility fcs chooses it.
        let chosen = book.programmes.isEmpty ? book : try ruleOptions.book(perimeterOptions.dataDirectory, location: location)
        let report = ProgrammeEvaluator.evaluate(book: chosen, date: date, inputs: inputs, location: location)
        try EligibilityCLI.print(report, format: place.format, location: location, exitStatus: place.exitStatus)
    }
}

struct EligibilityRunBatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-batch",
        abstract: "Évaluer un programme au format public pour chaque ligne d'un CSV : chaque ligne ressort une fois, avec son verdict.",
        discussion: """
            qpv eligibility run-batch --rules mon-programme.json --programme aide_jeunes --input demandes.csv --output verdicts.csv

            Colonnes lues : lon/lat (ou --lon-column/--lat-column, ou --address-column), et une colonne par fait, \
            nommée comme le fait (birth_date, status…) ; --fact nom=valeur vaut pour toutes les lignes dont la \
            cellule est vide. Colonnes ajoutées : verdict, qpv_status, qpv_code, qpv_name, distance_boundary_m, \
            amount_eur, reason, error. Une valeur illisible reste non déclarée (ligne « à vérifier »), jamais devinée.
            """)

    @OptionGroup var perimeterOptions: PerimeterOptions
    @OptionGroup var ruleOptions: RuleFileOptions
    @Option(help: ArgumentHelp("Fichier CSV (séparateur , ou ; ; UTF-8 ou Windows-1252).", valueName: "fichier")) var input: String
    @Option(help: ArgumentHelp("Fichier CSV de sortie (- pour la sortie standard).", valueName: "fichier")) var output: String
    @Option(name: .customLong("lon-column"), help: "Colonne des longitudes (défaut : lon, longitude, lng, x).") var lonColumn: String?
    @Option(name: .customLong("lat-column"), help: "Colonne des latitudes (défaut : lat, latitude, y).") var latColumn: String?
    @Option(name: .customLong("address-column"), help: "Colonne de l'adresse, géocodée hors ligne quand la ligne n'a pas de coordonnées.")
    var addressColumn: String?
    @OptionGroup var conventions: OutputConventions
    @Option(help: "Nombre de fils de calcul (défaut : nombre de cœurs) ; l'ordre des lignes ne change pas.") var threads: Int?

    func run() async throws {
        let book = try ruleOptions.book(perimeterOptions.dataDirectory)
        var options = ProgrammeBatchOptions()
        if let threads { options.workers = max(1, threads) }
        options.defaults = try ruleOptions.pairs()
        do { _ = try FactParser.inputs(options.defaults, book: book) } catch let e as EligibilityInputError { throw ValidationError("--fact \(e)") }
        if perimeterOptions.date != nil { options.defaultDate = try perimeterOptions.civilDate() }
        options.lonColumn = lonColumn
        options.latColumn = latColumn
        options.addressColumn = addressColumn
        options.tolerance = perimeterOptions.boundaryTolerance
        let catalog = try perimeterOptions.openCatalogAnnounced()
        let reader = try CSVReader(path: input)
        let writer = try CSVWriter(path: output, dialect: conventions.dialect(following: reader))
        let resolver = try addressColumn.map { _ in try AddressHook.resolver(perimeterOptions.dataDirectory) } ?? nil
        let batch = ProgrammeBatch(catalog: catalog, book: book, options: options, addressResolver: resolver)
        let read = batch.factColumns(reader.header).map { "\($0.1.name) ← « \(reader.header[$0.0]) »" }
        printError("Faits lus dans les colonnes : " + (read.isEmpty ? "aucun" : read.joined(separator: ", ")))
        let summary = try batch.run(reader: reader, writer: writer)
        for p in summary.problems { printError(p) }
        printError(summary.text)
    }
}
