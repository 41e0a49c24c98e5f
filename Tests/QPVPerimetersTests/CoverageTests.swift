// Coverage of partial lists and QIC scope (issue 12) in the locate engine and `qpv data import --coverage`:
// `not_covered` and `not_applicable` on real data (../shared) and on the demo data with invented communes.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

/// Issue 12, items 1–2: a partial list never answers "out" where it does not surely apply (`not_covered`), a
/// QIC never answers outside its EPCI (`not_applicable`) nor outside its dates.
enum CoverageFixtures {
    /// Valenciennes (59), Béthune (62), Toulouse (31), a point of Toulouse centre outside every QPV.
    static let valenciennes = (lon: 3.5235, lat: 50.3579)
    static let bethune = (lon: 2.6397, lat: 50.5303)
    static let toulouse = (lon: 1.4442, lat: 43.6045)
    static let date2020 = CivilDate("2020-06-01")!
    static let date2024 = CivilDate("2024-06-01")!

    /// An invented commune (a square in WGS84) as a GeoJSON feature.
    static func squareCommune(code: String, name: String, minLon: Double, minLat: Double, maxLon: Double, maxLat: Double, epci: String? = nil)
        -> String
    {
        let ring = "[[\(minLon),\(minLat)],[\(maxLon),\(minLat)],[\(maxLon),\(maxLat)],[\(minLon),\(maxLat)],[\(minLon),\(minLat)]]"
        let e = epci.map { ",\"siren_epci\":\"\($0)\"" } ?? ""
        return
            "{\"type\":\"Feature\",\"properties\":{\"code\":\"\(code)\",\"nom\":\"\(name)\"\(e)},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[\(ring)]}}"
    }

    static func collection(_ features: [String]) -> String { "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}" }

    static func installCommunes(_ path: String, into dir: DataDirectory, epci: String? = nil) throws {
        _ = try AdminAreas.install(try AdminAreas.compile(path: path, epciSiren: epci), dataDirectory: dir)
    }
}

