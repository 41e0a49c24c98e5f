// The code of the DocC article « Prise en main » of QPVGeocoding (Sources/QPVGeocoding/QPVGeocoding.docc),
// compiled and run here; a second test checks the article still shows this very code.
// Not formatted: this code is the DocC article's, line for line (the article test checks it).
// swift-format-ignore-file

import Foundation
import QPVGeocoding
import QPVTestSupport
import Testing

@Suite("Documentation : prise en main de QPVGeocoding")
struct GeocodingGettingStartedTests {
    static let article = "Sources/QPVGeocoding/QPVGeocoding.docc/PriseEnMain.md"

    @Test("le code de l'article compile et répond : l'adresse au numéro, sûre, retrouvée par le géocodage inverse")
    func articleCodeRuns() throws {
        let geocoder = try Geocoder.demo()
        let results = geocoder.geocode("100 rue des Tilleuls 00100 Quartville-sur-Démo", options: GeocodeOptions(limit: 3))
        let best = results[0]
        print(best.label, best.score, best.type)   // 100 Rue des Tilleuls 00100 Quartville-sur-Démo, 0.9…, housenumber
        print(best.lon, best.lat)                  // la position, en WGS84

        // Pourquoi le résultat ne suffit pas, en français ; nil quand il est sûr.
        if let problem = ConfidencePolicy.standard.problem(results) {
            print("À vérifier : \(problem)")
        }

        // Les adresses les plus proches d'un point, la plus proche d'abord.
        let reverse = ReverseGeocoder(geocoder: geocoder)
        for near in reverse.reverse(lon: best.lon, lat: best.lat, limit: 3) {
            print(near.address.label, near.distanceM)
        }

        #expect(best.type == .housenumber && best.housenumber == "100" && best.score > 0.8)
        #expect(ConfidencePolicy.standard.problem(results) == nil)
        let nearest = reverse.reverse(lon: best.lon, lat: best.lat, limit: 3)
        #expect(nearest.count == 3 && nearest[0].address.id == best.id && nearest[0].distanceM == 0)
        // A commune alone is never sure: the reason is French.
        let commune = geocoder.geocode("Quartville-sur-Démo", options: GeocodeOptions(limit: 2))
        #expect(ConfidencePolicy.standard.problem(commune)?.contains("commune") == true)
    }

    @Test("l'article montre le code de ce test")
    func articleShowsThisCode() throws {
        #expect(try DocCArticles.linesMissing(article: Self.article, from: #filePath) == [])
    }
}
