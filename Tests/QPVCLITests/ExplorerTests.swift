// `PerimeterExplorer` on the demo pack: list filters, diff between vintages, show as GeoJSON, and the seed
// territory registries shown without geometry.

import Foundation
import QPVCore
import QPVPerimeters
import QPVTestSupport
import Testing

@Suite struct ExplorerTests {
    let catalog: PerimeterCatalog
    init() throws {
        let tmp = try TemporaryDirectory()
        catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url))  // demo pack
    }

    @Test func listFiltersByDateCommuneAndKind() {
        let e = PerimeterExplorer(catalog: catalog)
        let in2023 = e.list(on: CivilDate("2023-06-01")!).map(\.code)
        #expect(in2023 == ["QX000101", "QX000102", "QX000103"])
        let in2024 = e.list(on: CivilDate("2024-06-01")!, kind: .qpv).map(\.code)
        #expect(in2024 == ["QX000201", "QX000202", "QX000204"])
        #expect(e.list(on: CivilDate("2023-06-01")!, commune: "00102").map(\.code) == ["QX000103"])
        #expect(e.list(on: nil, kind: .qic).count == 2)
        #expect(e.list(on: nil, epci: "000000019").count == catalog.perimeters.count)
    }

    @Test func diffFindsNewRemovedAndChanged() throws {
        let diffs = try PerimeterExplorer(catalog: catalog).diff(from: "2015", to: "2024", locator: try Locator(catalog: catalog))
        let q = try #require(diffs.first { $0.commune == "00101" })
        #expect(q.new.map(\.code) == ["QX000204"])
        #expect(q.removed.map(\.code) == ["QX000103"])
        #expect(q.unchanged == ["QX000202"])
        let tilleuls = try #require(q.changed.first)
        #expect(tilleuls.fromCodes == ["QX000101"] && tilleuls.toCode == "QX000201")
        // The 2024 Tilleuls grew east by a 0.5 km × 0.8–1.1 km strip and lost nothing but projection slivers
        // (an old corner lying on a new edge in lon/lat is a few centimetres off it in Lambert-93).
        #expect(tilleuls.areaGainedM2 > 400_000 && tilleuls.areaGainedM2 < 550_000)
        #expect(tilleuls.areaLostM2 < 100)
        #expect(abs(tilleuls.areaToM2 - tilleuls.areaFromM2 - (tilleuls.areaGainedM2 - tilleuls.areaLostM2)) < 1)
    }

    @Test func showExportsGeoJSONAndExplainsMissingCodes() throws {
        let env = ["QPV_DATA_DIR": try TemporaryDirectory().url.path]
        let geo = try CLIRunner.run(["perimeters", "show", "QX000102", "--format", "geojson"], environment: env)
        #expect(geo.status == 0)
        let fc = try JSONParser.parse(geo.stdout)
        let feature = try #require(fc["features"]?.arrayValue?.first)
        #expect(feature["geometry"]?["type"]?.stringValue == "MultiPolygon")  // one geometry type per layer (RFC 7946)
        #expect(feature["geometry"]?["coordinates"]?.arrayValue?.first?.arrayValue?.count == 2)  // the park is a hole
        #expect(feature["properties"]?["code"]?.stringValue == "QX000102")
        let missing = try CLIRunner.run(["perimeters", "show", "QN06208M"], environment: env)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("Géométrie non installée"))
        #expect(missing.stderr.contains("2023-1314"))
        // The Béthune-Bruay registry knows it: name and communes, without geometry.
        #expect(missing.stdout.contains("Mont Liébaut") && missing.stdout.contains("Béthune") && missing.stdout.contains("200072460"))
        let qic = try CLIRunner.run(["perimeters", "show", "Cité du Transvaal"], environment: env)
        #expect(qic.status == 1)
        #expect(qic.stdout.contains("Divion") && qic.stdout.contains("940 habitants"))
        #expect(qic.stderr.contains("géométrie non installée"))
    }

    /// The seed territories' registries answer without any geometry installed (issue 14).
    @Test func registriesOfTheSeedTerritoriesAreShownWithoutGeometry() throws {
        let env = ["QPV_DATA_DIR": try TemporaryDirectory().url.path]
        let quesnoy = try CLIRunner.run(["perimeters", "show", "QP059043"], environment: env)
        #expect(quesnoy.stdout.contains("Cœur d'étoile") && quesnoy.stdout.contains("Le Quesnoy"))
        #expect(quesnoy.stdout.contains("QN05943M"), "its 2024 successor")
        #expect(quesnoy.stdout.contains("Pays de Mormal") && quesnoy.stdout.contains("200043321"))
        #expect(quesnoy.stdout.contains("TFPB") && quesnoy.stdout.contains("emplois francs") && quesnoy.stdout.contains("médiateurs santé"))
        #expect(quesnoy.stdout.contains("avenant au contrat de ville du Quesnoy 2020-2022"), "each fact cites its document")
        #expect(quesnoy.stderr.contains("géométrie non installée") || quesnoy.stderr.contains("Géométrie non installée"))
        // Its successor code leads to the same facts.
        let successor = try CLIRunner.run(["perimeters", "show", "QN05943M"], environment: env)
        #expect(successor.stdout.contains("QP059043") && successor.stdout.contains("successeur"))

        let vm = try CLIRunner.run(["perimeters", "list", "--epci", "245901160"], environment: env)
        #expect(vm.status == 0, "\(vm.stderr)")
        #expect(vm.stdout.contains("Valenciennes Métropole"))
        #expect(vm.stdout.contains("Dutemple Chasse Royale Saint Waast - La Sentinelle") && vm.stdout.contains("QN05930M"))
        #expect(vm.stdout.contains("20 quartiers de veille active"))
        #expect(vm.stdout.contains("Chasse Royale") && vm.stdout.contains("NPNRU"))
        #expect(vm.stdout.contains("31 décembre 2022"), "contract extended to 2022")
        #expect(vm.stdout.contains("CUCS") && vm.stdout.contains("PNRU") && vm.stdout.contains("Carpeaux"), "the 2011 PTCS")

        let cab = try CLIRunner.run(["perimeters", "list", "--epci", "200072460"], environment: env)
        #expect(cab.stdout.contains("9 avril 2024") && cab.stdout.contains("15 avril 2024"))
        #expect(cab.stdout.contains("Cité Longuepierre-Béchet") && cab.stdout.contains("Hulluch (62464)"))
        #expect(cab.stdout.contains("12 600 €"))
        // A QIC found under the other spelling of the deliberation's table.
        let alias = try CLIRunner.run(["perimeters", "show", "Cité Longuepierre - Beclet"], environment: env)
        #expect(alias.stdout.contains("Cité Longuepierre-Béchet") && alias.stdout.contains("Hersin-Coupigny"))
    }

    @Test func seedRegistriesAreConsistent() throws {
        let registry = try Registry.shipped()
        let all = try TerritoryRegistry.shipped()
        #expect(Set(all.map(\.id)) == ["cabbalr", "pays-de-mormal-le-quesnoy", "valenciennes-metropole-2019", "valenciennes-metropole-ptcs-2011"])
        for t in all { #expect(t.problems(registry: registry).isEmpty, "\(t.id): \(t.problems(registry: registry))") }
        let vm = try #require(all.first { $0.id == "valenciennes-metropole-2019" })
        #expect(vm.qpv.count == 14)
        #expect(vm.contract.validTo == CivilDate("2022-12-31"))
        #expect(vm.qpv(code: "QN05931M")?.name == "Zone intercommunale Faubourg de Cambrai - La Briquette")
        #expect(vm.npnruSites.count >= 4)
        let ptcs = try #require(all.first { $0.id == "valenciennes-metropole-ptcs-2011" })
        #expect(ptcs.hasPre2015Geography)
        #expect(TerritoryRegistry.shippedPre2015.map(\.id) == ["valenciennes-metropole-ptcs-2011"])
        // Before 2015: no_list names ZUS and CUCS, and where the registry holds the PTCS.
        let sentence = Locator.noListProblem(missing: nil, territory: .hexagone, dateFrench: "1er juin 2012")
        #expect(sentence.contains("ZUS") && sentence.contains("CUCS") && sentence.contains("--epci 245901160"))
        let cab = try #require(all.first { $0.id == "cabbalr" })
        #expect(cab.contract.councilVote == CivilDate("2024-04-09") && cab.contract.enforceableFrom == CivilDate("2024-04-15"))
        #expect(cab.incomeThreshold?.eur == 12_600)
        #expect(cab.qpv(code: "QN06216M")?.excludedCommunes?.map(\.insee) == ["62464"])
    }
}
