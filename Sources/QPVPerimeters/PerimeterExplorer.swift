// `PerimeterExplorer`: what `qpv perimeters list/show/diff` and `GET /perimeters` present — `PerimeterSummary`,
// filtered lists, a perimeter as a GeoJSON feature, and `CommuneDiff` between two vintages.

import Foundation
import QPVCore
import QPVGeometry

/// One perimeter as `qpv perimeters list/show` presents it.
public struct PerimeterSummary: Codable, Sendable {
    /// The perimeter's code.
    public var code: String
    /// Its name.
    public var name: String
    /// "qpv" or "qic".
    public var kind: String
    /// Its list's year.
    public var vintage: String
    /// Identifier of its official list, nil for QIC and ad-hoc files.
    public var listId: String?
    /// The list's French label.
    public var listLabel: String
    /// The territory the list covers.
    public var territory: String
    /// First day in force (ISO date), when known.
    public var validFrom: String?
    /// Last day in force, nil while in force.
    public var validTo: String?
    /// In force on the date asked; nil when no date was asked.
    public var inForce: Bool?
    /// The communes it touches.
    public var communes: [CommuneRef]
    /// Its département, when known.
    public var departement: String?
    /// SIREN of its intercommunalité, when known.
    public var epciSiren: String?
    /// Name of its intercommunalité, when known.
    public var epciName: String?
    /// Area, m².
    public var areaM2: Double
    /// Vertices of its outline.
    public var vertexCount: Int
    /// Source features merged into it.
    public var featureCount: Int
    /// Repairs of invalid source geometries, in GEOS's words.
    public var repairs: [String]
    /// EPSG code of the metric CRS of its area.
    public var metricCRS: Int
    /// The decree or deliberation that defines its list.
    public var legalBasis: String
    /// The file it was imported from.
    public var sourceFile: String
    /// SHA-256 of that file.
    public var sourceSHA256: String
    /// Identifier of its pack.
    public var packId: String
    /// True for a perimeter of the fictional demonstration data.
    public var demo: Bool
    /// Publication date of the release the perimeter comes from (nil when unknown).
    public var sourceReleaseDate: String? = nil

    enum CodingKeys: String, CodingKey {
        case code, name, kind, vintage
        case listId = "list_id"
        case listLabel = "list_label"
        case territory
        case validFrom = "valid_from"
        case validTo = "valid_to"
        case inForce = "in_force"
        case communes, departement
        case epciSiren = "epci_siren"
        case epciName = "epci_name"
        case areaM2 = "area_m2"
        case vertexCount = "vertex_count"
        case featureCount = "feature_count"
        case repairs
        case metricCRS = "metric_crs"
        case legalBasis = "legal_basis"
        case sourceFile = "source_file"
        case sourceSHA256 = "source_sha256"
        case packId = "pack_id"
        case demo
        case sourceReleaseDate = "source_release_date"
    }
}

/// What `qpv perimeters diff` reports for one commune.
public struct CommuneDiff: Codable, Sendable {
    /// A perimeter of the new list that overlaps perimeters of the old one.
    public struct Change: Codable, Sendable {
        /// Perimeters of the old list that overlap `to_code` (a changed perimeter) — several when merged.
        public var fromCodes: [String]
        /// Its code in the new list.
        public var toCode: String
        /// Its name in the new list.
        public var name: String
        /// Area of the old perimeters, m².
        public var areaFromM2: Double
        /// Area of the new perimeter, m².
        public var areaToM2: Double
        /// Area in the new perimeter only, m².
        public var areaGainedM2: Double
        /// Area in the old perimeters only, m².
        public var areaLostM2: Double

        enum CodingKeys: String, CodingKey {
            case fromCodes = "from_codes"
            case toCode = "to_code"
            case name
            case areaFromM2 = "area_from_m2"
            case areaToM2 = "area_to_m2"
            case areaGainedM2 = "area_gained_m2"
            case areaLostM2 = "area_lost_m2"
        }
    }

    /// INSEE code of the commune.
    public var commune: String
    /// Its name.
    public var communeName: String
    /// Perimeters of the new list overlapping no old one.
    public var new: [PerimeterSummary]
    /// Perimeters of the old list overlapping no new one.
    public var removed: [PerimeterSummary]
    /// Perimeters that changed.
    public var changed: [Change]
    /// Codes identical in both lists.
    public var unchanged: [String]

