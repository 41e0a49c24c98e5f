// `ColumnRole` and `ColumnMatcher`: the one way every batch command finds its columns — the explicit option
// first, else tiers of loose header names — and the "Colonnes utilisées" line printed before a batch.

import Foundation

/// What a column is used for in a batch (longitude, number of dwellings…), with the header names that
/// mean it. Names are compared loosely (`ColumnMatcher.key`): case, accents, spaces, `_`, `-`, `.`, `'`
/// and `°` do not matter, so "Nb logements", "nb_logements" and "NB-LOGEMENTS" are the same name.
public struct ColumnRole: Sendable, Equatable {
    /// French name of the role, as printed ("longitude", "nombre de logements").
    public var label: String
    /// The option that names the column explicitly ("--lon-column").
    public var option: String
    /// Accepted header names, strongest first; a later tier is only looked at when no earlier tier matched
    /// (a file with both "lon" and "x" uses "lon").
    public var tiers: [[String]]

    public init(label: String, option: String, tiers: [[String]]) {
        self.label = label
        self.option = option
        self.tiers = tiers
    }

    /// Every accepted name, for messages.
    public var names: [String] { tiers.flatMap { $0 } }

    // Roles shared by the batch commands (one list, used by locate, geocode, TFPB, carreaux).
    public static let longitude = ColumnRole(
        label: "longitude", option: "--lon-column",
        tiers: [["lon", "longitude", "lng", "long", "lon_wgs84", "longitude_wgs84", "x_wgs84", "coord_x_wgs84"], ["x"]])
    public static let latitude = ColumnRole(
        label: "latitude", option: "--lat-column",
        tiers: [["lat", "latitude", "lat_wgs84", "latitude_wgs84", "y_wgs84", "coord_y_wgs84"], ["y"]])
    public static let address = ColumnRole(
        label: "adresse", option: "--column",
        tiers: [["adresse", "address", "adresse complete", "adresse postale", "adresse 1", "adresse1", "adr", "libelle adresse", "label", "q"]])
    public static let housenumber = ColumnRole(
        label: "numéro", option: "--columns",
        tiers: [["numero", "num", "no", "n°", "numero voie", "num voie", "numero de voie", "housenumber"]])
    public static let street = ColumnRole(
        label: "voie", option: "--columns",
        tiers: [["voie", "rue", "nom voie", "nom de voie", "nom de la voie", "libelle voie", "street"]])
    public static let postcode = ColumnRole(
        label: "code postal", option: "--columns",
        tiers: [["code postal", "cp", "postcode", "code_postal", "postal code", "cod postal"]])
    public static let city = ColumnRole(
        label: "commune", option: "--columns",
        tiers: [["commune", "ville", "nom commune", "nom de la commune", "city", "localite", "libelle commune"]])
}

/// One role found in a header.
public struct ColumnMatch: Sendable, Equatable {
    public var role: ColumnRole
    public var index: Int
    public var header: String

    public init(role: ColumnRole, index: Int, header: String) {
        self.role = role
        self.index = index
        self.header = header
    }
}

/// Finds columns by their names: the one matcher of every batch command. A role is found by its explicit
/// option when given (loosely compared, error listing the headers when absent), else by its accepted names;
/// two headers answering the same role are an error (the user names the column), never a silent pick.
public enum ColumnMatcher {
    /// The loose form of a header name: lower case, no accents, letters and digits only ("Nb logements" →
    /// "nblogements", "Code_Postal" → "codepostal").
    public static func key(_ name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: Locale(identifier: "fr_FR"))
        var out = ""
        for u in folded.unicodeScalars where CharacterSet.alphanumerics.contains(u) {
            out.unicodeScalars.append(u)
        }
        return out.replacingOccurrences(of: "œ", with: "oe").replacingOccurrences(of: "æ", with: "ae")
    }

    /// Index of `role` in `header`, or nil when the file has no such column and `required` is false.
    /// Throws `TabularError.missingColumn` (required role absent, or explicit name absent) or
    /// `TabularError.ambiguousColumn` (several headers answer the role).
    public static func find(_ role: ColumnRole, in header: [String], file: String, explicit: String? = nil, required: Bool) throws -> Int? {
        let keys = header.map(key)
        if let explicit {
            let wanted = key(explicit)
            let hits = keys.indices.filter { keys[$0] == wanted }
            if let exact = header.firstIndex(where: { $0 == explicit }) { return exact }
            if hits.count == 1 { return hits[0] }
            if hits.count > 1 {
                throw TabularError.ambiguousColumn(
                    file: file, role: role.label, option: role.option, candidates: hits.map { header[$0] }, available: header)
            }
            throw TabularError.missingColumn(file: file, column: explicit, available: header)
        }
        for names in role.tiers {
            let tier = Set(names.map(key))
            let hits = keys.indices.filter { tier.contains(keys[$0]) }
            if hits.count == 1 { return hits[0] }
            if hits.count > 1 {
                throw TabularError.ambiguousColumn(
                    file: file, role: role.label, option: role.option, candidates: hits.map { header[$0] }, available: header)
            }
        }
        if required {
            throw TabularError.missingRole(file: file, role: role.label, option: role.option, names: role.names, available: header)
        }
        return nil
    }

    /// Same, on a reader's header.
    public static func find(_ role: ColumnRole, in reader: CSVReader, explicit: String? = nil, required: Bool) throws -> Int? {
        try find(role, in: reader.header, file: reader.name, explicit: explicit, required: required)
    }

    /// "Colonnes utilisées : longitude ← « Longitude », latitude ← « Latitude »", printed at the start of a batch.
    public static func describe(_ matches: [ColumnMatch]) -> String {
        "Colonnes utilisées : " + matches.map { "\($0.role.label) ← « \($0.header) »" }.joined(separator: ", ")
    }
}
