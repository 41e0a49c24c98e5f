// QPVGeocoding — offline geocoding of French postal addresses against the Base Adresse Nationale (BAN).
//
// This module owns: importing BAN files (`adresses-XX.csv[.gz]`) and La Poste's postcode table into a
// compiled, memory-mapped address pack (`AddressPackBuilder`, `AddressPack`); the address text normaliser
// and query parser (`AddressNormalizer`, `AddressQuery`); the matcher and its scoring (`Geocoder`); and the
// batch CSV pipeline that appends api-adresse columns to a spreadsheet (`BatchGeocoder`), with a hook for
// extra columns computed from each point (`CoordinateAnnotation`, used for the QPV answer). It knows
// nothing about QPV perimeters.
// This file: `GeocodeResult`, `GeocodeResultType`, `GeocodeOptions`, `AddressFields`, `GeocodingError`.

import Foundation

/// What a result designates, as in api-adresse.
public enum GeocodeResultType: String, Sendable, Codable, CaseIterable {
    /// The house number was found: the address's own position.
    case housenumber
    /// The street was found but not the number (or no number was given): the street's position.
    case street
    /// A lieu-dit (BAN `nom_ld`, or a toponym without houses): its position.
    case locality
    /// Only the commune was found: its centre.
    case municipality
}

/// One geocoding answer. Field names follow api-adresse.
public struct GeocodeResult: Sendable, Codable, Equatable {
    /// The full address as one line ("56 Grand'rue 59219 Étrœungt").
    public var label: String
    /// Confidence in [0, 1].
    public var score: Double
    /// What was found: the house number, the street, a lieu-dit or only the commune.
    public var type: GeocodeResultType
    /// BAN id of the address (`59219_0001_00056`), of the street (`59219_0001`) or the INSEE code.
    public var id: String
    /// "56", "1 bis"; empty unless `type == .housenumber`.
    public var housenumber: String
    /// The street's name; empty for a lieu-dit or a commune.
    public var street: String
    /// The name part of the label: "56 Grand'rue", "Grand'rue" or the commune's name.
    public var name: String
    /// Five-digit postcode.
    public var postcode: String
    /// The commune's name.
    public var city: String
    /// The commune's INSEE code.
    public var citycode: String
    /// Longitude, WGS84.
    public var lon: Double
    /// Latitude, WGS84.
    public var lat: Double
    /// The former commune (ancienne commune, commune déléguée) the address lies in: name and INSEE code, "" if none.
    public var oldcity: String = ""
    /// INSEE code of the former commune, "" if none.
    public var oldcitycode: String = ""
    /// Arrondissement municipal (Paris, Lyon, Marseille), "" elsewhere.
    public var district: String = ""
    /// "62, Pas-de-Calais, Hauts-de-France", as api-adresse writes it.
    public var context: String = ""
    /// The requested house number the BAN lacks ("42" asked, only "42bis" known): the result is the street's
    /// position, never another number. "" when none was asked or it was found.
    public var missingHousenumber: String = ""
    /// Street number in the pack (to list the street's addresses); nil for a commune.
    public var streetIndex: Int?

    enum CodingKeys: String, CodingKey {
        case label, score, type, id, housenumber, street, name, postcode, city, citycode, lon, lat, oldcity, oldcitycode, district, context
        case missingHousenumber = "missing_housenumber"
    }

    /// A result from its fields (the geocoder builds them; tests and adapters too).
    public init(
        label: String, score: Double, type: GeocodeResultType, id: String, housenumber: String, street: String,
        name: String, postcode: String, city: String, citycode: String, lon: Double, lat: Double
    ) {
        self.label = label
        self.score = score
        self.type = type
        self.id = id
        self.housenumber = housenumber
        self.street = street
        self.name = name
        self.postcode = postcode
        self.city = city
        self.citycode = citycode
        self.lon = lon
        self.lat = lat
    }
}

/// Restrictions and size of an answer.
public struct GeocodeOptions: Sendable, Equatable {
    /// Maximum number of results (best first, then alternatives).
    public var limit: Int
    /// Only results with this postcode.
    public var postcode: String?
    /// Only results in the commune with this INSEE code.
    public var citycode: String?
    /// Only results of this type (api-adresse's `type`: housenumber, street, locality, municipality).
    public var type: GeocodeResultType?
    /// Prefer results near this point (api-adresse's `lat`/`lon`): a small bonus fading with distance.
    public var near: (lon: Double, lat: Double)?
    /// api-adresse's `autocomplete`: the last word of the query may be the beginning of a word of the answer
    /// ("12 rue gambetta béth"): when it is, the answer is scored as if the word had been typed whole. Off, a
    /// truncated word still finds its answer (the matcher tolerates missing letters) but with a lower score.
    public var autocomplete: Bool

