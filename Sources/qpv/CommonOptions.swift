// `PerimeterOptions`, the options of every command that answers from perimeters (--data-dir, --perimeters,
// --date, --demo, --release, --boundary-tolerance) and how they open the catalog; `OutputFormat`, `printError`.

import ArgumentParser
import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters

/// Options shared by every command that answers from perimeters.
/// `--data-dir`, declared once for every command that reads or writes the data directory.
struct DataDirOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Dossier des données installées (défaut : $QPV_DATA_DIR, sinon ~/.local/share/qpv).")
    var dataDir: String?

    var dataDirectory: DataDirectory { DataDirectory.resolve(explicit: dataDir) }
}

struct PerimeterOptions: ParsableArguments {
    @OptionGroup var dataDirOption: DataDirOption
    var dataDir: String? { dataDirOption.dataDir }

    @Option(
        help: ArgumentHelp(
            "Utiliser directement ce fichier de périmètres (GeoJSON, GeoPackage, Shapefile) au lieu des paquets installés.", valueName: "fichier"))
    var perimeters: String?

    @Option(help: ArgumentHelp("Avec --perimeters : système de coordonnées du fichier s'il ne le déclare pas (EPSG:2154…).", valueName: "crs"))
    var crs: String?

    @Option(help: ArgumentHelp("Avec --perimeters : liste du fichier (2015, 2024, 2025) si les codes ne suffisent pas.", valueName: "millésime"))
    var vintage: String?

    @Option(
        help: ArgumentHelp(
            "Date à laquelle la question est posée, AAAA-MM-JJ (défaut : aujourd'hui). Choisit les listes en vigueur.", valueName: "date"))
    var date: String?

    @Flag(help: "Ajouter le jeu de démonstration fictif (utilisé d'office quand rien n'est installé).")
    var demo = false

    @Option(
        help: ArgumentHelp(
            "Répondre avec la publication de cette date d'une liste (paquet gardé par qpv data import --keep-previous) au lieu de la publication installée.",
            valueName: "AAAA-MM-JJ"))
    var release: String?

    @Option(
        name: .customLong("boundary-tolerance"),
        help: "Distance (m) à une limite de quartier en deçà de laquelle la réponse est « boundary » (à vérifier).")
    var boundaryToleranceArgument: NumberArgument = 20
    var boundaryTolerance: Double { boundaryToleranceArgument.value }

    var dataDirectory: DataDirectory { DataDirectory.resolve(explicit: dataDir) }

    func civilDate() throws -> CivilDate {
        guard let date else { return CivilDate.today() }
        guard let d = CivilDate(date) else { throw ValidationError("date « \(date) » invalide : format attendu AAAA-MM-JJ (par exemple 2024-01-01)") }
        return d
    }

    func validateTolerance() throws {
        if !(boundaryTolerance >= 0) || !boundaryTolerance.isFinite {
            throw ValidationError("--boundary-tolerance doit être un nombre positif de mètres")
        }
    }

    /// Opens the perimeters and says on standard error when the demonstration pack answers.
    func openCatalogAnnounced() throws -> PerimeterCatalog {
        let catalog = try openCatalog()
        if catalog.includesDemo && perimeters == nil && !demo {
            printError(
                "Aucun périmètre officiel installé : jeu de DÉMONSTRATION fictif utilisé (Quartville-sur-Démo, codes QX…). Installer une liste : qpv data import FICHIER"
            )
        }
        return catalog
    }

    func openCatalog() throws -> PerimeterCatalog {
        var options = ImportOptions()
        if let crs {
            guard let parsed = CRS(string: crs) else {
                throw ValidationError("système de coordonnées « \(crs) » non reconnu (exemples : EPSG:2154, EPSG:4326)")
            }
            options.crs = parsed
        }
        options.vintage = vintage
        var releaseDate: CivilDate?
        if let release {
            guard let d = CivilDate(release) else { throw ValidationError("--release « \(release) » : date AAAA-MM-JJ attendue") }
            releaseDate = d
        }
        return try PerimeterCatalog.open(dataDirectory: dataDirectory, perimetersFile: perimeters, options: options, demo: demo, release: releaseDate)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// JSON for the terminal: pretty, stable key order, no escaped slashes.
func jsonString<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
