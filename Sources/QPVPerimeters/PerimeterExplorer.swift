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
    public var list_id: String?
    /// The list's French label.
    public var list_label: String
    /// The territory the list covers.
    public var territory: String
    /// First day in force (ISO date), when known.
    public var valid_from: String?
    /// Last day in force, nil while in force.
    public var valid_to: String?
    /// In force on the date asked; nil when no date was asked.
    public var in_force: Bool?
    /// The communes it touches.
    public var communes: [CommuneRef]
    /// Its département, when known.
    public var departement: String?
    /// SIREN of its intercommunalité, when known.
    public var epci_siren: String?
    /// Name of its intercommunalité, when known.
    public var epci_name: String?
    /// Area, m².
    public var area_m2: Double
    /// Vertices of its outline.
    public var vertex_count: Int
    /// Source features merged into it.
    public var feature_count: Int
    /// Repairs of invalid source geometries, in GEOS's words.
    public var repairs: [String]
    /// EPSG code of the metric CRS of its area.
    public var metric_crs: Int
    /// The decree or deliberation that defines its list.
    public var legal_basis: String
    /// The file it was imported from.
    public var source_file: String
    /// SHA-256 of that file.
    public var source_sha256: String
    /// Identifier of its pack.
    public var pack_id: String
    /// True for a perimeter of the fictional demonstration data.
    public var demo: Bool
    /// Publication date of the release the perimeter comes from (nil when unknown).
    public var source_release_date: String? = nil
}

/// What `qpv perimeters diff` reports for one commune.
public struct CommuneDiff: Codable, Sendable {
    /// A perimeter of the new list that overlaps perimeters of the old one.
    public struct Change: Codable, Sendable {
        /// Perimeters of the old list that overlap `to_code` (a changed perimeter) — several when merged.
        public var from_codes: [String]
        /// Its code in the new list.
        public var to_code: String
        /// Its name in the new list.
        public var name: String
        /// Area of the old perimeters, m².
        public var area_from_m2: Double
        /// Area of the new perimeter, m².
        public var area_to_m2: Double
        /// Area in the new perimeter only, m².
        public var area_gained_m2: Double
        /// Area in the old perimeters only, m².
        public var area_lost_m2: Double
    }

    /// INSEE code of the commune.
    public var commune: String
    /// Its name.
    public var commune_name: String
    /// Perimeters of the new list overlapping no old one.
    public var new: [PerimeterSummary]
    /// Perimeters of the old list overlapping no new one.
    public var removed: [PerimeterSummary]
    /// Perimeters that changed.
    public var changed: [Change]
    /// Codes identical in both lists.
    public var unchanged: [String]
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
            code: r.code, name: r.name, kind: s.info.kind.rawValue, vintage: s.info.vintage, list_id: s.info.listId, list_label: s.info.label,
            territory: s.info.territory.description, valid_from: s.info.validFrom?.description, valid_to: s.info.validTo?.description,
            in_force: date.map { s.info.isInForce(on: $0) }, communes: r.communes, departement: r.departement, epci_siren: r.epciSiren,
            epci_name: r.epciName, area_m2: (r.areaM2 * 10).rounded() / 10, vertex_count: r.vertexCount, feature_count: r.featureCount,
            repairs: r.repairs, metric_crs: r.metricCRS, legal_basis: s.info.legalBasis, source_file: s.source.fileName,
            source_sha256: s.source.sha256, pack_id: s.packId, demo: s.info.isDemo, source_release_date: s.source.releaseDate?.description)
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
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
            var diff = CommuneDiff(commune: insee, commune_name: names[insee] ?? "", new: [], removed: [], changed: [], unchanged: [])
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
                            from_codes: os.map { catalog.perimeters[$0].code }.sorted(), to_code: catalog.perimeters[n].code,
                            name: catalog.perimeters[n].name, area_from_m2: rounded(try oldUnion.area()), area_to_m2: rounded(try newGeom.area()),
                            area_gained_m2: rounded(gained), area_lost_m2: rounded(lost)))
                }
            }
            for o in olds where !matchedOld.contains(o) { diff.removed.append(summary(o)) }
            out.append(diff)
        }
        return out
    }
}
