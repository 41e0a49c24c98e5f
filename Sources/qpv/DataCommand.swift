// `qpv data` and its subcommands `import` (perimeter files), `list`, `import-communes` and `remove`; ZIP
// archives and releases are in DataImportArchive.swift, the BAN in DataImportBan.swift.

import ArgumentParser
import Foundation
import QPVCore
import QPVEligibility
import QPVGeocoding
import QPVGeometry
import QPVPerimeters

struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Installer et lister les données : périmètres (QPV, QIC) et adresses (BAN).",
        subcommands: [DataImport.self, DataImportBan.self, DataImportCommunes.self, DataImportRules.self, DataList.self, DataRemove.self]
    )
}

struct DataImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Compiler un fichier de périmètres officiel (GeoJSON, GeoPackage, Shapefile) en paquet installé.",
        discussion: """
            Exemples :
              qpv data import QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson
              qpv data import qpv-2024-shp.zip --release-date 2026-01-15 --coverage national   (archive ZIP telle que publiée : tous ses fichiers de périmètres)
              qpv data import qpv-2024-shp.zip --member QP2024_Guyane_RGF95_UTM22N --coverage national
              qpv data import qic-carreaux.csv --kind qic --epci 200072460 --vintage 2024 --valid-from 2024-01-01   (colonnes code_qic,nom_qic,idcar_200m)
              qpv data import QP_METROPOLE_LB93.shp --vintage 2015 --coverage national
              qpv data import qpv-2015-occitanie.geojson --coverage 09,11,12,30,31,32,34,46,48,65,66,81,82

            Couverture (--coverage) : national si le fichier est la liste officielle complète de son territoire ;
            sinon la liste des départements dont le fichier contient TOUS les quartiers (none : aucun). Sans
            --coverage, les départements présents dans le fichier sont supposés complets (avertissement). Hors de
            la couverture, un point hors de tout quartier répond not_covered (jamais « hors QPV »).
              qpv data import qic.geojson --kind qic --epci 200072460 --vintage 2024 --valid-from 2024-01-01 \\
                  --code-column code_qic --name-column nom_qic --legal-basis "délibération du 12 mars 2024"
            """)

    @Argument(help: "Fichier de périmètres, ou archive ZIP qui en contient.") var file: String
    @Option(help: "qpv (liste de l'État) ou qic (quartiers d'intérêt communautaire).") var kind: String = "qpv"
    @Option(help: "Millésime : 2015, 2024, 2025 (déduit des codes QP…/QN… s'il est omis).") var vintage: String?
    @OptionGroup var dataDirOption: DataDirOption
    var dataDir: String? { dataDirOption.dataDir }
    @Option(help: "Système de coordonnées si le fichier ne le déclare pas (EPSG:2154…).") var crs: String?
    @Option(help: "Couche d'un GeoPackage.") var layer: String?
    @Option(name: .customLong("code-column"), help: "Attribut portant le code du quartier.") var codeColumn: String?
    @Option(name: .customLong("name-column"), help: "Attribut portant le nom du quartier.") var nameColumn: String?
    @Option(help: "QIC : SIREN de l'EPCI.") var epci: String?
    @Option(name: .customLong("epci-name"), help: "QIC : nom de l'EPCI.") var epciName: String?
    @Option(name: .customLong("valid-from"), help: "Début de validité AAAA-MM-JJ (défaut : celui de la liste officielle).") var validFrom: String?
    @Option(name: .customLong("valid-to"), help: "Fin de validité AAAA-MM-JJ.") var validTo: String?
    @Option(name: .customLong("legal-basis"), help: "QIC : délibération qui les définit.") var legalBasis: String?
    @Option(help: ArgumentHelp("QPV : ce que couvre le fichier : national, none, ou des départements (59,62,2A,971).", valueName: "couverture"))
    var coverage: String?
    @Flag(name: .customLong("allow-overlap"), help: "Installer même si les dates chevauchent un paquet de même nature et territoire.")
    var allowOverlap = false
    // New releases of a list and ZIP archives (DataImportArchive.swift).
    @Option(help: "Archive ZIP : n'importer que ce membre (chemin dans l'archive ou nom de fichier, avec ou sans extension).") var member: String?
    @Option(
        name: .customLong("release-date"),
        help: "Date de publication de cette version de la liste, AAAA-MM-JJ (défaut : date des fichiers dans l'archive).")
    var releaseDate: String?
    @Option(name: .customLong("release-origin"), help: "D'où vient la date de publication (texte libre, ex. « data.gouv.fr »).") var releaseOrigin:
        String?
    @Flag(name: .customLong("keep-previous"), help: "Garder pour audit le paquet de la publication remplacée (interrogeable avec --release DATE).")
    var keepPrevious = false
    @Option(name: .customLong("move-tolerance"), help: "Mètres au-delà desquels un contour est dit déplacé entre deux publications.")
    var moveTolerance: Double = 1

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
        options.coverage = coverage
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

        try applyReleaseOptions(&options)

        let started = Date()
        let registry = try Registry.shipped()
        if try isArchive() {
            try importArchive(options: options, registry: registry, started: started)
            return
        }
        if member != nil { throw ValidationError("--member ne s'emploie qu'avec une archive ZIP") }
        let source = try PerimeterFileReader.read(
            path: file, crs: options.crs, layer: layer, codeColumn: codeColumn, nameColumn: nameColumn, context: try GeosContext())
        let compiled = try PackCompiler(registry: registry).compile(source, options: options)
        let store = PackStore(dataDirectory: DataDirectory.resolve(explicit: dataDir))
        let installed = try installRelease([compiled], store: store, registry: registry).single
        let m = compiled.manifest
        print("Paquet installé : \(m.packId)")
        print("  fichier : \(m.source.fileName) (\(FrenchFormat.integer(m.source.byteCount)) octets, sha256 \(m.source.sha256))")
        print("  \(m.source.featureCount) entités → \(m.perimeters.count) périmètres (\(m.source.format), EPSG:\(m.source.crs))")
        print("  \(m.source.releaseFrench)" + (m.source.releaseOrigin.map { " (\($0))" } ?? ""))
        for s in m.sets {
            print("  \(s.label) : \(s.perimeterCount) périmètres, \(s.periodFrench)")
            print("    base légale : \(s.legalBasis)")
            if let c = s.departementCoverage { print("    couverture : \(c.french)") }
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
        commandName: "list",
        abstract: "Lister tout ce qui est installé : paquets de périmètres, base d'adresses (BAN), communes, programmes (règles).",
        discussion:
            "Chaque entrée a un identifiant (pack_id) à donner à qpv data remove ; sa nature est dans « data » (perimeters, addresses, communes, rules)."
    )

    @OptionGroup var dataDirOption: DataDirOption
    var dataDir: String? { dataDirOption.dataDir }
    @Option(help: "Format.") var format: OutputFormat = .text

    /// One installed item other than a perimeter pack (`PerimeterPackSummary`); `data` says its nature
    /// (addresses, communes, rules).
    struct Entry: Encodable {
        var packId: String
        var data: String
        var kind: String?
        var sourceFile: String?
        var sha256: String?
        var importedAt: String
        var sources: [ImportedSource]?
        var addresses: Int?
        var streets: Int?
        var communes: Int?
        var path: String
        var previous: Bool

        enum CodingKeys: String, CodingKey {
            case packId = "pack_id"
            case data, kind
            case sourceFile = "source_file"
            case sha256
            case importedAt = "imported_at"
            case sources, addresses, streets, communes, path, previous
        }
    }

    /// An element of the JSON list: a perimeter pack or another installed item.
    enum Item: Encodable {
        case pack(PerimeterPackSummary)
        case other(Entry)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .pack(let p): try p.encode(to: encoder)
            case .other(let e): try e.encode(to: encoder)
            }
        }
    }

    /// The identifier of the address base in `qpv data list` / `qpv data remove`.
    static let addressesId = "adresses"

    func run() async throws {
        let dir = DataDirectory.resolve(explicit: dataDir)
        let store = PackStore(dataDirectory: dir)
        let packs = try store.openAll()
        let kept = try store.previousPackPaths().map { try PerimeterPack(path: $0) }
        let perimeterPacks = (packs.map { ($0, false) } + kept.map { ($0, true) }).map { p, previous in
            PerimeterPackSummary(p, previous: previous, shape: .dataList)
        }
        var entries: [Entry] = []
        let banURL = Geocoder.packURL(in: dir)
        var addressProblem: String?
        if FileManager.default.fileExists(atPath: banURL.path) {
            do {
                let info = try Geocoder(dataDirectory: dir).info
                entries.append(
                    Entry(
                        packId: Self.addressesId, data: "addresses", importedAt: info.importedAt, sources: info.sources, addresses: info.addresses,
                        streets: info.streets, communes: info.communes, path: banURL.path, previous: false))
            } catch {
                addressProblem = "\(error)"
            }
        }
        let areas = try AdminAreas.openAll(dir)
        for a in areas {
            entries.append(
                Entry(
                    packId: a.manifest.id, data: "communes", sourceFile: a.manifest.source.fileName, sha256: a.manifest.source.sha256,
                    importedAt: a.manifest.importedAt, communes: a.manifest.communeCount, path: a.path, previous: false))
        }
        // Rule files installed with qpv data import-rules (identifier "rules:ID").
        let rules = try InstalledRules.all(dir)
        for b in rules {
            entries.append(
                Entry(
                    packId: "rules:\(b.programme)", data: "rules", kind: b.programme, importedAt: b.updated,
                    path: InstalledRules.directory(dir).appendingPathComponent("\(b.programme).json").path, previous: false))
        }
        if format == .json {
            print(try jsonString(perimeterPacks.map(Item.pack) + entries.map(Item.other)))
            return
        }
        if perimeterPacks.isEmpty {
            print("Aucun paquet de périmètres installé dans \(dir.perimetersURL.path).")
            print("Sans données installées, qpv répond sur le jeu de démonstration fictif. Installer une liste : qpv data import FICHIER")
        } else {
            print("Paquets de périmètres installés dans \(dir.perimetersURL.path) :")
        }
        for (k, e) in perimeterPacks.enumerated() {
            if e.previous && (k == 0 || !perimeterPacks[k - 1].previous) {
                print("Publications précédentes gardées (--keep-previous ; interrogeables avec --release AAAA-MM-JJ) :")
            }
            let (perimeters, source, sha, sets, repaired) = (e.perimeterCount, e.source.fileName, e.source.sha256, e.sets, e.repairedFeatureCount)
            print(
                "• \(e.packId) — \(FrenchFormat.integer(perimeters)) périmètres — \(source) (sha256 \(sha.prefix(12))…) — importé le \(e.importedAt)"
            )
            let release = e.source.releaseDate.map { "publication du \($0.french)" } ?? "date de publication inconnue"
            print(
                "    \(release)" + (e.source.releaseOrigin.map { " (\($0))" } ?? "")
                    + (e.source.archive.map { " — archive \($0)" + (e.source.member.map { " → \($0)" } ?? "") } ?? ""))
            for s in sets {
                print(
                    "    \(s.label) : \(s.perimeterCount) périmètres, \(s.periodFrench)"
                        + (s.uncertain != nil ? " — à vérifier : \(s.uncertain!)" : ""))
                if let c = s.departementCoverage { print("      couverture : \(c.french)") }
                if s.kind == .qpv && s.departementCoverage == nil && !s.isDemo {
                    print("      couverture : non enregistrée (paquet ancien) : départements présents supposés complets ; réimportez avec --coverage")
                }
                if s.kind == .qic && s.validFrom == nil {
                    print("      dates de validité non renseignées : jeu jamais utilisé ; réimportez avec --valid-from")
                }
            }
            if repaired > 0 { print("    \(repaired) polygone(s) réparé(s) à l'import") }
        }
        if let a = entries.first(where: { $0.data == "addresses" }) {
            print(
                "Base d'adresses installée (identifiant « \(a.packId) ») : \(FrenchFormat.integer(a.addresses ?? 0)) adresses, "
                    + "\(FrenchFormat.integer(a.streets ?? 0)) voies, \(FrenchFormat.integer(a.communes ?? 0)) communes — importée le \(a.importedAt) — \(a.path), à partir de :"
            )
            for s in a.sources ?? [] {
                print(
                    "    \(s.file) (\(s.kind), \(FrenchFormat.integer(s.bytes)) octets, sha256 \(s.sha256.prefix(12))…) : \(FrenchFormat.integer(s.rows)) lignes, "
                        + "\(FrenchFormat.integer(s.imported)) importées, \(FrenchFormat.integer(s.rejected)) rejetées")
            }
        } else if let addressProblem {
            print("Base d'adresses : \(banURL.path) — inutilisable : \(addressProblem)")
        } else {
            print(
                "Aucune base d'adresses installée : géocodage sur les adresses de démonstration. Installer la BAN : qpv data import-ban adresses-XX.csv.gz"
            )
        }
        for a in areas {
            let deps = a.manifest.zones.filter { $0.kind == .departement }.map(\.code)
            let epcis = a.manifest.zones.filter { $0.kind == .epci }.map { "\($0.name) (\($0.code), \($0.members.count) communes)" }
            print(
                "Communes installées (identifiant « \(a.manifest.id) ») : \(FrenchFormat.integer(a.manifest.communeCount)) communes — \(a.manifest.source.fileName) — départements \(deps.joined(separator: ", "))"
                    + (epcis.isEmpty ? "" : " — intercommunalités : \(epcis.joined(separator: ", "))"))
        }
        for b in rules {
            print(
                "Programme installé (identifiant « rules:\(b.programme) ») : \(b.label) — \(b.criteria.count) critères — mis à jour le \(b.updated)")
        }
    }
}