@Suite(.enabled(if: SharedData.isAvailable)) struct CoverageRealDataTests {
    typealias F = CoverageFixtures

    @Test func occitanieAloneNeverSaysOutInTheNorth() throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        let manifest = try installPack(try occitaniePath(), into: dir).manifest
        // Coverage recorded at import: the départements of the codes, presumed; the import warns.
        let coverage = try #require(manifest.sets[0].departementCoverage)
        #expect(!coverage.complete)
        #expect(coverage.basis == .presumed)
        let fromCodes = Set(manifest.perimeters.compactMap { Departement.of(perimeterCode: $0.code) })
        #expect(Set(coverage.departements) == fromCodes)
        #expect(coverage.departements.contains("31") && coverage.departements.contains("34") && !coverage.departements.contains("59"))
        #expect(manifest.warnings.contains { $0.contains("liste partielle") && $0.contains("--coverage national") })

        let catalog = try PerimeterCatalog.open(dataDirectory: dir)
        let locator = try Locator(catalog: catalog)
        for p in [F.valenciennes, F.bethune] {
            let r = try locator.locate(lon: p.lon, lat: p.lat, on: F.date2020)
            #expect(r.status == .notCovered, "\(p) : \(r.status)")
            #expect(r.qpv?.containing.isEmpty ?? false)
            #expect(r.problem?.contains("qpv data import-communes") ?? false, "\(r.problem ?? "")")
            let report = LocateReport(result: r, catalog: catalog)
            #expect(report.status == "not_covered")
            #expect(report.text().contains("À VÉRIFIER"))
            #expect(!report.message.contains("n'est dans aucun QPV"))
        }
        // Points inside a QPV keep their answer: containment does not depend on coverage.
        let truth = try TruthPoint.load().filter { !$0.codes.isEmpty && $0.distance > 30 }.prefix(50)
        let rs = try locator.locate(lons: truth.map(\.lon), lats: truth.map(\.lat), on: F.date2020)
        for (t, r) in zip(truth, rs) {
            #expect(r.status == .inside && Set(r.qpv?.containing.map(\.code) ?? []) == t.codes)
        }
    }

    @Test func communeDataPlacesThePointInItsDepartement() throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        _ = try installPack(try occitaniePath(), into: dir)
        try F.installCommunes(try SharedData.file("geodata/communes-62-2018.geojson").path, into: dir)
        let areas = try AdminAreas.openAll(dir)
        #expect(areas.count == 1 && areas[0].manifest.zones.map(\.code) == ["62"])
        #expect(areas[0].manifest.communeCount > 800)
        let catalog = try PerimeterCatalog.open(dataDirectory: dir)
        let locator = try Locator(catalog: catalog)
        let b = try locator.locate(lon: F.bethune.lon, lat: F.bethune.lat, on: F.date2020)
        #expect(b.status == .notCovered)
        #expect(b.problem?.contains("département 62 non couvert") ?? false, "\(b.problem ?? "")")
        // Valenciennes is not in the installed communes: still unknown.
        let v = try locator.locate(lon: F.valenciennes.lon, lat: F.valenciennes.lat, on: F.date2020)
        #expect(v.status == .notCovered)
        #expect(v.problem?.contains("inconnu") ?? false)
        // The geocoded commune (citycode) of an address decides without outlines: a Toulouse address is out…
        let t = try locator.locate(lon: F.toulouse.lon, lat: F.toulouse.lat, on: F.date2020, commune: "31555")
        #expect(t.status == .outside, "\(t.problem ?? "")")
        // … a Valenciennes address is in a département the list does not cover.
        let va = try locator.locate(lon: F.valenciennes.lon, lat: F.valenciennes.lat, on: F.date2020, commune: "59606")
        #expect(va.status == .notCovered && (va.problem?.contains("département 59") ?? false))
        // The same Toulouse point without its commune: its département is unknown here.
        #expect(try locator.locate(lon: F.toulouse.lon, lat: F.toulouse.lat, on: F.date2020).status == .notCovered)
    }

    @Test func aListDeclaredNationalAnswersAsBefore() throws {
        let tmp = try TemporaryDirectory()
        let dir = DataDirectory(url: tmp.url)
        let manifest = try installPack(try occitaniePath(), into: dir) { $0.coverage = "national" }.manifest
        #expect(manifest.sets[0].departementCoverage?.complete == true)
        #expect(!manifest.warnings.contains { $0.contains("liste partielle") })
        let catalog = try PerimeterCatalog.open(dataDirectory: dir)
        let r = try Locator(catalog: catalog).locate(lon: F.valenciennes.lon, lat: F.valenciennes.lat, on: F.date2020)
        #expect(r.status == .outside)
        #expect((r.qpv?.distanceBoundaryM ?? 0) > 500_000)
    }

    @Test func invalidCoverageOptionIsRefused() throws {
        let tmp = try TemporaryDirectory()
        do {
            _ = try installPack(try occitaniePath(), into: DataDirectory(url: tmp.url)) { $0.coverage = "59,Nord" }
            Issue.record("--coverage 59,Nord doit être refusé")
        } catch { #expect("\(error)".contains("n'est pas un département")) }
        #expect(try DepartementCoverage.parseOption("59, 62,2a,971").departements == ["59", "62", "2A", "971"])
    }

    /// QIC from real Béthune carreaux (EPCI 200072460), the EPCI's real communes installed.
    func bethuneQIC(in tmp: TemporaryDirectory, communes: Bool) throws -> (PerimeterCatalog, qicCentre: (x: Double, y: Double)) {
        let dir = DataDirectory(url: tmp.url)
        let reader = try CSVReader(path: try SharedData.file("geodata/filosofi-2021-200m-bethune.csv").path)
        let id = try reader.requireColumn("idcar_200m")
        var cells: [GridCell] = []
        while let r = try reader.next(), cells.count < 6 { cells.append(try GridCell(id: r[id])) }
        var text = "code_qic,nom_qic,idcar_200m\n"
        for c in cells { text += "QIC01,Cité test,\(c.id)\n" }
        _ = try installPack(try tmp.write("qic.csv", text), into: dir) {
            $0.kind = .qic
            $0.vintage = "2024"
            $0.epciSiren = "200072460"
            $0.validFrom = CivilDate("2024-01-01")
        }
        if communes { try F.installCommunes(try SharedData.file("geodata/communes-cabbalr-2018.geojson").path, into: dir, epci: "200072460") }
        let c = cells[0].envelope.center
        let ll = try CoordinateTransformer(from: .laea3035, to: .wgs84, context: try ProjContext()).transform(x: c.x, y: c.y)
        return (try PerimeterCatalog.open(dataDirectory: dir), ll)
    }

    @Test func bethuneQICDoesNotApplyInToulouse() throws {
        let tmp = try TemporaryDirectory()
        let (catalog, centre) = try bethuneQIC(in: tmp, communes: true)
        let areas = catalog.areas.flatMap(\.manifest.zones)
        #expect(areas.contains { $0.kind == .epci && $0.code == "200072460" && $0.members.count == 100 })
        let locator = try Locator(catalog: catalog)
        let t = try locator.locate(lon: F.toulouse.lon, lat: F.toulouse.lat, on: F.date2024)
        #expect(t.qic?.status == .notApplicable)
        #expect(t.qic?.distanceBoundaryM == nil && t.qic?.nearest == nil)
        #expect(t.qicProblem?.contains("hors de l'EPCI 200072460") ?? false)
        let columns = LocateColumns(catalog: catalog)
        let values = columns.values(t)
        let qic = Array(values.suffix(LocateBatch.qicColumns.count))
        #expect(qic == ["not_applicable", "", "", "", ""])
        // Inside the QIC: in; in Béthune, away from the QIC and from the EPCI's limit: out.
        #expect(try locator.locate(lon: centre.x, lat: centre.y, on: F.date2024).qic?.status == .inside)
        let elsewhere = try locator.locate(lon: F.bethune.lon, lat: F.bethune.lat - 0.02, on: F.date2024)
        #expect(elsewhere.qic?.status == .outside, "\(elsewhere.qicProblem ?? "")")
        #expect((elsewhere.qic?.distanceBoundaryM ?? 0) > 500)
        // An address's citycode decides too: a commune of the EPCI (Béthune 62119), one outside (Toulouse).
        #expect(try locator.locate(lon: F.toulouse.lon, lat: F.toulouse.lat, on: F.date2024, commune: "31555").qic?.status == .notApplicable)
    }

    @Test func withoutTheEPCICommunesTheQICAnswerIsToVerify() throws {
        let tmp = try TemporaryDirectory()
        let (catalog, _) = try bethuneQIC(in: tmp, communes: false)
        let t = try Locator(catalog: catalog).locate(lon: F.toulouse.lon, lat: F.toulouse.lat, on: F.date2024)
        #expect(t.qic?.status == .notCovered)
        #expect(t.qicProblem?.contains("import-communes") ?? false)
        let report = LocateReport(result: t, catalog: catalog)
        #expect(report.qicStatus == "not_covered")
        #expect(report.toVerify.contains { $0.contains("EPCI 200072460") })
    }
}