    /// Options: at most `limit` results, optional filters, optional point to favour.
    public init(
        limit: Int = 5, postcode: String? = nil, citycode: String? = nil, type: GeocodeResultType? = nil,
        near: (lon: Double, lat: Double)? = nil, autocomplete: Bool = false
    ) {
        self.limit = limit
        self.postcode = postcode
        self.citycode = citycode
        self.type = type
        self.near = near
        self.autocomplete = autocomplete
    }

    /// Equal when every option is equal (the point compared by its coordinates).
    public static func == (a: GeocodeOptions, b: GeocodeOptions) -> Bool {
        a.limit == b.limit && a.postcode == b.postcode && a.citycode == b.citycode && a.type == b.type
            && a.autocomplete == b.autocomplete
            && a.near?.lon == b.near?.lon && a.near?.lat == b.near?.lat
    }
}

/// An address given as separate fields (a spreadsheet with one column per part). Empty parts are ignored.
public struct AddressFields: Sendable, Equatable {
    /// House number with its suffix ("12 bis").
    public var housenumber: String
    /// Street name.
    public var street: String
    /// Postcode.
    public var postcode: String
    /// Commune.
    public var city: String

    /// An address from its fields; empty ones are ignored.
    public init(housenumber: String = "", street: String = "", postcode: String = "", city: String = "") {
        self.housenumber = housenumber
        self.street = street
        self.postcode = postcode
        self.city = city
    }

    /// The single-line form "56 Grand'rue 59295 Estrun".
    public var singleLine: String {
        [housenumber, street, postcode, city].map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// Errors of this module. Messages in French, naming the file (and line, field) concerned.
public enum GeocodingError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// No pack file at `path`.
    case packNotFound(path: String)
    /// No address base is installed in `directory`.
    case noPackInstalled(directory: String)
    /// The pack at `path` is damaged.
    case corruptPack(path: String, reason: String)
    /// The pack at `path` has an older format: import the BAN again.
    case outdatedPack(path: String, found: Int, expected: Int)
    /// The pack could not be written at `path`.
    case cannotWritePack(path: String, reason: String)
    /// The file lacks `columns`; `available` lists its columns.
    case missingColumns(file: String, columns: [String], available: [String])
    /// No address could be read from `files`.
    case noAddressImported(files: [String])
    /// A query or option is invalid (French reason).
    case invalidInput(String)
    /// More rows rejected than `AddressPackBuilder.maxRejectedFraction` allows: the file is not installed.
    case tooManyRejected(file: String, rejected: Int, rows: Int, limit: Double)

    /// The error in French, for messages.
    public var description: String {
        switch self {
        case .packNotFound(let path):
            return "\(path) : paquet d'adresses introuvable"
        case .noPackInstalled(let directory):
            return "aucune base d'adresses installée dans \(directory) ; importez la BAN : qpv data import-ban adresses-XX.csv.gz"
        case .corruptPack(let path, let reason):
            return "\(path) : paquet d'adresses illisible (\(reason)) ; réimportez la BAN avec qpv data import-ban"
        case .outdatedPack(let path, let found, let expected):
            return "\(path) : paquet d'adresses au format \(found), ce qpv attend le format \(expected) ; réimportez la BAN avec qpv data import-ban"
        case .cannotWritePack(let path, let reason):
            return "\(path) : écriture du paquet d'adresses impossible (\(reason))"
        case .missingColumns(let file, let columns, let available):
            let want = columns.map { "« \($0) »" }.joined(separator: ", ")
            let have = available.map { "« \($0) »" }.joined(separator: ", ")
            return "\(file), ligne 1 (en-tête) : colonne(s) \(want) introuvable(s) ; colonnes présentes : \(have)"
        case .noAddressImported(let files):
            return "aucune adresse valide dans \(files.joined(separator: ", "))"
        case .invalidInput(let message):
            return message
        case .tooManyRejected(let file, let rejected, let rows, let limit):
            let pct = { (v: Double) in String(format: "%.1f", 100 * v).replacingOccurrences(of: ".", with: ",") + " %" }
            return
                "\(file) : \(rejected) ligne(s) rejetée(s) sur \(rows) (\(pct(Double(rejected) / Double(max(rows, 1))))), plus que la limite de \(pct(limit)) : fichier refusé, la base installée n'est pas remplacée (fichier endommagé ou qui n'est pas un fichier BAN ? --max-rejected pour changer la limite)"
        }
    }

    public var errorDescription: String? { description }
}
