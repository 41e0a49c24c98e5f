// The code of the DocC article « Prise en main » of QPVEligibility (Sources/QPVEligibility/QPVEligibility.docc),
// compiled and run here; a second test checks the article still shows this very code.
// Not formatted: this code is the DocC article's, line for line (the article test checks it).
// swift-format-ignore-file

import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters
import QPVTestSupport
import Testing

@Suite("Documentation : prise en main de QPVEligibility")
struct EligibilityGettingStartedTests {
    static let article = "Sources/QPVEligibility/QPVEligibility.docc/PriseEnMain.md"

    @Test("le code de l'article compile et répond : à vérifier (faits non renseignés), explication française")
    func articleCodeRuns() throws {
        // Un dossier de données vide : c'est le jeu de démonstration qui répond.
        let dataDirectory = DataDirectory(url: FileManager.default.temporaryDirectory.appendingPathComponent("qpv-prise-en-main"))
        let catalog = try PerimeterCatalog.open(dataDirectory: dataDirectory)
        let locator = try EligibilityLocator(catalog: catalog)

        // Un CDI signé le 15 mars 2024 (aucun contrat signé depuis le 1er janvier 2025 n'est éligible).
        let signature = CivilDate("2024-03-15")!
        let home = try locator.locate(lon: -4.6181818, lat: 46.2107914, on: signature)
        let request = EmploiFrancRequest(signatureDate: signature, contract: .cdi, status: .jobseeker, employer: .privateCompany)
        try request.validate()
        let report = EmploiFranc.evaluate(request, location: home, book: try RuleBook.shipped("emploi-franc"))

        print(report.verdict)   // toVerify : les faits non renseignés ne sont jamais supposés
        print(report.summary)   // une phrase : le verdict et sa raison principale
        print(report.text())    // l'explication complète : critères ✓ ✗ ?, montant, date limite, liste, sources

        #expect(report.verdict == .toVerify)
        #expect(report.summary.hasPrefix("À vérifier"), "\(report.summary)")
        let text = report.text()
        #expect(text.contains("QX000201") && text.contains("✓") && text.contains("?"), "\(text)")
        // The same contract signed in 2025: not eligible, and the explanation says why.
        let late = EmploiFranc.evaluate(
            EmploiFrancRequest(signatureDate: CivilDate("2025-02-03")!, contract: .cdi, status: .jobseeker, employer: .privateCompany),
            location: try locator.locate(lon: -4.6181818, lat: 46.2107914, on: CivilDate("2025-02-03")!), book: try RuleBook.shipped("emploi-franc"))
        #expect(late.verdict == .notEligible && late.text().contains("2025"), "\(late.text())")
    }

    @Test("l'article montre le code de ce test")
    func articleShowsThisCode() throws {
        #expect(try DocCArticles.linesMissing(article: Self.article, from: #filePath) == [])
    }
}
