// `ExitStatus`: the one table of qpv's exit statuses (0 yes, 1 no, 2 to verify, 64–73 usage, data, input,
// internal and write errors) and how a locate status, a verdict or an error maps to it.

import ArgumentParser
import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters
import QPVTabular

/// The exit statuses of qpv, one table for every command (README « Formats et conventions », `qpv --help`).
enum ExitStatus {
    /// Answer given (with `--exit-status`: in a QPV / eligible).
    static let ok: Int32 = 0
    /// With `--exit-status`: out of every QPV / not eligible. Without: address not found.
    static let no: Int32 = 1
    /// To verify: unusable coordinates (always); with `--exit-status` also boundary, no_list, to_verify.
    static let toVerify: Int32 = 2
    /// Bad command line (unknown option, bad value, missing option).
    static let usage: Int32 = 64
    /// The input's content cannot be used (missing or ambiguous column, malformed file, unknown code).
    static let dataError: Int32 = 65
    /// An input file cannot be read (absent, permissions).
    static let unreadableInput: Int32 = 66
    /// Something failed inside qpv (a bug to report).
    static let internalError: Int32 = 70
    /// An output file cannot be created or written.
    static let cannotWrite: Int32 = 73

    /// The table as printed at the end of `qpv --help`.
    static let helpTable = """
        Codes de sortie : 0 réponse donnée (avec --exit-status : dans un QPV, éligible) ; 1 avec --exit-status : hors \
        QPV, non éligible (sans : adresse introuvable) ; 2 à vérifier (coordonnées inutilisables ; avec --exit-status \
        aussi boundary, no_list, à vérifier) ; 64 ligne de commande incorrecte ; 65 données d'entrée inutilisables \
        (colonne absente ou ambiguë, fichier mal formé) ; 66 fichier d'entrée illisible ; 70 erreur interne ; 73 \
        fichier de sortie impossible à écrire.
        """

    /// `--exit-status` for a QPV answer.
    static func of(_ status: LocateStatus) -> Int32 {
        // Every status but in and out (boundary, no_list, invalid_coordinates, any later one) is to verify.
        status == .inside ? ok : status == .outside ? no : toVerify
    }

    /// `--exit-status` for a verdict.
    static func of(_ verdict: Verdict) -> Int32 {
        switch verdict {
        case .eligible: return ok
        case .notEligible: return no
        case .toVerify: return toVerify
        }
    }

    /// The status of an error that stopped a command.
    static func of(_ error: Error) -> Int32 {
        switch error {
        case let e as ExitCode: return e.rawValue
        case is ValidationError: return usage
        case let e as TabularError:
            switch e {
            case .cannotOpen, .readFailed: return unreadableInput
            case .cannotCreate, .writeFailed: return cannotWrite
            case .invalidOption: return usage
            default: return dataError
            }
        case let e as PerimeterFileError:
            if case .cannotRead = e { return unreadableInput }
            return dataError
        case let e as CocoaError:
            if e.isFileError {
                let write: Set<CocoaError.Code> = [
                    .fileWriteUnknown, .fileWriteNoPermission, .fileWriteOutOfSpace, .fileWriteVolumeReadOnly, .fileWriteInvalidFileName,
                    .fileWriteFileExists,
                ]
                return write.contains(e.code) ? cannotWrite : unreadableInput
            }
            return internalError
        default:
            // Errors of qpv's libraries describe the input they could not use; anything else is internal.
            let type = String(reflecting: Swift.type(of: error))
            if type.hasPrefix("QPV") && !type.contains("GeometryError") { return dataError }
            return internalError
        }
    }
}
