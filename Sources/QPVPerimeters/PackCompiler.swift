// `PackCompiler`: a read perimeter file (`SourceFile`) becomes a pack — attributes mapped, invalid polygons
// repaired with GEOS MakeValid, features of one code merged, geometries kept in the source CRS for containment
// and transformed to the metric CRS and WGS84; `ImportOptions` are the options of `qpv data import`.

import Foundation
import QPVCore
import QPVGeometry

/// Options of `qpv data import`.
public struct ImportOptions: Sendable {
    /// QPV or QIC (`--kind`).
    public var kind: PerimeterKind = .qpv
    /// `2015`, `2024`, `2025`…; detected from the codes (QP… → 2015, QN… → 2024/2025) when nil.
    public var vintage: String?
    /// CRS override (`--crs`).
    public var crs: CRS?
    /// GeoPackage layer.
    public var layer: String?
    /// Attribute names overriding detection.
    public var codeColumn: String?
    /// Attribute holding the perimeter's name (`--name-column`).
    public var nameColumn: String?
    /// QIC: the EPCI the set belongs to.
    public var epciSiren: String?
    /// QIC: name of the EPCI.
    public var epciName: String?
    /// First day in force (`--valid-from`).
    public var validFrom: CivilDate?
    /// Last day in force (`--valid-to`).
    public var validTo: CivilDate?
    /// QIC: the deliberation that created them (free text).
    public var legalBasis: String?
    /// Marks the pack as the demonstration pack (fictional territory covering `coverage`).
    public var demoCoverage: Envelope?
    /// Publication date of the release imported (`--release-date`, data.gouv.fr metadata) and its origin.
    public var releaseDate: CivilDate?
    /// Where `releaseDate` comes from, in French.
    public var releaseOrigin: String?
    /// QPV: what the file covers (`--coverage national | none | 59,62`); nil: the départements of its perimeters,
    /// presumed complete (see `DepartementCoverage`).
    public var coverage: String?

    /// Options with every value detected from the file.
    public init() {}
}

/// Attribute names found in the official files (2024 ANCT, 2015 ANCT/CGET in both cases).
enum AttributeNames {
    static let code = ["code_qp", "code_quartier", "code_qic", "code", "codeqp"]
    static let name = ["lib_qp", "nom_qp", "nom_qic", "lib_qic", "nom", "name", "libelle"]
    static let communeCode = ["insee_com", "code_commune", "code_insee", "insee", "depcom"]
    static let communeName = ["lib_com", "nom_commune", "commune_qp", "commune", "nom_com"]
    static let departement = ["insee_dep", "code_departement", "code_dep", "dep"]
    static let epciSiren = ["siren_epci", "epci_siren", "code_epci"]
    static let epciName = ["lib_epci", "nom_epci"]

    /// The value of the first present attribute among `names` (case-insensitive).
    static func value(_ props: [String: String], _ names: [String]) -> String? {
        for n in names {
            if let v = props[n] ?? props.first(where: { $0.key.lowercased() == n })?.value {
                let t = v.trimmingCharacters(in: .whitespaces)
                if !t.isEmpty { return t }
            }
        }
        return nil
    }
}

/// Turns a perimeter file into a pack: attributes mapped, invalid polygons repaired (GEOS MakeValid) and
/// counted, features of the same code merged (union), geometries kept in the file's CRS for containment and
/// transformed to the metric CRS of their territory for distances and areas, and to WGS84 for maps.
public struct PackCompiler {
    /// The registry of official lists the files are matched against.
    public let registry: Registry
    let geos: GeosContext
    let proj: ProjContext

    /// A compiler checking against `registry`.
    public init(registry: Registry) throws {
        self.registry = registry
        self.geos = try GeosContext()
        self.proj = try ProjContext()
    }

    /// A compiled pack: its header and its geometry bytes.
    public struct Result {
        /// The pack's header.
        public var manifest: PackManifest
        /// The geometry section (WKB in the file's CRS and in WGS84).
        public var geometry: [UInt8]
    }