/// The same rules on the fictional demonstration data (imported as an ordinary list) and invented communes.
@Suite struct CoverageDemoTests {
    typealias F = CoverageFixtures
    /// Outside every demo QPV, ~2.1 km east of the nearest (`Hors` row of LocateCLITests).
    let outsidePoint = (lon: -4.5974026, lat: 46.2013489)

    func demoList(_ tmp: TemporaryDirectory, coverage: String? = nil) throws -> DataDirectory {
        let dir = DataDirectory(url: tmp.url)
        _ = try installPack(SharedData.geoData("demo/demo-qpv-2024.geojson").path, into: dir) {
            $0.vintage = "2024"
            $0.coverage = coverage
        }
        return dir
    }

    @Test func partialDemoListNeedsTheCommune() throws {
        let tmp = try TemporaryDirectory()
        let dir = try demoList(tmp)
        var catalog = try PerimeterCatalog.open(dataDirectory: dir)
        #expect(catalog.coverages[0]?.departements == ["00"])
        #expect(try Locator(catalog: catalog).locate(lon: outsidePoint.lon, lat: outsidePoint.lat, on: F.date2024).status == .notCovered)
        // An invented commune 00101 around the demo town: the point is surely in département 00, covered → out.
        let communes = try tmp.write(
            "communes.geojson",
            F.collection([F.squareCommune(code: "00101", name: "Quartville", minLon: -4.66, minLat: 46.15, maxLon: -4.55, maxLat: 46.25)]))
        try F.installCommunes(communes, into: dir)
        catalog = try PerimeterCatalog.open(dataDirectory: dir)
        let locator = try Locator(catalog: catalog)
        let r = try locator.locate(lon: outsidePoint.lon, lat: outsidePoint.lat, on: F.date2024)
        #expect(r.status == .outside, "\(r.problem ?? "")")
        // 40 m from the commune's (so the département's) edge: not sure.
        let edge = try locator.locate(lon: -4.5505, lat: 46.2, on: F.date2024)
        #expect(edge.status == .notCovered)
        #expect(edge.problem?.contains("limite de département") ?? false)
        // Outside the installed communes: unknown.
        #expect(try locator.locate(lon: -4.9, lat: 46.2, on: F.date2024).status == .notCovered)
    }