    enum CodingKeys: String, CodingKey {
        case commune
        case communeName = "commune_name"
        case new, removed, changed, unchanged
    }
}

/// Listing, showing and comparing the installed perimeters.
public struct PerimeterExplorer {
    /// The perimeters explored.
    public let catalog: PerimeterCatalog

    /// An explorer over `catalog`.
    public init(catalog: PerimeterCatalog) { self.catalog = catalog }

    /// The summary of perimeter `index`; `date` fills `in_force`.
    public func summary(_ index: Int, on date: CivilDate? = nil) -> PerimeterSummary {
        let p = catalog.perimeters[index]
        let s = catalog.sets[p.set]
        let r = p.record
        return PerimeterSummary(
            code: r.code, name: r.name, kind: s.info.kind.rawValue, vintage: s.info.vintage, listId: s.info.listId, listLabel: s.info.label,
            territory: s.info.territory.description, validFrom: s.info.validFrom?.description, validTo: s.info.validTo?.description,
            inForce: date.map { s.info.isInForce(on: $0) }, communes: r.communes, departement: r.departement, epciSiren: r.epciSiren,
            epciName: r.epciName, areaM2: (r.areaM2 * 10).rounded() / 10, vertexCount: r.vertexCount, featureCount: r.featureCount,
            repairs: r.repairs, metricCRS: r.metricCRS, legalBasis: s.info.legalBasis, sourceFile: s.source.fileName,
            sourceSHA256: s.source.sha256, packId: s.packId, demo: s.info.isDemo, sourceReleaseDate: s.source.releaseDate?.description)
    }

    /// Perimeters filtered by date (in force), commune (INSEE code among the communes it touches), EPCI,
    /// kind; sorted by kind, vintage, code.
    public func list(on date: CivilDate?, commune: String? = nil, epci: String? = nil, kind: PerimeterKind? = nil) -> [PerimeterSummary] {
        indices(on: date, commune: commune, epci: epci, kind: kind).map { summary($0, on: date) }
    }

    /// Global indices of the perimeters `list` would show, in the same order; `within` keeps only those
    /// whose WGS84 envelope meets that box (a map's view).
    public func indices(on date: CivilDate?, commune: String? = nil, epci: String? = nil, kind: PerimeterKind? = nil, within: Envelope? = nil)
        -> [Int]
    {
        catalog.perimeters.indices.filter { i in
            let p = catalog.perimeters[i]
            let s = catalog.sets[p.set].info
            if let date, !s.isInForce(on: date) { return false }
            if let kind, s.kind != kind { return false }
            if let commune, !p.record.communes.contains(where: { $0.insee == commune }) { return false }
            if let epci, p.record.epciSiren != epci && s.territory != .epci(epci) { return false }
            if let within, !p.record.envelopeWGS84.intersects(within) { return false }
            return true
        }
        .sorted { i, j in
            let a = catalog.perimeters[i]
            let b = catalog.perimeters[j]
            let sa = catalog.sets[a.set].info
            let sb = catalog.sets[b.set].info
            return (sa.kind.rawValue, sa.vintage, a.code) < (sb.kind.rawValue, sb.vintage, b.code)
        }
    }

    /// Every installed version of a code (a code can exist in several packs, e.g. a QIC re-imported).
    public func find(code: String) -> [Int] { catalog.perimeters(code: code) }

    /// The perimeter as a GeoJSON Feature (WGS84, RFC 7946), with its summary as properties.
    public func geoJSONFeature(_ index: Int, locator: Locator) throws -> String {
        let g = try locator.wgs84Geometry(index)
        let s = summary(index)
        let encoder = CompactJSONEncoder.foundationEncoder()
        var props = String(decoding: try encoder.encode(s), as: UTF8.self)
        // `communes` as an array of "INSEE nom" strings, the type it has in `qpv export --format geojson`.
        if let communesJSON = String(data: try encoder.encode(s.communes), encoding: .utf8),
            let range = props.range(of: "\"communes\":" + communesJSON)
        {
            let labels = s.communes.map { $0.name.isEmpty ? $0.insee : "\($0.insee) \($0.name)" }
            props.replaceSubrange(range, with: "\"communes\":" + String(decoding: try encoder.encode(labels), as: UTF8.self))
        }
        return #"{"type":"Feature","properties":"# + props + #","geometry":"#
            + GeoJSONGeometry.text(polygons: try g.polygons(), decimals: 7, multi: true) + "}"
    }

