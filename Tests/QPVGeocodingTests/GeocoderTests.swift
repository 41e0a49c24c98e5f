// Unit tests of the geocoder's parts: `AddressNormalizer`, `AddressQuery` parsing, address pack import and
// opening, and the `Geocoder`'s matching, filters, scores and use from many threads.

import Foundation
import QPVGeocoding
import QPVTestSupport
import Testing

@Suite struct NormalizerTests {
    @Test func foldsCaseAccentsLigaturesAndPunctuation() {
        #expect(AddressNormalizer.words("Rue Saint-Michel") == ["rue", "saint", "michel"])
        #expect(AddressNormalizer.words("Nœux-les-Mines, Æthel") == ["noeux", "les", "mines", "aethel"])
        #expect(AddressNormalizer.words("Grand’rue de l'Église") == ["grand", "rue", "de", "l", "eglise"])
        #expect(AddressNormalizer.words("  ÉTRŒUNGT  ") == ["etroeungt"])
    }

    @Test func expandsStreetTypesAndTitles() {
        #expect(AddressNormalizer.tokens("av. du Gal de Gaulle") == ["avenue", "du", "general", "de", "gaulle"])
        #expect(AddressNormalizer.tokens("bd st Michel") == ["boulevard", "saint", "michel"])
        #expect(AddressNormalizer.tokens("pl du Mal Foch") == ["place", "du", "marechal", "foch"])
        #expect(AddressNormalizer.tokens("imp. Dr Schweitzer") == ["impasse", "docteur", "schweitzer"])
        #expect(AddressNormalizer.tokens("Hallennes-lez-Haubourdin") == AddressNormalizer.tokens("Hallennes-lès-Haubourdin"))
    }
}

@Suite struct AddressQueryTests {
    @Test func splitsNumberSuffixPostcodeStreetAndCommune() {
        let q = AddressQuery(parsing: "1 bis, rue Pasteur BP 123 62220 Carvin Cedex 2")
        #expect(q.housenumber == 1)
        #expect(q.suffix == "bis")
        #expect(q.postcode == "62220")
        #expect(q.streetWords == ["rue", "pasteur"])
        #expect(q.cityWords == ["carvin"])
    }

    @Test func gluedSuffixesAndLetters() {
        let a = AddressQuery(parsing: "14bis RUE DES ROSATI 62000 ARRAS")
        #expect(a.housenumber == 14 && a.suffix == "bis")
        let b = AddressQuery(parsing: "12 B avenue Foch Lille")
        #expect(b.housenumber == 12 && b.suffix == "b")
        #expect(b.streetWords == ["avenue", "foch", "lille"])
        let c = AddressQuery(parsing: "3ter rue X")
        #expect(c.housenumber == 3 && c.suffix == "ter")
    }

    @Test func removesPremisesAndPostalNoise() {
        let q = AddressQuery(parsing: "Bât. B, appt 12, 3e étage, 5 rue des Lilas CS 70001 59000 Lille CEDEX")
        #expect(q.housenumber == 5)
        #expect(q.streetWords == ["rue", "des", "lilas"])
        #expect(q.postcode == "59000")
        #expect(q.cityWords == ["lille"])
        let tsa = AddressQuery(parsing: "TSA 40001 rue Neuve 62000 Arras")
        #expect(tsa.streetWords == ["rue", "neuve"] && tsa.housenumber == nil)
    }

    @Test func numberAfterAPrefixBeforeAStreetType() {
        let q = AddressQuery(parsing: "Résidence Les Tilleuls 4 rue du Moulin 62902 Autre-Ville")
        #expect(q.housenumber == 4)
        #expect(q.streetWords == ["rue", "du", "moulin"])
    }

    @Test func separateFieldsRestoreAPostcodeExcelShortened() {
        let q = AddressQuery(fields: AddressFields(housenumber: "7", street: "rue des Écoles", postcode: "1000", city: "Bourg"))
        #expect(q.postcode == "01000")
        #expect(q.housenumber == 7)
        #expect(q.cityWords == ["bourg"])
    }
}

@Suite struct PackTests {
    @Test func importCountsRowsAndReportsBadRowsWithLineAndField() throws {
        let f = try Fixture.get()
        #expect(f.info.addresses == 11)
        #expect(f.info.communes == 3)
        let ban = try #require(f.info.sources.first { $0.kind == "ban" })
        #expect(ban.rows == 14 && ban.imported == 11 && ban.rejected == 3)
        #expect(ban.sha256.count == 64)
        let messages = f.builder.issues.map(\.description)
        #expect(messages.contains { $0.contains("adresses-62.csv, ligne 13, champ numero") && $0.contains("abc") })
        #expect(messages.contains { $0.contains("ligne 14, champ lon") })
        #expect(messages.contains { $0.contains("ligne 15, champ code_insee") })
        #expect(f.geocoder.info == f.info)
    }

