// `qpv eligibility …` through the real binary (`CLIRunner`): options, French messages, exit codes, text and
// JSON formats, the TFPB batch files, and the EPCI threshold of `qpv carreaux candidates`.

import Foundation
import QPVCore
import QPVTestSupport
import Testing

/// The real `qpv eligibility …` binary: options, messages, exit codes, formats.
@Suite struct EligibilityCLITests {
    /// Runs qpv with an empty data directory (demonstration data).
    func qpv(_ args: [String]) throws -> CLIRunner.Result {
        let tmp = try TemporaryDirectory()
        return try CLIRunner.run(args, environment: ["QPV_DATA_DIR": tmp.path("data")])
    }

    static let tilleuls = ["--lon", "-4.6181818", "--lat", "46.2107914"]
    static let employerFacts = [
        "--no-previous-employment", "--no-economic-dismissal", "--obligations-up-to-date", "--no-other-state-aid", "--kept-six-months",
    ]

    /// Issue 12.5: neither --previous-employment nor --no-previous-employment → unknown, never "(déclaré)".
    @Test func undeclaredYesNoFactsAreToVerifyThroughTheBinary() throws {
        let base =
            ["eligibility", "emploi-franc"] + Self.tilleuls + [
                "--signature-date", "2022-03-15", "--contract", "cdi", "--status", "jobseeker", "--employer", "private",
            ]
        let none = try qpv(base)
        #expect(none.stdout.contains("? À VÉRIFIER"), "\(none.stdout)")
        #expect(
            none.stdout.contains(
                "? Pas d'emploi chez le même employeur dans les 6 mois précédents : non renseigné (--previous-employment ou --no-previous-employment")
        )
        #expect(!none.stdout.contains("(déclaré)"))
        let yes = try qpv(base + Self.employerFacts.filter { $0 != "--no-previous-employment" } + ["--previous-employment"])
        #expect(yes.stdout.contains("✗ NON ÉLIGIBLE"))
        let both = try qpv(base + ["--previous-employment", "--no-previous-employment"])
        #expect(both.status != 0, "contradictory flags are refused")
        // Adulte-relais: employer kind and convention asked, derogation tri-state.
        let arBase =
            ["eligibility", "adulte-relais"] + Self.tilleuls + [
                "--hire-date", "2023-05-01", "--birth-date", "1980-01-01", "--employment", "unemployed", "--contract", "cdi",
            ]
        let ar = try qpv(arBase + ["--employer", "association", "--convention"])
        #expect(ar.stdout.contains("✓ ÉLIGIBLE — contrat adultes-relais"), "\(ar.stdout)")
        #expect(ar.stdout.contains("montant à vérifier"))
        let noConvention = try qpv(arBase + ["--employer", "association"])
        #expect(noConvention.stdout.contains("? À VÉRIFIER"))
        let company = try qpv(arBase + ["--employer", "entreprise", "--convention"])
        #expect(company.stdout.contains("✗ NON ÉLIGIBLE"))
    }

    @Test func carreauxCandidatesTakeTheEPCIThreshold() throws {
        let tmp = try TemporaryDirectory()
        let input = try tmp.write("c.csv", "idcar_200m,ind,ind_snv\nCRS3035RES200mN3073200E3798000,100,900000\n")
        let r = try CLIRunner.run(
            ["carreaux", "candidates", "--input", input, "--epci", "200072460", "--output", tmp.path("o.geojson")],
            environment: ["QPV_DATA_DIR": tmp.path("data")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("\(FrenchFormat.integer(12600)) €") && r.stderr.contains("Filosofi"))
        #expect(try JSONParser.parse(try tmp.read("o.geojson"))["qpv_threshold"]?.numberValue == 12600)
        let none = try CLIRunner.run(
            ["carreaux", "candidates", "--input", input, "--epci", "245901160", "--output", tmp.path("p.geojson")],
            environment: ["QPV_DATA_DIR": tmp.path("data")])
        #expect(none.status != 0)
        #expect(none.stderr.contains("--threshold"))
    }

    @Test func emploiFrancOnDemoDataInTextAndJSON() throws {
        let args =
            ["eligibility", "emploi-franc"] + Self.tilleuls + [
                "--signature-date", "2022-03-15", "--contract", "cdi", "--status", "jobseeker", "--employer", "private",
            ]
            + Self.employerFacts
        let text = try qpv(args)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("[DÉMONSTRATION — données fictives] ✓ ÉLIGIBLE"))
        #expect(text.stdout.contains("Montant de l'aide : 15 000 €"))
        #expect(text.stdout.contains("Date limite de la demande d'aide : 15 juin 2022"))
        #expect(text.stderr.contains("DÉMONSTRATION"))
        let json = try qpv(args + ["--format", "json"])
        let v = try JSONParser.parse(json.stdout)
        #expect(v["verdict"]?.stringValue == "eligible")
        #expect(v["aid"]?["total_eur"]?.numberValue == 15000)
        #expect(v["location"]?["code"]?.stringValue == "QX000101")
        #expect(v["demo"] == .bool(true))
    }

    @Test func badOptionsAreRefusedInFrench() throws {
        let base = ["eligibility", "emploi-franc"] + Self.tilleuls + ["--signature-date", "2022-03-15", "--status", "jobseeker"]
        let contract = try qpv(base + ["--contract", "interim"])
        #expect(contract.status != 0)
        #expect(contract.stderr.contains("--contract « interim » : valeurs possibles cdi, cdd"))
        let date = try qpv(base + ["--contract", "cdi", "--date", "2022-01-01"])
        #expect(date.status != 0)
        #expect(date.stderr.contains("--signature-date"))
        let time = try qpv(base + ["--contract", "cdi", "--working-time", "1.5"])
        #expect(time.status != 0)
        #expect(time.stderr.contains("temps de travail"))
        let badDate = try qpv(["eligibility", "emploi-franc"] + Self.tilleuls + ["--signature-date", "15/03/2022"])
        #expect(badDate.stderr.contains("format attendu AAAA-MM-JJ"))
        let noPlace = try qpv(["eligibility", "emploi-franc", "--signature-date", "2022-03-15"])
        #expect(noPlace.status != 0)
        #expect(noPlace.stderr.contains("--lon et --lat"))
    }

    @Test func unusableCoordinatesGiveToVerifyAndExitTwo() throws {
        let r = try qpv([
            "eligibility", "emploi-franc", "--lon", "ouest", "--lat", "nord", "--signature-date", "2022-03-15", "--contract", "cdi", "--status",
            "jobseeker", "--employer", "private",
        ])
        #expect(r.status == 2)
        #expect(r.stdout.hasPrefix("? À VÉRIFIER"))
        #expect(r.stdout.contains("ne sont pas des nombres"))
    }

    @Test func adulteRelaisAndFCSOnDemoData() throws {
        let ar = try qpv(
            ["eligibility", "adulte-relais"] + Self.tilleuls
                + [
                    "--hire-date", "2024-09-02", "--birth-date", "1990-05-12", "--employment", "unemployed", "--contract", "cdd", "--duration-months",
                    "36",
                    "--employer", "association", "--convention",
                ])
        #expect(ar.status == 0, "\(ar.stderr)")
        #expect(ar.stdout.contains("✓ ÉLIGIBLE — contrat adultes-relais"))
        #expect(ar.stdout.contains("22 810,61 €"))
        // Clos des Sables is a demo QIC, outside every demo QPV.
        let qic = try qpv(["eligibility", "fcs", "--lon", "-4.6324675", "--lat", "46.1932554", "--date", "2025-03-01"])
        #expect(qic.status == 0, "\(qic.stderr)")
        #expect(qic.stdout.contains("✓ TERRITOIRE ÉLIGIBLE"))
        #expect(qic.stdout.contains("QIC QXC00001"))
        #expect(qic.stdout.contains("Décident aussi"))
        let mairie = try qpv(["eligibility", "fcs", "--lon", "-4.5974026", "--lat", "46.2013489", "--date", "2025-03-01", "--format", "json"])
        #expect(try JSONParser.parse(mairie.stdout)["verdict"]?.stringValue == "not_eligible")
        let unknown = try qpv(["eligibility", "fcs", "--lon", "-4.5974026", "--lat", "46.2013489", "--epci", "123456789"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("200072460"))
    }

    @Test func tfpbBatchWritesRowsSummaryAndGeoJSON() throws {
        let tmp = try TemporaryDirectory()
        let input = try tmp.write("parc.csv", "id;lon;lat;logements\nA;-4.6181818;46.2107914;12\nB;-4.5974026;46.2013489;5\n")
        let r = try CLIRunner.run(
            [
                "eligibility", "tfpb", "--input", input, "--tax-year", "2026", "--output", tmp.path("out.csv"), "--summary", tmp.path("sum.csv"),
                "--geojson", tmp.path("out.geojson"), "--conventionne", "oui", "--logement-social", "oui", "--exoneration-terminee", "oui",
            ], environment: ["QPV_DATA_DIR": tmp.path("data")])
        #expect(r.status == 0, "\(r.stderr)")
        let out = try tmp.read("out.csv").split(separator: "\n")
        #expect(out.count == 3)
        #expect(out[0].hasPrefix("id;lon;lat;logements;tfpb_verdict"))
        #expect(out[1].contains(";eligible;in;QX000201;"))
        #expect(out[2].contains(";not_eligible;out;"))
        #expect(try tmp.read("sum.csv").contains("TOTAL;total;;2;1;0;1;17;12"))
        #expect(try JSONParser.parse(try tmp.read("out.geojson"))["features"]?.arrayValue?.count == 2)
        #expect(r.stderr.contains("éligibles : 1 lignes, 12 logements sur 17"))
        let badYear = try CLIRunner.run([
            "eligibility", "tfpb", "--input", input, "--tax-year", "2026", "--output", "-", "--conventionne", "peut-être",
        ])
        #expect(badYear.status != 0)
        #expect(badYear.stderr.contains("--conventionne"))
    }

    /// The scenarios through the binary, on the real Occitanie perimeters given with --perimeters.
    @Test(.enabled(if: SharedData.isAvailable, "données de référence ../shared absentes"))
    func realPerimetersThroughTheBinary() throws {
        let perimeters = try SharedData.file("geodata/qpv-2015-occitanie.geojson").path
        let p = try #require(try TruthPoint.load().filter { $0.codes == ["QP031001"] }.max { $0.distance < $1.distance })
        func run(_ date: String) throws -> JSONValue {
            let r = try qpv(
                [
                    "eligibility", "emploi-franc", "--perimeters", perimeters, "--lon", String(p.lon), "--lat", String(p.lat), "--signature-date",
                    date,
                    "--contract", "cdi", "--status", "jobseeker", "--employer", "private", "--format", "json",
                ] + Self.employerFacts)
            #expect(r.status == 0, "\(r.stderr)")
            return try JSONParser.parse(r.stdout)
        }
        let ok = try run("2022-03-15")
        #expect(ok["verdict"]?.stringValue == "eligible")
        #expect(ok["aid"]?["total_eur"]?.numberValue == 15000)
        #expect(ok["filing_deadline"]?.stringValue == "2022-06-15")
        #expect(ok["location"]?["code"]?.stringValue == "QP031001")
        #expect(ok["location"]?["vintage"]?.stringValue == "2015")
        #expect(try run("2025-01-02")["verdict"]?.stringValue == "not_eligible")
        let missing = try run("2024-06-01")
        #expect(missing["verdict"]?.stringValue == "to_verify")
        #expect(missing["location"]?["status"]?.stringValue == "no_list")
        #expect(missing["to_verify"]?.arrayValue?.contains { $0.stringValue?.contains("liste 2024 des QPV de l'Hexagone") == true } == true)
    }
}
