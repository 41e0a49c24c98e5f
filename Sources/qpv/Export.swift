// `qpv export`: format and schema options; the exports are `QPVExport.Exporter`.

import ArgumentParser
import Foundation
import QPVCore
import QPVExport
import QPVPerimeters

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        // Named here: otherwise ArgumentParser derives the name from the type on every run (String(describing:),
        // ~6 % of a single `qpv locate` in callgrind, issue 17).
        commandName: "export",
        abstract: "Exporter les périmètres installés pour d'autres moteurs : PostgreSQL/PostGIS (avec qpv.locate), GeoJSON, CSV+WKB.",
        discussion: """
            Exemples :
              qpv export --format postgis --output qpv.sql && psql -v ON_ERROR_STOP=1 -d base -f qpv.sql
              qpv export --format postgis --schema geo_ville --output qpv.sql
              qpv export --format geojson --output perimetres.geojson
              qpv export --format csv-wkb --output perimetres.csv     (DuckDB : ST_GeomFromHEXWKB ; Sedona : ST_GeomFromWKB)

            Tous les paquets installés sont exportés (QPV et QIC, tous millésimes). Le jeu de démonstration fictif \
            n'est exporté qu'avec --demo. Le script PostGIS crée les tables, les index GiST et les fonctions \
            SCHEMA.locate(lon, lat, date, tolerance_m) et SCHEMA.locate_geom(geom, …), qui répondent comme qpv locate.
            """)

    @Option(help: ArgumentHelp("Format : postgis, geojson ou csv-wkb.", valueName: "format")) var format: ExportFormat
    @Option(help: ArgumentHelp("Fichier à écrire (- pour la sortie standard).", valueName: "fichier")) var output: String
    @Option(help: ArgumentHelp("Schéma PostgreSQL (format postgis) : lettres minuscules, chiffres, _.", valueName: "schéma"))
    var schema: String = "qpv"
    @OptionGroup var dataDirOption: DataDirOption
    var dataDir: String? { dataDirOption.dataDir }
    @Flag(help: "Ajouter le jeu de démonstration fictif (codes QX…) à l'export.") var demo = false
    @Flag(
        name: .customLong("no-create-extension"),
        help: "Format postgis : ne pas exécuter CREATE EXTENSION postgis (déjà installée par l'administrateur).")
    var noCreateExtension = false
    @Flag(name: .customLong("plain-sql"), help: "Format postgis : SQL standard (INSERT), sans commande psql, pour pgAdmin, DBeaver ou JDBC.")
    var plainSQL = false

    func validate() throws {
        if format == .postgis {
            do { _ = try SQLIdentifier(schema) } catch { throw ValidationError("--schema : \(error)") }
        }
    }

    func run() async throws {
        let exportFormat = format
        let catalog = try Exporter.catalog(dataDirectory: DataDirectory.resolve(explicit: dataDir), demo: demo)
        if demo {
            printError(
                "Attention : l'export contient le jeu de DÉMONSTRATION fictif (Quartville-sur-Démo, codes QX…), à ne pas confondre avec des données officielles."
            )
        }
        let summary = try Exporter(catalog: catalog).write(
            format: exportFormat, schema: schema, to: output, postgis: PostGISOptions(createExtension: !noCreateExtension, plainSQL: plainSQL))
        var lines = [
            "Export \(exportFormat.rawValue) : \(summary.perimeters) périmètres, \(summary.sets) listes ou jeux → \(output == "-" ? "sortie standard" : output) (\(FrenchFormat.integer(summary.bytes)) octets)"
        ]
        lines.append(
            "  systèmes métriques : " + summary.metricSRIDs.map { "EPSG:\($0)" }.joined(separator: ", ") + " ; systèmes des fichiers sources : "
                + summary.sourceSRIDs.map { "EPSG:\($0)" }.joined(separator: ", "))
        if exportFormat == .postgis {
            lines.append(
                plainSQL
                    ? "  chargement : exécuter le script dans l'outil SQL (pgAdmin, DBeaver, JDBC) ou psql -d BASE -f \(output == "-" ? "FICHIER.sql" : output)"
                    : "  chargement : psql -v ON_ERROR_STOP=1 -d BASE -f \(output == "-" ? "FICHIER.sql" : output) (rechargeable, vues des utilisateurs gardées)"
            )
            lines.append("  requête : SELECT * FROM \(schema).locate(lon, lat, DATE 'AAAA-MM-JJ');")
        }
        printError(lines.joined(separator: "\n"))
    }
}

extension ExportFormat: ExpressibleByArgument {}
