// Verdicts on real perimeters (../shared: the 2015 Occitanie list, Béthune-Bruay commune outlines) located
// by the engine, not hand-made: inside, near a boundary, missing 2024 list, commune deciding the FCS.

import Foundation
import QPVCore
import QPVEligibility
import QPVGeometry
import QPVPerimeters
import QPVTestSupport
import Testing

/// Verdicts on real perimeters: `../shared/geodata/qpv-2015-occitanie.geojson` installed as the 2015 list in a
/// temporary data directory (as `qpv data import` does), points taken from the GEOS reference answers.
@Suite(.enabled(if: SharedData.isAvailable, "données de référence ../shared absentes"))
struct RealPerimeterTests {
    static let installed: (TemporaryDirectory, PerimeterCatalog) = {
        let tmp = try! TemporaryDirectory(prefix: "qpv-eligibility-real")
        let dir = DataDirectory(url: tmp.url)
        try! installPack(try! SharedData.file("geodata/qpv-2015-occitanie.geojson").path, into: dir)
        return (tmp, try! PerimeterCatalog.open(dataDirectory: dir))
    }()

    var catalog: PerimeterCatalog { Self.installed.1 }

    func hire(_ date: String) -> EmploiFrancRequest {
        Fixture.hire(date)
    }

    /// The reference point deepest inside QP031001.
    func insideQP031001() throws -> TruthPoint {
        try #require(try TruthPoint.load().filter { $0.codes == ["QP031001"] }.max { $0.distance < $1.distance })
    }

    @Test func cdiSigned2022ForAJobseekerInsideQP031001() throws {
        let p = try insideQP031001()
        #expect(p.distance > 20)
        let date = CivilDate("2022-03-15")!
        let location = try EligibilityLocator(catalog: catalog).locate(lon: p.lon, lat: p.lat, on: date)
        #expect(location.status == .inside)
        #expect(location.qpv.map(\.code) == ["QP031001"])
        #expect(abs(location.distanceBoundaryM! - p.distance) < 0.05)
        let report = EmploiFranc.evaluate(hire("2022-03-15"), location: location, book: Fixture.emploiFranc)
        #expect(report.verdict == .eligible, "\(report.summary)")
        #expect(report.aid?.totalEUR == 15000)
        #expect(report.filingDeadline == "2022-06-15")
        #expect(report.location?.code == "QP031001")
        #expect(report.location?.vintage == "2015")
        #expect(report.location?.list == "liste 2015 des QPV de l'Hexagone")
        #expect(report.location?.legalBasis?.contains("2014-1750") == true)
    }

    @Test func sameHireSignedIn2025IsRefused() throws {
        let p = try insideQP031001()
        let date = CivilDate("2025-01-02")!
        let location = try EligibilityLocator(catalog: catalog).locate(lon: p.lon, lat: p.lat, on: date)
        let report = EmploiFranc.evaluate(hire("2025-01-02"), location: location, book: Fixture.emploiFranc)
        #expect(report.verdict == .notEligible)
        #expect(Fixture.criterion(report, "signature_period").result == .notMet)
    }

    @Test func pointFiveMetresFromABoundaryIsToVerify() throws {
        let near = try #require(
            try TruthPoint.load().filter { $0.distance >= 3 && $0.distance <= 8 }.min { abs($0.distance - 5) < abs($1.distance - 5) })
        let location = try EligibilityLocator(catalog: catalog).locate(lon: near.lon, lat: near.lat, on: CivilDate("2022-03-15")!)
        #expect(location.status == .boundary)
        #expect(abs(location.distanceBoundaryM! - near.distance) < 0.05)
        #expect(location.qpv.map(\.code) == near.codeList)
        let report = EmploiFranc.evaluate(hire("2022-03-15"), location: location, book: Fixture.emploiFranc)
        #expect(report.verdict == .toVerify)
        #expect(Fixture.criterion(report, "residence_qpv").detail.contains(FrenchFormat.metres(near.distance)))
    }

    @Test func signatureIn2024WithoutThe2024ListNamesTheMissingList() throws {
        let p = try insideQP031001()
        let location = try EligibilityLocator(catalog: catalog).locate(lon: p.lon, lat: p.lat, on: CivilDate("2024-06-01")!)
        #expect(location.status == .noList)
        let report = EmploiFranc.evaluate(hire("2024-06-01"), location: location, book: Fixture.emploiFranc)
        #expect(report.verdict == .toVerify)
        #expect(report.toVerify.contains { $0.contains("liste 2024 des QPV de l'Hexagone") && $0.contains("2023-1314") })
        #expect(report.location?.missingList?.contains("liste 2024") == true)
        #expect(report.location?.howToInstall?.contains("qpv data import") == true)
    }

    @Test func adulteRelaisOnRealPerimeters() throws {
        let p = try insideQP031001()
        let location = try EligibilityLocator(catalog: catalog).locate(lon: p.lon, lat: p.lat, on: CivilDate("2021-09-16")!)
        let request = AdulteRelaisRequest(
            hireDate: CivilDate("2021-09-16")!, birthDate: CivilDate("1994-01-01")!, employment: .unemployed, contract: .cdi, derogation: false,
            employerKind: .association, conventionBeforeHire: true)
        #expect(AdulteRelais.evaluate(request, location: location, book: Fixture.adulteRelais).verdict == .eligible)
        var earlier = request
        earlier.hireDate = CivilDate("2021-09-15")!
        let before = try EligibilityLocator(catalog: catalog).locate(lon: p.lon, lat: p.lat, on: earlier.hireDate)
        #expect(AdulteRelais.evaluate(earlier, location: before, book: Fixture.adulteRelais).verdict == .notEligible)
    }
}

