// Output safety through the real binary (issue 16): no batch command overwrites its input, a stopped batch
// leaves the older output, a damaged BAN file never replaces the installed address base.

import Foundation
import QPVGeocoding
import QPVTabular
import QPVTestSupport
import Testing

/// Issue 16, findings 1–3 through the real binary: no batch command overwrites its input, whatever the
/// spelling of the output; a damaged BAN file never replaces the installed address base.
@Suite struct OutputSafetyCLITests {
    let tmp: TemporaryDirectory
    init() throws { tmp = try TemporaryDirectory() }

    /// Every spelling of "the input itself": same path, relative path, symbolic link, hard link.
    func spellings(of path: String) throws -> [String] {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let link = tmp.path("lien-\(name)")
        let hard = tmp.path("dur-\(name)")
        if !FileManager.default.fileExists(atPath: link) { try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path) }
        if !FileManager.default.fileExists(atPath: hard) { try FileManager.default.linkItem(atPath: path, toPath: hard) }
        return [path, "./" + name, link, hard]
    }

    @Test func noBatchCommandOverwritesItsInput() throws {
        let env = ["QPV_DATA_DIR": tmp.path("data")]
        let points = try tmp.write("points.csv", "id;lon;lat;logements\nA;-4.6181818;46.2107914;12\nB;-4.5974026;46.2013489;5\n")
        let carreaux = try tmp.write("carreaux.csv", try String(contentsOf: SharedData.geoData("demo/demo-filosofi-200m.csv"), encoding: .utf8))
        let ban = try tmp.write("adresses-62.csv", BANFixture.banText)
        #expect(try CLIRunner.run(["data", "import-ban", ban], environment: env).status == 0)
        let addresses = try tmp.write("adresses.csv", "adresse\n3 rue de la Paix 62900 Ville-Test\n")
        let commands: [(input: String, args: (String) -> [String])] = [
            (points, { ["locate", "--input", points, "--output", $0] }),
            (points, { ["eligibility", "tfpb", "--input", points, "--tax-year", "2026", "--conventionne", "oui", "--output", $0] }),
            (
                points,
                {
                    [
                        "eligibility", "tfpb", "--input", points, "--tax-year", "2026", "--conventionne", "oui", "--output", tmp.path("o.csv"),
                        "--summary", $0,
                    ]
                }
            ),
            (
                points,
                {
                    [
                        "eligibility", "tfpb", "--input", points, "--tax-year", "2026", "--conventionne", "oui", "--output", tmp.path("o.csv"),
                        "--geojson", $0,
                    ]
                }
            ),
            (carreaux, { ["carreaux", "--input", carreaux, "--output", $0, "--date", "2024-06-01"] }),
            (carreaux, { ["carreaux", "stats", "--input", carreaux, "--output", tmp.path("s.json"), "--rejects", $0, "--date", "2024-06-01"] }),
            (addresses, { ["geocode", "--input", addresses, "--column", "adresse", "--output", $0] }),
        ]
        for (input, args) in commands {
            let before = try Data(contentsOf: URL(fileURLWithPath: input))
            for out in try spellings(of: input) {
                let r = try CLIRunner.run(args(out), environment: env, cwd: tmp.url)
                #expect(r.status != 0, "\(args(out)) : code de sortie 0")
                #expect(r.stderr.contains("fichier d'entrée"), "\(args(out)) : \(r.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before, "\(args(out)) a modifié son entrée")
            }
        }
        // The same commands with a distinct output work and leave no temporary file.
        let ok = try CLIRunner.run(["locate", "--input", points, "--output", tmp.path("sortie.csv")], environment: env)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try tmp.read("sortie.csv").hasPrefix("id;lon;lat;logements;qpv_status"))
        let names = try FileManager.default.contentsOfDirectory(atPath: tmp.url.path)
        #expect(names.allSatisfy { !$0.contains("qpv-tmp") }, "\(names)")
    }

    @Test func aStoppedBatchLeavesTheOlderOutputAndNoPartialFile() throws {
        var text = "id,lon,lat\n"
        text.reserveCapacity(60_000_000)
        for k in 0..<2_000_000 { text += "\(k),-4.6\(k % 1000),46.2\(k % 997)\n" }
        let input = try tmp.write("gros.csv", text)
        let out = try tmp.write("sortie.csv", "ancien résultat\n")
        let p = Process()
        // Through `env --default-signal=TERM`: a server test of the same process (ServiceLifecycle) may have set
        // SIGTERM to SIG_IGN for its dispatch source, and a child inherits an ignored signal across exec — qpv
        // then rightly keeps it ignored and the batch runs to its end (seen under the sanitizers).
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["--default-signal=TERM", CLIRunner.binary.path, "locate", "--input", input, "--output", out]
        p.environment = ["QPV_DATA_DIR": tmp.path("data")]
        p.standardError = FileHandle.nullDevice
        try p.run()
        // SIGTERM once the batch is writing (its temporary file exists).
        func writing() -> Bool { ((try? FileManager.default.contentsOfDirectory(atPath: tmp.url.path)) ?? []).contains { $0.contains("qpv-tmp") } }
        var waited = 0
        while !writing() && p.isRunning && waited < 60_000 {
            usleep(2_000)
            waited += 2
        }
        #expect(p.isRunning, "le lot s'est terminé avant d'être interrompu")
        usleep(100_000)
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        #expect(try tmp.read("sortie.csv") == "ancien résultat\n")
        let names = try FileManager.default.contentsOfDirectory(atPath: tmp.url.path)
        #expect(names.allSatisfy { !$0.contains("qpv-tmp") }, "fichier temporaire laissé : \(names)")
    }

    @Test func aDamagedBANFileNeverReplacesTheInstalledBase() throws {
        let data = tmp.path("data")
        // A good base first.
        let good = try tmp.write("adresses-62.csv", BANFixture.banText)
        #expect(try CLIRunner.run(["data", "import-ban", good, "--data-dir", data]).status == 0)
        let base = Geocoder.packURL(in: .init(url: URL(fileURLWithPath: data)))
        let installed = try Data(contentsOf: base)
        // A larger file, gzip-compressed then cut in the middle (a download that stopped).
        var rows = [BANFixture.header]
        for k in 1...3000 {
            rows.append(BANFixture.row("62901_0002_\(k)", "\(k)", "", "Avenue Longue", "62901", "Ville-Test", "2.5\(k % 100)", "50.5"))
        }
        let big = try tmp.write("adresses-gros.csv", rows.joined(separator: "\n") + "\n")
        try tmp.gzip(big)
        let full = try Data(contentsOf: URL(fileURLWithPath: big + ".gz"))
        let cut = try tmp.write("adresses-coupe.csv.gz", bytes: Array(full.prefix(full.count / 2)))
        let r = try CLIRunner.run(["data", "import-ban", cut, "--data-dir", data])
        #expect(r.status != 0)
        #expect(r.stderr.contains("tronqué"), "\(r.stderr)")
        #expect(try Data(contentsOf: base) == installed)
        // A file whose rows are mostly rejected (here: every longitude unreadable) is refused too…
        let junk = try tmp.write("adresses-faux.csv", rows.map { $0.replacingOccurrences(of: ";2.5", with: ";x2.5") }.joined(separator: "\n") + "\n")
        let j = try CLIRunner.run(["data", "import-ban", junk, "--data-dir", data])
        #expect(j.status != 0 && j.stderr.contains("--max-rejected"), "\(j.stderr)")
        #expect(try Data(contentsOf: base) == installed)
        // … unless the limit is raised on purpose.
        let mixed = try tmp.write(
            "adresses-mixte.csv",
            (rows + rows.dropFirst().prefix(300).map { $0.replacingOccurrences(of: ";2.5", with: ";x2.5") }).joined(separator: "\n") + "\n")
        #expect(try CLIRunner.run(["data", "import-ban", mixed, "--data-dir", data]).status != 0)
        #expect(try CLIRunner.run(["data", "import-ban", mixed, "--data-dir", data, "--max-rejected", "20"]).status == 0)
        // `data list` says what the installed base came from.
        let list = try CLIRunner.run(["data", "list", "--data-dir", data])
        #expect(
            list.stdout.contains("Base d'adresses") && list.stdout.contains("adresses-mixte.csv") && list.stdout.contains("300 rejetées"),
            "\(list.stdout)")
    }
}