    /// Compiles `file`: checks the codes against the registry, repairs invalid geometries, merges features per code, computes areas and envelopes.
    public func compile(_ file: SourceFile, options: ImportOptions, importedAt: Date = Date()) throws -> Result {
        try proj.validate(file.crs)
        let path = file.path
        let codeNames = options.codeColumn.map { [$0.lowercased()] } ?? AttributeNames.code
        let nameNames = options.nameColumn.map { [$0.lowercased()] } ?? AttributeNames.name

        // 1. Group features by code, in file order.
        struct Group {
            var code: String
            var name: String
            var features: [SourceFeature] = []
            var communes: [CommuneRef] = []
            var departement: String?
            var epciSiren: String?
            var epciName: String?
        }
        var groups: [Group] = []
        var groupIndex: [String: Int] = [:]
        for f in file.features {
            guard let code = AttributeNames.value(f.properties, codeNames) else {
                throw PerimeterFileError.badFeature(
                    path: path, feature: f.number, code: nil,
                    reason: "pas de code de quartier (attributs cherchés : \(codeNames.joined(separator: ", ")) ; précisez --code-column)")
            }
            guard PackCompiler.isSafeCode(code) else {
                throw PerimeterFileError.badFeature(
                    path: path, feature: f.number, code: nil,
                    reason:
                        "code de quartier « \(code.prefix(40).unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()) » refusé : lettres, chiffres, « - », « _ » ou « . » attendus (40 caractères au plus) ; vérifiez la colonne du code (--code-column)"
                )
            }
            let name = AttributeNames.value(f.properties, nameNames) ?? code
            let gi: Int
            if let i = groupIndex[code] {
                gi = i
            } else {
                gi = groups.count
                groupIndex[code] = gi
                groups.append(Group(code: code, name: name))
            }
            groups[gi].features.append(f)
            let insee = AttributeNames.value(f.properties, AttributeNames.communeCode)
            let communeName = AttributeNames.value(f.properties, AttributeNames.communeName)
            if insee != nil || communeName != nil {
                let ref = CommuneRef(insee: insee ?? "", name: communeName ?? "")
                if !groups[gi].communes.contains(ref) { groups[gi].communes.append(ref) }
            }
            groups[gi].departement = groups[gi].departement ?? AttributeNames.value(f.properties, AttributeNames.departement)
            groups[gi].epciSiren = groups[gi].epciSiren ?? AttributeNames.value(f.properties, AttributeNames.epciSiren)
            groups[gi].epciName = groups[gi].epciName ?? AttributeNames.value(f.properties, AttributeNames.epciName)
        }

        // 2. Vintage and sets.
        if options.kind == .qic && options.epciSiren == nil && options.demoCoverage == nil {
            throw PerimeterFileError.malformed(path: path, reason: "un jeu de QIC appartient à un EPCI : précisez --epci SIREN")
        }
        if options.kind == .qic && options.coverage != nil {
            throw PerimeterFileError.malformed(path: path, reason: "--coverage ne s'applique qu'aux listes de QPV (un jeu de QIC couvre son EPCI)")
        }
        let declaredCoverage = try options.coverage.map { try DepartementCoverage.parseOption($0) }
        if let siren = options.epciSiren, siren.count != 9 || !siren.allSatisfy(\.isNumber) {
            throw PerimeterFileError.malformed(path: path, reason: "SIREN d'EPCI « \(siren) » invalide (9 chiffres attendus)")
        }
        if options.kind == .qic && options.validFrom == nil && options.demoCoverage == nil {
            // An undated QIC set would be "in force" on every date: refused (issue 12).
            throw PerimeterFileError.malformed(
                path: path,
                reason:
                    "dates de validité des QIC non renseignées : précisez --valid-from AAAA-MM-JJ (date d'effet de la délibération de l'EPCI), et --valid-to si elle est connue"
            )
        }
        let vintage = try options.vintage ?? detectVintage(groups.map(\.code), path: path, kind: options.kind)

        var sets: [PerimeterSetInfo] = []
        var setKeys: [String: Int] = [:]
        var warnings: [String] = []
        var records: [PerimeterRecord] = []
        var blob: [UInt8] = []
        var repaired = 0
        let transformers = TransformerCache(from: file.crs, context: proj)
        func transformer(_ to: CRS) throws -> CoordinateTransformer { try transformers.to(to) }
        let toWGS84 = file.crs == .wgs84 ? nil : try transformer(.wgs84)
        // Where the file's CRS is meant to be used (PROJ database); a margin for boxes drawn tight.
        let areaOfUse = try proj.areaOfUse(of: file.crs)

        for g in groups {
            // 3. Repair each feature, then merge.
            var parts: [Geometry] = []
            var repairs: [String] = []
            for f in g.features {
                var polys = f.polygons
                // Rings too short to form a polygon are dropped and reported (never silently).
                for p in polys.indices {
                    let before = polys[p].count
                    polys[p] = polys[p].filter { $0.count >= 4 || ($0.count == 3 && $0.first != $0.last) }
                    if polys[p].count < before { repairs.append("entité n° \(f.number) : anneau dégénéré (moins de 3 sommets) ignoré") }
                }
                polys = polys.filter { !$0.isEmpty }
                guard !polys.isEmpty else {
                    throw PerimeterFileError.badFeature(path: path, feature: f.number, code: g.code, reason: "aucun polygone exploitable")
                }
                let geom: Geometry
                do { geom = try Geometry.multiPolygon(polys, context: geos) } catch let e as GeometryError {
                    throw PerimeterFileError.badFeature(path: path, feature: f.number, code: g.code, reason: e.description)
                }
                if try geom.isValid {
                    parts.append(geom)
                } else {
                    let reason = geom.validityReason
                    let fixed = try geom.makeValid()
                    guard let polygonal = try fixed.polygonalPart() else {
                        throw PerimeterFileError.badFeature(
                            path: path, feature: f.number, code: g.code, reason: "polygone invalide (\(reason)) et irréparable")
                    }
                    repairs.append("entité n° \(f.number) : \(reason) → réparé (MakeValid)")
                    repaired += 1
                    parts.append(polygonal)
                }
            }
            var merged: Geometry
            if parts.count == 1 {
                merged = parts[0]
            } else {
                merged = try Geometry.collection(parts, context: geos).unaryUnion()
                guard let polygonal = try merged.polygonalPart() else {
                    throw PerimeterFileError.badFeature(
                        path: path, feature: g.features[0].number, code: g.code, reason: "fusion des entités sans surface")
                }
                merged = polygonal
            }
            if merged.kind != .multiPolygon, let mp = try merged.polygonalPart() { merged = mp }

            // 4. Where is it? (WGS84 centre → territory → metric CRS)
            let wgs = try toWGS84.map { try $0.transform(merged) } ?? merged
            let envWGS = wgs.envelope
            let centre = envWGS.center
            let territoryZone = FrenchTerritory.of(lon: centre.x, lat: centre.y)
            // Impossible geometry (degrees under a declared Lambert-93, 1e308…): the perimeter must lie in
            // the area of use of its CRS, here the box of a French territory (demo data: its coverage).
            func n(_ v: Double) -> String { v.isFinite && abs(v) < 1e12 ? String(format: "%.6g", v) : String(format: "%.3g", v) }
            if let area = areaOfUse {
                let box = area.box.expanded(by: 0.1)
                if !(box.contains(x: envWGS.minX, y: envWGS.minY) && box.contains(x: envWGS.maxX, y: envWGS.maxY)) {
                    let e = merged.envelope
                    let crsName = proj.name(of: file.crs).map { " (\($0))" } ?? ""
                    throw PerimeterFileError.badFeature(
                        path: path, feature: g.features[0].number, code: g.code,
                        reason:
                            "coordonnées (x de \(n(e.minX)) à \(n(e.maxX)), y de \(n(e.minY)) à \(n(e.maxY))) hors du domaine d'emploi du système EPSG:\(file.crs.epsg)\(crsName) déclaré par le fichier (longitudes \(n(area.box.minX)) à \(n(area.box.maxX)), latitudes \(n(area.box.minY)) à \(n(area.box.maxY)) selon PROJ) ; si le fichier est dans un autre système, précisez-le avec --crs (ex. --crs EPSG:2154 pour du Lambert-93, --crs EPSG:4326 pour des degrés)"
                    )
                }
            }
            let allowed = options.demoCoverage ?? FrenchTerritory.boxes.first { $0.territory == territoryZone }?.box
            guard let allowed, envWGS.minX.isFinite, envWGS.maxY.isFinite, allowed.contains(x: envWGS.minX, y: envWGS.minY),
                allowed.contains(x: envWGS.maxX, y: envWGS.maxY)
            else {
                let e = merged.envelope
                throw PerimeterFileError.badFeature(
                    path: path, feature: g.features[0].number, code: g.code,
                    reason:
                        "coordonnées (x de \(n(e.minX)) à \(n(e.maxX)), y de \(n(e.minY)) à \(n(e.maxY))) hors des territoires français dans le système EPSG:\(file.crs.epsg) du fichier ; si le fichier est dans un autre système, précisez-le avec --crs (ex. --crs EPSG:2154 pour du Lambert-93, --crs EPSG:4326 pour des degrés)"
                )
            }
            let metric = CRS.metricCRS(lon: centre.x, lat: centre.y)
            let metricGeom = file.crs == metric ? merged : try transformer(metric).transform(merged)

            // 5. Which set?
            let setInfo = try setFor(code: g.code, vintage: vintage, zone: territoryZone, options: options, path: path)
            let key = setInfo.listId ?? "\(setInfo.kind.rawValue)-\(setInfo.vintage)-\(setInfo.territory)"
            let setIndex: Int
            if let i = setKeys[key] {
                setIndex = i
            } else {
                setIndex = sets.count
                setKeys[key] = setIndex
                sets.append(setInfo)
            }
            sets[setIndex].perimeterCount += 1
            if let demo = options.demoCoverage { sets[setIndex].coverage = demo }

            func append(_ g: Geometry) throws -> BlobRef {
                let w = try g.wkb()
                let ref = BlobRef(offset: blob.count, length: w.count)
                blob.append(contentsOf: w)
                return ref
            }
            records.append(
                PerimeterRecord(
                    code: g.code, name: g.name, set: setIndex, communes: g.communes,
                    departement: g.departement.flatMap(Departement.normalized) ?? departement(ofCode: g.code)
                        ?? g.communes.lazy.compactMap { Departement.of(commune: $0.insee) }.first,
                    epciSiren: options.epciSiren ?? g.epciSiren, epciName: options.epciName ?? g.epciName,
                    areaM2: try metricGeom.area(), vertexCount: merged.numCoordinates, featureCount: g.features.count,
                    repairs: repairs, metricCRS: metric.epsg, envelopeWGS84: envWGS, envelope: merged.envelope,
                    geometry: try append(merged), metricGeometry: try append(metricGeom), wgs84Geometry: try append(wgs)))
        }
        // Coverage of each QPV set (demo sets answer for their whole fictional area).
        for k in sets.indices where sets[k].kind == .qpv {
            let present = records.filter { $0.set == k }.compactMap(\.departement)
            if sets[k].isDemo {
                sets[k].departementCoverage = .national(present: present)
            } else if let declared = declaredCoverage {
                sets[k].departementCoverage =
                    declared.national
                    ? .national(present: present)
                    : DepartementCoverage(complete: false, departements: declared.departements, basis: .declared, present: present)
                let outside = Set(present).subtracting(declared.departements)
                if !declared.national && !outside.isEmpty {
                    warnings.append(
                        "\(sets[k].label) : le fichier contient aussi des quartiers des départements \(outside.sorted().joined(separator: ", ")), hors de --coverage : un point de ces départements hors de tout quartier répondra not_covered"
                    )
                }
            } else {
                let c = DepartementCoverage(complete: false, departements: present, basis: .presumed, present: present)
                sets[k].departementCoverage = c
                warnings.append(
                    "\(sets[k].label) : liste partielle ? couverture non déclarée, supposée complète pour les départements présents "
                        + "(\(c.departements.isEmpty ? "aucun" : c.departements.joined(separator: ", "))) ; ailleurs, un point hors de tout quartier répondra not_covered. "
                        + "Si c'est la liste nationale complète : --coverage national ; si un département n'est pas complet : --coverage avec les seuls départements complets (ou none)"
                )
            }
        }
        if repaired > 0 {
            warnings.append(
                "\(repaired) polygone(s) invalide(s) réparé(s) avec GEOS MakeValid : "
                    + records.filter { !$0.repairs.isEmpty }.map(\.code).joined(separator: ", "))
        }
        for s in sets where s.uncertain != nil {
            warnings.append("\(s.label) : à vérifier — \(s.uncertain!)")
        }
        let iso = ISO8601DateFormatter()
        let territorySlug = sets.count == 1 ? sets[0].territory.description.replacingOccurrences(of: ":", with: "-") : "mixte"
        let identity = file.attributesSHA256.map { PerimeterFileReader.sha256(Data((file.sha256 + $0).utf8)) } ?? file.sha256
        let packId = "\(options.kind.rawValue)-\(vintage)-\(territorySlug)-\(identity.prefix(8))"
        let manifest = PackManifest(
            formatVersion: PackManifest.currentFormat, packId: packId, kind: options.kind, vintage: vintage,
            importedAt: iso.string(from: importedAt), qpvVersion: QPVPerimetersInfo.version,
            source: PackSource(
                fileName: file.fileName, sha256: file.sha256, byteCount: file.byteCount, format: file.format,
                crs: file.crs.epsg, featureCount: file.features.count, layer: file.layer,
                releaseDate: options.releaseDate, releaseOrigin: options.releaseDate == nil ? nil : options.releaseOrigin),
            containmentCRS: file.crs.epsg, sets: sets, perimeters: records, repairedFeatureCount: repaired, warnings: warnings)
        return Result(manifest: manifest, geometry: blob)
    }

