// `FrenchCLI`: the process entry point (`QPVMain`), its error path and swift-argument-parser's own texts
// translated into French (help headings, parser errors, the usage line of the failing command).

import ArgumentParser
import Foundation

/// French for swift-argument-parser's own texts (help headings, "Show help information", "(default: …)",
/// its parsing errors) and the error path of every command: the message is translated, printed on standard
/// error with the usage line of the command that failed, and the exit status follows `ExitStatus`.
enum FrenchCLI {
    /// Runs the command line the way `AsyncParsableCommand.main()` does, with French messages, and returns the
    /// exit status (the caller exits: see `QPVMain`).
    static func run(_ arguments: [String]) async -> Int32 {
        let command: ParsableCommand
        do {
            command = try QPV.parseAsRoot(arguments)
        } catch {
            return report(QPV.self, error, arguments: arguments)
        }
        do {
            var c = command
            if var asyncCommand = c as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try c.run()
            }
        } catch {
            // The failing command's own usage line, not the root's "qpv <subcommand>".
            return report(type(of: command), error, arguments: arguments)
        }
        return 0
    }

    /// Prints the message of `error` (translated, with the usage line of `command`) and returns the exit status.
    static func report(_ command: ParsableCommand.Type, _ error: Error, arguments: [String]) -> Int32 {
        let code = command.exitCode(for: error)
        // At least 120 columns, so that no example command line of the help is cut in two.
        let columns = max(Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80, 120)
        var text = command.fullMessage(for: error, columns: columns)
        // Completion scripts and the JSON help dump are machine-read: left as they are.
        let machine = arguments.contains { $0.hasPrefix("--generate-completion-script") || $0 == "--experimental-dump-help" }
        if !machine {
            text = translate(text)
            // A subcommand's own message names it alone ("classify --help"): give its whole path.
            if command != QPV.self, let path = path(of: command, in: QPV.self), path.count > 1 {
                let name = command._commandName
                let full = path.joined(separator: " ")
                text = text.replacingOccurrences(of: "Utilisation : \(name) ", with: "Utilisation : \(full) ")
                    .replacingOccurrences(of: "« \(name) --help »", with: "« \(full) --help »")
            }
        }
        if code == .success {
            if !text.isEmpty { print(text) }
            return 0
        }
        let status: Int32
        if error is ExitCode || error is CleanExit {
            status = code.rawValue
        } else if code == .validationFailure || String(describing: type(of: error)).contains("CommandError") || error is ValidationError {
            status = ExitStatus.usage
        } else {
            status = ExitStatus.of(error)
        }
        if !text.isEmpty { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        return status
    }

    /// Command names from the root to `command` ("qpv", "carreaux", "classify").
    static func path(of command: ParsableCommand.Type, in root: ParsableCommand.Type) -> [String]? {
        if command == root { return [root._commandName] }
        for sub in root.configuration.subcommands {
            if let p = path(of: command, in: sub) { return [root._commandName] + p }
        }
        return nil
    }

    /// The known English phrases of swift-argument-parser, in French.
    static let replacements: [(pattern: String, template: String)] = [
        (#"Unknown option '([^']+)'\. Did you mean '([^']+)'\?"#, "option inconnue « $1 ». Vouliez-vous dire « $2 » ?"),
        (#"Unknown option '([^']+)'"#, "option inconnue « $1 »"),
        (#"Missing value for '([^']+)'"#, "valeur manquante pour « $1 »"),
        (#"Missing expected argument '([^']+)'"#, "argument obligatoire manquant : « $1 »"),
        (#"Missing one of: (.+)"#, "il manque l'un de : $1"),
        (#"(\d+) unexpected arguments: (.+)"#, "$1 arguments en trop : $2"),
        (#"Unexpected argument '([^']+)'"#, "argument en trop : « $1 »"),
        (#"The option '([^']+)' does not take any value, but '([^']+)' was specified\."#, "l'option « $1 » ne prend pas de valeur (« $2 » donné)."),
        (#"The value '([^']*)' is invalid for '([^']+)'"#, "la valeur « $1 » n'est pas valable pour « $2 »"),
        (#"The value '([^']*)' is invalid\."#, "la valeur « $1 » n'est pas valable."),
        (#"Please provide one of '([^']+)', '([^']+)' or '([^']+)'\."#, "valeurs possibles : $1, $2 ou $3."),
        (#"Please provide one of '([^']+)' or '([^']+)'\."#, "valeurs possibles : $1 ou $2."),
        (#"Please provide one of '([^']+)' and '([^']+)'\."#, "valeurs possibles : $1 ou $2."),
        (#"Please provide one of (.+)\."#, "valeurs possibles : $1."),
        (#"Value to be set with (.+) had already been set with (.+)"#, "valeur donnée deux fois : $1, déjà donnée par $2"),
        (#"See '([^']+) <subcommand>' for detailed help\."#, "Aide d'une sous-commande : « $1 <sous-commande> »."),
        (#"See '([^']+)' for more information\."#, "Aide : « $1 »."),
        (#"(?m)^Error: "#, "Erreur : "),
        (#"(?m)^Help:  "#, "Aide : "),
        (#"(?m)^Usage: "#, "Utilisation : "),
        (#"(?m)^USAGE: "#, "UTILISATION : "),
        (#"(?m)^OVERVIEW: "#, "RÉSUMÉ : "),
        (#"(?m)^OPTIONS:"#, "OPTIONS :"),
        (#"(?m)^ARGUMENTS:"#, "ARGUMENTS :"),
        (#"(?m)^SUBCOMMANDS:"#, "SOUS-COMMANDES :"),
        (#"Show help information\."#, "Afficher cette aide."),
        (#"Show the version\."#, "Afficher la version."),
        (#"\(values: ([^;)]+); default: ([^)]+)\)"#, "(valeurs : $1 ; défaut : $2)"),
        (#"\(values: ([^)]+)\)"#, "(valeurs : $1)"),
        (#"\(default: ([^)]+)\)"#, "(défaut : $1)"),
        (#"\(default\)"#, "(défaut)"),
        (#"<subcommand>"#, "<sous-commande>"),
        (#"\(optional\)"#, "(facultatif)"),
    ]

    static let compiled: [(NSRegularExpression, String)] = replacements.map { (try! NSRegularExpression(pattern: $0.pattern), $0.template) }

    static func translate(_ text: String) -> String {
        var s = text
        for (regex, template) in compiled {
            s = regex.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
        }
        return s
    }
}

/// The process entry point. Synchronous on purpose: the command runs in a task while the main thread waits, then
/// the main thread alone calls `exit` once the command has returned. (An `exit` called from a task of an async
/// `main`, as before, ran the atexit handlers — LeakSanitizer's among them — while the main thread was still
/// driving the main executor: under the sanitizers every error exit aborted with signal 6.)
@main
enum QPVMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let status = ExitStatusBox()
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            status.set(await FrenchCLI.run(arguments))
            finished.signal()
        }
        finished.wait()
        exit(status.get())
    }
}

/// The exit status handed from the command's task to the main thread.
private final class ExitStatusBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int32 = 0
    func set(_ v: Int32) { lock.withLock { value = v } }
    func get() -> Int32 { lock.withLock { value } }
}
