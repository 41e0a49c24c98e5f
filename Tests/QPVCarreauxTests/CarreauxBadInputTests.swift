// Bad carreaux input for classify and stats: every row kept with its error, duplicates found exactly, missing
// columns named, wide output in the input's dialect; `squarePerimeter`, the test perimeter other suites reuse.

import Foundation
import QPVCarreaux
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

/// One perimeter: the square E 3 700 000–3 700 400, N 2 800 000–2 800 400 (four 200 m carreaux), in a
/// fictional spot of the grid (the test never needs real places).
func squarePerimeter(_ dir: TemporaryDirectory) throws -> GridPerimeters {
    try grid(
        fromGeoJSON: perimeters3035([("QT00009", [[(3_700_000, 2_800_000), (3_700_400, 2_800_000), (3_700_400, 2_800_400), (3_700_000, 2_800_400)]])]
        ), in: dir)
}

@Suite struct CarreauxBadInputTests {
    static let messy = """
        idcar_200m;ind;men;men_pauv;ind_snv;i_est_200
        CRS3035RES200mN2800000E3700000;100;40;10;1500000;0
        CRS3035RES200mN2800000E3700100;10;4;1;150000;0
        pas-un-carreau;10;4;1;150000;0
        CRS3035RES1000mN2800000E3700000;10;4;1;150000;0

        CRS3035RES200mN2800000E3700000;100;40;10;1500000;0
        crs3035res200mn2800200e3700200;50;20;5;600000;1
        CRS3035RES200mN2800200E3700000;cinquante;20;5;600000;0
        CRS3035RES200mN2800400E3700400;7,5;3;1;90000;0
        ;1;1;1;1;0
        """

    @Test func classifyKeepsEveryRowWithItsError() throws {
        let dir = try TemporaryDirectory()
        let grid = try squarePerimeter(dir)
        let input = try dir.write("messy.csv", Self.messy)
        for format in ClassifyFormat.allCases {
            let reader = try CSVReader(path: input)
            let writer = try CSVWriter(path: dir.path("out-\(format).csv"), dialect: reader.dialect)
            var options = ClassifyOptions()
            options.format = format
            options.read.chunkSize = 2
            let summary = try ClassifyBatch(perimeters: grid, options: options).run(reader: reader, writer: writer)
            #expect(summary.counts.rows == 9)
            #expect(summary.counts.invalidId == 3)  // off-grid easting, free text, empty id
            #expect(summary.counts.wrongResolution == 1)
            #expect(summary.counts.duplicate == 1)
            #expect(summary.counts.blankLines == 1)
            let out = try dir.read("out-\(format).csv").split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter {
                !$0.isEmpty
            }
            #expect(out.count == 1 + 9, "\(format): une ligne de sortie par ligne d'entrée")
            let body = out.dropFirst()
            // The separator follows the input (;).
            #expect(out[0].contains(";"))
            func row(_ prefix: String) -> String? { body.first { $0.hasPrefix(prefix) } }
            #expect(row("CRS3035RES200mN2800000E3700100")?.contains("ligne 3, champ « idcar_200m »") == true)
            #expect(row("CRS3035RES200mN2800000E3700100")?.contains("hors de la grille") == true)
            #expect(row("pas-un-carreau")?.contains("ligne 4") == true)
            #expect(row("CRS3035RES1000mN2800000E3700000")?.contains("carreau de 1000 m") == true)
            #expect(row("CRS3035RES1000mN2800000E3700000")?.contains("ligne 5") == true)
            let duplicates = body.filter { $0.hasPrefix("CRS3035RES200mN2800000E3700000") }
            #expect(duplicates.count == 2)
            #expect(duplicates[1].contains("ligne 7") && duplicates[1].contains("déjà présent"))
            #expect(duplicates[0].contains("QT00009"))
            // Lower-case ids are accepted; a carreau outside the square touches nothing.
            #expect(row("crs3035res200mn2800200e3700200")?.contains("QT00009") == true)
            #expect(row("CRS3035RES200mN2800400E3700400")?.contains("QT00009") == false)
            #expect(body.contains { $0.hasPrefix(";") && $0.contains("ligne 11") && $0.contains("vide") })
        }
    }

    /// Duplicate detection stays exact past many growths of its table (30 000 distinct carreaux, then repeats).
    @Test func findsExactlyTheDuplicatesOfALargeFile() throws {
        let dir = try TemporaryDirectory()
        let grid = try squarePerimeter(dir)
        var text = "idcar_200m\n"
        for k in 0..<30_000 { text += "CRS3035RES200mN\(2_700_000 + (k / 173) * 200)E\(3_600_000 + (k % 173) * 200)\n" }
        for k in stride(from: 0, to: 30_000, by: 997) { text += "CRS3035RES200mN\(2_700_000 + (k / 173) * 200)E\(3_600_000 + (k % 173) * 200)\n" }
        let reader = try CSVReader(path: try dir.write("big.csv", text))
        let summary = try ClassifyBatch(perimeters: grid, options: ClassifyOptions()).run(
            reader: reader, writer: try CSVWriter(path: dir.path("o.csv"), dialect: reader.dialect))
        #expect(summary.counts.rows == 30_000 + 31)
        #expect(summary.counts.duplicate == 31)
        #expect(summary.outside == 30_000)
    }