    @Test func communeCodesFollowTheCOGFormat() throws {
        // Digits, Corsica's 2A/2B, and the other "2" + capital letter codes the synthetic generator uses past
        // 10,000 communes are kept; anything else is refused with its line and field.
        let codes = ["62901", "2A004", "2B033", "2C001", "A1234", "2a004", "3C001", "62 01", "2AB12"]
        let rows = codes.enumerated().map { k, code in
            BANFixture.row("\(code)_0001_0000\(k)", "\(k + 1)", "", "Rue de la Paix", code, "Ville \(k)", "2.5000000", "50.5000000")
        }
        let dir = try TemporaryDirectory()
        let path = try dir.write("adresses-codes.csv", ([BANFixture.header] + rows).joined(separator: "\n") + "\n")
        let builder = AddressPackBuilder()
        builder.maxRejectedFraction = 1
        try builder.addBAN(path: path)
        let ban = try #require(builder.sources.first)
        #expect(ban.rows == 9 && ban.imported == 4 && ban.rejected == 5)
        let refused = builder.issues.filter { $0.field == "code_insee" }.map(\.line)
        #expect(refused == [6, 7, 8, 9, 10])
    }

    @Test func everyAddressKeepsItsOwnIDWhateverItsShape() throws {
        // Ids are stored as their street's prefix plus the number's tail when they have that shape, whole
        // otherwise: each must come back byte for byte.
        let ids = [
            (1, "", "Étang_0001_00001"), (3, "bis", "Étang_0001_00003_bis"), (5, "", "hors-norme-5"),
            (7, "", "62901_0009_00007"), (9, "ter", "Étang_0001_00009"), (11, "", "Étang_0001_00011"),
        ]
        let rows = ids.map { n, rep, id in
            BANFixture.row(id, "\(n)", rep, "Rue de l'Étang", "62901", "Ville-Test", String(format: "%.7f", 2.5 + Double(n) * 1e-4), "50.5000000")
        }
        let dir = try TemporaryDirectory()
        let path = try dir.write("adresses-ids.csv", ([BANFixture.header] + rows).joined(separator: "\n") + "\n")
        let builder = AddressPackBuilder()
        try builder.addBAN(path: path)
        let pack = dir.url.appendingPathComponent("ban.qpvaddr")
        try builder.write(to: pack)
        let geocoder = try Geocoder(packPath: pack.path)
        for (n, rep, id) in ids {
            let best = try #require(geocoder.geocode("\(n)\(rep.isEmpty ? "" : " " + rep) rue de l'Étang 62900 Ville-Test").first)
            #expect(best.type == .housenumber && best.id == id, "\(n) \(rep) → \(best.id)")
        }
    }

    @Test func missingColumnIsRefusedWithTheColumnsPresent() throws {
        let dir = try TemporaryDirectory()
        let bad = try dir.write("ban.csv", "id;numero;nom_voie;code_postal;code_insee;lon;lat\n1;1;Rue A;62900;62901;2.5;50.5\n")
        let error = #expect(throws: GeocodingError.self) { try AddressPackBuilder().addBAN(path: bad) }
        let text = error?.description ?? ""
        #expect(text.contains("ban.csv") && text.contains("nom_commune") && text.contains("« code_insee »"))
    }

    @Test func notAPackIsACleanError() throws {
        let dir = try TemporaryDirectory()
        let p = try dir.write("x.qpvaddr", "hello, this is not a pack at all")
        #expect(throws: GeocodingError.self) { try Geocoder(packPath: p) }
        #expect(throws: GeocodingError.self) { try Geocoder(packPath: dir.path("absent.qpvaddr")) }
    }

    @Test func opensInMilliseconds() throws {
        let f = try Fixture.get()
        let t0 = Date()
        for _ in 0..<20 { _ = try Geocoder(packPath: f.geocoder.path) }
        #expect(Date().timeIntervalSince(t0) / 20 < 0.05)
    }
}

@Suite struct MatchingTests {
    func best(_ text: String, _ options: GeocodeOptions = GeocodeOptions()) throws -> GeocodeResult? {
        try Fixture.get().geocoder.geocode(text, options: options).first
    }

    @Test func exactAddressWithPostcodeAndCommune() throws {
        let r = try #require(try best("3 rue de la Paix 62900 Ville-Test"))
        #expect(r.type == .housenumber && r.id == "62901_0001_00003")
        #expect(r.label == "3 Rue de la Paix 62900 Ville-Test")
        #expect(r.citycode == "62901" && r.postcode == "62900" && r.housenumber == "3")
        #expect(abs(r.lon - 2.5001) < 1e-7 && r.score > 0.95)
    }

