import ArgumentParser

struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Installer et lister les données : périmètres (QPV, QIC) et adresses (BAN).",
        subcommands: [DataImportBan.self]
    )
}
