// `VersionReport`: the JSON of `GET /version` — software and API versions, perimeter packs, address pack and
// rule files the server answers from.

import Foundation
import QPVCore
import QPVEligibility
import QPVGeoData
import QPVGeocoding
import QPVPerimeters

/// `GET /version`: the software, the perimeter packs (lists, vintages, source files and their SHA-256),
/// the address pack and the rule files the answers come from. File paths are reduced to file names.
struct VersionReport: Encodable {
    struct PerimeterSet: Encodable {
        var list_id: String?
        var label: String
        var kind: String
        var vintage: String
        var territory: String
        var valid_from: String?
        var valid_to: String?
        var legal_basis: String
        var perimeter_count: Int
        var demo: Bool
        var to_verify: String?
    }

    struct PerimeterPackInfo: Encodable {
        var pack_id: String
        var file: String
        var kind: String
        var vintage: String
        var imported_at: String
        var source_file: String
        var source_sha256: String
        var source_bytes: Int
        var source_format: String
        var sets: [PerimeterSet]
    }

    struct AddressSource: Encodable {
        var file: String
        var kind: String
        var bytes: Int
        var sha256: String
        var rows: Int
        var imported: Int
        var rejected: Int
    }

    struct AddressPackReport: Encodable {
        var demo: Bool
        var file: String
        var imported_at: String
        var addresses: Int
        var streets: Int
        var communes: Int
        var sources: [AddressSource]
    }

    struct RulesFile: Encodable {
        var programme: String
        var label: String
        var updated: String
        var file: String
    }

    var software: String
    var version: String
    var api: String
    var demo: Bool
    var perimeter_packs: [PerimeterPackInfo]
    var address_pack: AddressPackReport
    var rules: [RulesFile]

    init(catalog: PerimeterCatalog, geocoder: Geocoder, geocoderIsDemo: Bool, books: [RuleBook]) {
        software = "qpv"
        version = ServerEngine.softwareVersion
        api = OpenAPIDocument.apiVersion
        demo = catalog.includesDemo || geocoderIsDemo
        perimeter_packs = catalog.packs.enumerated().map { pi, pack in
            let m = pack.manifest
            let sets = catalog.sets.filter { $0.pack == pi }.map { s in
                PerimeterSet(
                    list_id: s.info.listId, label: s.info.label, kind: s.info.kind.rawValue, vintage: s.info.vintage,
                    territory: s.info.territory.description, valid_from: s.info.validFrom?.description, valid_to: s.info.validTo?.description,
                    legal_basis: s.info.legalBasis, perimeter_count: s.perimeters.count, demo: s.info.isDemo, to_verify: s.info.uncertain)
            }
            return PerimeterPackInfo(
                pack_id: m.packId, file: URL(fileURLWithPath: pack.path).lastPathComponent, kind: m.kind.rawValue, vintage: m.vintage,
                imported_at: m.importedAt, source_file: m.source.fileName, source_sha256: m.source.sha256, source_bytes: m.source.byteCount,
                source_format: m.source.format, sets: sets)
        }
        let info = geocoder.info
        address_pack = AddressPackReport(
            demo: geocoderIsDemo, file: URL(fileURLWithPath: geocoder.path).lastPathComponent, imported_at: info.importedAt,
            addresses: geocoder.addressCount, streets: geocoder.streetCount, communes: geocoder.communeCount,
            sources: info.sources.map {
                AddressSource(
                    file: $0.file, kind: $0.kind, bytes: $0.bytes, sha256: $0.sha256, rows: $0.rows, imported: $0.imported, rejected: $0.rejected)
            })
        rules = books.map { RulesFile(programme: $0.programme, label: $0.label, updated: $0.updated, file: $0.origin) }
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
