// `TerritoryRegistry`: one intercommunalité's politique de la ville geography typed from its contrat de ville
// (`GeoData/registry/territories/*.json`): QPV, QIC, named areas, facts, income threshold, pre-2015 geography.

import Foundation
import QPVCore
import QPVGeoData

/// One intercommunalité's politique de la ville geography as typed from its contrat de ville
/// (`GeoData/registry/territories/*.json`): its QPV codes with their communes and its quartiers d'intérêt
/// communautaire (QIC) with communes and populations. No geometry: QPV outlines come from the installed official
/// list, QIC outlines from `qpv data import --kind qic --epci SIREN`.
public struct TerritoryRegistry: Codable, Sendable, Equatable {
    /// The intercommunalité.
    public struct EPCI: Codable, Sendable, Equatable {
        /// Its SIREN.
        public var siren: String
        /// Its name.
        public var name: String
    }

    /// The contrat de ville.
    public struct Contract: Codable, Sendable, Equatable {
        /// Its title.
        public var title: String
        /// First day in force.
        public var validFrom: CivilDate?
        /// Last day in force.
        public var validTo: CivilDate?
        /// Date of the council's vote approving it, when the registry knows it.
        public var councilVote: CivilDate?
        /// Date from which the deliberation is enforceable (received by the préfet and published).
        public var enforceableFrom: CivilDate?
        /// Where these dates are written (document title and section).
        public var source: String?

        enum CodingKeys: String, CodingKey {
            case title
            case validFrom = "valid_from"
            case validTo = "valid_to"
            case councilVote = "council_vote"
            case enforceableFrom = "enforceable_from"
            case source
        }
    }

    /// A commune a perimeter touches but that lies outside the EPCI: the EPCI's own programmes do not count it.
    public struct ExcludedCommune: Codable, Sendable, Equatable {
        /// INSEE code of the commune.
        public var insee: String
        /// Its name.
        public var name: String
        /// Why it does not count, in French.
        public var reason: String
        /// The document that says so.
        public var source: String
    }

    /// A QPV of the contract.
    public struct QPV: Codable, Sendable, Equatable {
        /// Code in the registry's `qpv_vintage` list; nil when no document nor official list at hand gives it.
        public var code: String?
        /// Its name.
        public var name: String
        /// INSEE codes of its communes.
        public var communes: [String]
        /// Code(s) of the 2024 list covering the same quartier, when the registry's list is 2015.
        public var successors2024: [String]?
        /// How the successor was matched, or why the code is missing.
        public var note: String?
        /// Communes it touches outside the EPCI.
        public var excludedCommunes: [ExcludedCommune]?
        /// The document that lists it.
        public var source: String?

        enum CodingKeys: String, CodingKey {
            case code, name, communes, note, source
            case successors2024 = "successors_2024"
            case excludedCommunes = "excluded_communes"
        }
    }

    /// A quartier named by the documents without being a QPV of the list (quartier de veille active, NPNRU
    /// site, pre-2015 CUCS / ZUS / PNRU quartier…), with the document that names it.
    public struct NamedArea: Codable, Sendable, Equatable {
        /// Its name.
        public var name: String
        /// INSEE codes of its communes.
        public var communes: [String]
        /// What the document says of it.
        public var note: String?
        /// The document that names it.
        public var source: String
    }

    /// One fact of a document that touches qpv's rules (a partner's commitment on TFPB, emplois francs,
    /// adultes-relais…), typed in the team's own words, with the document title and section.
    public struct Fact: Codable, Sendable, Equatable {
        /// What the fact is about (tfpb, emploi-franc…).
        public var topic: String
        /// The fact, in the team's words.
        public var text: String
        /// The document and section.
        public var source: String
    }

    /// The median-income threshold the contract states for the EPCI (`carreaux candidates` default).
    public struct IncomeThreshold: Codable, Sendable, Equatable {
        /// The threshold, in euros.
        public var eur: Double
        /// What it is computed on.
        public var basis: String
        /// The document and section.
        public var source: String
    }

    /// The geography before the 2015 QPV (CUCS, ZUS, PNRU), as a pre-2015 document describes it.
    public struct Pre2015: Codable, Sendable, Equatable {
        /// What the document says, in the team's words.
        public var summary: String
        /// CUCS quartiers.
        public var cucs: [NamedArea]
        /// ZUS quartiers.
        public var zus: [NamedArea]
        /// PNRU sites.
        public var pnru: [NamedArea]
        /// PNRQAD sites.
        public var pnrqad: [NamedArea]
        /// The document.
        public var source: String
    }

    /// A quartier d'intérêt communautaire of the contract.
    public struct QIC: Codable, Sendable, Equatable {
        /// Code when the contract gives one (the Béthune-Bruay contract names its QIC without codes).
        public var code: String?
        /// Its name.
        public var name: String
        /// INSEE codes of its communes.
        public var communes: [String]
        /// Its population, when the contract gives it.
        public var population: Int?
        /// Other spellings of the name in the same documents (the table of a deliberation vs its text).
        public var aliases: [String]?

