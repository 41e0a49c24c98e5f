// Tests of the rule files and registries: every shipped `GeoData/rules/*.json` loads with sourced versions,
// uncertain facts are flagged, bad files name their path, versions are inclusive, registries are consistent.

import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters
import Testing

@Suite struct RuleBookTests {
    @Test func everyShippedRuleFileLoadsWithSourcedVersions() throws {
        let names = RuleBook.shippedNames()
        #expect(names == ["adulte-relais", "emploi-franc", "fcs", "fonds-de-concours-cabbalr", "pec-jeunes-occitanie", "tfpb"])
        for name in names {
            let book = try RuleBook.shipped(name)
            let versions = book.rules.values.flatMap { $0 } + book.programmes.flatMap { $0.rules.values.flatMap { $0 } }
            #expect(!versions.isEmpty, "\(name)")
            for v in versions {
                #expect(!v.sources.isEmpty, "\(name) \(v.rule)")
                #expect(v.validFrom != nil || v.validTo != nil, "\(name) \(v.rule) sans dates")
            }
            // Every cited source has a title; official ones a URL or pages consulted.
            for s in book.sources.values {
                #expect(!s.title.isEmpty)
                #expect(s.url != nil || !s.consulted.isEmpty || s.id == "demo" || s.id == "projet-qpv", "\(name) \(s.id)")
            }
        }
    }

    @Test func uncertainFactsAreFlagged() throws {
        // The 2023 adulte-relais amount and the 2024 TFPB year could not be confirmed.
        let ar = try RuleBook.shipped("adulte-relais")
        #expect(ar.version("aid_per_post", on: Fixture.date("2023-06-01"))?.uncertain != nil)
        #expect(ar.version("aid_per_post", on: Fixture.date("2024-06-01"))?.uncertain == nil)
        let tfpb = try RuleBook.shipped("tfpb")
        #expect(tfpb.version("residence", on: Fixture.date("2024-01-01"))?.uncertain != nil)
        #expect(tfpb.version("convention", on: Fixture.date("2024-01-01"))?.uncertain != nil)
        #expect(tfpb.version("scheme", on: Fixture.date("2025-01-01"))?.uncertain == nil)
    }

    func load(_ json: String) -> Error? {
        do {
            _ = try RuleBook.load(data: Data(json.utf8), origin: "test.json")
            return nil
        } catch { return error }
    }

    func book(
        rules: String, criteria: String = #"[{"id":"p","label":"P","check":"period_open","rule":"r"}]"#,
        sources: String = #"[{"id":"s","title":"Texte"}]"#
    ) -> String {
        #"{"format_version":1,"programme":"x","label":"X","date_input":"d","date_label":"date","sources":\#(sources),"criteria":\#(criteria),"rules":\#(rules)}"#
    }