struct DataImportCommunes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-communes",
        abstract: "Installer des contours de communes (IGN ADMIN EXPRESS : GeoJSON, GeoPackage, Shapefile).",
        discussion: """
            Ils placent un point dans son département (listes de QPV partielles) et dans son EPCI (portée des QIC).
            Attributs lus : code INSEE (code, insee_com…), département (insee_dep, sinon déduit du code), EPCI
            (siren_epci). --epci SIREN déclare que le fichier contient TOUTES les communes de cet EPCI.
            À moins de 200 m d'une limite (contours simplifiés), la place d'un point reste incertaine.
              qpv data import-communes COMMUNE.shp
              qpv data import-communes communes-cabbalr.geojson --epci 200072460 --epci-name "CA de Béthune-Bruay"
            """)

    @Argument(help: "Fichier de communes.") var file: String
    @OptionGroup var dataDirOption: DataDirOption
    var dataDir: String? { dataDirOption.dataDir }
    @Option(help: "Système de coordonnées si le fichier ne le déclare pas (EPSG:2154…).") var crs: String?
    @Option(help: "Couche d'un GeoPackage.") var layer: String?
    @Option(help: "SIREN de l'EPCI dont le fichier contient toutes les communes.") var epci: String?
    @Option(name: .customLong("epci-name"), help: "Nom de cet EPCI.") var epciName: String?

    func run() async throws {
        var c: CRS?
        if let crs {
            guard let parsed = CRS(string: crs) else { throw ValidationError("système de coordonnées « \(crs) » non reconnu") }
            c = parsed
        }
        let compiled = try AdminAreas.compile(path: file, crs: c, layer: layer, epciSiren: epci, epciName: epciName)
        let path = try AdminAreas.install(compiled, dataDirectory: DataDirectory.resolve(explicit: dataDir))
        let m = compiled.manifest
        print("Communes installées : \(m.id) — \(m.communeCount) communes (\(m.source.fileName), sha256 \(m.source.sha256))")
        for z in m.zones { print("  \(z.kind == .departement ? "département" : "EPCI") \(z.code) : \(z.members.count) communes") }
        for w in m.warnings { printError("Attention : \(w)") }
        print("  → \(path)")
    }
}

