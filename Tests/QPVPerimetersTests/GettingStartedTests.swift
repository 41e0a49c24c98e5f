// The code of the DocC article « Prise en main » of QPVPerimeters (Sources/QPVPerimeters/QPVPerimeters.docc),
// compiled and run here; a second test checks the article still shows this very code.
// Not formatted: this code is the DocC article's, line for line (the article test checks it).
// swift-format-ignore-file

import Foundation
import QPVCore
import QPVPerimeters
import QPVTestSupport
import Testing

@Suite("Documentation : prise en main de QPVPerimeters")
struct PerimetersGettingStartedTests {
    static let article = "Sources/QPVPerimeters/QPVPerimeters.docc/PriseEnMain.md"

    @Test("le code de l'article compile et répond : le point est dans QX000201, phrase française")
    func articleCodeRuns() throws {
        // Un dossier de données vide : c'est le jeu de démonstration qui répond.
        let dataDirectory = DataDirectory(url: FileManager.default.temporaryDirectory.appendingPathComponent("qpv-prise-en-main"))
        let catalog = try PerimeterCatalog.open(dataDirectory: dataDirectory)
        let locator = try Locator(catalog: catalog)

        // Longitude, latitude (WGS84) et la date de la question : la liste en vigueur ce jour-là est utilisée.
        let answer = try locator.locate(lon: -4.6181818, lat: 46.2107914, on: CivilDate("2024-06-01")!)
        print(answer.status)                                  // in
        print(answer.qpv?.containing.map(\.code) ?? [])       // ["QX000201"]
        print(answer.qpv?.distanceBoundaryM ?? .nan)          // distance à la limite, en mètres

        // L'explication en français, telle qu'un conseiller peut la lire.
        print(LocateReport.sentence(answer, catalog: catalog))

        #expect(answer.status == .inside)
        #expect(answer.qpv?.containing.map(\.code) == ["QX000201"])
        #expect((answer.qpv?.distanceBoundaryM ?? -1) > 0)
        let sentence = LocateReport.sentence(answer, catalog: catalog)
        #expect(sentence.contains("DÉMONSTRATION") && sentence.contains("QX000201"), "\(sentence)")
    }

    @Test("l'article montre le code de ce test")
    func articleShowsThisCode() throws {
        #expect(try DocCArticles.linesMissing(article: Self.article, from: #filePath) == [])
    }
}