    @Test func badRuleFilesFailWithTheirPath() {
        let ok = book(
            rules:
                #"{"r":[{"valid_to":"2019-12-31","value":{"open":true},"sources":["s"]},{"valid_from":"2020-01-01","value":{"open":false},"sources":["s"]}]}"#
        )
        #expect(load(ok) == nil)
        let overlap = book(
            rules:
                #"{"r":[{"valid_to":"2020-01-01","value":{"open":true},"sources":["s"]},{"valid_from":"2020-01-01","value":{"open":false},"sources":["s"]}]}"#
        )
        #expect("\(load(overlap)!)".contains("test.json:1 : rules.r[1].valid_from : deux versions se chevauchent"))
        let unsourced = book(rules: #"{"r":[{"value":{"open":true},"sources":[]}]}"#)
        #expect("\(load(unsourced)!)".contains("rules.r[0].sources : chaque version d'une règle cite au moins une source"))
        let unknownSource = book(rules: #"{"r":[{"value":{"open":true},"sources":["nope"]}]}"#)
        #expect("\(load(unknownSource)!)".contains("source « nope » inconnue"))
        let badDate = book(rules: #"{"r":[{"valid_from":"2020-13-01","value":{"open":true},"sources":["s"]}]}"#)
        #expect("\(load(badDate)!)".contains("rules.r[0].valid_from : date invalide"))
        let reversed = book(rules: #"{"r":[{"valid_from":"2021-01-01","valid_to":"2020-01-01","value":{"open":true},"sources":["s"]}]}"#)
        #expect("\(load(reversed)!)".contains("avant valid_from"))
        let unknownCheck = book(rules: #"{"r":[{"value":{},"sources":["s"]}]}"#, criteria: #"[{"id":"p","label":"P","check":"magic","rule":"r"}]"#)
        #expect("\(load(unknownCheck)!)".contains("contrôle « magic » inconnu"))
        let missingRule = book(
            rules: #"{"r":[{"value":{},"sources":["s"]}]}"#, criteria: #"[{"id":"p","label":"P","check":"period_open","rule":"other"}]"#)
        #expect("\(load(missingRule)!)".contains("règle « other » absente"))
        #expect("\(load("{ not json")!)".contains("test.json"))
    }

    @Test func versionLookupIsInclusiveAtBothEnds() throws {
        let b = try RuleBook.load(
            data: Data(book(rules: #"{"r":[{"valid_from":"2020-01-01","valid_to":"2020-12-31","value":{"open":true},"sources":["s"]}]}"#).utf8),
            origin: "t")
        #expect(b.version("r", on: Fixture.date("2019-12-31")) == nil)
        #expect(b.version("r", on: Fixture.date("2020-01-01")) != nil)
        #expect(b.version("r", on: Fixture.date("2020-12-31")) != nil)
        #expect(b.version("r", on: Fixture.date("2021-01-01")) == nil)
    }

    @Test func bethuneBruayRegistryIsConsistent() throws {
        let t = try #require(try TerritoryRegistry.shipped(siren: "200072460"))
        #expect(t.id == "cabbalr")
        #expect(t.qpv.count == 16)
        #expect(t.qic.count == 9)
        #expect(t.qic.compactMap(\.population).reduce(0, +) == 7710)
        #expect(t.qpvPopulationEstimate == 36100)
        let registry = try Registry.shipped()
        #expect(t.problems(registry: registry).isEmpty, "\(t.problems(registry: registry))")
        #expect(t.qpvCodes.contains("QN06255M") && t.qpvCodes.contains("QN06204M"))
        #expect(t.qpv.first { $0.code == "QN06216M" }?.communes == ["Haisnes", "Douvrin", "Hulluch"])
        #expect(t.qic(inCommune: "NŒUX-LES-MINES").map(\.name) == ["Fond de Sains"])  // as the deliberation spells it
        #expect(t.qic.first { $0.isNamed("Cité 10/Fond de Sains") }?.name == "Fond de Sains")  // the table's spelling
        #expect(t.qic(inCommune: "Hersin-Coupigny").count == 2)
        #expect(t.qic(inCommune: "Lillers").isEmpty)
        #expect(!t.sources.isEmpty && t.transcription != nil)
    }

    @Test func registryProblemsAreReported() throws {
        var t = try #require(try TerritoryRegistry.shipped(siren: "200072460"))
        t.qic[0].population = 1
        t.qpv[1].code = "QN0620M"
        let problems = t.problems(registry: try Registry.shipped())
        #expect(problems.contains { $0.contains("7710") })
        #expect(problems.contains { $0.contains("QN0620M") })
    }

    @Test func communeNamesCompareLoosely() {
        #expect(TerritoryRegistry.normalizedName("Nœux-les-Mines") == TerritoryRegistry.normalizedName("NOEUX LES MINES"))
        #expect(TerritoryRegistry.normalizedName("Cauchy-à-la-Tour") == "cauchy a la tour")
        #expect(TerritoryRegistry.normalizedName("Béthune") != TerritoryRegistry.normalizedName("Beuvry"))
    }
}
