// Partial-list coverage (issue 12) over HTTP: `not_covered` on /locate, `citycode` placing a geocoded point,
// `to_verify` on /eligibility, the status listed in the OpenAPI document.

import Foundation
import Logging
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVServer
import QPVTestSupport
import Testing

/// Issue 12 through the HTTP API: a partial list answers `not_covered` on /locate (the commune of a geocoded
/// address, `citycode`, can place the point), /eligibility turns it into `to_verify`, and the OpenAPI document
/// lists the status.
@Suite("API : couverture des listes partielles", .serialized)
struct CoverageAPITests {
    @Test func partialListOverHTTP() async throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        var options = ImportOptions()
        options.vintage = "2024"
        let file = try PerimeterFileReader.read(path: SharedData.geoData("demo/demo-qpv-2024.geojson").path, context: try GeosContext())
        try PackStore(dataDirectory: dir).install(try PackCompiler(registry: try Registry.shipped()).compile(file, options: options))
        let engine = try ServerEngine.open(
            dataDirectory: dir, options: ServerOptions.forTests(maxBodyBytes: 1 << 20, maxRows: 100, batchThreads: 1))
        let server = try await OwnServer.start(engine, label: "qpv.test.coverage")
        defer { server.stop() }
        let port = server.port
        let point = "lon=-4.5974026&lat=46.2013489&date=2024-06-01"
        let located = try await TestHTTP.get(port, "/locate?\(point)")
        #expect(located.status == 200)
        let json = try located.json()
        #expect(json["status"]?.stringValue == "not_covered")
        #expect(json["message"]?.stringValue?.hasPrefix("À vérifier") ?? false)
        #expect(json["to_verify"]?.arrayValue?.contains { $0.stringValue?.contains("import-communes") ?? false } ?? false)
        // The commune of a geocoded address (département 00, covered by the list) makes it a sure "out".
        let withCommune = try await TestHTTP.get(port, "/locate?\(point)&citycode=00101").json()
        #expect(withCommune["status"]?.stringValue == "out")
        let bad = try await TestHTTP.get(port, "/locate?\(point)&citycode=12")
        #expect(bad.status == 400)
        // Five characters that break the documented pattern, with unusable coordinates too: 400, not a
        // 200 `invalid_coordinates` (found by Scripts/test-openapi).
        for query in ["\(point)&citycode=ZZ%3A99", "lon=abc&lat=1e999&citycode=ZZ%3A99", "lon=abc&lat=1e999&citycode=12"] {
            let r = try await TestHTTP.get(port, "/locate?\(query)")
            #expect(r.status == 400, "\(query) : \(r.text)")
            #expect(r.text.contains("citycode"), "\(r.text)")
        }
        let verdict = try await TestHTTP.get(
            port, "/eligibility/emploi-franc?lon=-4.5974026&lat=46.2013489&signature_date=2024-06-03&contract=cdi&status=jobseeker&employer=private"
        ).json()
        #expect(verdict["verdict"]?.stringValue == "to_verify")
        let openapi = try await TestHTTP.get(port, "/openapi.json").text
        #expect(openapi.contains("\"not_covered\"") && openapi.contains("\"not_applicable\""))
    }
}
