// qpv — command-line interface. Thin by design: each command parses its options, calls the libraries
// (QPVPerimeters, QPVGeocoding, QPVAddressing, QPVCarreaux, QPVEligibility, QPVExport, QPVServer) and prints
// what they return. This file: the root command and its subcommand list (the version is `QPVCore.QPVVersion`).

import ArgumentParser
import Foundation
import QPVCore

/// The root command (the process entry point is `QPVMain`, in FrenchCLI.swift).
struct QPV: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qpv",
        abstract: "Géographie de la politique de la ville, hors ligne : QPV, QIC, carreaux INSEE, adresses, éligibilité.",
        discussion: """
            Sans données officielles installées, qpv utilise le jeu de démonstration fictif (codes QX…) livré avec le \
            logiciel. Installer les listes officielles : qpv data import FICHIER (voir qpv data --help).

            \(ExitStatus.helpTable)

            Complétion : qpv --generate-completion-script bash|zsh|fish (voir le README). Manuel : man Docs/qpv.1.
            """,
        version: QPVVersion.string,
        subcommands: [
            Locate.self, Geocode.self, Perimeters.self, Carreaux.self, EligibilityCommand.self, RulesCommand.self, Serve.self, Export.self,
            DataCommand.self,
        ]
    )
}
