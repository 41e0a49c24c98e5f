import ArgumentParser
import Foundation
import QPVCore
import QPVGeocoding
import QPVGeometry
import QPVPerimeters

struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Installer et lister les données : périmètres (QPV, QIC) et adresses (BAN).",
        subcommands: [DataImport.self, DataImportBan.self, DataList.self, DataRemove.self]
    )
}

struct DataImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Compiler un fichier de périmètres officiel (GeoJSON, GeoPackage, Shapefile) en paquet installé.",
        discussion: """
            Exemples :
              qpv data import QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson
              qpv data import qic-carreaux.csv --kind qic --epci 200072460 --vintage 2024   (colonnes code_qic,nom_qic,idcar_200m)
              qpv data import QP_METROPOLE_LB93.shp --vintage 2015
              qpv data import qic.geojson --kind qic --epci 200072460 --vintage 2024 --valid-from 2024-01-01 \\
                  --code-column code_qic --name-column nom_qic --legal-basis "délibération du 12 mars 2024"
            """)

    @Argument(help: "Fichier de périmètres.") var file: String
    @Option(help: "qpv (liste de l'État) ou qic (quartiers d'intérêt communautaire).") var kind: String = "qpv"
    @Option(help: "Millésime : 2015, 2024, 2025 (déduit des codes QP…/QN… s'il est omis).") var vintage: String?
    @Option(name: .customLong("data-dir"), help: "Dossier des données (défaut : $QPV_DATA_DIR, sinon ~/.local/share/qpv).") var dataDir: String?
    @Option(help: "Système de coordonnées si le fichier ne le déclare pas (EPSG:2154…).") var crs: String?
    @Option(help: "Couche d'un GeoPackage.") var layer: String?
    @Option(name: .customLong("code-column"), help: "Attribut portant le code du quartier.") var codeColumn: String?
    @Option(name: .customLong("name-column"), help: "Attribut portant le nom du quartier.") var nameColumn: String?
    @Option(help: "QIC : SIREN de l'EPCI.") var epci: String?
    @Option(name: .customLong("epci-name"), help: "QIC : nom de l'EPCI.") var epciName: String?
    @Option(name: .customLong("valid-from"), help: "Début de validité AAAA-MM-JJ (défaut : celui de la liste officielle).") var validFrom: String?
    @Option(name: .customLong("valid-to"), help: "Fin de validité AAAA-MM-JJ.") var validTo: String?
    @Option(name: .customLong("legal-basis"), help: "QIC : délibération qui les définit.") var legalBasis: String?
    @Flag(name: .customLong("allow-overlap"), help: "Installer même si les dates chevauchent un paquet de même nature et territoire.") var allowOverlap = false

    func run() async throws {
        var options = ImportOptions()
        guard let k = PerimeterKind(rawValue: kind.lowercased()) else { throw ValidationError("--kind « \(kind) » : qpv ou qic attendu") }
        options.kind = k
        options.vintage = vintage
        options.layer = layer
        options.codeColumn = codeColumn
        options.nameColumn = nameColumn
        options.epciSiren = epci
        options.epciName = epciName
        options.legalBasis = legalBasis
        if let crs {
            guard let c = CRS(string: crs) else { throw ValidationError("système de coordonnées « \(crs) » non reconnu") }
            options.crs = c
        }
        for (name, value) in [("--valid-from", validFrom), ("--valid-to", validTo)] {
            if let value, CivilDate(value) == nil { throw ValidationError("\(name) « \(value) » : date AAAA-MM-JJ attendue") }
        }
        options.validFrom = validFrom.flatMap(CivilDate.init)
        options.validTo = validTo.flatMap(CivilDate.init)
        if let f = options.validFrom, let t = options.validTo, t < f { throw ValidationError("--valid-to est antérieure à --valid-from") }

        let started = Date()
        let registry = try Registry.shipped()
        let source = try PerimeterFileReader.read(
            path: file, crs: options.crs, layer: layer, codeColumn: codeColumn, nameColumn: nameColumn, context: try GeosContext())
        let compiled = try PackCompiler(registry: registry).compile(source, options: options)
        let store = PackStore(dataDirectory: DataDirectory.resolve(explicit: dataDir))
        let installed = try store.install(compiled, allowOverlap: allowOverlap)
        let m = compiled.manifest
        print("Paquet installé : \(m.packId)")
        print("  fichier : \(m.source.fileName) (\(FrenchFormat.integer(m.source.byteCount)) octets, sha256 \(m.source.sha256))")
        print("  \(m.source.featureCount) entités → \(m.perimeters.count) périmètres (\(m.source.format), EPSG:\(m.source.crs))")
        for s in m.sets {
            print("  \(s.label) : \(s.perimeterCount) périmètres, \(s.periodFrench)")
            print("    base légale : \(s.legalBasis)")
        }
        if m.repairedFeatureCount > 0 { print("  réparations : \(m.repairedFeatureCount) polygone(s) invalide(s) réparé(s)") }
        for w in m.warnings { printError("Attention : \(w)") }
        for r in installed.replaced { print("  remplace le paquet \(r)") }
        for w in installed.overlapWarnings { printError("Attention, chevauchement accepté : \(w)") }
        print("  → \(installed.path) (\(FrenchFormat.decimal(Date().timeIntervalSince(started), digits: 2)) s)")
    }
}

