// Municipal arrondissements (Paris, Lyon, Marseille): api-adresse's `city` is the commune, `district` the
// arrondissement. A BAN-format file written by the test with invented streets in real arrondissement codes.
import Foundation
import QPVGeocoding
import QPVTestSupport
import Testing

@Suite("Arrondissements municipaux : result_district")
struct DistrictTests {
    static func geocoder() throws -> (TemporaryDirectory, Geocoder) {
        let dir = try TemporaryDirectory(prefix: "qpv-district")
        let ban =
            [
                BANFixture.header,
                // The BAN names the commune "Paris" here, "Lyon 3e Arrondissement" there: both are read.
                BANFixture.row(
                    "75105_9991_00008", "8", "", "Rue Imaginaire des Essais", "75105", "Paris", "2.3470000", "48.8440000", postcode: "75005"),
                BANFixture.row(
                    "75101_9992_00002", "2", "", "Passage Fictif du Premier", "75101", "Paris", "2.3400000", "48.8600000", postcode: "75001"),
                BANFixture.row(
                    "69383_9993_00012", "12", "", "Rue Inventée de la Part-Dieu", "69383", "Lyon 3e Arrondissement", "4.8500000", "45.7600000",
                    postcode: "69003"),
                BANFixture.row("62901_0001_00001", "1", "", "Rue de la Paix", "62901", "Ville-Test", "2.5000000", "50.5000000"),
            ].joined(separator: "\n") + "\n"
        let path = try dir.write("adresses.csv", ban)
        let builder = AddressPackBuilder()
        try builder.addBAN(path: path)
        let pack = dir.url.appendingPathComponent("ban.qpvaddr")
        _ = try builder.write(to: pack)
        return (dir, try Geocoder(packPath: pack.path))
    }

    @Test("adresse à Paris 5e : city « Paris », district « Paris 5e Arrondissement », libellé en « 75005 Paris »")
    func paris() throws {
        let (dir, g) = try Self.geocoder()
        _ = dir
        let r = try #require(g.geocode("8 rue imaginaire des essais 75005 paris").first)
        #expect(r.citycode == "75105")
        #expect(r.city == "Paris")
        #expect(r.district == "Paris 5e Arrondissement")
        #expect(r.label == "8 Rue Imaginaire des Essais 75005 Paris")
        let first = try #require(g.geocode("2 passage fictif du premier 75001 paris").first)
        #expect(first.district == "Paris 1er Arrondissement")
    }

    @Test("BAN nommant l'arrondissement : city « Lyon », district gardé tel quel ; ailleurs district vide")
    func lyonAndElsewhere() throws {
        let (dir, g) = try Self.geocoder()
        _ = dir
        let r = try #require(g.geocode("12 rue inventée de la part-dieu 69003 lyon").first)
        #expect(r.city == "Lyon")
        #expect(r.district == "Lyon 3e Arrondissement")
        #expect(r.label.hasSuffix("69003 Lyon"))
        let other = try #require(g.geocode("1 rue de la paix 62900 ville-test").first)
        #expect(other.district.isEmpty && other.city == "Ville-Test")
    }
}

@Suite("autocomplete : le dernier mot complété")
struct AutocompleteTests {
    @Test("« 3 rue de la paix ville-te » : avec autocomplete, le score du mot complet ; sans, plus bas ; même adresse")
    func completesLastWord() throws {
        let g = try Fixture.get().geocoder
        let whole = try #require(g.geocode("3 rue de la paix ville-test").first)
        let on = try #require(g.geocode("3 rue de la paix ville-te", options: GeocodeOptions(autocomplete: true)).first)
        let off = try #require(g.geocode("3 rue de la paix ville-te").first)
        #expect(on.id == whole.id && off.id == whole.id)
        #expect(abs(on.score - whole.score) < 0.02)
        #expect(off.score < on.score)
        // A last word that begins no word of the answers changes nothing.
        let plain = g.geocode("3 rue de la paix ville-test", options: GeocodeOptions(autocomplete: true))
        #expect(plain.first?.score == whole.score)
    }
}

@Suite("autocomplete : le dernier mot trouvé comme par l'expression régulière d'origine")
struct LastWordTests {
    @Test("lastWordAndTail donne la plage de [\\p{L}\\p{N}]+[^\\p{L}\\p{N}]*$ (NSRegularExpression)")
    func matchesTheRegularExpression() {
        let samples = [
            "", " ", "...", "lille", "3 rue de la paix ville-te", "3 rue de la paix ville-te ", "rue du 8 mai 1945, ",
            "Évry-Courcouronnes", "cafe\u{0301}", "cafe\u{0301} !", "12", "x²", "ⅻ rue", "𝔸𝔹 (59)", "rue 🇫🇷", "l'église",
            "chemin de l\u{2019}\u{00C9}glise\u{00A0}", "a\tb\n", "日本 东京", "ʻokina", "٣ شارع",
        ]
        for s in samples {
            let expected = s.range(of: "[\\p{L}\\p{N}]+[^\\p{L}\\p{N}]*$", options: .regularExpression)
            #expect(Geocoder.lastWordAndTail(s) == expected, "« \(s) »")
        }
    }
}
