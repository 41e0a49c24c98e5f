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
    struct AddressPackReport: Encodable {
        var demo: Bool
        var file: String
        var importedAt: String
        var addresses: Int
        var streets: Int
        var communes: Int
        var sources: [ImportedSource]

        enum CodingKeys: String, CodingKey {
            case demo, file
            case importedAt = "imported_at"
            case addresses, streets, communes, sources
        }
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
    var perimeterPacks: [PerimeterPackSummary]
    var addressPack: AddressPackReport
    var rules: [RulesFile]

    enum CodingKeys: String, CodingKey {
        case software, version, api, demo
        case perimeterPacks = "perimeter_packs"
        case addressPack = "address_pack"
        case rules
    }

    init(catalog: PerimeterCatalog, geocoder: Geocoder, geocoderIsDemo: Bool, books: [RuleBook]) {
        software = "qpv"
        version = ServerEngine.softwareVersion
        api = OpenAPIDocument.apiVersion
        demo = catalog.includesDemo || geocoderIsDemo
        perimeterPacks = catalog.packs.map { PerimeterPackSummary($0, shape: .version) }
        let info = geocoder.info
        addressPack = AddressPackReport(
            demo: geocoderIsDemo, file: URL(fileURLWithPath: geocoder.path).lastPathComponent, importedAt: info.importedAt,
            addresses: geocoder.addressCount, streets: geocoder.streetCount, communes: geocoder.communeCount,
            sources: info.sources)
        rules = books.map { RulesFile(programme: $0.programme, label: $0.label, updated: $0.updated, file: $0.origin) }
    }

    func json() throws -> String { try CompactJSONEncoder.string(self) }
}