    @Test func declaredCoverageOfAnotherDepartementIsNotCovered() throws {
        let tmp = try TemporaryDirectory()
        let dir = try demoList(tmp, coverage: "59")
        let communes = try tmp.write(
            "communes.geojson",
            F.collection([F.squareCommune(code: "00101", name: "Quartville", minLon: -4.66, minLat: 46.15, maxLon: -4.55, maxLat: 46.25)]))
        try F.installCommunes(communes, into: dir)
        let catalog = try PerimeterCatalog.open(dataDirectory: dir)
        #expect(catalog.packs[0].manifest.warnings.contains { $0.contains("hors de --coverage") })
        let r = try Locator(catalog: catalog).locate(lon: outsidePoint.lon, lat: outsidePoint.lat, on: F.date2024)
        #expect(r.status == .notCovered && (r.problem?.contains("département 00 non couvert") ?? false))
    }

    @Test func nationalDemoListAndBatchesAnswerOut() throws {
        let tmp = try TemporaryDirectory()
        let dir = try demoList(tmp, coverage: "national")
        let catalog = try PerimeterCatalog.open(dataDirectory: dir)
        let lons = [Double](repeating: outsidePoint.lon, count: 1500)
        let lats = [Double](repeating: outsidePoint.lat, count: 1500)
        let answers = try Locator(catalog: catalog).locateAnswers(lons: lons, lats: lats, on: F.date2024)
        #expect((0..<answers.count).allSatisfy { answers.status($0) == .outside })
    }

    @Test func batchOfAPartialListSaysWhyInQpvError() throws {
        let tmp = try TemporaryDirectory()
        let dir = try demoList(tmp)
        let catalog = try PerimeterCatalog.open(dataDirectory: dir)
        // 1,200 rows: the batch path (spatial order) puts every reason back on its row.
        var text = "id,lon,lat\n"
        for k in 0..<1200 { text += k % 2 == 0 ? "\(k),\(outsidePoint.lon),\(outsidePoint.lat)\n" : "\(k),-4.6181818,46.2107914\n" }
        let input = try tmp.write("in.csv", text)
        let writer = try CSVWriter(path: tmp.path("out.csv"), dialect: CSVDialect())
        let summary = try LocateBatch(catalog: catalog, options: LocateBatchOptions(date: F.date2024)).run(
            reader: try CSVReader(path: input), writer: writer)
        #expect(summary.byStatus["not_covered"] == 600)
        #expect(summary.text.contains("not_covered"))
        let reader = try CSVReader(path: tmp.path("out.csv"))
        let status = try reader.requireColumn("qpv_status")
        let error = try reader.requireColumn("qpv_error")
        let id = try reader.requireColumn("id")
        while let r = try reader.next() {
            if Int(r[id])! % 2 == 0 {
                #expect(r[status] == "not_covered" && r[error].contains("import-communes"))
            } else {
                #expect(r[status] != "not_covered" && r[error].isEmpty)
            }
        }
    }

