// QPVPerimeters — perimeters and the answers built on them: reading official perimeter files (GeoJSON,
// GeoPackage, Shapefile, INSEE carreaux lists), repairing and compiling them into packs, the registry of
// official lists and their dates, selecting what is in force on a date, and the locate engine (is this point
// in a QPV / QIC, which one, how far from its boundary).
// This file: `PerimeterKind`, `ListTerritory`, `OfficialList` and the shipped `Registry` of official lists.

import Foundation
import QPVCore
import QPVGeoData

/// The kind of a perimeter set.
public enum PerimeterKind: String, Codable, Sendable, CaseIterable {
    /// Quartier prioritaire de la politique de la ville (State list, décret).
    case qpv
    /// Quartier d'intérêt communautaire (defined by an EPCI).
    case qic

    /// "QPV" or "QIC".
    public var french: String { self == .qpv ? "QPV" : "QIC" }
}

/// The territory a perimeter set covers.
public enum ListTerritory: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Metropolitan France and Corsica.
    case hexagone
    /// The overseas territories.
    case outreMer
    /// One intercommunalité, by SIREN.
    case epci(String)
    /// The fictional demonstration territory shipped with qpv.
    case demo

    /// The territory from its name (`hexagone`, `outre-mer`, `demo`, `epci:SIREN`); nil otherwise.
    public init?(string: String) {
        switch string {
        case "hexagone": self = .hexagone
        case "outre-mer": self = .outreMer
        case "demo": self = .demo
        default:
            guard string.hasPrefix("epci:") else { return nil }
            self = .epci(String(string.dropFirst(5)))
        }
    }

    /// The name `init(string:)` reads.
    public var description: String {
        switch self {
        case .hexagone: return "hexagone"
        case .outreMer: return "outre-mer"
        case .epci(let siren): return "epci:\(siren)"
        case .demo: return "demo"
        }
    }

    /// The territory in French ("métropole", "outre-mer"…).
    public var french: String {
        switch self {
        case .hexagone: return "Hexagone"
        case .outreMer: return "outre-mer"
        case .epci(let siren): return "EPCI \(siren)"
        case .demo: return "territoire de démonstration"
        }
    }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let t = ListTerritory(string: s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "territoire inconnu « \(s) »"))
        }
        self = t
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// One official list of the registry (`GeoData/registry/official-lists.json`), typed from the décrets.
public struct OfficialList: Codable, Sendable, Equatable {
    /// Identifier of the list (`qpv-2024-hexagone`).
    public var id: String
    /// QPV (official lists are QPV lists).
    public var kind: PerimeterKind
    /// The list's year.
    public var vintage: String
    /// The territory it covers.
    public var territory: ListTerritory
    /// Its French label.
    public var label: String
    /// First day in force.
    public var validFrom: CivilDate
    /// Last day in force, nil while in force.
    public var validTo: CivilDate?
    /// Regular expression of its codes.
    public var codePattern: String
    /// An example code.
    public var codeExample: String
    /// The decree that defines it.
    public var legalBasis: String
    /// The text that ended it, when it ended.
    public var endBasis: String?
    /// Where the facts were read.
    public var sources: [String]
    /// Names of the official files that carry its perimeters.
    public var dataFiles: [String]
    /// Non-nil when a fact of this entry that can change an answer (a date) could not be confirmed on the
    /// official text: verdicts relying on it say "à vérifier".
    public var uncertain: String?
    /// What was not re-read on the official text but does not change answers.
    public var notes: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, vintage, territory, label
        case validFrom = "valid_from"
        case validTo = "valid_to"
        case codePattern = "code_pattern"
        case codeExample = "code_example"
        case legalBasis = "legal_basis"
        case endBasis = "end_basis"
        case sources
        case dataFiles = "data_files"
        case uncertain, notes
    }

    /// True when `date` is within the list's validity.
    public func isInForce(on date: CivilDate) -> Bool {
        date >= validFrom && (validTo.map { date <= $0 } ?? true)
    }

    /// The whole code matches the pattern (`$` alone would also accept a code ending in a newline).
    public func matches(code: String) -> Bool {
        code.range(of: codePattern, options: .regularExpression) == code.startIndex..<code.endIndex
    }

    /// "du 1er janvier 2015 au 31 décembre 2023", "depuis le 1er janvier 2024".
    public var periodFrench: String {
        if let validTo { return "du \(validFrom.french) au \(validTo.french)" }
        return "depuis le \(validFrom.french)"
    }

    /// What a user must do to install this list.
    public var installHint: String {
        "téléchargez le fichier officiel (\(dataFiles.first ?? "ANCT, data.gouv.fr")) puis : qpv data import FICHIER --vintage \(vintage)"
    }
}

/// The registry of official lists shipped with qpv.
public struct Registry: Sendable {
    /// The official lists.
    public let lists: [OfficialList]

    /// A registry of `lists`.
    public init(lists: [OfficialList]) { self.lists = lists }

    struct File: Codable {
        var lists: [OfficialList]
    }

    /// Loads `GeoData/registry/official-lists.json` from the bundle.
    public static func shipped() throws -> Registry {
        let data = try GeoDataBundle.data("registry/official-lists.json")
        return Registry(lists: try JSONDecoder().decode(File.self, from: data).lists)
    }

    /// The list of identifier `id`.
    public func list(id: String) -> OfficialList? { lists.first { $0.id == id } }

    /// The official list of `kind` in force on `date` for `territory` (nil before 2015 or for EPCI/demo).
    public func list(kind: PerimeterKind, territory: ListTerritory, on date: CivilDate) -> OfficialList? {
        lists.first { $0.kind == kind && $0.territory == territory && $0.isInForce(on: date) }
    }

    /// The list whose code format matches `code`, preferring `vintage` when given.
    public func list(forCode code: String, vintage: String? = nil) -> OfficialList? {
        let candidates = lists.filter { $0.matches(code: code) }
        if let vintage {
            return candidates.first { $0.vintage == vintage }
                ?? candidates.first { generation(of: $0.vintage) == generation(of: vintage) }
        }
        return candidates.first
    }

    /// Lists of the same generation: 2015 (codes QP…) or 2024 (codes QN…, in force overseas from 2025).
    public func generation(of vintage: String) -> String {
        switch vintage {
        case "2024", "2025": return "2024"
        default: return vintage
        }
    }

    /// The list of a given generation for a territory ("2024" + outre-mer → qpv-2025-outre-mer).
    public func list(kind: PerimeterKind, vintage: String, territory: ListTerritory) -> OfficialList? {
        lists.first { $0.kind == kind && $0.territory == territory && generation(of: $0.vintage) == generation(of: vintage) }
    }
}
