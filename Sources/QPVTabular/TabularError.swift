// `TabularError`: the French errors of reading and writing tabular files, each naming the file (and line).

import Foundation

/// Errors raised while reading or writing tabular files. Every message is in French and names the file,
/// and where it applies the line and the field, so a user can open the file and fix it.
public enum TabularError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    case cannotOpen(file: String, reason: String)
    case cannotCreate(file: String, reason: String)
    case readFailed(file: String, reason: String)
    case writeFailed(file: String, reason: String)
    case emptyFile(file: String)
    case unsupportedEncoding(file: String, encoding: String)
    case missingColumn(file: String, column: String, available: [String])
    case invalidOption(String)
    /// The output designates a file being read (same device and inode).
    case outputIsInput(output: String, input: String)
    /// The header has more columns than `CSVReader.maxColumns`.
    case tooManyColumns(file: String, count: Int, limit: Int)
    /// No header answers a needed role (`ColumnMatcher`).
    case missingRole(file: String, role: String, option: String, names: [String], available: [String])
    /// Several headers answer the same role (`ColumnMatcher`): the user names the column.
    case ambiguousColumn(file: String, role: String, option: String, candidates: [String], available: [String])

    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            return "\(file) : impossible d'ouvrir le fichier (\(reason))"
        case .cannotCreate(let file, let reason):
            return "\(file) : impossible de créer le fichier (\(reason))"
        case .readFailed(let file, let reason):
            return "\(file) : lecture impossible (\(reason))"
        case .writeFailed(let file, let reason):
            return "\(file) : écriture impossible (\(reason))"
        case .emptyFile(let file):
            return "\(file) : fichier vide (aucune ligne d'en-tête)"
        case .unsupportedEncoding(let file, let encoding):
            return "\(file) : encodage \(encoding) non pris en charge ; enregistrez le fichier en UTF-8 ou en Windows-1252 (CSV Excel)"
        case .missingColumn(let file, let column, let available):
            let list = available.map { "« \($0) »" }.joined(separator: ", ")
            return "\(file), ligne 1 (en-tête) : colonne « \(column) » introuvable ; colonnes présentes : \(list)"
        case .invalidOption(let message):
            return message
        case .tooManyColumns(let file, let count, let limit):
            return "\(file), ligne 1 (en-tête) : \(count) colonnes ; au plus \(limit) colonnes sont acceptées : retirez les colonnes inutiles"
        case .outputIsInput(let output, let input):
            return
                "\(output) : c'est le fichier d'entrée « \(input) » (même fichier sur le disque) ; il ne sera pas écrasé : choisissez un autre fichier de sortie"
        case .missingRole(let file, let role, let option, let names, let available):
            let list = available.map { "« \($0) »" }.joined(separator: ", ")
            return "\(file), ligne 1 (en-tête) : aucune colonne de \(role) (noms reconnus : \(names.joined(separator: ", "))) ; "
                + "colonnes présentes : \(list) ; précisez la colonne avec \(option)"
        case .ambiguousColumn(let file, let role, let option, let candidates, let available):
            let found = candidates.map { "« \($0) »" }.joined(separator: " et ")
            let list = available.map { "« \($0) »" }.joined(separator: ", ")
            return "\(file), ligne 1 (en-tête) : plusieurs colonnes peuvent servir de \(role) (\(found)) ; "
                + "précisez laquelle avec \(option) ; colonnes présentes : \(list)"
        }
    }

    public var errorDescription: String? { description }
}
