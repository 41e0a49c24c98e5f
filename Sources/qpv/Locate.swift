import ArgumentParser

struct Locate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dire si un point (ou chaque ligne d'un fichier) est dans un QPV, lequel, à quelle distance de la limite.")

    func run() async throws {}
}
