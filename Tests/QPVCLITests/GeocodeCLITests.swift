// `qpv data import-ban` then `qpv geocode` (one address, JSON, a file) through the real binary, on the small BAN
// file of `BANFixture`.

import Foundation
import QPVTestSupport
import Testing

@Suite(.serialized) struct GeocodeCLITests {
    @Test func importThenGeocodeOneAddressAndAFile() throws {
        let dir = try TemporaryDirectory()
        let ban = try dir.write("adresses-62.csv", BANFixture.banText)
        let data = dir.path("data")
        let imported = try CLIRunner.run(["data", "import-ban", ban, "--data-dir", data])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("11 adresses"))
        #expect(imported.stderr.contains("adresses-62.csv, ligne 13, champ numero"))

        let one = try CLIRunner.run(["geocode", "3 rue de la Paix 62900 Ville-Test", "--data-dir", data])
        #expect(one.status == 0 && one.stdout.contains("3 Rue de la Paix 62900 Ville-Test") && one.stdout.contains("numéro"))
        let json = try CLIRunner.run(["geocode", "3bis rue de la paix ville test", "--format", "json", "--data-dir", data])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let first = (object?["results"] as? [[String: Any]])?.first
        #expect(first?["id"] as? String == "62901_0001_00003_bis" && first?["type"] as? String == "housenumber")

        let input = try dir.write("in.csv", "adresse\n3 rue de la Paix 62900 Ville-Test\nzzz\n")
        let batch = try CLIRunner.run(["geocode", "--input", input, "--column", "adresse", "--output", dir.path("out.csv"), "--data-dir", data])
        #expect(batch.status == 0, "\(batch.stderr)")
        #expect(batch.stderr.contains("2 lignes traitées") && batch.stderr.contains("géocodées (ok) : 1"))
        let noPack = try CLIRunner.run(["geocode", "1 rue X", "--data-dir", dir.path("vide")])
        #expect(noPack.status != 0 && noPack.stderr.contains("import-ban"))
    }
}