        /// Whether `name` is this QIC's name or one of its aliases (compared by `normalizedName`).
        public func isNamed(_ name: String) -> Bool {
            let key = TerritoryRegistry.normalizedName(name)
            return ([self.name] + (aliases ?? [])).contains { TerritoryRegistry.normalizedName($0) == key }
        }
    }

    /// Identifier of the registry file.
    public var id: String
    /// The intercommunalité.
    public var epci: EPCI
    /// Its contrat de ville.
    public var contract: Contract
    /// The documents the facts were typed from.
    public var sources: [String]
    /// How the facts were typed (which document, what was not re-read).
    public var transcription: String?
    /// Non-nil when a fact could not be confirmed: verdicts relying on this registry say "à vérifier".
    public var uncertain: String?
    /// The QPV list year the contract's codes belong to.
    public var qpvVintage: String
    /// Population of its QPV, when the contract estimates it.
    public var qpvPopulationEstimate: Int?
    /// Its QPV (none when the file has no `qpv` key).
    @EmptyIfAbsent public var qpv: [QPV]
    /// Population of its QIC, when the contract gives it.
    public var qicPopulationTotal: Int?
    /// Its QIC (none when the file has no `qic` key).
    @EmptyIfAbsent public var qic: [QIC]
    /// Quartiers de veille active named by the documents.
    @EmptyIfAbsent public var watchAreas: [NamedArea]
    /// NPNRU sites named by the documents.
    @EmptyIfAbsent public var npnruSites: [NamedArea]
    /// Facts touching qpv's rules.
    @EmptyIfAbsent public var facts: [Fact]
    /// The median-income threshold, when stated.
    public var incomeThreshold: IncomeThreshold?
    /// The geography before 2015, when a document describes it.
    public var pre2015: Pre2015?
    /// Where it was read from (`GeoData/registry/territories/cabbalr.json`), for messages.
    public var origin: String = ""

    enum CodingKeys: String, CodingKey {
        case id, epci, contract, sources, transcription, uncertain
        case qpvVintage = "qpv_vintage"
        case qpvPopulationEstimate = "qpv_population_estimate"
        case qpv
        case qicPopulationTotal = "qic_population_total"
        case qic
        case watchAreas = "watch_areas"
        case npnruSites = "npnru_sites"
        case facts
        case incomeThreshold = "income_threshold"
        case pre2015 = "pre_2015"
    }

    /// QPV codes of the territory (those the registry knows).
    public var qpvCodes: Set<String> { Set(qpv.compactMap(\.code)) }

    /// The registry's QPV of a code: its own code or a 2024 successor.
    public func qpv(code: String) -> QPV? {
        qpv.first { $0.code == code } ?? qpv.first { $0.successors2024?.contains(code) ?? false }
    }

    /// Whether the registry holds a pre-2015 geography (CUCS, ZUS).
    public var hasPre2015Geography: Bool { pre2015 != nil }

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
        let codes = qpv.compactMap(\.code)
        if Set(codes).count != codes.count { out.append("code de QPV en double") }
        if let registry {
            for c in codes where registry.list(forCode: c, vintage: qpvVintage) == nil {
                out.append("code \(c) : ne suit le format d'aucune liste officielle \(qpvVintage)")
            }
            for c in qpv.flatMap({ $0.successors2024 ?? [] }) where registry.list(forCode: c, vintage: "2024") == nil {
                out.append("code successeur \(c) : ne suit le format d'aucune liste officielle 2024")
            }
        }
        for q in qpv where q.code == nil && q.note == nil { out.append("QPV « \(q.name) » sans code ni explication (note)") }
        for e in qpv.flatMap({ $0.excludedCommunes ?? [] }) where e.insee.count != 5 {
            out.append("commune exclue « \(e.name) » : code INSEE « \(e.insee) » invalide")
        }
        for q in qpv where q.communes.isEmpty { out.append("QPV \(q.code ?? q.name) sans commune") }
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

// MARK: - What `qpv perimeters show / list` say from the registries (no geometry needed)

extension TerritoryRegistry {
    /// French lines about a code (a QPV code of the registry's list or a 2024 successor, or a QIC name / code),
    /// or an empty array when the registry does not know it.
    public func describe(code: String) -> [String] {
        var out: [String] = []
        let epciLine = "  EPCI : \(epci.name) (\(epci.siren)) — \(contract.title)" + contractDatesFrench
        if let q = qpv(code: code) {
            let own =
                q.code.map { "\($0) — \(q.name) — QPV de la liste \(qpvVintage)" } ?? "\(q.name) — QPV de la liste \(qpvVintage) (code non connu)"
            out.append(own + " — communes : \(q.communes.joined(separator: ", "))")
            if let s = q.successors2024, !s.isEmpty, q.code != code { out.append("  \(code) est le successeur, dans la liste 2024, de ce quartier") }
            if let s = q.successors2024, !s.isEmpty { out.append("  successeur(s) dans la liste 2024 : \(s.joined(separator: ", "))") }
            if let n = q.note { out.append("  note : \(n)") }
            for e in q.excludedCommunes ?? [] { out.append("  hors de l'EPCI : \(e.name) (\(e.insee)) — \(e.reason) [source : \(e.source)]") }
            out.append(epciLine)
            out.append("  source : \(q.source ?? sources.first ?? origin)")
        }
        let wanted = TerritoryRegistry.normalizedName(code)
        for q in qic where q.isNamed(code) || q.code == code {
            out.append(
                "\(q.code ?? "(sans code)") — \(q.name) — QIC de l'EPCI \(epci.name) (\(epci.siren)) — communes : \(q.communes.joined(separator: ", "))"
                    + (q.population.map { " — \($0) habitants" } ?? ""))
            if let a = q.aliases, !a.isEmpty { out.append("  autres graphies : \(a.joined(separator: " ; "))") }
            out.append("  source : \(sources.first ?? origin)")
        }
        for a in watchAreas + npnruSites where TerritoryRegistry.normalizedName(a.name) == wanted {
            out.append("\(a.name) — \(a.note ?? "quartier") — \(a.communes.joined(separator: ", ")) — source : \(a.source)")
        }
        if !out.isEmpty {
            for f in facts { out.append("  fait (\(f.topic)) : \(f.text) [source : \(f.source)]") }
            out.append("  registre : \(origin)")
        }
        return out
    }

