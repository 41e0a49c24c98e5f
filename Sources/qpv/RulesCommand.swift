import ArgumentParser
import Foundation
import QPVCore
import QPVEligibility

struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Fichiers de règles au format public (Docs/rules.md, schéma Docs/rules.schema.json).",
        subcommands: [RulesCheck.self])
}

struct RulesCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Vérifier un fichier de règles : schéma, contrôles connus du moteur, versions datées sans chevauchement ni trou, sources, listes et EPCI connus des registres.",
        discussion: """
            qpv rules check mon-programme.json

            Chaque problème est donné avec sa ligne et son champ (« mon-programme.json:42 : erreur : champ \
            rules.aide[1].valid_from : … »). Code de sortie 0 sans erreur, 1 sinon.
            """)

    @Argument(help: "Fichier de règles (JSON).") var file: String

    func run() async throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw ValidationError("\(file) : fichier illisible") }
        let issues = RuleBook.check(data: data, origin: file)
        for i in issues { print(i.description) }
        let errors = issues.filter(\.isError).count
        if errors > 0 {
            printError("\(file) : \(errors) erreur\(errors > 1 ? "s" : "")")
            throw ExitCode(1)
        }
        let book = try RuleBook.load(data: data, origin: file)
        let own: Int = book.rules.values.map(\.count).reduce(0, +)
        let territorial: Int = book.programmes.flatMap { Array($0.rules.values) }.map(\.count).reduce(0, +)
        let facts = book.facts.keys.sorted().joined(separator: ", ")
        print(
            "\(file) : aucune erreur — programme « \(book.programme) » (\(book.label)), \(book.criteria.count) critères, \(own + territorial) versions datées, faits : \(facts)"
        )
    }
}

struct DataImportRules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-rules",
        abstract: "Installer un fichier de règles au format public : ses programmes répondent à qpv eligibility run et à GET /eligibility/{id}.",
        discussion: """
            qpv data import-rules mon-programme.json

            Le fichier est vérifié comme par qpv rules check (une erreur le refuse), puis copié dans le dossier des \
            données (rules/ID.json, remplacé s'il existe).
            """)

    @Argument(help: "Fichier de règles.") var file: String
    @OptionGroup var dataDirOption: DataDirOption
    var dataDir: String? { dataDirOption.dataDir }

    func run() async throws {
        do {
            let (book, path) = try InstalledRules.install(path: file, dataDirectory: DataDirectory.resolve(explicit: dataDir))
            print("Programme installé : \(book.programme) — \(book.label) (\(book.criteria.count) critères)")
            print("  → \(path.path)")
        } catch let e as RuleBookError {
            throw ValidationError("\(e)\n(qpv rules check \(file) liste tous les problèmes)")
        }
    }
}