    @Test func statsRejectsNonNumericCountsAndDuplicates() throws {
        let dir = try TemporaryDirectory()
        let grid = try squarePerimeter(dir)
        let reader = try CSVReader(path: try dir.write("messy.csv", Self.messy))
        let rejects = try CSVWriter(path: dir.path("rejets.csv"), dialect: reader.dialect)
        let report = try StatsBatch(perimeters: grid, options: StatsOptions()).run(reader: reader, rejects: rejects)
        #expect(report.counts.rows == 9)
        #expect(report.counts.invalidValue == 1)
        #expect(report.counts.duplicate == 1)
        #expect(report.counts.rejected == 6)
        #expect(report.problems.contains { $0.contains("ligne 9") && $0.contains("« ind »") && $0.contains("cinquante") })
        // Used: N2800000E3700000 (first occurrence) and N2800200E3700200; decimal comma read (7,5) but outside.
        #expect(report.carreauxUsed == 2)
        #expect(report.carreauxOutside == 1)
        let s = try #require(report.perimeters.first)
        #expect(report.sums(s)["ind"] == 150)
        #expect(s.carreauxImputed == 1)
        let rejected = try dir.read("rejets.csv").split(separator: "\n").map(String.init)
        #expect(rejected.count == 1 + 6)
        #expect(rejected[0] == "idcar_200m;ind;men;men_pauv;ind_snv;i_est_200;line;error")
    }

    @Test func missingColumnsAreNamed() throws {
        let dir = try TemporaryDirectory()
        let grid = try squarePerimeter(dir)
        let noId = try dir.write("sans-id.csv", "code;ind\nA;1\n")
        #expect {
            try ClassifyBatch(perimeters: grid, options: ClassifyOptions()).run(
                reader: try CSVReader(path: noId), writer: try CSVWriter(path: dir.path("o.csv"), dialect: CSVDialect()))
        } throws: { "\($0)".contains("idcar_200m") && "\($0)".contains("« code »") && "\($0)".contains("ligne 1") }
        let noCounts = try dir.write("sans-comptes.csv", "idcar_200m;autre\nCRS3035RES200mN2800000E3700000;1\n")
        #expect {
            try StatsBatch(perimeters: grid, options: StatsOptions()).run(reader: try CSVReader(path: noCounts))
        } throws: { "\($0)".contains("« ind »") && "\($0)".contains("« autre »") }
        #expect {
            try CandidatesBatch(perimeters: grid, options: CandidatesOptions(threshold: 12600)).run(
                reader: try CSVReader(path: try dir.write("sans-snv.csv", "idcar_200m,ind\nx,1\n")))
        } throws: { "\($0)".contains("ind_snv") }
        var explicit = ClassifyOptions()
        explicit.read.idColumn = "carreau"
        #expect {
            try ClassifyBatch(perimeters: grid, options: explicit).run(
                reader: try CSVReader(path: noCounts), writer: try CSVWriter(path: dir.path("o2.csv"), dialect: CSVDialect()))
        } throws: { "\($0)".contains("« carreau » introuvable") }
    }

    /// Windows-1252 input comes back in Windows-1252, with its separator.
    @Test func wideOutputFollowsTheInputDialect() throws {
        let dir = try TemporaryDirectory()
        let grid = try squarePerimeter(dir)
        var bytes: [UInt8] = []
        TextEncoding.windows1252.encode("idcar_200m;commune\r\nCRS3035RES200mN2800000E3700200;Béthune\r\n", into: &bytes)
        let path = try dir.write("cp1252.csv", bytes: bytes)
        let reader = try CSVReader(path: path)
        let writer = try CSVWriter(path: dir.path("wide.csv"), dialect: reader.dialect)
        var options = ClassifyOptions()
        options.format = .wide
        _ = try ClassifyBatch(perimeters: grid, options: options).run(reader: reader, writer: writer)
        let out = try Data(contentsOf: URL(fileURLWithPath: dir.path("wide.csv")))
        #expect(out.contains(0xE9))  // é in Windows-1252
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.hasPrefix("idcar_200m;commune;qpv_codes;qpv_shares;qpv_share_total;carreau_error\r\n"))
        #expect(text.contains(";QT00009;1;1;\r\n"))
    }
}