    /// Compares the perimeters of two vintages of the QPV lists, commune by commune (the communes each
    /// perimeter touches, from the official attributes). Codes change between lists (QP… → QN…), so a 2024
    /// perimeter is matched to the 2015 perimeters it overlaps: no overlap = new; a 2015 perimeter
    /// overlapping nothing = removed; otherwise the areas gained and lost (metric CRS) are given.
    public func diff(from: String, to: String, commune: String? = nil, locator: Locator) throws -> [CommuneDiff] {
        let fromIdx = catalog.perimeters.indices.filter {
            catalog.sets[catalog.perimeters[$0].set].info.kind == .qpv && catalog.sets[catalog.perimeters[$0].set].info.vintage == from
        }
        let toIdx = catalog.perimeters.indices.filter {
            catalog.sets[catalog.perimeters[$0].set].info.kind == .qpv && catalog.sets[catalog.perimeters[$0].set].info.vintage == to
        }
        var names: [String: String] = [:]
        var communes = Set<String>()
        for i in fromIdx + toIdx {
            for c in catalog.perimeters[i].record.communes where !c.insee.isEmpty {
                communes.insert(c.insee)
                if !c.name.isEmpty { names[c.insee] = c.name }
            }
        }
        if let commune { communes = communes.filter { $0 == commune } }
        var geometries: [Int: Geometry] = [:]
        func metric(_ i: Int) throws -> Geometry {
            if let g = geometries[i] { return g }
            let g = try locator.metricGeometry(i)
            geometries[i] = g
            return g
        }
        var out: [CommuneDiff] = []
        for insee in communes.sorted() {
            let olds = fromIdx.filter { catalog.perimeters[$0].record.communes.contains { $0.insee == insee } }
            let news = toIdx.filter { catalog.perimeters[$0].record.communes.contains { $0.insee == insee } }
            var overlapping: [Int: [Int]] = [:]  // new → olds
            var matchedOld = Set<Int>()
            for n in news {
                for o in olds where catalog.perimeters[n].record.metricCRS == catalog.perimeters[o].record.metricCRS {
                    guard catalog.perimeters[n].record.envelopeWGS84.intersects(catalog.perimeters[o].record.envelopeWGS84) else { continue }
                    if try metric(n).intersection(metric(o)).area() > 1 {
                        overlapping[n, default: []].append(o)
                        matchedOld.insert(o)
                    }
                }
            }
            var diff = CommuneDiff(commune: insee, communeName: names[insee] ?? "", new: [], removed: [], changed: [], unchanged: [])
            for n in news {
                guard let os = overlapping[n] else {
                    diff.new.append(summary(n))
                    continue
                }
                let newGeom = try metric(n)
                let oldUnion = os.count == 1 ? try metric(os[0]) : try Geometry.collection(try os.map(metric), context: newGeom.context).unaryUnion()
                let gained = try newGeom.difference(oldUnion).area()
                let lost = try oldUnion.difference(newGeom).area()
                let rounded = { (x: Double) in (x * 10).rounded() / 10 }
                // Unchanged: differences below 0.1 % of the area (digitising and projection slivers).
                if gained + lost < max(1, 0.001 * (try newGeom.area())) {
                    diff.unchanged.append(catalog.perimeters[n].code)
                } else {
                    diff.changed.append(
                        CommuneDiff.Change(
                            fromCodes: os.map { catalog.perimeters[$0].code }.sorted(), toCode: catalog.perimeters[n].code,
                            name: catalog.perimeters[n].name, areaFromM2: rounded(try oldUnion.area()), areaToM2: rounded(try newGeom.area()),
                            areaGainedM2: rounded(gained), areaLostM2: rounded(lost)))
                }
            }
            for o in olds where !matchedOld.contains(o) { diff.removed.append(summary(o)) }
            out.append(diff)
        }
        return out
    }
}
