// Street names cut by La Poste's address norm (`nom_afnor`, 32 characters at most): a cut query must find the
// long street it starts with, never a shorter homonym with a firm score; a cut shared by two streets stays
// ambiguous.

import Foundation
import QPVGeocoding
import QPVTestSupport
import Testing

/// A fictional commune (département 00, which does not exist) whose streets have names longer than 32
/// characters, next to shorter homonyms.
enum CutNamesFixture {
    static let code = "00200", name = "Cité-Démo"
    /// (street, house number, longitude); every street at latitude 46.5, the streets far apart (> 1 km).
    static let streets: [(String, Int, Double)] = [
        ("Place du Général de Gaulle", 100, 2.50),
        ("Place du Général-de-Gaulle Hôtel de Ville", 100, 2.52),
        ("Rue Jean sans Peur Direction de la Voirie", 5, 2.54),
        ("Rue Jean sans Peur", 5, 2.56),
        ("Allée des Résidences du Parc Fleuri Nord", 3, 2.58),
        ("Allée des Résidences du Parc Fleuri Sud", 3, 2.60),
    ]

    static var csv: String {
        var lines = [BANFixture.header]
        for (k, (street, number, lon)) in streets.enumerated() {
            let id = "\(code)_\(String(format: "%04d", k + 1))_\(String(format: "%05d", number))"
            lines.append(BANFixture.row(id, String(number), "", street, code, name, String(format: "%.7f", lon), "46.5000000", postcode: code))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct Built: @unchecked Sendable {
        let geocoder: Geocoder
        let directory: TemporaryDirectory
    }

    static let built: Result<Built, any Error> = Result {
        let dir = try TemporaryDirectory(prefix: "qpv-ban-cut")
        let ban = dir.url.appendingPathComponent("adresses-00.csv")
        try Data(csv.utf8).write(to: ban)
        let builder = AddressPackBuilder()
        try builder.addBAN(path: ban.path)
        let pack = dir.url.appendingPathComponent("ban.qpvaddr")
        try builder.write(to: pack)
        return Built(geocoder: try Geocoder(packPath: pack.path), directory: dir)
    }
}

@Suite struct CutNamesTests {
    let geocoder: Geocoder
    init() throws { geocoder = try CutNamesFixture.built.get().geocoder }

    @Test func queryLongAsACutNameIsFlagged() {
        #expect(AddressQuery(parsing: "100 PLACE DU GENERAL DE GAULLE HOTEL 00200 CITE DEMO").streetMayBeCut)
        #expect(AddressQuery(parsing: "5 RUE JEAN SANS PEUR DIRECTION DE 00200 CITE DEMO").streetMayBeCut)
        #expect(!AddressQuery(parsing: "100 PLACE DU GENERAL DE GAULLE 00200 CITE DEMO").streetMayBeCut)
        #expect(!AddressQuery(parsing: "5 RUE JEAN SANS PEUR 00200 CITE DEMO").streetMayBeCut)
    }

    @Test func cutNameFindsTheLongStreetNotItsShortHomonym() throws {
        for (query, street) in [
            ("100 PLACE DU GENERAL DE GAULLE HOTEL 00200 CITE DEMO", "Place du Général-de-Gaulle Hôtel de Ville"),
            ("5 RUE JEAN SANS PEUR DIRECTION DE 00200 CITE DEMO", "Rue Jean sans Peur Direction de la Voirie"),
        ] {
            let results = geocoder.geocode(query)
            let best = try #require(results.first, "\(query)")
            #expect(best.type == .housenumber, "\(query)")
            #expect(best.street == street, "\(query) → \(best.label)")
            #expect(ConfidencePolicy.standard.problem(results) == nil, "\(query)")
        }
    }

    @Test func fullShortNameStillWinsExactly() throws {
        for (query, street) in [
            ("100 PLACE DU GENERAL DE GAULLE 00200 CITE DEMO", "Place du Général de Gaulle"),
            ("5 RUE JEAN SANS PEUR 00200 CITE DEMO", "Rue Jean sans Peur"),
        ] {
            let results = geocoder.geocode(query)
            let best = try #require(results.first, "\(query)")
            #expect(best.street == street, "\(query) → \(best.label)")
            #expect(ConfidencePolicy.standard.problem(results) == nil, "\(query)")
        }
    }

    @Test func cutSharedByTwoStreetsIsAmbiguous() throws {
        let results = geocoder.geocode("3 ALLEE DES RESIDENCES DU PARC FLE 00200 CITE DEMO")
        let best = try #require(results.first)
        #expect(best.street.hasPrefix("Allée des Résidences du Parc Fleuri"))
        #expect(ConfidencePolicy.standard.problem(results) != nil)
    }

    @Test func shortPrefixIsNotTakenForACutName() {
        // 28 characters: not a cut length, so the longer street gets no prefix bonus.
        let query = "3 ALLEE DES RESIDENCES DU PARC 00200 CITE DEMO"
        #expect(!AddressQuery(parsing: query).streetMayBeCut)
        let results = geocoder.geocode(query)
        if let best = results.first, best.type == .housenumber {
            #expect(best.score < 0.9)
        }
    }
}
