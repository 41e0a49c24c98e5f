// Partial-list coverage (issue 12) where other commands answer, through the real binary: eligibility verdicts
// and INSEE carreaux are to verify, never "outside", with only a partial list installed.

import Foundation
import QPVCore
import QPVTestSupport
import Testing

/// Issue 12 items 1–2 where the answer is given by other commands: eligibility verdicts and INSEE carreaux
/// (the real `qpv` binary), with a partial list installed.
@Suite struct CoverageAnswersTests {
    let outside = ["--lon", "-4.5974026", "--lat", "46.2013489"]

    /// A data directory with the demo 2024 QPV file imported as an ordinary (partial) list.
    func partialDemo(_ tmp: TemporaryDirectory, coverage: [String] = []) throws -> [String: String] {
        let env = ["QPV_DATA_DIR": tmp.path("data")]
        let r = try CLIRunner.run(
            ["data", "import", SharedData.geoData("demo/demo-qpv-2024.geojson").path, "--vintage", "2024"] + coverage, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        return env
    }

    @Test func emploiFrancOutsideThePartialListIsToVerifyNamingWhatToInstall() throws {
        let tmp = try TemporaryDirectory()
        let args =
            ["eligibility", "emploi-franc"] + outside + [
                "--signature-date", "2024-06-03", "--contract", "cdi", "--status", "jobseeker", "--format", "json",
            ]
        let partial = try CLIRunner.run(args, environment: try partialDemo(tmp))
        let v = try JSONParser.parse(partial.stdout)
        #expect(v["verdict"]?.stringValue == "to_verify", "\(partial.stdout)")
        #expect(v["location"]?["status"]?.stringValue == "not_covered")
        let residence = v["criteria"]?.arrayValue?.first { $0["id"]?.stringValue == "residence_qpv" }
        #expect(residence?["result"]?.stringValue == "unknown")
        #expect(residence?["detail"]?.stringValue?.contains("qpv data import-communes") ?? false, "\(residence.map { "\($0)" } ?? "")")
        // The same list declared complete: not eligible, as before.
        let tmp2 = try TemporaryDirectory()
        let national = try CLIRunner.run(args, environment: try partialDemo(tmp2, coverage: ["--coverage", "national"]))
        #expect(try JSONParser.parse(national.stdout)["verdict"]?.stringValue == "not_eligible", "\(national.stdout)")
    }

    @Test(.enabled(if: SharedData.isAvailable)) func bethuneCarreauxAreNotOutsideEveryPerimeterWithOccitanieAlone() throws {
        let tmp = try TemporaryDirectory()
        let env = ["QPV_DATA_DIR": tmp.path("data")]
        #expect(try CLIRunner.run(["data", "import", try SharedData.file("geodata/qpv-2015-occitanie.geojson").path], environment: env).status == 0)
        let input = try SharedData.file("geodata/filosofi-2021-200m-bethune.csv").path
        let classify = try CLIRunner.run(["carreaux", "--input", input, "--output", tmp.path("parts.csv"), "--date", "2020-06-01"], environment: env)
        #expect(classify.status == 0, "\(classify.stderr)")
        #expect(classify.stderr.contains("hors de tout périmètre : 0"), "\(classify.stderr)")
        #expect(classify.stderr.contains("hors de la couverture de la liste installée (not_covered, à vérifier) : 86"), "\(classify.stderr)")
        let parts = try tmp.read("parts.csv").split(whereSeparator: \.isNewline).dropFirst()  // CRLF like the input
        #expect(parts.count == 86 && parts.allSatisfy { $0.contains("not_covered : ") })

        let stats = try CLIRunner.run(
            ["carreaux", "stats", "--input", input, "--output", tmp.path("stats.json"), "--date", "2020-06-01"], environment: env)
        #expect(stats.status == 0, "\(stats.stderr)")
        let json = try JSONParser.parse(try tmp.read("stats.json"))
        #expect(json["input"]?["carreaux_not_covered"]?.numberValue == 86)
        #expect(json["input"]?["carreaux_outside"]?.numberValue == 0)

        // Declared national (as a complete list would be): the carreaux are outside every perimeter, as before.
        let tmp2 = try TemporaryDirectory()
        let env2 = ["QPV_DATA_DIR": tmp2.path("data")]
        _ = try CLIRunner.run(
            ["data", "import", try SharedData.file("geodata/qpv-2015-occitanie.geojson").path, "--coverage", "national"], environment: env2)
        let national = try CLIRunner.run(
            ["carreaux", "--input", input, "--output", tmp2.path("parts.csv"), "--date", "2020-06-01"], environment: env2)
        #expect(national.stderr.contains("hors de tout périmètre : 86"), "\(national.stderr)")
        #expect(!national.stderr.contains("not_covered"))
    }
}
