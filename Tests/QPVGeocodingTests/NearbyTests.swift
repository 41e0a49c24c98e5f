// ReverseGeocoder.nearby: the addresses and streets around a point for the page's map (issue 15.11).

import Foundation
import QPVGeocoding
import Testing

@Suite("Adresses et voies autour d'un point")
struct NearbyTests {
    @Test("les voies sont des lignes passant par leurs adresses : les deux côtés fusionnés, jamais loin d'une adresse")
    func streetLinesFollowTheirAddresses() throws {
        let geocoder = try Geocoder.demo()
        let reverse = ReverseGeocoder(geocoder: geocoder)
        let found = reverse.nearby(lon: -4.6181818, lat: 46.2107914, radiusM: 300)
        #expect(!found.addresses.isEmpty && !found.streets.isEmpty)
        #expect(found.addresses.allSatisfy { $0.distanceM <= 300 })
        #expect(found.addresses.map(\.distanceM) == found.addresses.map(\.distanceM).sorted())
        let tilleuls = try #require(found.streets.first { $0.name == "Rue des Tilleuls" })
        #expect(tilleuls.addressCount > 10)
        // Two sides of the street merge: fewer line points than addresses.
        #expect(
            tilleuls.lineLons.count >= 2 && tilleuls.lineLons.count < tilleuls.addressCount,
            "\(tilleuls.lineLons.count) points pour \(tilleuls.addressCount) adresses")
        let street = geocoder.geocode("Rue des Tilleuls 00100 Quartville-sur-Démo", options: GeocodeOptions(limit: 1, type: .street))
        let positions = geocoder.addressPositions(ofStreetOf: try #require(street.first))
        let kx = 111_195.0 * cos(46.21 * .pi / 180)
        for (lon, lat) in zip(tilleuls.lineLons, tilleuls.lineLats) {
            let nearest = positions.map { (pow(($0.lon - lon) * kx, 2) + pow(($0.lat - lat) * 111_195.0, 2)).squareRoot() }.min() ?? .infinity
            #expect(nearest < 40, "point de la ligne à \(nearest) m de la première adresse")
        }
        // Not finite or no radius: nothing.
        #expect(reverse.nearby(lon: .nan, lat: 46.2, radiusM: 100).addresses.isEmpty)
        #expect(reverse.nearby(lon: -4.6, lat: 46.2, radiusM: 0).streets.isEmpty)
        // The limit keeps the nearest and says some were left out.
        let three = reverse.nearby(lon: -4.6181818, lat: 46.2107914, radiusM: 300, limit: 3)
        #expect(three.addresses.count == 3 && three.truncated && three.addresses == Array(found.addresses.prefix(3)))
    }

    @Test("près des pôles : pas de plantage (latitude 90 arrêtait qpv serve), rien trouvé, réponse rapide")
    func polesNeitherTrapNorHang() throws {
        let reverse = ReverseGeocoder(geocoder: try Geocoder.demo())
        let started = Date()
        for lat in [90.0, -90.0, 89.999_999, 89.0, -89.5] {
            let found = reverse.nearby(lon: -4.6181818, lat: lat, radiusM: 1_000, limit: 500)
            #expect(found.addresses.isEmpty && found.streets.isEmpty, "latitude \(lat)")
        }
        // Five polar requests, each bounded by the cells around the globe (72,003 in longitude at most).
        #expect(Date().timeIntervalSince(started) < 20)
        // Beside the demo addresses the answer is unchanged by the separate longitude and latitude counts.
        #expect(!reverse.nearby(lon: -4.6181818, lat: 46.2107914, radiusM: 1_000).addresses.isEmpty)
    }
}