    var contractDatesFrench: String {
        var parts: [String] = []
        if let v = contract.councilVote { parts.append("voté le \(v.french)") }
        if let e = contract.enforceableFrom { parts.append("exécutoire le \(e.french)") }
        switch (contract.validFrom, contract.validTo) {
        case (let f?, let t?): parts.append("du \(f.french) au \(t.french)")
        case (let f?, nil): parts.append("depuis le \(f.french)")
        case (nil, let t?): parts.append("jusqu'au \(t.french)")
        default: break
        }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }

    /// Every fact of the registry, in French, for `qpv perimeters list --epci SIREN`.
    public func overview() -> [String] {
        var out = ["\(epci.name) (\(epci.siren)) — \(contract.title)\(contractDatesFrench) — registre \(origin)"]
        if let s = contract.source { out.append("  dates : \(s)") }
        if !qpv.isEmpty {
            out.append("  \(qpv.count) QPV (liste \(qpvVintage))" + (qpvPopulationEstimate.map { ", environ \($0) habitants" } ?? "") + " :")
            for q in qpv {
                var line = "    \(q.code ?? "(code non connu)")  \(q.name) — \(q.communes.joined(separator: ", "))"
                if let s = q.successors2024, !s.isEmpty { line += " → 2024 : \(s.joined(separator: ", "))" }
                if let e = q.excludedCommunes, !e.isEmpty { line += " ; hors EPCI : " + e.map { "\($0.name) (\($0.insee))" }.joined(separator: ", ") }
                out.append(line)
            }
        }
        if !qic.isEmpty {
            out.append("  \(qic.count) quartiers d'intérêt communautaire (QIC)" + (qicPopulationTotal.map { ", \($0) habitants" } ?? "") + " :")
            for q in qic { out.append("    \(q.name) — \(q.communes.joined(separator: ", "))" + (q.population.map { " — \($0) habitants" } ?? "")) }
        }
        if !watchAreas.isEmpty {
            out.append("  quartiers de veille active :")
            for a in watchAreas { out.append("    \(a.name) — \(a.communes.joined(separator: ", ")) [\(a.source)]") }
        }
        if !npnruSites.isEmpty {
            out.append("  sites de renouvellement urbain :")
            for a in npnruSites {
                out.append("    \(a.name) — \(a.communes.joined(separator: ", "))" + (a.note.map { " — \($0)" } ?? "") + " [\(a.source)]")
            }
        }
        if let t = incomeThreshold {
            out.append("  seuil de revenu médian : \(FrenchFormat.integer(Int(t.eur))) € — \(t.basis) [\(t.source)]")
        }
        if let p = pre2015 {
            out.append("  géographie d'avant 2015 (CUCS, ZUS) : \(p.summary) [\(p.source)]")
            for (label, areas) in [("quartiers CUCS", p.cucs), ("ZUS", p.zus), ("rénovation urbaine (PNRU)", p.pnru), ("PNRQAD", p.pnrqad)]
            where !areas.isEmpty {
                out.append("    \(label) : " + areas.map { "\($0.name) (\($0.communes.joined(separator: ", ")))" }.joined(separator: " ; "))
            }
        }
        for f in facts { out.append("  fait (\(f.topic)) : \(f.text) [source : \(f.source)]") }
        return out
    }

    /// Shipped registries that hold a pre-2015 geography (CUCS / ZUS), for the `no_list` sentence before 2015.
    public static let shippedPre2015: [TerritoryRegistry] = ((try? shipped()) ?? []).filter(\.hasPre2015Geography)
}
