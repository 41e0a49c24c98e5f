// `qpv serve`: options into `ServerOptions`, opens the `ServerEngine` and runs `QPVHTTPServer`.

import ArgumentParser
import Foundation
import Logging
import QPVCore
import QPVServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        // Named here: otherwise ArgumentParser derives the name from the type on every run (String(describing:),
        // ~6 % of a single `qpv locate` in callgrind, issue 17).
        commandName: "serve",
        abstract: "Servir l'API HTTP et la page de recherche (hors ligne, sur cette machine).",
        discussion: """
            qpv serve [--host 127.0.0.1] [--port 8080] [--data-dir DOSSIER] [--demo]

            Page : http://127.0.0.1:8080/ — API : /search, /reverse, /locate, /search/csv, /eligibility/…, /perimeters, \
            /health, /version ; description complète : /openapi.json. Écoute sur la boucle locale par défaut : \
            --host 0.0.0.0 pour l'ouvrir au réseau de l'organisation. Arrêt propre sur Ctrl-C ou SIGTERM (les requêtes \
            en cours se terminent). Les journaux ne contiennent ni adresse ni paramètre de requête.
            """)

    @Option(help: "Adresse d'écoute.") var host = "127.0.0.1"
    @Option(help: "Port d'écoute (0 : un port libre, annoncé au démarrage).") var port = 8080
    @OptionGroup var dataDirOption: DataDirOption
    var dataDir: String? { dataDirOption.dataDir }
    @Flag(help: "Ajouter le jeu de démonstration fictif (utilisé d'office quand rien n'est installé).") var demo = false
    @Option(name: .customLong("max-body-bytes"), help: "Taille maximale d'un fichier envoyé à /search/csv, en octets.")
    var maxBodyBytes = 20 << 20
    @Option(name: .customLong("max-rows"), help: "Nombre maximal de lignes d'un fichier envoyé à /search/csv.") var maxRows = 100_000
    @Option(name: .customLong("boundary-tolerance"), help: "Distance (m) à une limite de quartier en deçà de laquelle la réponse est « à vérifier ».")
    var boundaryToleranceArgument: NumberArgument = 20
    var boundaryTolerance: Double { boundaryToleranceArgument.value }
    @Option(name: .customLong("batch-threads"), help: "Fils de calcul d'un fichier /search/csv (défaut : nombre de cœurs).") var batchThreads: Int?
    @Option(name: .customLong("max-connections"), help: "Nombre maximal de connexions ouvertes à la fois ; les suivantes sont fermées aussitôt.")
    var maxConnections = 512
    @Option(
        name: .customLong("header-timeout"),
        help: "Délai (s) pour recevoir les en-têtes complets d'une requête ; au-delà, la connexion est fermée (clients lents).")
    var headerTimeoutArgument: NumberArgument = 10
    @Option(name: .customLong("log-level"), help: "Niveau des journaux : trace, debug, info, notice, warning, error.") var logLevel = "info"

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port doit être compris entre 0 et 65535") }
        if maxBodyBytes < 1024 { throw ValidationError("--max-body-bytes doit valoir au moins 1024") }
        if maxRows < 1 { throw ValidationError("--max-rows doit valoir au moins 1") }
        if !(boundaryTolerance >= 0) || !boundaryTolerance.isFinite {
            throw ValidationError("--boundary-tolerance doit être un nombre positif de mètres")
        }
        if let batchThreads, batchThreads < 1 { throw ValidationError("--batch-threads doit valoir au moins 1") }
        if maxConnections < 1 { throw ValidationError("--max-connections doit valoir au moins 1") }
        if !(headerTimeoutArgument.value > 0) || !headerTimeoutArgument.value.isFinite {
            throw ValidationError("--header-timeout doit être un nombre positif de secondes")
        }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level « \(logLevel) » : trace, debug, info, notice, warning ou error")
        }
    }

    func run() async throws {
        var options = ServerOptions(host: host, port: port, maxBodyBytes: maxBodyBytes, maxRows: maxRows, boundaryTolerance: boundaryTolerance)
        if let batchThreads { options.batchThreads = batchThreads }
        options.maxConnections = maxConnections
        options.headerTimeoutSeconds = headerTimeoutArgument.value
        let engine = try ServerEngine.open(dataDirectory: DataDirectory.resolve(explicit: dataDir), demo: demo, options: options)
        if engine.catalog.includesDemo && !demo {
            printError("Aucun périmètre officiel installé : jeu de DÉMONSTRATION fictif utilisé (Quartville-sur-Démo, codes QX…).")
        }
        if engine.geocoderIsDemo { printError("Aucune BAN installée : adresses de DÉMONSTRATION fictives utilisées.") }
        var logger = Logger(label: "qpv.serve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let host = self.host
        try await QPVHTTPServer.run(engine: engine, logger: logger) { port in
            // One line on standard output, for people and for scripts started with --port 0.
            FileHandle.standardOutput.write(Data("qpv serve : à l'écoute sur http://\(host):\(port)/\n".utf8))
        }
    }
}
