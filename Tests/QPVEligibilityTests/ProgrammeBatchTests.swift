// Tests of `ProgrammeBatch` on its worker threads: the output does not depend on the number of threads or the
// chunk size (same bytes, every row once, in input order), with the CLI's `--threads`.

import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

@Suite struct ProgrammeBatchTests {
    /// Rows of every kind (inside, outside, undeclared fact, unreadable date, no position, decimal comma), cycled.
    static func input(rows: Int) -> String {
        let kinds = [
            "-4.6181818;46.2107914;2004-05-12;jobseeker;non", "-4.5974026;46.2013489;2004-05-12;student;non",
            "-4.6181818;46.2107914;2004-05-12;jobseeker;",
            "-4.6181818;46.2107914;12/05/2004;jobseeker;non", "abc;46.2;2004-05-12;jobseeker;non", "-4,5999351;46,1811151;2004-05-12;student;non",
            "-4.6064935;46.2080935;1990-01-01;jobseeker;non",
        ]
        var text = "id;lon;lat;birth_date;status;other_aid\n"
        for i in 0..<rows { text += "r\(i);\(kinds[(i * 5 + i / 7) % kinds.count])\n" }
        return text
    }

    @Test("1, 2 ou 3 fils, morceaux de 7 ou 512 lignes : mêmes octets, chaque ligne une fois dans l'ordre, même bilan")
    func threadsGiveTheSameBytes() throws {
        let tmp = try TemporaryDirectory()
        let path = try tmp.write("in.csv", Self.input(rows: 300))
        let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url.appendingPathComponent("data")))
        let book = try RuleFormatTests.fictionalBook()
        func run(workers: Int, chunk: Int) throws -> (String, ProgrammeBatchSummary) {
            var options = ProgrammeBatchOptions()
            options.defaults = [("training_start_date", "2024-09-02"), ("application_date", "2024-09-20"), ("training_cost_eur", "1200")]
            options.workers = workers
            options.chunkSize = chunk
            let reader = try CSVReader(path: path)
            let out = tmp.path("out-\(workers)-\(chunk).csv")
            let summary = try ProgrammeBatch(catalog: catalog, book: book, options: options).run(
                reader: reader, writer: try CSVWriter(path: out, dialect: reader.dialect))
            return (try String(contentsOfFile: out, encoding: .utf8), summary)
        }
        let (reference, summary) = try run(workers: 1, chunk: 512)
        let lines = reference.split(separator: "\n")
        #expect(lines.count == 301)
        #expect(lines.dropFirst().map { String($0.prefix { $0 != ";" }) } == (0..<300).map { "r\($0)" })
        #expect(summary.rows == 300)
        // The kinds of rows give the three verdicts (the comparison below is not between empty answers).
        #expect((summary.byVerdict[.eligible] ?? 0) > 0 && (summary.byVerdict[.notEligible] ?? 0) > 0 && (summary.byVerdict[.toVerify] ?? 0) > 0)
        for (workers, chunk) in [(1, 7), (2, 7), (3, 7), (2, 512)] {
            let (text, s) = try run(workers: workers, chunk: chunk)
            #expect(text == reference, "\(workers) fils, morceaux de \(chunk)")
            #expect(
                s.rows == summary.rows && s.byVerdict == summary.byVerdict && s.problemCount == summary.problemCount && s.problems == summary.problems
            )
        }
    }

    @Test("qpv eligibility run-batch --threads 1 et --threads 2 : fichiers identiques octet pour octet")
    func cliThreads() throws {
        let tmp = try TemporaryDirectory()
        let input = try tmp.write("in.csv", Self.input(rows: 1300))  // several chunks of 512 rows
        var outputs: [Data] = []
        for threads in [1, 2] {
            let out = tmp.path("out-\(threads).csv")
            let r = try CLIRunner.run(
                [
                    "eligibility", "run-batch", "--rules", RuleFormatTests.fictional.path, "--programme", "aide_fictive_quartville", "--input", input,
                    "--output", out, "--threads", String(threads), "--fact", "training_start_date=2024-09-02", "--fact",
                    "application_date=2024-09-20",
                ],
                environment: ["QPV_DATA_DIR": tmp.path("data")])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(
                r.stderr.contains("1 300 lignes traitées") || r.stderr.contains("1300 lignes traitées")
                    || r.stderr.contains("1\u{202F}300 lignes traitées"), "\(r.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        #expect(outputs[0].count > 1300 * 40)
        #expect(outputs[0] == outputs[1])
        let bad = try CLIRunner.run(
            [
                "eligibility", "run-batch", "--rules", RuleFormatTests.fictional.path, "--programme", "aide_fictive_quartville", "--input", input,
                "--output", tmp.path("x.csv"), "--threads", "deux",
            ], environment: ["QPV_DATA_DIR": tmp.path("data")])
        #expect(bad.status != 0)
    }
}
