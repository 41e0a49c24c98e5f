// Dated geography: lists switching on 1 January 2024 (Hexagone) and 2025 (overseas), overlapping validity
// refused, registry consistency; pack format round trip and damaged packs; coordinate parsing.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTestSupport
import Testing

/// A small perimeter file written by the test: one square per code around (lon, lat).
func squareFile(_ dir: TemporaryDirectory, name: String, codes: [(code: String, lon: Double, lat: Double)], crsMember: Bool = true) throws -> String {
    let features = codes.map { c -> String in
        let d = 0.005
        let ring =
            "[[\(c.lon - d),\(c.lat - d)],[\(c.lon + d),\(c.lat - d)],[\(c.lon + d),\(c.lat + d)],[\(c.lon - d),\(c.lat + d)],[\(c.lon - d),\(c.lat - d)]]"
        return
            #"{"type":"Feature","properties":{"code_qp":"\#(c.code)","lib_qp":"Quartier \#(c.code)"},"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}"#
    }
    let crs = crsMember ? #""crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"# : ""
    return try dir.write(name, #"{"type":"FeatureCollection",\#(crs)"features":[\#(features.joined(separator: ","))]}"#)
}

@Suite struct DatedGeographyTests {
    // Pointe-à-Pitre (Guadeloupe) and Lens (Pas-de-Calais): synthetic squares with official-looking codes.
    static let guadeloupe = (lon: -61.535, lat: 16.241)
    static let lens = (lon: 2.83, lat: 50.43)

    @Test func hexagoneSwitchesListsOnFirstJanuary2024() throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        _ = try installPack(try squareFile(tmp, name: "qp2015.geojson", codes: [("QP062001", Self.lens.lon, Self.lens.lat)]), into: dir)
        let catalog = try PerimeterCatalog.open(dataDirectory: dir)
        let locator = try Locator(catalog: catalog)
        for (date, status) in [("2015-01-01", LocateStatus.inside), ("2023-12-31", .inside), ("2024-01-01", .noList), ("2024-01-02", .noList)] {
            let r = try locator.locate(lon: Self.lens.lon, lat: Self.lens.lat, on: CivilDate(date)!)
            #expect(r.status == status, "\(date)")
            if status == .noList {
                #expect(r.missingList?.id == "qpv-2024-hexagone")
                #expect(r.problem?.contains("liste 2024") == true)
            } else {
                #expect(r.qpv?.containing.map(\.code) == ["QP062001"])
            }
        }
        // Before 2015 no QPV list exists at all.
        let before = try locator.locate(lon: Self.lens.lon, lat: Self.lens.lat, on: CivilDate("2014-12-31")!)
        #expect(before.status == .noList)
        #expect(before.missingList == nil)
        #expect(before.problem?.contains("1er janvier 2015") == true)
        // It names the geography of the time (ZUS, CUCS) and the registry that holds it (the 2011 PTCS).
        #expect(before.problem?.contains("ZUS") == true && before.problem?.contains("CUCS") == true)
        #expect(before.problem?.contains("qpv perimeters list --epci 245901160") == true)
    }

    @Test func bothHexagoneVintagesInstalledAnswerFromTheRightOne() throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        // Fixtures standing for complete lists (issue 12: a partial list answers not_covered outside its quartiers).
        _ = try installPack(try squareFile(tmp, name: "a.geojson", codes: [("QP062001", Self.lens.lon, Self.lens.lat)]), into: dir) {
            $0.coverage = "national"
        }
        _ = try installPack(try squareFile(tmp, name: "b.geojson", codes: [("QN06201M", Self.lens.lon + 0.02, Self.lens.lat)]), into: dir) {
            $0.coverage = "national"
        }
        let locator = try Locator(catalog: try PerimeterCatalog.open(dataDirectory: dir))
        let old = try locator.locate(lon: Self.lens.lon, lat: Self.lens.lat, on: CivilDate("2023-12-31")!)
        let new = try locator.locate(lon: Self.lens.lon, lat: Self.lens.lat, on: CivilDate("2024-01-01")!)
        #expect(old.status == .inside)
        #expect(new.status == .outside)
        #expect(new.qpv?.nearest?.code == "QN06201M")
        let newInside = try locator.locate(lon: Self.lens.lon + 0.02, lat: Self.lens.lat, on: CivilDate("2024-01-01")!)
        #expect(newInside.qpv?.containing.map(\.code) == ["QN06201M"])
    }

    @Test func overseasSwitchesListsOnFirstJanuary2025() throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        _ = try installPack(try squareFile(tmp, name: "om2015.geojson", codes: [("QP971001", Self.guadeloupe.lon, Self.guadeloupe.lat)]), into: dir)
        let catalog = try PerimeterCatalog.open(dataDirectory: dir)
        #expect(catalog.sets[0].info.listId == "qpv-2015-outre-mer")
        #expect(catalog.perimeters[0].record.metricCRS == 5490)
        let locator = try Locator(catalog: catalog)
        #expect(try locator.locate(lon: Self.guadeloupe.lon, lat: Self.guadeloupe.lat, on: CivilDate("2024-12-31")!).status == .inside)
        let jan = try locator.locate(lon: Self.guadeloupe.lon, lat: Self.guadeloupe.lat, on: CivilDate("2025-01-01")!)
        #expect(jan.status == .noList)
        #expect(jan.missingList?.id == "qpv-2025-outre-mer")
        // Mainland answers are independent of overseas lists: 2023 in Lens has no hexagone list installed here.
        let lens = try locator.locate(lon: Self.lens.lon, lat: Self.lens.lat, on: CivilDate("2023-06-01")!)
        #expect(lens.missingList?.id == "qpv-2015-hexagone")

        _ = try installPack(try squareFile(tmp, name: "om2025.geojson", codes: [("QN97101M", Self.guadeloupe.lon, Self.guadeloupe.lat)]), into: dir)
        let both = try Locator(catalog: try PerimeterCatalog.open(dataDirectory: dir))
        #expect(
            try both.locate(lon: Self.guadeloupe.lon, lat: Self.guadeloupe.lat, on: CivilDate("2024-12-31")!).qpv?.containing.map(\.code) == [
                "QP971001"
            ])
        let r = try both.locate(lon: Self.guadeloupe.lon, lat: Self.guadeloupe.lat, on: CivilDate("2025-01-01")!)
        #expect(r.qpv?.containing.map(\.code) == ["QN97101M"])
        #expect(both.catalog.sets.first { $0.info.listId == "qpv-2025-outre-mer" }?.info.vintage == "2025")
    }

    @Test func demoDataFollowsTheSameDates() throws {
        let tmp = try TemporaryDirectory()
        let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url))
        #expect(catalog.includesDemo)
        let locator = try Locator(catalog: catalog)
        // "Le Port" exists only in the 2015 demo list; the 2024 Tilleuls grew east.
        let port = (lon: -4.5506494, lat: 46.2071942)
        #expect(try locator.locate(lon: port.lon, lat: port.lat, on: CivilDate("2023-12-31")!).qpv?.containing.map(\.code) == ["QX000103"])
        #expect(try locator.locate(lon: port.lon, lat: port.lat, on: CivilDate("2024-01-01")!).status == .outside)
        // A real place is not answered by the demo pack.
        let paris = try locator.locate(lon: 2.35, lat: 48.85, on: CivilDate("2024-06-01")!)
        #expect(paris.status == .noList)
        #expect(paris.missingList?.id == "qpv-2024-hexagone")
    }

    @Test func overlappingValidityIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        _ = try installPack(try squareFile(tmp, name: "a.geojson", codes: [("QN06201M", Self.lens.lon, Self.lens.lat)]), into: dir)
        // A 2015 list artificially extended into 2024 overlaps the installed 2024 list.
        #expect(throws: PackError.self) {
            _ = try installPack(try squareFile(tmp, name: "b.geojson", codes: [("QP062001", Self.lens.lon, Self.lens.lat)]), into: dir) {
                $0.validTo = CivilDate("2024-06-30")
            }
        }
        // Re-importing the same file replaces the pack instead of duplicating it.
        _ = try installPack(tmp.path("a.geojson"), into: dir)
        #expect(PackStore(dataDirectory: dir).packPaths().count == 1)
    }

    @Test func registryEntriesAreConsistent() throws {
        let r = try Registry.shipped()
        #expect(r.lists.count == 4)
        for l in r.lists {
            #expect(l.matches(code: l.codeExample), "\(l.id)")
            #expect(!l.legalBasis.isEmpty && !l.sources.isEmpty)
        }
        #expect(r.list(kind: .qpv, territory: .hexagone, on: CivilDate("2023-12-31")!)?.id == "qpv-2015-hexagone")
        #expect(r.list(kind: .qpv, territory: .hexagone, on: CivilDate("2024-01-01")!)?.id == "qpv-2024-hexagone")
        #expect(r.list(kind: .qpv, territory: .outreMer, on: CivilDate("2024-12-31")!)?.id == "qpv-2015-outre-mer")
        #expect(r.list(kind: .qpv, territory: .outreMer, on: CivilDate("2025-01-01")!)?.id == "qpv-2025-outre-mer")
        #expect(r.list(forCode: "QP059043")?.id == "qpv-2015-hexagone")
        #expect(r.list(forCode: "QN06208M")?.id == "qpv-2024-hexagone")
        #expect(r.list(forCode: "QN97101M")?.id == "qpv-2025-outre-mer")
        #expect(r.list(forCode: "QX000101") == nil)
    }
}

