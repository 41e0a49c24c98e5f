// SQL text built from data: `SQLIdentifier` (a validated, quoted schema name) and `SQLText` (string literals,
// COPY fields, refusal of NUL characters).

import Foundation

/// A PostgreSQL schema name accepted by `qpv export`: validated (lower-case ASCII letters, digits, `_`;
/// not starting with a digit; at most 63 bytes; not `pg_…`, reserved for system schemas) and always written
/// double-quoted, so neither a metacharacter nor a reserved word can reach the SQL unquoted.
public struct SQLIdentifier: Sendable, Equatable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) throws {
        guard !name.isEmpty else { throw ExportError.invalidSchemaName(name, reason: "nom vide") }
        guard name.utf8.count <= 63 else { throw ExportError.invalidSchemaName(name, reason: "plus de 63 octets (limite de PostgreSQL)") }
        let bytes = Array(name.utf8)
        let allowed = bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
        guard allowed else {
            let bad = name.unicodeScalars.first { !(("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_") }.map { "« \($0) »" } ?? ""
            throw ExportError.invalidSchemaName(name, reason: "caractère \(bad) non autorisé")
        }
        guard !(bytes[0] >= 0x30 && bytes[0] <= 0x39) else { throw ExportError.invalidSchemaName(name, reason: "commence par un chiffre") }
        guard !name.hasPrefix("pg_") else {
            throw ExportError.invalidSchemaName(name, reason: "le préfixe pg_ est réservé aux schémas système de PostgreSQL")
        }
        self.name = name
    }

    /// The identifier, double-quoted (`"qpv"`).
    public var quoted: String { "\"" + name + "\"" }

    /// A schema-qualified object name: `"qpv".perimeter` (object names are qpv's own, fixed, lower-case).
    public func qualified(_ object: String) -> String { quoted + "." + object }

    public var description: String { quoted }
}

/// SQL text built from data: string literals and COPY fields. Every value exported from packs and the
/// registry (names, legal texts, file names…) goes through here, never into SQL unescaped.
public enum SQLText {
    /// Rejects what PostgreSQL text cannot hold (the NUL character).
    public static func check(_ value: String, field: String, owner: String) throws {
        if value.unicodeScalars.contains(where: { $0.value == 0 }) {
            throw ExportError.unsupportedText(field: field, owner: owner, reason: "caractère NUL (U+0000), refusé par PostgreSQL")
        }
    }

    /// A standard SQL string literal (`standard_conforming_strings` on, set by the script): quotes doubled,
    /// backslashes literal.
    public static func literal(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    public static func literal(_ value: String?) -> String { value.map { literal($0) } ?? "NULL" }

    /// A field of COPY's text format: backslash, tab, newline and carriage return escaped; nil is `\N`.
    public static func copyField(_ value: String?) -> String {
        guard let value else { return "\\N" }
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for u in value.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
