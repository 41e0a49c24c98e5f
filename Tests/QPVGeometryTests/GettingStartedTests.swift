// The code of the DocC article « Prise en main » of QPVGeometry (Sources/QPVGeometry/QPVGeometry.docc),
// compiled and run here; a second test checks the article still shows this very code.
// Not formatted: this code is the DocC article's, line for line (the article test checks it).
// swift-format-ignore-file

import Foundation
import QPVGeometry
import QPVTestSupport
import Testing

@Suite("Documentation : prise en main de QPVGeometry")
struct GeometryGettingStartedTests {
    static let article = "Sources/QPVGeometry/QPVGeometry.docc/PriseEnMain.md"

    @Test("le code de l'article compile et répond : appartenance, aire, distance, Lambert-93")
    func articleCodeRuns() throws {
        let geos = try GeosContext()
        let square = try Geometry(wkt: "POLYGON((0 0, 100 0, 100 100, 0 100, 0 0))", context: geos)
        let point = try Geometry.point(x: 40, y: 50, context: geos)
        print(try square.contains(point))          // true
        print(try square.area())                   // 10000.0
        print(try square.boundary().distance(to: point))   // 40.0 : distance du point à la limite

        // Pour de nombreux points : la géométrie préparée garde ses index.
        let prepared = try square.prepared()
        print(try prepared.contains(x: 150, y: 50))   // false

        let proj = try ProjContext()
        let toLambert93 = try CoordinateTransformer(from: .wgs84, to: .lambert93, context: proj)
        var x = [2.3522, 2.2945]     // longitudes
        var y = [48.8566, 48.8584]   // latitudes
        try toLambert93.transform(x: &x, y: &y)
        let metres = ((x[1] - x[0]) * (x[1] - x[0]) + (y[1] - y[0]) * (y[1] - y[0])).squareRoot()
        print(metres)   // environ 4 200 m entre l'Hôtel de Ville et la tour Eiffel

        #expect(try square.contains(point))
        #expect(try square.area() == 10_000)
        #expect(try square.boundary().distance(to: point) == 40)
        #expect(try !prepared.contains(x: 150, y: 50))
        // Lambert-93 of Paris: x about 652 000 m, y about 6 862 000 m; the two places about 4,2 km apart.
        #expect(abs(x[0] - 652_000) < 2_000 && abs(y[0] - 6_862_000) < 2_000, "\(x) \(y)")
        #expect((4_000...4_500).contains(metres), "\(metres)")
    }

    @Test("l'article montre le code de ce test")
    func articleShowsThisCode() throws {
        #expect(try DocCArticles.linesMissing(article: Self.article, from: #filePath) == [])
    }
}