@Suite struct PackFormatTests {
    @Test func damagedOrForeignPacksAreRefusedWithTheirPath() throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        let path = try installedPackPath(tmp, dir)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        // Truncated anywhere after the header: a clear error, never a crash.
        for cut in [10, 20, good.count / 3, good.count / 2, good.count - 10] {
            let p = tmp.path("cut-\(cut).qpvpack")
            try good.prefix(cut).write(to: URL(fileURLWithPath: p))
            do {
                _ = try PerimeterPack(path: p)
                Issue.record("un paquet tronqué à \(cut) octets a été accepté")
            } catch let e as PackError {
                #expect("\(e)".contains(p))
            }
        }
        let foreign = try tmp.write("x.qpvpack", "not a pack at all, just text")
        #expect(throws: PackError.self) { try PerimeterPack(path: foreign) }
        // An older format asks for a re-import.
        var old = good
        old[8] = 1
        let oldPath = tmp.path("old.qpvpack")
        try old.write(to: URL(fileURLWithPath: oldPath))
        do {
            _ = try PerimeterPack(path: oldPath)
            Issue.record("un format ancien a été accepté")
        } catch { #expect("\(error)".contains("réimportez")) }
    }

    @Test func packRoundTripKeepsRecordsAndIndexes() throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        let pack = try PerimeterPack(path: try installedPackPath(tmp, dir))
        #expect(pack.manifest.perimeters.map(\.code) == ["QP062001", "QP062002"])
        #expect(pack.manifest.perimeters[0].communes == [CommuneRef(insee: "", name: "")] || pack.manifest.perimeters[0].communes.isEmpty)
        let catalog = try PerimeterCatalog.open(dataDirectory: dir)
        let r = try Locator(catalog: catalog).locate(lon: 2.83, lat: 50.43, on: CivilDate("2020-01-01")!)
        #expect(r.qpv?.containing.map(\.code) == ["QP062001"])
        #expect(r.qpv?.nearest?.code == "QP062001")
    }

    func installedPackPath(_ tmp: TemporaryDirectory, _ dir: DataDirectory) throws -> String {
        let file = try squareFile(tmp, name: "p.geojson", codes: [("QP062001", 2.83, 50.43), ("QP062002", 2.86, 50.43)])
        _ = try installPack(file, into: dir)
        return try #require(PackStore(dataDirectory: dir).packPaths().first)
    }
}

@Suite struct CoordinateParsingTests {
    @Test func fastPathAgreesWithTheStandardParser() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200_000 {
            let decimals = Int.random(in: 0...9, using: &rng)
            let v = Double.random(in: -180...180, using: &rng)
            let text = String(format: "%.\(decimals)f", v)
            #expect(LocateResult.parseCoordinate(text) == Double(text), "\(text)")
            #expect(LocateResult.parseCoordinate(" " + text.replacingOccurrences(of: ".", with: ",") + " ") == Double(text), "\(text)")
        }
    }

    @Test func acceptedAndRejectedSpellings() {
        #expect(LocateResult.parseCoordinate("2.6303") == 2.6303)
        #expect(LocateResult.parseCoordinate("-4,612987") == -4.612987)
        #expect(LocateResult.parseCoordinate("+1") == 1)
        #expect(LocateResult.parseCoordinate("1e2") == 100)
        #expect(LocateResult.parseCoordinate("12345678901234567.5") == 12345678901234567.5)
        for bad in ["", " ", "-", ".", "1.2.3", "2,5,3", "ouest", "0x1p3", "nan", "inf", "1e400", "12 34"] {
            #expect(LocateResult.parseCoordinate(bad) == nil, "« \(bad) »")
        }
    }
}
