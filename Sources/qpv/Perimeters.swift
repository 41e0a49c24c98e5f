// `qpv perimeters list | show | diff`: options and printing over `PerimeterExplorer` and the territory
// registries.

import ArgumentParser
import Foundation
import QPVCore
import QPVPerimeters
import QPVTabular

struct Perimeters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perimeters",
        abstract: "Explorer les périmètres installés : lister, montrer un quartier, comparer deux listes.",
        subcommands: [PerimetersList.self, PerimetersShow.self, PerimetersDiff.self])
}

struct PerimetersList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Lister les QPV et QIC (en vigueur à --date si elle est donnée).")

    @OptionGroup var perimeterOptions: PerimeterOptions
    @Option(help: "Seulement les périmètres qui touchent cette commune (code INSEE).") var commune: String?
    @Option(help: "Seulement les périmètres de cet EPCI (SIREN).") var epci: String?
    @Option(help: "qpv ou qic.") var kind: String?
    @Option(help: "Format : text, json ou csv.") var format: String = "text"

    func run() async throws {
        let catalog = try perimeterOptions.openCatalogAnnounced()
        let date = try perimeterOptions.date.map { _ in try perimeterOptions.civilDate() }
        let k: PerimeterKind?
        if let kind {
            guard let parsed = PerimeterKind(rawValue: kind.lowercased()) else { throw ValidationError("--kind « \(kind) » : qpv ou qic attendu") }
            k = parsed
        } else {
            k = nil
        }
        let items = PerimeterExplorer(catalog: catalog).list(on: date, commune: commune, epci: epci, kind: k)
        switch format {
        case "json":
            print(try jsonString(items))
        case "csv":
            // Through the CSV writer: a name holding a separator, quotes or a line break stays one field.
            let writer = try CSVWriter(path: "-", dialect: CSVDialect())
            try writer.writeRow(["code", "name", "kind", "vintage", "territory", "valid_from", "valid_to", "communes", "area_m2", "demo"])
            for p in items {
                let communes = p.communes.map(\.insee).joined(separator: ";")
                try writer.writeRow([
                    p.code, p.name, p.kind, p.vintage, p.territory, p.validFrom ?? "", p.validTo ?? "", communes,
                    LocateResult.twoDecimals(p.areaM2), p.demo ? "true" : "false",
                ])
            }
            try writer.close()
        default:
            // The territory registries of that EPCI: their facts, even without any geometry installed.
            let registries = epci.map { siren in ((try? TerritoryRegistry.shipped()) ?? []).filter { $0.epci.siren == siren } } ?? []
            defer {
                for r in registries {
                    print("")
                    for line in r.overview() { print(line) }
                }
            }
            guard !items.isEmpty else {
                print(
                    "Aucun périmètre installé ne correspond" + (date.map { " au \($0.french)" } ?? "") + "."
                        + (registries.isEmpty ? "" : " Faits des registres du territoire :"))
                return
            }
            for p in items {
                let communes = p.communes.map { $0.name.isEmpty ? $0.insee : "\($0.name) (\($0.insee))" }.joined(separator: ", ")
                print(
                    "\(p.code)  \(p.name) — \(p.kind.uppercased()) \(p.vintage) — \(FrenchFormat.decimal(p.areaM2 / 10_000, digits: 1)) ha — \(communes)\(p.demo ? " — DÉMO" : "")"
                )
            }
            print("\(items.count) périmètre(s)" + (date.map { " en vigueur le \($0.french)" } ?? ""))
        }
    }
}

