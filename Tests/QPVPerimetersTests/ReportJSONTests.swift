// The JSON of locate answers (`GET /locate`, written by `CompactJSONEncoder`) is byte for byte what Foundation's
// `JSONEncoder` writes, on the demo data (in, out, boundary, no_list, invalid and outside-France answers, three
// dates) and on the real Occitanie list (../shared) at every truth point.

import Foundation
import QPVCore
import QPVPerimeters
import QPVTestSupport
import Testing

@Suite struct ReportJSONTests {
    static func check(_ reports: [LocateReport]) throws -> Int {
        var statuses = Set<String>()
        for r in reports {
            let ours = try CompactJSONEncoder.string(r)
            let reference = String(decoding: try CompactJSONEncoder.foundationEncoder().encode(r), as: UTF8.self)
            #expect(ours == reference, "\(r.lon), \(r.lat) le \(r.date)")
            statuses.insert(r.status)
        }
        return statuses.count
    }

    @Test func demoAnswersMatchJSONEncoder() throws {
        let tmp = try TemporaryDirectory()
        let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url))
        let locator = try Locator(catalog: catalog)
        var reports: [LocateReport] = []
        for date in ["2014-06-01", "2020-06-01", "2024-06-01"] {
            let day = try #require(CivilDate(date))
            for i in 0..<30 {
                for j in 0..<30 {
                    let r = try locator.locate(lon: -4.70 + Double(i) * 0.006, lat: 46.12 + Double(j) * 0.006, on: day)
                    reports.append(LocateReport(result: r, catalog: catalog))
                }
            }
            for (lon, lat) in [(200.0, 46.0), (2.35, 48.85), (-61.0, 14.6), (0, 0)] {
                reports.append(LocateReport(result: try locator.locate(lon: lon, lat: lat, on: day), catalog: catalog))
            }
        }
        let kinds = try Self.check(reports)
        #expect(kinds >= 4, "statuts différents rencontrés : \(kinds)")
    }

    @Test(.enabled(if: SharedData.isAvailable)) func occitanieTruthAnswersMatchJSONEncoder() throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        _ = try installPack(try occitaniePath(), into: dir)
        let catalog = try PerimeterCatalog.open(dataDirectory: dir)
        let locator = try Locator(catalog: catalog)
        let day = try #require(CivilDate("2020-06-01"))
        let points = try TruthPoint.load()
        #expect(points.count > 1000)
        let reports = try points.map { LocateReport(result: try locator.locate(lon: $0.lon, lat: $0.lat, on: day), catalog: catalog) }
        #expect(try Self.check(reports) >= 2)
    }
}