/// The Béthune-Bruay programme with real commune outlines (`../shared/geodata/communes-cabbalr-2018.geojson`,
/// read in place) and a test-made 2024 perimeter: the commune of the point decides when QIC outlines are missing.
@Suite(.enabled(if: SharedData.isAvailable, "données de référence ../shared absentes"))
struct CohesionFundCommuneTests {
    /// A point inside the named commune (scanning its envelope with the commune index itself).
    static func pointIn(_ name: String, index: CommuneIndex, file: String) throws -> (lon: Double, lat: Double) {
        let json = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: file)))
        let feature = try #require(json["features"]?.arrayValue?.first { $0["properties"]?["nom"]?.stringValue == name })
        var env = Envelope.empty
        for ring in try GeoJSONGeometry.polygons(from: feature["geometry"]!).flatMap({ $0 }) { for c in ring { env.expand(x: c.x, y: c.y) } }
        for i in 1..<20 {
            for j in 1..<20 {
                let lon = env.minX + env.width * Double(i) / 20
                let lat = env.minY + env.height * Double(j) / 20
                if try index.commune(lon: lon, lat: lat)?.name == name,
                    try index.commune(lon: lon + 0.003, lat: lat)?.name == name, try index.commune(lon: lon - 0.003, lat: lat)?.name == name
                {
                    return (lon, lat)
                }
            }
        }
        throw EligibilityInputError(field: "commune", reason: "aucun point intérieur trouvé pour \(name)")
    }

    @Test func communeDecidesWhenQICOutlinesAreMissing() throws {
        let file = try SharedData.file("geodata/communes-cabbalr-2018.geojson").path
        let index = try CommuneIndex(path: file)
        #expect(index.count == 100)
        let bruay = try Self.pointIn("Bruay-la-Buissière", index: index, file: file)
        let divion = try Self.pointIn("Divion", index: index, file: file)
        let lillers = try Self.pointIn("Lillers", index: index, file: file)
        let noeux = try Self.pointIn("Nœux-les-Mines", index: index, file: file)
        #expect(try index.commune(lon: divion.lon, lat: divion.lat)?.insee == "62270")

        // A small square standing for QN06212M (Terrasses Basly) around the Bruay point, as a 2024 list.
        let tmp = try TemporaryDirectory()
        let d = 0.001
        let ring =
            "[[\(bruay.lon - d),\(bruay.lat - d)],[\(bruay.lon + d),\(bruay.lat - d)],[\(bruay.lon + d),\(bruay.lat + d)],[\(bruay.lon - d),\(bruay.lat + d)],[\(bruay.lon - d),\(bruay.lat - d)]]"
        let path = try tmp.write(
            "qpv2024.geojson",
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code_qp":"QN06212M","lib_qp":"Terrasses Basly"},"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}]}"#
        )
        // A fixture standing for the complete 2024 list (issue 12: a partial list answers not_covered outside its quartiers).
        try installPack(path, into: DataDirectory(url: tmp.url.appendingPathComponent("data"))) { $0.coverage = "national" }
        let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url.appendingPathComponent("data")))
        let locator = try EligibilityLocator(catalog: catalog, communes: index)
        let programme = try #require(try CohesionFund.programmes(book: Fixture.fcs).first { $0.epciSiren == "200072460" })
        let date = CivilDate("2025-03-01")!

        func verdict(_ p: (lon: Double, lat: Double)) throws -> EligibilityReport {
            let loc = try locator.locate(lon: p.lon, lat: p.lat, on: date)
            #expect(
                CohesionFund.programme(siren: nil, location: loc, among: try CohesionFund.programmes(book: Fixture.fcs))?.epciSiren == "200072460")
            return CohesionFund.evaluate(date: date, location: loc, programme: programme)
        }
        let inQPV = try verdict(bruay)
        #expect(inQPV.criteria.first { $0.id == "territory" }?.result == .met)
        #expect(inQPV.location?.code == "QN06212M")
        // In a QPV of the 2024 list of the intercommunalité: eligible territory, nothing to verify.
        #expect(inQPV.verdict == .eligible)
        #expect(inQPV.toVerify.isEmpty)

        let divionReport = try verdict(divion)
        #expect(divionReport.verdict == .toVerify)
        #expect(divionReport.location?.communes == ["Divion (62270)"])
        #expect(divionReport.toVerify.contains { $0.contains("Cité du Transvaal") && $0.contains("Cité de la Clarence") })

        let noeuxReport = try verdict(noeux)
        #expect(noeuxReport.toVerify.contains { $0.contains("Fond de Sains") })

        let lillersReport = try verdict(lillers)
        #expect(lillersReport.verdict == .notEligible)
        #expect(lillersReport.criteria.first { $0.id == "territory" }?.detail.contains("n'accueille aucun QIC") == true)
    }
}