struct DataRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Supprimer un paquet installé, des communes, un programme (« rules:ID ») ou la base d'adresses (« adresses ») : voir qpv data list."
    )
    @Argument(help: "Identifiant du paquet.") var packId: String
    @OptionGroup var dataDirOption: DataDirOption
    var dataDir: String? { dataDirOption.dataDir }

    func run() async throws {
        if packId == DataList.addressesId {
            let url = Geocoder.packURL(in: DataDirectory.resolve(explicit: dataDir))
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ValidationError("aucune base d'adresses installée (voir qpv data list)")
            }
            try FileManager.default.removeItem(at: url)
            print("Base d'adresses supprimée (\(url.path)).")
            return
        }
        let dir = DataDirectory.resolve(explicit: dataDir)
        if packId.hasPrefix("rules:") {
            let url = InstalledRules.directory(dir).appendingPathComponent("\(packId.dropFirst(6)).json")
            guard !packId.contains("/"), FileManager.default.fileExists(atPath: url.path) else {
                throw ValidationError("aucun programme « \(packId) » installé (voir qpv data list)")
            }
            try FileManager.default.removeItem(at: url)
            print("Programme \(packId.dropFirst(6)) supprimé (\(url.path)).")
            return
        }
        if let path = try AdminAreas.remove(id: packId, dataDirectory: dir) {
            print("Communes \(packId) supprimées (\(path)).")
            return
        }
        guard try PackStore(dataDirectory: dir).remove(packId: packId) else {
            throw ValidationError("aucun paquet « \(packId) » installé (voir qpv data list)")
        }
        print("Paquet \(packId) supprimé.")
    }
}