struct PerimetersShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Montrer un quartier : attributs, communes, surface, sommets, réparations, source.")

    @OptionGroup var perimeterOptions: PerimeterOptions
    @Argument(help: "Code du quartier (QP…, QN…, code de QIC).") var code: String
    @Option(help: "Format : text, json ou geojson (la géométrie, en WGS84).") var format: String = "text"

    func run() async throws {
        let catalog = try perimeterOptions.openCatalogAnnounced()
        let explorer = PerimeterExplorer(catalog: catalog)
        let found = explorer.find(code: code)
        guard !found.isEmpty else {
            // Known to a territory registry (GeoData/registry/territories): its facts, without geometry.
            let facts = ((try? TerritoryRegistry.shipped()) ?? []).flatMap { $0.describe(code: code) }
            for line in facts { print(line) }
            var message = "Le quartier \(code) n'est dans aucun paquet installé"
            if let list = catalog.registry.list(forCode: code) {
                message +=
                    " : c'est un code de la \(list.label) (\(list.legalBasis)). Géométrie non installée ; pour l'installer, \(list.installHint)"
            } else {
                message +=
                    " : géométrie non installée ; pour un QIC, importez ses contours avec qpv data import FICHIER --kind qic --epci SIREN (polygones, ou liste de carreaux INSEE code_qic,nom_qic,idcar_200m)"
            }
            printError(message + ".")
            throw ExitCode(1)
        }
        switch format {
        case "geojson":
            let locator = try Locator(catalog: catalog)
            let features = try found.map { try explorer.geoJSONFeature($0, locator: locator) }
            print(#"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}")
        case "json":
            print(try jsonString(found.map { explorer.summary($0) }))
        default:
            for i in found {
                let p = explorer.summary(i)
                print("\(p.code) — \(p.name)\(p.demo ? " [DÉMONSTRATION, fictif]" : "")")
                print(
                    "  \(p.listLabel) (\(p.kind.uppercased()) \(p.vintage), \(p.territory))" + " — en vigueur "
                        + [p.validFrom.map { "du \($0)" }, p.validTo.map { "au \($0)" }].compactMap { $0 }.joined(separator: " "))
                print("  base légale : \(p.legalBasis)")
                if !p.communes.isEmpty {
                    print("  communes : " + p.communes.map { $0.name.isEmpty ? $0.insee : "\($0.name) (\($0.insee))" }.joined(separator: ", "))
                }
                if let e = p.epciSiren { print("  EPCI : \(p.epciName ?? "") (\(e))") }
                print(
                    "  surface : \(FrenchFormat.decimal(p.areaM2 / 10_000, digits: 2)) ha (EPSG:\(p.metricCRS)) — \(FrenchFormat.integer(p.vertexCount)) sommets — \(p.featureCount) entité(s) source fusionnée(s)"
                )
                print("  réparations : " + (p.repairs.isEmpty ? "aucune" : p.repairs.joined(separator: " ; ")))
                print(
                    "  source : \(p.sourceFile) (sha256 \(p.sourceSHA256)) — paquet \(p.packId)"
                        + (p.sourceReleaseDate.flatMap(CivilDate.init).map { " — publication du \($0.french)" } ?? ""))
            }
            for line in ((try? TerritoryRegistry.shipped()) ?? []).flatMap({ $0.describe(code: code) }) { print(line) }
        }
    }
}

struct PerimetersDiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Comparer deux listes de QPV commune par commune : nouveaux, sortis, modifiés (surfaces gagnées et perdues).")

    @OptionGroup var perimeterOptions: PerimeterOptions
    @Option(help: "Millésime de départ (ex. 2015).") var from: String
    @Option(help: "Millésime d'arrivée (ex. 2024).") var to: String
    @Option(help: "Une seule commune (code INSEE).") var commune: String?
    @Option(help: "Format : text ou json.") var format: OutputFormat = .text

    func run() async throws {
        let catalog = try perimeterOptions.openCatalogAnnounced()
        for v in [from, to] where !catalog.sets.contains(where: { $0.info.kind == .qpv && $0.info.vintage == v }) {
            throw ValidationError("aucune liste de QPV \(v) installée : les deux listes doivent l'être pour les comparer (qpv data list)")
        }
        let diffs = try PerimeterExplorer(catalog: catalog).diff(from: from, to: to, commune: commune, locator: try Locator(catalog: catalog))
        if format == .json {
            print(try jsonString(diffs))
            return
        }
        for d in diffs {
            print("\(d.communeName.isEmpty ? d.commune : "\(d.communeName) (\(d.commune))")")
            for p in d.new { print("  + nouveau : \(p.code) \(p.name) (\(FrenchFormat.decimal(p.areaM2 / 10_000, digits: 2)) ha)") }
            for p in d.removed { print("  − sorti : \(p.code) \(p.name) (\(FrenchFormat.decimal(p.areaM2 / 10_000, digits: 2)) ha)") }
            for c in d.changed {
                print(
                    "  ~ modifié : \(c.fromCodes.joined(separator: "+")) → \(c.toCode) \(c.name) : +\(FrenchFormat.decimal(c.areaGainedM2 / 10_000, digits: 2)) ha, −\(FrenchFormat.decimal(c.areaLostM2 / 10_000, digits: 2)) ha"
                )
            }
            for u in d.unchanged { print("  = inchangé : \(u)") }
        }
    }
}
