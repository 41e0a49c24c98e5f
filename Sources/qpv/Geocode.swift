// `qpv geocode`: one address or a CSV file with the installed BAN; a file's QPV columns come from
// `AddressLocateColumns` (QPVAddressing), the batch from `BatchGeocoder`.

import ArgumentParser
import Foundation
import QPVAddressing
import QPVCore
import QPVGeocoding
import QPVPerimeters
import QPVTabular
import Synchronization

struct Geocode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        // Named here: otherwise ArgumentParser derives the name from the type on every run (String(describing:),
        // ~6 % of a single `qpv locate` in callgrind, issue 17).
        commandName: "geocode",
        abstract: "Géocoder une adresse, ou chaque ligne d'un fichier CSV, avec la BAN installée (hors ligne).",
        discussion: """
            Une adresse : qpv geocode "56 grand rue 59295 Estrun" [--format json] [--limit 5].
            Un fichier : qpv geocode --input adresses.csv --column adresse --output resultat.csv, ou \
            --columns numero,voie,code_postal,commune. Toutes les lignes et colonnes sont gardées ; s'ajoutent, dans \
            l'ordre de l'API nationale de géocodage (/search/csv) : latitude, longitude, result_label, result_score, \
            result_score_next, result_type, result_id, result_housenumber, result_name, result_street, result_postcode, \
            result_city, result_context, result_citycode, result_oldcitycode, result_oldcity, result_district, \
            result_status (ok, not-found, skipped, error) ; puis la réponse QPV (qpv_status… et qpv_reason). \
            Un géocodage douteux (score ≤ 0,8, second candidat presque aussi probable, commune seule) donne \
            qpv_status=to_verify avec la raison ; un numéro absent de la BAN donne la voie (result_type=street), \
            dont la réponse QPV n'est donnée que si toute la voie est du même côté des limites. \
            Sans --column ni --columns, les colonnes sont trouvées par leur nom (adresse, numéro, voie, code postal \
            ou cp, commune ou ville ; casse, accents, espaces et _ indifférents).
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

    @Option(name: .customLong("min-score"), help: "Score minimal : en dessous, la ligne reste sans coordonnées (not-found) avec la raison.")
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
            if column != nil && columns != nil {
                throw ValidationError("--column et --columns s'excluent : une colonne d'adresse complète, ou des colonnes à assembler")
            }
        }
        if limit < 1 { throw ValidationError("--limit doit valoir au moins 1") }
        if let minScore, !(0...1).contains(minScore) { throw ValidationError("--min-score doit être compris entre 0 et 1") }
        if let threads, threads < 1 { throw ValidationError("--threads doit valoir au moins 1") }
        try perimeterOptions.validateTolerance()
    }

    func run() async throws {
        let (geocoder, isDemo) = try Geocoder.installedOrDemo(dataDirectory: perimeterOptions.dataDirectory)
        if isDemo {
            printError(
                "Aucune BAN installée : adresses de DÉMONSTRATION fictives utilisées. Installer la BAN : qpv data import-ban adresses-XX.csv.gz")
        }
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
            var batch = BatchOptions(
                input: input, output: output, columns: which, minScore: minScore,
                geocodeOptions: GeocodeOptions(limit: 2, postcode: postcode, citycode: citycode))
            if let threads { batch.threads = threads }
            batch.decimalMark = conventions.decimal?.mark
            // The QPV answer of `qpv locate` for every geocoded row (one Locator per worker thread).
            let catalog = try perimeterOptions.openCatalogAnnounced()
            let date = try perimeterOptions.civilDate()
            let tolerance = perimeterOptions.boundaryTolerance
            let counts = Mutex<[String: Int]>([:])
            let engineError = Mutex<String?>(nil)
            let decimalMark = try conventions.decimal?.mark ?? CSVReader(path: input).dialect.decimalMark
            let annotation = AddressLocateColumns(catalog: catalog, decimalMark: decimalMark).annotation(
                geocoder: geocoder, catalog: catalog, date: date, tolerance: tolerance,
                count: { status in counts.withLock { $0[status, default: 0] += 1 } },
                engineError: { error in engineError.withLock { if $0 == nil { $0 = error } } })
            let line = ProgressLine(label: "géocodage")
            let summary = try BatchGeocoder(geocoder: geocoder).run(batch, annotation: annotation) { rows, fraction in
                line.update(rows: rows, fraction: fraction)
            }
            line.finish()
            FileHandle.standardError.write(Data(summary.frenchReport.utf8))
            let c = counts.withLock { $0 }
            let located = max(1, c.values.reduce(0, +))
            func pct(_ n: Int) -> String { FrenchFormat.decimal(100 * Double(n) / Double(located), digits: 1) + " %" }
            var qpvLines = ["Réponse QPV au \(date.french) (lignes géocodées) :"]
            for (status, label) in [
                ("in", "dans un QPV"), ("boundary", "en limite de quartier, à vérifier"), ("out", "hors QPV"),
                ("to_verify", "géocodage douteux ou voie à cheval sur une limite, à vérifier (voir qpv_reason)"),
                ("not_covered", "hors de la couverture de la liste installée, à vérifier"),
                ("no_list", "liste non installée"), (LocateBatch.errorStatus, "erreur du moteur"),
            ] where (c[status] ?? 0) > 0 {
                qpvLines.append("  \(label) (\(status)) : \(FrenchFormat.integer(c[status]!)) (\(pct(c[status]!)))")
            }
            printError(qpvLines.joined(separator: "\n"))
            if let e = engineError.withLock({ $0 }) {
                printError(
                    EngineFailure.closingMessage(
                        rows: c[LocateBatch.errorStatus] ?? 0, errorColumn: AddressLocateColumns.reasonColumn,
                        detail: "erreur de calcul (moteur) : \(e)"))
                throw ExitCode(1)
            }
            return
        }
        let text = address ?? ""
        let results = geocoder.geocode(text, options: options)
        // The QPV answer of the best result, as the batch gives it in its qpv_… columns.
        // It follows the confidence policy and, for a street-level result, the whole street (AddressCheck).
        var qpv: LocateReport?
        var check: AddressCheck?
        if let best = results.first {
            let catalog = try perimeterOptions.openCatalogAnnounced()
            let locator = try Locator(catalog: catalog)
            let date = try perimeterOptions.civilDate()
            let tolerance = perimeterOptions.boundaryTolerance
            let result = try locator.locate(
                lon: best.lon, lat: best.lat, on: date, tolerance: tolerance, commune: best.citycode.isEmpty ? nil : best.citycode)
            qpv = LocateReport(result: result, catalog: catalog)
            check = AddressCheck(results, located: result, geocoder: geocoder, locator: locator, on: date, tolerance: tolerance)
        }
        switch format {
        case .json:
            struct Answer: Encodable {
                var query: String
                var results: [GeocodeResult]
                var locate: LocateReport?
                /// `to_verify` when the confidence policy or the street check says so, else the locate status.
                var verdict: String?
                var reason: String?
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let verdict = check.map { $0.toVerify ? "to_verify" : (qpv?.status ?? "") }
            print(
                String(
                    decoding: try encoder.encode(Answer(query: text, results: results, locate: qpv, verdict: verdict, reason: check?.reason)),
                    as: UTF8.self))
        case .text:
            guard let best = results.first else {
                print("Aucune adresse trouvée pour « \(text) ».")
                throw ExitCode(1)
            }
            print(Self.describe(best))
            if let check, check.toVerify {
                print("? À VÉRIFIER — \(check.reason ?? "")")
                if let qpv { print("Réponse au point trouvé, à confirmer :\n" + qpv.text()) }
            } else {
                if let reason = check?.reason { print("Note : \(reason)") }
                if let qpv { print(qpv.text()) }
            }
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
        case .locality: return "lieu-dit"
        case .municipality: return "commune seulement"
        }
    }

    static func describe(_ r: GeocodeResult) -> String {
        """
        \(r.label)
          trouvé : \(typeName(r.type)) · score \(FrenchFormat.decimal(r.score, digits: 2))
          identifiant BAN : \(r.id)
          commune : \(r.city) (INSEE \(r.citycode)), code postal \(r.postcode)\(r.oldcity.isEmpty ? "" : " ; ancienne commune \(r.oldcity) (\(r.oldcitycode))")\(r.missingHousenumber.isEmpty ? "" : "\n  numéro \(r.missingHousenumber) absent de la BAN : position de la voie, aucun autre numéro substitué")
          position : latitude \(String(format: "%.7f", r.lat)), longitude \(String(format: "%.7f", r.lon))
        """
    }
}
