import Foundation
import QPVCore
import QPVTestSupport
import Testing

/// The real binary on the public rule format: `eligibility run`, `run-batch`, `rules check`, `data import-rules`,
/// and the shipped programmes giving the same JSON through `run` as through their own commands.
@Suite struct RulesCLITests {
    static let file = SharedData.fictionalProgramme.path
    static let tilleuls = ["--lon", "-4.6181818", "--lat", "46.2107914"]
    static let mairie = ["--lon", "-4.5974026", "--lat", "46.2013489"]
    static let facts = [
        "--fact", "training_start_date=2024-09-02", "--fact", "birth_date=2004-05-12", "--fact", "status=jobseeker", "--fact", "other_aid=non",
        "--fact", "application_date=2024-09-20", "--fact", "training_cost_eur=1200",
    ]

    func qpv(_ args: [String], data: TemporaryDirectory? = nil) throws -> CLIRunner.Result {
        let tmp = try data ?? TemporaryDirectory()
        return try CLIRunner.run(args, environment: ["QPV_DATA_DIR": tmp.path("data")])
    }

    @Test func fictionalProgrammeFromTheCLI() throws {
        let base = ["eligibility", "run", "--rules", Self.file, "--programme", "aide_fictive_quartville"]
        let ok = try qpv(base + Self.tilleuls + Self.facts)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("✓ ÉLIGIBLE — Aide FICTIVE"), "\(ok.stdout)")
        #expect(ok.stdout.contains("Montant de l'aide : 600 €"))
        #expect(ok.stdout.contains("Date limite de la demande d'aide : 2 novembre 2024"))
        let json = try JSONParser.parse(try qpv(base + Self.tilleuls + Self.facts + ["--format", "json"]).stdout)
        #expect(json["verdict"]?.stringValue == "eligible" && json["aid"]?["total_eur"]?.numberValue == 600)
        // An undeclared yes/no fact: to verify, with how to declare it.
        let withoutOtherAid = Array(Self.facts.prefix(6) + Self.facts.dropFirst(8))
        let undeclared = try qpv(base + Self.tilleuls + withoutOtherAid + ["--exit-status"])
        #expect(undeclared.status == 2, "\(undeclared.stdout)")
        #expect(undeclared.stdout.contains("? À VÉRIFIER") && undeclared.stdout.contains("--fact other_aid=oui|non"))
        // Outside any QPV: not eligible.
        let out = try qpv(base + Self.mairie + Self.facts + ["--exit-status"])
        #expect(out.status == 1 && out.stdout.contains("✗ NON ÉLIGIBLE"), "\(out.stdout)")
        // Bad facts are refused in French, never guessed.
        let unknown = try qpv(base + Self.tilleuls + Self.facts + ["--fact", "magic=1"])
        #expect(unknown.status != 0 && unknown.stderr.contains("fait inconnu"))
        let badDate = try qpv(base + Self.tilleuls + ["--fact", "training_start_date=02/09/2024"])
        #expect(badDate.status != 0 && badDate.stderr.contains("date AAAA-MM-JJ attendue"))
        let noDate = try qpv(base + Self.tilleuls)
        #expect(noDate.status != 0 && noDate.stderr.contains("--fact training_start_date=AAAA-MM-JJ"))
        let unknownProgramme = try qpv(["eligibility", "run", "--rules", Self.file, "--programme", "autre"] + Self.tilleuls + Self.facts)
        #expect(unknownProgramme.status != 0 && unknownProgramme.stderr.contains("« autre » inconnu"))
    }

    @Test func fictionalProgrammeBatch() throws {
        let tmp = try TemporaryDirectory()
        let input = try tmp.write(
            "in.csv",
            """
            id;lon;lat;birth_date;status;other_aid;training_cost_eur
            a;-4.6181818;46.2107914;2004-05-12;jobseeker;non;1200
            b;-4.6181818;46.2107914;2004-05-12;jobseeker;;1200
            c;-4.5974026;46.2013489;2004-05-12;student;non;800
            d;-4.6181818;46.2107914;12/05/2004;jobseeker;non;1200
            e;abc;46.2;2004-05-12;jobseeker;non;1200

            """)
        let r = try qpv(
            [
                "eligibility", "run-batch", "--rules", Self.file, "--programme", "aide_fictive_quartville", "--input", input, "--output",
                tmp.path("out.csv"),
                "--fact", "training_start_date=2024-09-02", "--fact", "application_date=2024-09-20",
            ], data: tmp)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try tmp.read("out.csv").split(separator: "\n").map(String.init)
        #expect(lines.count == 6, "every row once: \(lines)")
        #expect(lines[0].hasSuffix("verdict;qpv_status;qpv_code;qpv_name;distance_boundary_m;amount_eur;reason;error"))
        #expect(lines[1].hasPrefix("a;") && lines[1].contains(";eligible;in;QX000201;") && lines[1].contains(";600;"), "\(lines[1])")
        #expect(lines[2].hasPrefix("b;") && lines[2].contains(";to_verify;"), "\(lines[2])")
        #expect(lines[3].hasPrefix("c;") && lines[3].contains(";not_eligible;"), "\(lines[3])")
        #expect(lines[4].hasPrefix("d;") && lines[4].contains(";to_verify;") && lines[4].contains("date AAAA-MM-JJ attendue"), "\(lines[4])")
        #expect(lines[5].hasPrefix("e;") && lines[5].contains(";to_verify;") && lines[5].contains("position absente"), "\(lines[5])")
        #expect(r.stderr.contains("Faits lus dans les colonnes : birth_date"))
    }

    @Test func rulesCheckAndImport() throws {
        let tmp = try TemporaryDirectory()
        let ok = try qpv(["rules", "check", Self.file])
        #expect(ok.status == 0 && ok.stdout.contains("aucune erreur"), "\(ok.stdout)\(ok.stderr)")
        let good = try String(contentsOfFile: Self.file, encoding: .utf8)
        let bad = try tmp.write(
            "bad.json",
            good.replacingOccurrences(of: "\"check\": \"age_range\"", with: "\"check\": \"age_between\"")
                .replacingOccurrences(
                    of: "\"note\": \"16 à 25 ans\", \"sources\": [\"deliberation-fictive\"]", with: "\"note\": \"16 à 25 ans\", \"sources\": []"))
        let r = try qpv(["rules", "check", bad])
        #expect(r.status == 1)
        #expect(r.stdout.contains("bad.json:32 : erreur : champ criteria[2].check : contrôle « age_between » inconnu"), "\(r.stdout)")
        #expect(r.stdout.contains("champ rules.age[0].sources : chaque version d'une règle cite au moins une source"))
        #expect(r.stderr.contains("2 erreurs"))
        // import-rules refuses a bad file, installs a good one; run finds it without --rules.
        #expect(try qpv(["data", "import-rules", bad], data: tmp).status != 0)
        let imported = try qpv(["data", "import-rules", Self.file], data: tmp)
        #expect(imported.status == 0 && imported.stdout.contains("Programme installé : aide_fictive_quartville"), "\(imported.stderr)")
        let run = try qpv(["eligibility", "run", "--programme", "aide_fictive_quartville"] + Self.tilleuls + Self.facts, data: tmp)
        #expect(
            run.stdout.contains("✓ ÉLIGIBLE") && run.stdout.contains("rules/aide_fictive_quartville.json (installé)"), "\(run.stdout)\(run.stderr)")
        let list = try qpv(["data", "list"], data: tmp)
        #expect(list.stdout.contains("Programme installé (identifiant « rules:aide_fictive_quartville »)"), "\(list.stdout)")
        #expect(try qpv(["data", "remove", "rules:aide_fictive_quartville"], data: tmp).status == 0)
        #expect(try qpv(["eligibility", "run", "--programme", "aide_fictive_quartville"] + Self.tilleuls + Self.facts, data: tmp).status != 0)
        for name in ["emploi-franc", "adulte-relais", "fcs", "tfpb", "pec-jeunes-occitanie", "fonds-de-concours-cabbalr"] {
            let c = try qpv([
                "rules", "check",
                URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../GeoData/rules/\(name).json").path,
            ])
            #expect(c.status == 0, "\(name): \(c.stdout)")
        }
    }

    /// The shipped programmes through `run` (the public path) answer exactly as their own commands.
    @Test func shippedProgrammesThroughRunAnswerAsTheirCommands() throws {
        let tmp = try TemporaryDirectory()
        let cases: [([String], [String])] = [
            (
                [
                    "eligibility", "emploi-franc", "--signature-date", "2022-03-15", "--contract", "cdd", "--duration-months", "14", "--working-time",
                    "0.5", "--status", "jobseeker",
                    "--employer", "private", "--age", "22", "--no-previous-employment",
                ],
                [
                    "--programme", "emploi_franc", "--fact", "signature_date=2022-03-15", "--fact", "contract=cdd", "--fact", "duration_months=14",
                    "--fact", "working_time=0.5",
                    "--fact", "status=jobseeker", "--fact", "employer=private", "--fact", "age=22", "--fact", "previous_employment=non",
                ]
            ),
            (
                [
                    "eligibility", "adulte-relais", "--hire-date", "2024-09-02", "--birth-date", "1990-05-12", "--employment", "unemployed",
                    "--contract", "cdd",
                    "--duration-months", "36", "--employer", "association", "--convention",
                ],
                [
                    "--programme", "adulte_relais", "--fact", "hire_date=2024-09-02", "--fact", "birth_date=1990-05-12", "--fact",
                    "employment=unemployed", "--fact", "contract=cdd",
                    "--fact", "duration_months=36", "--fact", "employer_kind=association", "--fact", "convention_before_hire=oui",
                ]
            ),
            (["eligibility", "fcs", "--date", "2025-03-01"], ["--programme", "fcs_demo", "--date", "2025-03-01"]),
            (["eligibility", "fcs", "--date", "2025-03-01"], ["--programme", "fcs", "--date", "2025-03-01"]),
            (
                ["eligibility", "fcs", "--date", "2025-03-01", "--epci", "200072460"],
                ["--programme", "fcs", "--epci", "200072460", "--date", "2025-03-01"]
            ),
        ]
        for (own, run) in cases {
            for place in [Self.tilleuls, Self.mairie] {
                let a = try qpv(own + place + ["--format", "json"], data: tmp)
                let b = try qpv(["eligibility", "run"] + run + place + ["--format", "json"], data: tmp)
                #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
                #expect(a.stdout == b.stdout, "\(own) : \(a.stdout.prefix(400)) ≠ \(b.stdout.prefix(400))")
            }
        }
    }
}