    /// QP… codes → 2015, QN… → 2024 (the overseas QN list is the 2025 list; the set resolves it).
    /// A perimeter code becomes file names, CSV fields and HTML: letters, digits, `-`, `_`, `.`, at most 40,
    /// never `..` (no newline, path or markup can come in through a code).
    static func isSafeCode(_ code: String) -> Bool {
        guard (1...40).contains(code.utf8.count), !code.contains("..") else { return false }
        return code.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
        }
    }

    func detectVintage(_ codes: [String], path: String, kind: PerimeterKind) throws -> String {
        if kind == .qic {
            throw PerimeterFileError.malformed(
                path: path, reason: "précisez le millésime des QIC avec --vintage (par exemple l'année de la délibération)")
        }
        var found = Set<String>()
        for c in codes {
            if let l = registry.list(forCode: c) { found.insert(registry.generation(of: l.vintage)) }
        }
        if found.count == 1 { return found.first! }
        if found.count > 1 {
            throw PerimeterFileError.malformed(
                path: path,
                reason: "codes de plusieurs millésimes mélangés (\(found.sorted().joined(separator: ", "))) ; importez un fichier par liste")
        }
        let sample = codes.prefix(3).joined(separator: ", ")
        throw PerimeterFileError.malformed(
            path: path,
            reason:
                "impossible de déduire la liste des codes (\(sample)…) : ni QP… (liste 2015) ni QN… (liste 2024) ; précisez --vintage 2015 ou --vintage 2024"
        )
    }

    func setFor(code: String, vintage: String, zone: FrenchTerritory, options: ImportOptions, path: String) throws -> PerimeterSetInfo {
        if options.demoCoverage != nil {
            return PerimeterSetInfo(
                listId: "demo-\(options.kind.rawValue)-\(vintage)", kind: options.kind, vintage: vintage, territory: .demo,
                label: "jeu de démonstration \(options.kind.french) \(vintage) (fictif)",
                validFrom: options.validFrom, validTo: options.validTo,
                legalBasis: options.legalBasis ?? "aucune : données fictives de démonstration",
                uncertain: nil, isDemo: true, coverage: options.demoCoverage, epciName: options.epciName, perimeterCount: 0)
        }
        switch options.kind {
        case .qic:
            let siren = options.epciSiren!
            var uncertain: [String] = []
            if options.validFrom == nil { uncertain.append("date de début de validité non renseignée (--valid-from)") }
            if options.legalBasis == nil { uncertain.append("délibération de l'EPCI non renseignée (--legal-basis)") }
            return PerimeterSetInfo(
                listId: nil, kind: .qic, vintage: vintage, territory: .epci(siren),
                label: "QIC \(vintage) de l'EPCI \(options.epciName ?? siren)",
                validFrom: options.validFrom, validTo: options.validTo,
                legalBasis: options.legalBasis ?? "quartiers d'intérêt communautaire de l'EPCI \(siren) (délibération non renseignée)",
                uncertain: uncertain.isEmpty ? nil : uncertain.joined(separator: " ; "), isDemo: false, coverage: nil,
                epciName: options.epciName, perimeterCount: 0)
        case .qpv:
            let territory: ListTerritory
            if let d = departement(ofCode: code), d.hasPrefix("97") || d.hasPrefix("98") {
                territory = .outreMer
            } else if zone.isOverseas {
                territory = .outreMer
            } else {
                territory = .hexagone
            }
            guard let list = registry.list(kind: .qpv, vintage: vintage, territory: territory) else {
                throw PerimeterFileError.malformed(
                    path: path,
                    reason:
                        "aucune liste officielle \(vintage) pour le territoire \(territory.french) (millésimes connus : 2015, 2024 ; 2025 outre-mer)")
            }
            var uncertain = list.uncertain
            // A safe code (checked in step 1) outside the list's pattern: answers relying on it say
            // « à vérifier » (a code with a newline, a path or markup never gets this far).
            if !list.matches(code: code) {
                let note = "codes hors du format officiel de la \(list.label) (ex. \(code), attendu comme \(list.codeExample))"
                uncertain = uncertain.map { $0 + " ; " + note } ?? note
            }
            return PerimeterSetInfo(
                listId: list.id, kind: .qpv, vintage: list.vintage, territory: list.territory, label: list.label,
                validFrom: options.validFrom ?? list.validFrom, validTo: options.validTo ?? list.validTo,
                legalBasis: list.legalBasis, uncertain: uncertain, isDemo: false, coverage: nil, epciName: nil, perimeterCount: 0)
        }
    }

    /// "QP059043" → "59", "QN97101M" → "971", "QN06208M" → "62".
    func departement(ofCode code: String) -> String? { Departement.of(perimeterCode: code) }
}

/// Facts about this library.
public enum QPVPerimetersInfo {
    /// qpv's version (one home: `QPVCore.QPVVersion`).
    public static var version: String { QPVVersion.string }
}
