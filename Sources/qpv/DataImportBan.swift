// `qpv data import-ban`: compiles BAN files (and La Poste's postcode table) with `AddressPackBuilder`.

import ArgumentParser
import Foundation
import QPVCore
import QPVGeocoding
import QPVTabular

struct DataImportBan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-ban",
        abstract: "Compiler la Base Adresse Nationale (adresses-XX.csv ou .csv.gz) en base d'adresses hors ligne.",
        discussion: """
            Lit un ou plusieurs fichiers BAN au format officiel (séparateur point-virgule, colonnes id, numero, rep, \
            nom_voie, code_postal, code_insee, nom_commune, lon, lat…), compressés ou non, et, avec --postcodes, la table \
            des codes postaux de La Poste (toutes les communes, même sans adresse). Les lignes invalides sont comptées et \
            signalées (fichier, ligne, champ) sans arrêter l'import, sauf au-delà de --max-rejected (5 % par défaut) : le \
            fichier est alors refusé. Un .gz tronqué ou dont la somme CRC ne correspond pas est refusé. La nouvelle base \
            remplace la précédente dans <data-dir>/addresses seulement une fois complète (fichier temporaire puis renommage).
            """)

    @Argument(help: "Fichiers BAN adresses-XX.csv[.gz].")
    var files: [String] = []

    @Option(help: "Table des codes postaux de La Poste (code_commune_insee, nom_de_la_commune, code_postal…).")
    var postcodes: String?

    @OptionGroup var dataDirOption: DataDirOption
    var dataDir: String? { dataDirOption.dataDir }

    @Option(help: "Écrire la base dans ce fichier plutôt que dans le dossier des données.")
    var output: String?

    @Option(
        name: .customLong("max-rejected"),
        help: ArgumentHelp(
            "Part maximale de lignes rejetées par fichier BAN, en % (au-delà, le fichier est refusé et la base installée reste).",
            valueName: "pourcentage"))
    var maxRejected: Double = 5

    func validate() throws {
        if files.isEmpty && postcodes == nil {
            throw ValidationError("indiquez au moins un fichier BAN (ou --postcodes)")
        }
        guard (0...100).contains(maxRejected) else { throw ValidationError("--max-rejected : pourcentage entre 0 et 100 attendu") }
    }

    func run() async throws {
        let directory = DataDirectory.resolve(explicit: dataDir)
        let target = output.map { URL(fileURLWithPath: $0) } ?? Geocoder.packURL(in: directory)
        let builder = AddressPackBuilder()
        builder.maxRejectedFraction = maxRejected / 100
        let start = Date()
        for file in files {
            let line = ProgressLine(label: "import \(URL(fileURLWithPath: file).lastPathComponent)")
            try builder.addBAN(path: file) { rows, fraction in line.update(rows: rows, fraction: fraction) }
            line.finish()
        }
        if let postcodes { try builder.addPostcodes(path: postcodes) }
        let info = try builder.write(to: target)
        let seconds = Date().timeIntervalSince(start)
        let size = ((try? FileManager.default.attributesOfItem(atPath: target.path)[.size]) as? Int) ?? 0
        print("Base d'adresses écrite : \(target.path) (\(FrenchFormat.decimal(Double(size) / 1_048_576, digits: 1)) Mio)")
        print(
            "  \(FrenchFormat.integer(info.addresses)) adresses, \(FrenchFormat.integer(info.streets)) voies, \(FrenchFormat.integer(info.communes)) communes, en \(FrenchFormat.decimal(seconds, digits: 1)) s"
        )
        for s in info.sources {
            print(
                "  \(s.file) : \(FrenchFormat.integer(s.rows)) lignes, \(FrenchFormat.integer(s.imported)) importées, \(FrenchFormat.integer(s.rejected)) rejetées"
            )
        }
        if builder.rejectedRows > 0 {
            let stderr = FileHandle.standardError
            stderr.write(Data("\(FrenchFormat.integer(builder.rejectedRows)) ligne(s) rejetée(s) :\n".utf8))
            for issue in builder.issues.prefix(20) { stderr.write(Data("  \(issue)\n".utf8)) }
            if builder.rejectedRows > 20 { stderr.write(Data("  …\n".utf8)) }
        }
    }
}
