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
        var imported_at: String
        var addresses: Int
        var streets: Int
        var communes: Int
        var sources: [ImportedSource]
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
    var perimeter_packs: [PerimeterPackSummary]
    var address_pack: AddressPackReport
    var rules: [RulesFile]

    init(catalog: PerimeterCatalog, geocoder: Geocoder, geocoderIsDemo: Bool, books: [RuleBook]) {
        software = "qpv"
        version = ServerEngine.softwareVersion
        api = OpenAPIDocument.apiVersion
        demo = catalog.includesDemo || geocoderIsDemo
        perimeter_packs = catalog.packs.map { PerimeterPackSummary($0, shape: .version) }
        let info = geocoder.info
        address_pack = AddressPackReport(
            demo: geocoderIsDemo, file: URL(fileURLWithPath: geocoder.path).lastPathComponent, imported_at: info.importedAt,
            addresses: geocoder.addressCount, streets: geocoder.streetCount, communes: geocoder.communeCount,
            sources: info.sources)
        rules = books.map { RulesFile(programme: $0.programme, label: $0.label, updated: $0.updated, file: $0.origin) }
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
