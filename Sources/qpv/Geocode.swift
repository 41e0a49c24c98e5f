import ArgumentParser
import Foundation
import QPVCore
import QPVPerimeters
import Synchronization
import QPVGeocoding
import QPVTabular

struct Geocode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Géocoder une adresse, ou chaque ligne d'un fichier CSV, avec la BAN installée (hors ligne).",
        discussion: """
            Une adresse : qpv geocode "56 grand rue 59295 Estrun" [--format json] [--limit 5].
            Un fichier : qpv geocode --input adresses.csv --output resultat.csv [--column adresse | --columns \
            numero,voie,code_postal,commune] ; sans --column ni --columns, les colonnes sont trouvées par leur nom \
            (adresse, numéro, voie, code postal ou cp, commune ou ville ; casse, accents, espaces et _ indifférents). Toutes les lignes et colonnes sont gardées ; s'ajoutent latitude, \
            longitude, result_label, result_score, result_score_next, result_type, result_id, result_housenumber, \
            result_name, result_street, result_postcode, result_city, result_citycode, result_status (ok, not_found, error).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "L'adresse à chercher.")
    var address: String?

    @Option(help: "Format de sortie : text ou json.")
    var format: Format = .text

    @Option(help: "Nombre de résultats (le meilleur puis les autres possibilités).")
    var limit: Int = 5

    @Option(help: "Ne garder que les résultats de ce code postal.")
    var postcode: String?

    @Option(help: "Ne garder que les résultats de cette commune (code INSEE).")
    var citycode: String?

    @Option(help: "Fichier CSV à géocoder.")
    var input: String?

    @Option(help: "Fichier CSV de sortie (- : sortie standard).")
    var output: String?

    @Option(help: "Colonne contenant l'adresse complète.")
    var column: String?

    @Option(help: "Colonnes à assembler, dans l'ordre (ex. numero,voie,code_postal,commune).")
    var columns: String?

    @Option(name: .customLong("min-score"), help: "Score minimal : en dessous, la ligne reste sans coordonnées (not_found) avec la raison.")
    var minScoreArgument: NumberArgument?
    var minScore: Double? { minScoreArgument?.value }

    @Option(help: "Nombre de fils de calcul (défaut : tous les cœurs).")
    var threads: Int?

    @OptionGroup var perimeterOptions: PerimeterOptions
    @OptionGroup var conventions: OutputConventions

    func validate() throws {
        if input == nil {
            guard let address, !address.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("indiquez une adresse, ou un fichier avec --input")
            }
            if column != nil || columns != nil || output != nil { throw ValidationError("--column, --columns et --output vont avec --input") }
        } else {
            if address != nil { throw ValidationError("donnez soit une adresse, soit --input, pas les deux") }
            if output == nil { throw ValidationError("--input demande --output (fichier de sortie, ou - pour la sortie standard)") }
            if column != nil && columns != nil { throw ValidationError("--column et --columns s'excluent : une colonne d'adresse complète, ou des colonnes à assembler") }
        }
        if limit < 1 { throw ValidationError("--limit doit valoir au moins 1") }
        if let minScore, !(0...1).contains(minScore) { throw ValidationError("--min-score doit être compris entre 0 et 1") }
        if let threads, threads < 1 { throw ValidationError("--threads doit valoir au moins 1") }
        try perimeterOptions.validateTolerance()
    }

    func run() async throws {
        let (geocoder, isDemo) = try Geocoder.installedOrDemo(dataDirectory: perimeterOptions.dataDirectory)
        if isDemo { printError("Aucune BAN installée : adresses de DÉMONSTRATION fictives utilisées. Installer la BAN : qpv data import-ban adresses-XX.csv.gz") }
        let options = GeocodeOptions(limit: limit, postcode: postcode, citycode: citycode)
        if let input, let output {
            let which: AddressColumns
            if let column {
                which = .single(column)
            } else if let columns {
                which = .parts(columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            } else {
                // Columns found by their names ("adresse", "code postal", "ville"…), said before the run.
                let found = try BatchGeocoder.automaticColumns(header: try CSVReader(path: input).header, file: input)
                printError(ColumnMatcher.describe(found.matches))
                which = found.columns
            }
            var batch = BatchOptions(input: input, output: output, columns: which, minScore: minScore,
                                     geocodeOptions: GeocodeOptions(limit: 2, postcode: postcode, citycode: citycode))
            if let threads { batch.threads = threads }
            batch.decimalMark = conventions.decimal?.mark
            // The QPV answer of `qpv locate` for every geocoded row (one Locator per worker thread).
            let catalog = try perimeterOptions.openCatalogAnnounced()
            let date = try perimeterOptions.civilDate()
            let tolerance = perimeterOptions.boundaryTolerance
            var locateColumns = LocateColumns(catalog: catalog)
            locateColumns.decimalMark = try conventions.decimal?.mark ?? CSVReader(path: input).dialect.decimalMark
            let columns = locateColumns
            let counts = Mutex<[String: Int]>([:])
            let annotation = CoordinateAnnotation(
                columns: columns.names, valuesWhenNotGeocoded: columns.values(status: "not_geocoded"),
                makeWorker: {
                    let locator = try Locator(catalog: catalog)
                    return { lon, lat in
                        let values: [String]
                        do {
                            values = columns.values(try locator.locate(lon: lon, lat: lat, on: date, tolerance: tolerance))
                        } catch {
                            values = columns.values(status: "invalid_coordinates")
                        }
                        counts.withLock { $0[values[0], default: 0] += 1 }
                        return values
                    }
                })
            let line = ProgressLine(label: "géocodage")
            let summary = try BatchGeocoder(geocoder: geocoder).run(batch, annotation: annotation) { rows, fraction in line.update(rows: rows, fraction: fraction) }
            line.finish()
            FileHandle.standardError.write(Data(summary.frenchReport.utf8))
            let c = counts.withLock { $0 }
            let located = max(1, c.values.reduce(0, +))
            func pct(_ n: Int) -> String { FrenchFormat.decimal(100 * Double(n) / Double(located), digits: 1) + " %" }
            var qpvLines = ["Réponse QPV au \(date.french) (lignes géocodées) :"]
            for (status, label) in [("in", "dans un QPV"), ("boundary", "en limite de quartier, à vérifier"), ("out", "hors QPV"), ("no_list", "liste non installée")] where (c[status] ?? 0) > 0 {
                qpvLines.append("  \(label) (\(status)) : \(FrenchFormat.integer(c[status]!)) (\(pct(c[status]!)))")
            }
            printError(qpvLines.joined(separator: "\n"))
            return
        }
        let text = address ?? ""
        let results = geocoder.geocode(text, options: options)
        // The QPV answer of the best result, as the batch gives it in its qpv_… columns.
        var qpv: LocateReport?
        if let best = results.first {
            let catalog = try perimeterOptions.openCatalogAnnounced()
            let result = try Locator(catalog: catalog).locate(lon: best.lon, lat: best.lat, on: try perimeterOptions.civilDate(), tolerance: perimeterOptions.boundaryTolerance)
            qpv = LocateReport(result: result, catalog: catalog)
        }
        switch format {
        case .json:
            struct Answer: Encodable {
                var query: String
                var results: [GeocodeResult]
                var locate: LocateReport?
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Answer(query: text, results: results, locate: qpv)), as: UTF8.self))
        case .text:
            guard let best = results.first else {
                print("Aucune adresse trouvée pour « \(text) ».")
                throw ExitCode(1)
            }
            print(Self.describe(best))
            if let qpv { print(qpv.text()) }
            if results.count > 1 {
                print("Autres possibilités :")
                for (k, r) in results.dropFirst().enumerated() {
                    print("  \(k + 2). \(r.label) — \(Self.typeName(r.type)), score \(FrenchFormat.decimal(r.score, digits: 2))")
                }
            }
        }
    }

    static func typeName(_ t: GeocodeResultType) -> String {
        switch t {
        case .housenumber: return "numéro"
        case .street: return "voie (numéro non trouvé)"
        case .municipality: return "commune seulement"
        }
    }

    static func describe(_ r: GeocodeResult) -> String {
        """
        \(r.label)
          trouvé : \(typeName(r.type)) · score \(FrenchFormat.decimal(r.score, digits: 2))
          identifiant BAN : \(r.id)
          commune : \(r.city) (INSEE \(r.citycode)), code postal \(r.postcode)
          position : latitude \(String(format: "%.7f", r.lat)), longitude \(String(format: "%.7f", r.lon))
        """
    }
}