    @Test func homonymStreetsAreToldApartByTheCommune() throws {
        #expect(try best("1 rue de la Paix Autre-Ville")?.id == "62902_0001_00001")
        #expect(try best("1 RUE DE LA PAIX 62900 VILLE TEST")?.id == "62901_0001_00001")
    }

    @Test func suffixesBisAndB() throws {
        #expect(try best("3bis rue de la Paix 62900 Ville-Test")?.id == "62901_0001_00003_bis")
        #expect(try best("3 b rue de la Paix 62900 Ville-Test")?.id == "62901_0001_00003_bis")
        #expect(try best("3 rue de la Paix 62900 Ville-Test")?.id == "62901_0001_00003")
    }

    @Test func abbreviationsAndTypos() throws {
        #expect(try best("10 av du gal de gaulle 62900 ville test")?.id == "62901_0002_00010")
        #expect(try best("5 pl St Martin Ville-Test")?.id == "62901_0003_00005")
        #expect(try best("7 Rue des Ecloes 62900 Ville-Test")?.id == "62901_0004_00007")
        #expect(try best("7 Rued es Écoles Ville-Test")?.id == "62901_0004_00007")
        #expect(try best("2 impasse des Lilas Vile-Test")?.id == "62901_0005_00002")
    }

    @Test func communeFirstAndLeadingNoise() throws {
        #expect(try best("Ville-Test, 7 rue des Écoles")?.id == "62901_0004_00007")
        #expect(try best("Autre-Ville 1 rue de la Paix")?.id == "62902_0001_00001")
        #expect(try best("Ville Test 1 rue de la Paix")?.id == "62901_0001_00001")
        #expect(try best("SCI Les Tilleuls bât. B 10 avenue du Général de Gaulle 62900 Ville-Test CEDEX")?.id == "62901_0002_00010")
        #expect(try best("Mairie annexe 5 place Saint-Martin 62900 Ville-Test")?.id == "62901_0003_00005")
    }

    @Test func missingNumberGivesTheStreetAndCommuneOnlyGivesTheMunicipality() throws {
        let s = try #require(try best("99 rue de la Paix 62900 Ville-Test"))
        #expect(s.type == .street && s.street == "Rue de la Paix" && s.citycode == "62901" && s.id == "62901_0001")
        let exact = try #require(try best("1 rue de la Paix 62900 Ville-Test"))
        #expect(s.score < exact.score)
        let m = try #require(try best("62900 Autre-Ville"))
        #expect(m.type == .municipality && m.citycode == "62902" && m.label == "Autre-Ville")
        // A commune known only from La Poste's table, and one of its localities (ligne 5).
        #expect(try best("62910 Sans Adresse")?.citycode == "62903")
        #expect(try best("Hameau Perdu")?.citycode == "62902")
    }

    @Test func filtersRestrictResults() throws {
        let g = try Fixture.get().geocoder
        let all = g.geocode("1 rue de la Paix", options: GeocodeOptions(limit: 10))
        #expect(Set(all.map(\.citycode)).isSuperset(of: ["62901", "62902"]))
        let only = g.geocode("1 rue de la Paix", options: GeocodeOptions(limit: 10, citycode: "62902"))
        #expect(!only.isEmpty && only.allSatisfy { $0.citycode == "62902" })
        #expect(only.first?.id == "62902_0001_00001")
        #expect(g.geocode("1 rue de la Paix", options: GeocodeOptions(postcode: "75001")).isEmpty)
    }

    @Test func scoresAreWithinZeroAndOneAndNothingMatchesGibberish() throws {
        let g = try Fixture.get().geocoder
        for q in ["zzzz qqqq", "12", "", "62900", "rue", "1 rue de la Paix 62900 Ville-Test"] {
            for r in g.geocode(q) { #expect(r.score >= 0 && r.score <= 1) }
        }
        #expect(g.geocode("zzzz qqqq xxxx").first?.type != .housenumber)
    }

    @Test func geocoderIsUsableFromManyThreadsAtOnce() async throws {
        let g = try Fixture.get().geocoder
        let ids = await withTaskGroup(of: String?.self) { group in
            for k in 0..<64 {
                group.addTask { g.geocode(k % 2 == 0 ? "1 rue de la Paix Ville-Test" : "4 rue du Moulin Autre-Ville").first?.id }
            }
            var out: [String?] = []
            for await id in group { out.append(id) }
            return out
        }
        #expect(ids.filter { $0 == "62901_0001_00001" }.count == 32)
        #expect(ids.filter { $0 == "62902_0002_00004" }.count == 32)
    }
}