struct DataList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Lister tout ce qui est installé : paquets de périmètres, base d'adresses (BAN).",
        discussion: "Chaque entrée a un identifiant (pack_id) à donner à qpv data remove ; sa nature est dans « data » (perimeters, addresses).")

    @Option(name: .customLong("data-dir"), help: "Dossier des données.") var dataDir: String?
    @Option(help: "Format.") var format: OutputFormat = .text

    /// One installed item; `data` says its nature (perimeters, addresses; other kinds can be added).
    struct Entry: Encodable {
        var pack_id: String
        var data = "perimeters"
        var kind: String?
        var vintage: String?
        var source_file: String?
        var sha256: String?
        var imported_at: String
        var perimeters: Int?
        var repaired: Int?
        var sets: [PerimeterSetInfo]?
        var sources: [ImportedSource]?
        var addresses: Int?
        var streets: Int?
        var communes: Int?
        var path: String
    }

    /// The identifier of the address base in `qpv data list` / `qpv data remove`.
    static let addressesId = "adresses"

    func run() async throws {
        let dir = DataDirectory.resolve(explicit: dataDir)
        let packs = try PackStore(dataDirectory: dir).openAll()
        var entries = packs.map {
            Entry(
                pack_id: $0.manifest.packId, kind: $0.manifest.kind.rawValue, vintage: $0.manifest.vintage, source_file: $0.manifest.source.fileName,
                sha256: $0.manifest.source.sha256, imported_at: $0.manifest.importedAt, perimeters: $0.manifest.perimeters.count,
                repaired: $0.manifest.repairedFeatureCount, sets: $0.manifest.sets, path: $0.path)
        }
        let banURL = Geocoder.packURL(in: dir)
        if FileManager.default.fileExists(atPath: banURL.path) {
            let info = try Geocoder(dataDirectory: dir).info
            entries.append(
                Entry(pack_id: Self.addressesId, data: "addresses", imported_at: info.importedAt, sources: info.sources, addresses: info.addresses,
                      streets: info.streets, communes: info.communes, path: banURL.path))
        }
        if format == .json {
            print(try jsonString(entries))
            return
        }
        let perimeterEntries = entries.filter { $0.data == "perimeters" }
        if perimeterEntries.isEmpty {
            print("Aucun paquet de périmètres installé dans \(dir.perimetersURL.path).")
            print("Sans données installées, qpv répond sur le jeu de démonstration fictif. Installer une liste : qpv data import FICHIER")
        } else {
            print("Paquets de périmètres installés dans \(dir.perimetersURL.path) :")
        }
        for e in perimeterEntries {
            let (perimeters, source, sha, sets, repaired) = (e.perimeters ?? 0, e.source_file ?? "", e.sha256 ?? "", e.sets ?? [], e.repaired ?? 0)
            print("• \(e.pack_id) — \(FrenchFormat.integer(perimeters)) périmètres — \(source) (sha256 \(sha.prefix(12))…) — importé le \(e.imported_at)")
            for s in sets {
                print("    \(s.label) : \(s.perimeterCount) périmètres, \(s.periodFrench)" + (s.uncertain != nil ? " — à vérifier : \(s.uncertain!)" : ""))
            }
            if repaired > 0 { print("    \(repaired) polygone(s) réparé(s) à l'import") }
        }
        if let a = entries.first(where: { $0.data == "addresses" }) {
            print("Base d'adresses installée (identifiant « \(a.pack_id) ») : \(FrenchFormat.integer(a.addresses ?? 0)) adresses, "
                + "\(FrenchFormat.integer(a.streets ?? 0)) voies, \(FrenchFormat.integer(a.communes ?? 0)) communes — importée le \(a.imported_at) — \(a.path)")
            for s in a.sources ?? [] {
                print("    \(s.file) (\(s.kind), sha256 \(s.sha256.prefix(12))…) : \(FrenchFormat.integer(s.imported)) lignes importées, \(FrenchFormat.integer(s.rejected)) rejetées")
            }
        } else {
            print("Aucune base d'adresses installée : géocodage sur les adresses de démonstration. Installer la BAN : qpv data import-ban adresses-XX.csv.gz")
        }
    }
}

struct DataRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Supprimer un paquet installé, ou la base d'adresses (« adresses ») : voir qpv data list.")
    @Argument(help: "Identifiant du paquet.") var packId: String
    @Option(name: .customLong("data-dir"), help: "Dossier des données.") var dataDir: String?

    func run() async throws {
        if packId == DataList.addressesId {
            let url = Geocoder.packURL(in: DataDirectory.resolve(explicit: dataDir))
            guard FileManager.default.fileExists(atPath: url.path) else { throw ValidationError("aucune base d'adresses installée (voir qpv data list)") }
            try FileManager.default.removeItem(at: url)
            print("Base d'adresses supprimée (\(url.path)).")
            return
        }
        guard try PackStore(dataDirectory: DataDirectory.resolve(explicit: dataDir)).remove(packId: packId) else {
            throw ValidationError("aucun paquet « \(packId) » installé (voir qpv data list)")
        }
        print("Paquet \(packId) supprimé.")
    }
}
