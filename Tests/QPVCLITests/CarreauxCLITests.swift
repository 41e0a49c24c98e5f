// `qpv carreaux` through the real binary (`CLIRunner`) on the demonstration files: classify as the default
// subcommand, stats and candidates, the grid helper.

import Foundation
import QPVCore
import QPVTestSupport
import Testing

/// The `qpv carreaux` commands on the fictional demonstration files, as a user on a fresh machine runs them.
@Suite struct CarreauxCLITests {
    static var demoFile: String { SharedData.geoData("demo/demo-filosofi-200m.csv").path }

    @Test func classifyIsTheDefaultSubcommand() throws {
        let dir = try TemporaryDirectory()
        let r = try CLIRunner.run(
            ["carreaux", "--input", Self.demoFile, "--output", dir.path("parts.csv"), "--date", "2024-06-01"],
            environment: ["QPV_DATA_DIR": dir.path("vide")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("DÉMONSTRATION"))
        let lines = try dir.read("parts.csv").split(separator: "\n").map(String.init)
        #expect(lines[0] == "idcar_200m,code_qp,share,kind,error")
        let codes = Set(lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[1] })
        // 2024 demo list and the demo QIC, never the 2015-only Port.
        #expect(codes.isSuperset(of: ["QX000201", "QX000202", "QX000204", "QXC00001", "QXC00002"]))
        #expect(!codes.contains("QX000103"))
        // Every carreau of the file appears.
        let ids = Set(lines.dropFirst().map { $0.split(separator: ",")[0] })
        let inputCount = try String(contentsOfFile: Self.demoFile, encoding: .utf8).split(separator: "\n").count - 1
        #expect(ids.count == inputCount)
    }

    @Test func statsAndCandidatesOnTheDemo() throws {
        let dir = try TemporaryDirectory()
        let env = ["QPV_DATA_DIR": dir.path("vide")]
        let s = try CLIRunner.run(
            ["carreaux", "stats", "--input", Self.demoFile, "--output", dir.path("stats.json"), "--date", "2024-06-01"], environment: env)
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.stderr.contains("uniformément"))
        let stats = try JSONParser.parse(try dir.read("stats.json"))
        let perims = try #require(stats["perimeters"]?.arrayValue)
        #expect(perims.count == 5)
        for p in perims {
            #expect((p["carreaux"]?.numberValue ?? 0) > 0)
            #expect((p["indicators"]?["population"]?.numberValue ?? 0) > 0)
        }

        let c = try CLIRunner.run(
            ["carreaux", "candidates", "--input", Self.demoFile, "--threshold", "12600", "--output", dir.path("c.geojson"), "--date", "2024-06-01"],
            environment: env)
        #expect(c.status == 0, "\(c.stderr)")
        let geo = try JSONParser.parse(try dir.read("c.geojson"))
        let features = try #require(geo["features"]?.arrayValue)
        let categories = features.compactMap { $0["properties"]?["category"]?.stringValue }
        #expect(categories.contains("qpv_sized"))
        #expect(categories.contains("qic_candidate"))
        // "Les Dunes" (in no perimeter) shows up as a candidate overlapping nothing.
        #expect(
            features.contains {
                $0["properties"]?["category"]?.stringValue == "qic_candidate" && $0["properties"]?["qpv_overlap"]?.stringValue == ""
                    && $0["properties"]?["qic_overlap"]?.stringValue == ""
            })

        let bad = try CLIRunner.run(
            ["carreaux", "candidates", "--input", Self.demoFile, "--output", "-", "--national-median", "22000"], environment: env)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--urban-unit-median"))
    }

    @Test func gridHelper() throws {
        let r = try CLIRunner.run(["carreaux", "grid", "--id", "CRS3035RES200mN3073200E3798000", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try JSONParser.parse(r.stdout)
        #expect(j["idcar_1km"]?.stringValue == "CRS3035RES1000mN3073000E3798000")
        let ring = try #require(j["wgs84_outline"]?["coordinates"]?.arrayValue?.first?.arrayValue)
        #expect(ring.count == 5)
        let lon = ring[0].arrayValue![0].numberValue!
        let lat = ring[0].arrayValue![1].numberValue!
        #expect(lon > 2.5 && lon < 2.8 && lat > 50.4 && lat < 50.6)  // Béthune, lon first

        let back = try CLIRunner.run(["carreaux", "grid", "--lon", String(lon + 0.0005), "--lat", String(lat + 0.0005), "--format", "json"])
        #expect(try JSONParser.parse(back.stdout)["id"]?.stringValue == "CRS3035RES200mN3073200E3798000")

        let far = try CLIRunner.run(["carreaux", "grid", "--lon", "150", "--lat", "-40"])
        #expect(far.status != 0)
        #expect(far.stderr.contains("France métropolitaine"))

        let wrong = try CLIRunner.run(["carreaux", "grid", "--id", "CRS3035RES200mE3798000N3073200"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("le nord vient avant l'est"))
    }
}