    @Test func demoQICOutsideItsEPCIIsNotApplicable() throws {
        let tmp = try TemporaryDirectory()
        let dir = try demoList(tmp, coverage: "national")
        _ = try installPack(SharedData.geoData("demo/demo-qic-2024.geojson").path, into: dir) {
            $0.kind = .qic
            $0.vintage = "2024"
            $0.epciSiren = "000000019"
            $0.validFrom = CivilDate("2024-01-01")
        }
        // The EPCI's communes: the attribute siren_epci of an invented commune file.
        let communes = try tmp.write(
            "communes.geojson",
            F.collection([
                F.squareCommune(code: "00101", name: "Quartville", minLon: -4.66, minLat: 46.15, maxLon: -4.55, maxLat: 46.25, epci: "000000019")
            ]))
        let locator = try Locator(catalog: try PerimeterCatalog.open(dataDirectory: dir))
        let before = try locator.locate(lon: -4.9, lat: 46.2, on: F.date2024)
        #expect(before.qic?.status == .notCovered)
        try F.installCommunes(communes, into: dir)
        let after = try Locator(catalog: try PerimeterCatalog.open(dataDirectory: dir))
        #expect(try after.locate(lon: -4.9, lat: 46.2, on: F.date2024).qic?.status == .notApplicable)
        #expect(try after.locate(lon: outsidePoint.lon, lat: outsidePoint.lat, on: F.date2024).qic?.status == .outside)
        #expect(try after.locate(lon: -4.5505, lat: 46.2, on: F.date2024).qic?.status == .notCovered)
    }

    @Test func undatedQICIsRefusedAtImport() throws {
        let tmp = try TemporaryDirectory()
        do {
            _ = try installPack(SharedData.geoData("demo/demo-qic-2024.geojson").path, into: DataDirectory(url: tmp.url)) {
                $0.kind = .qic
                $0.vintage = "2024"
                $0.epciSiren = "000000019"
            }
            Issue.record("un jeu de QIC sans --valid-from doit être refusé")
        } catch {
            #expect("\(error)".contains("dates de validité des QIC non renseignées") && "\(error)".contains("--valid-from"))
        }
    }

    @Test func cliImportWarnsListShowsCoverageAndLocateSaysNotCovered() throws {
        let tmp = try TemporaryDirectory()
        let env = ["QPV_DATA_DIR": tmp.path("data")]
        let imp = try CLIRunner.run(["data", "import", SharedData.geoData("demo/demo-qpv-2024.geojson").path, "--vintage", "2024"], environment: env)
        #expect(imp.status == 0, "\(imp.stderr)")
        #expect(imp.stderr.contains("liste partielle"))
        #expect(imp.stdout.contains("couverture : partielle"))
        let list = try CLIRunner.run(["data", "list"], environment: env)
        #expect(list.stdout.contains("couverture : partielle : département(s) 00"))
        let r = try CLIRunner.run(
            ["locate", "--lon", "\(outsidePoint.lon)", "--lat", "\(outsidePoint.lat)", "--date", "2024-06-01", "--format", "json"], environment: env)
        let json = try JSONParser.parse(r.stdout)
        #expect(json["status"]?.stringValue == "not_covered")
        let noDate = try CLIRunner.run(
            ["data", "import", SharedData.geoData("demo/demo-qic-2024.geojson").path, "--kind", "qic", "--epci", "000000019", "--vintage", "2024"],
            environment: env)
        #expect(noDate.status != 0 && noDate.stderr.contains("--valid-from"))
        let communes = try tmp.write(
            "communes.geojson",
            F.collection([F.squareCommune(code: "00101", name: "Quartville", minLon: -4.66, minLat: 46.15, maxLon: -4.55, maxLat: 46.25)]))
        let ic = try CLIRunner.run(["data", "import-communes", communes], environment: env)
        #expect(ic.status == 0 && ic.stdout.contains("département 00 : 1 communes"), "\(ic.stdout)\(ic.stderr)")
        let out = try CLIRunner.run(
            ["locate", "--lon", "\(outsidePoint.lon)", "--lat", "\(outsidePoint.lat)", "--date", "2024-06-01"], environment: env)
        #expect(out.stdout.contains("✗ HORS QPV"), "\(out.stdout)")
    }
}
