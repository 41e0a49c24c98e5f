import Foundation
import QPVCore
import QPVGeoData

/// One intercommunalité's politique de la ville geography as typed from its contrat de ville
/// (`GeoData/registry/territories/*.json`): its QPV codes with their communes and its quartiers d'intérêt
/// communautaire (QIC) with communes and populations. No geometry: QPV outlines come from the installed official
/// list, QIC outlines from `qpv data import --kind qic --epci SIREN`.
public struct TerritoryRegistry: Codable, Sendable, Equatable {
    public struct EPCI: Codable, Sendable, Equatable {
        public var siren: String
        public var name: String
    }

    public struct Contract: Codable, Sendable, Equatable {
        public var title: String
        public var validFrom: CivilDate?
        public var validTo: CivilDate?

        enum CodingKeys: String, CodingKey {
            case title
            case validFrom = "valid_from"
            case validTo = "valid_to"
        }
    }

    public struct QPV: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
        public var communes: [String]
    }

    public struct QIC: Codable, Sendable, Equatable {
        /// Code when the contract gives one (the Béthune-Bruay contract names its QIC without codes).
        public var code: String?
        public var name: String
        public var communes: [String]
        public var population: Int?
    }

    public var id: String
    public var epci: EPCI
    public var contract: Contract
    public var sources: [String]
    /// How the facts were typed (which document, what was not re-read).
    public var transcription: String?
    /// Non-nil when a fact could not be confirmed: verdicts relying on this registry say "à vérifier".
    public var uncertain: String?
    public var qpvVintage: String
    public var qpvPopulationEstimate: Int?
    public var qpv: [QPV]
    public var qicPopulationTotal: Int?
    public var qic: [QIC]
    /// Where it was read from (`GeoData/registry/territories/cabbalr.json`), for messages.
    public var origin: String = ""

    enum CodingKeys: String, CodingKey {
        case id, epci, contract, sources, transcription, uncertain
        case qpvVintage = "qpv_vintage"
        case qpvPopulationEstimate = "qpv_population_estimate"
        case qpv
        case qicPopulationTotal = "qic_population_total"
        case qic
    }

    /// QPV codes of the territory.
    public var qpvCodes: Set<String> { Set(qpv.map(\.code)) }

    /// QIC whose communes include `commune` (compared by `normalizedName`).
    public func qic(inCommune commune: String) -> [QIC] {
        let key = TerritoryRegistry.normalizedName(commune)
        return qic.filter { $0.communes.contains { TerritoryRegistry.normalizedName($0) == key } }
    }

    /// A commune name reduced for comparisons: "Nœux-les-Mines" = "NOEUX LES MINES" = "noeux-les-mines".
    public static func normalizedName(_ name: String) -> String {
        var s = name.lowercased().replacingOccurrences(of: "œ", with: "oe").replacingOccurrences(of: "æ", with: "ae")
        s = s.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "fr_FR"))
        let words = s.split(whereSeparator: { !($0.isLetter || $0.isNumber) })
        return words.joined(separator: " ")
    }

    /// Checks the registry's internal consistency; returns French problems (empty when fine).
    public func problems(registry: Registry? = nil) -> [String] {
        var out: [String] = []
        if epci.siren.count != 9 || !epci.siren.allSatisfy(\.isNumber) { out.append("SIREN « \(epci.siren) » invalide (9 chiffres attendus)") }
        if Set(qpv.map(\.code)).count != qpv.count { out.append("code de QPV en double") }
        if let registry {
            for q in qpv where registry.list(forCode: q.code, vintage: qpvVintage) == nil {
                out.append("code \(q.code) : ne suit le format d'aucune liste officielle \(qpvVintage)")
            }
        }
        for q in qpv where q.communes.isEmpty { out.append("QPV \(q.code) sans commune") }
        for q in qic where q.communes.isEmpty { out.append("QIC « \(q.name) » sans commune") }
        if let total = qicPopulationTotal {
            let sum = qic.compactMap(\.population).reduce(0, +)
            if sum != total { out.append("population des QIC : la somme \(sum) ne fait pas le total annoncé \(total)") }
        }
        if sources.isEmpty { out.append("aucune source citée") }
        return out
    }

    /// Reads one registry file.
    public static func load(data: Data, origin: String) throws -> TerritoryRegistry {
        do {
            var t = try JSONDecoder().decode(TerritoryRegistry.self, from: data)
            t.origin = origin
            return t
        } catch let error as DecodingError {
            throw PerimeterFileError.malformed(path: origin, reason: "registre de territoire illisible : \(TerritoryRegistry.describe(error))")
        }
    }

    /// Every territory registry shipped in `GeoData/registry/territories/`, sorted by id.
    public static func shipped() throws -> [TerritoryRegistry] {
        guard let folder = GeoDataBundle.url("registry/territories") else { return [] }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { name in
            try load(data: Data(contentsOf: folder.appendingPathComponent(name)), origin: "GeoData/registry/territories/\(name)")
        }.sorted { $0.id < $1.id }
    }

    /// The shipped registry of an EPCI, or nil.
    public static func shipped(siren: String) throws -> TerritoryRegistry? {
        try shipped().first { $0.epci.siren == siren }
    }

    /// A shipped registry by its path inside GeoData (`registry/territories/cabbalr.json`).
    public static func shipped(path: String) throws -> TerritoryRegistry {
        try load(data: try GeoDataBundle.data(path), origin: "GeoData/\(path)")
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String { c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let c): return "champ « \(key.stringValue) » absent (\(path(c)))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return "\(c.debugDescription) (\(path(c)))"
        @unknown default: return "\(error)"
        }
    }
}
