// QIC lists given as INSEE carreaux (`CarreauxListReader`): real Béthune carreaux become one polygon of the
// right area, malformed rows are rejected with line and field, a QIC needs an EPCI.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

@Suite struct CarreauxQICTests {
    /// A contiguous group of real Filosofi carreaux (4-adjacency), grown from the first id of the file.
    func contiguousCells(count: Int) throws -> [GridCell] {
        let reader = try CSVReader(path: try SharedData.file("geodata/filosofi-2021-200m-bethune.csv").path)
        let id = try reader.requireColumn("idcar_200m")
        var all: [GridCell] = []
        while let r = try reader.next() { all.append(try GridCell(id: r[id])) }
        var group = [all[0]]
        var frontier = [all[0]]
        while group.count < count, let c = frontier.first {
            frontier.removeFirst()
            for n in all where n.sharesEdge(with: c) && !group.contains(n) && group.count < count {
                group.append(n)
                frontier.append(n)
            }
        }
        return group
    }

    func importQIC(_ csv: String, in tmp: TemporaryDirectory) throws -> PerimeterCatalog {
        let dir = DataDirectory(url: tmp.url.appendingPathComponent("data"))
        var options = ImportOptions()
        options.kind = .qic
        options.vintage = "2024"
        options.epciSiren = "200072460"
        options.epciName = "CA Béthune-Bruay Artois Lys Romane"
        options.validFrom = CivilDate("2024-01-01")
        let file = try PerimeterFileReader.read(path: csv, context: try GeosContext())
        let compiled = try PackCompiler(registry: try Registry.shipped()).compile(file, options: options)
        try PackStore(dataDirectory: dir).install(compiled)
        return try PerimeterCatalog.open(dataDirectory: dir)
    }

    @Test(.enabled(if: SharedData.isAvailable)) func qicFromRealCarreauxIsOnePolygonOfTheRightArea() throws {
        let cells = try contiguousCells(count: 12)
        #expect(cells.count == 12)
        let tmp = try TemporaryDirectory()
        var text = "code_qic,nom_qic,idcar_200m\n"
        for c in cells { text += "QIC01,Cité test,\(c.id)\n" }
        let catalog = try importQIC(try tmp.write("qic.csv", text), in: tmp)
        #expect(catalog.perimeters.count == 1)
        let p = catalog.perimeters[0]
        #expect(p.record.featureCount == 12)
        #expect(catalog.sets[0].info.territory == .epci("200072460"))
        #expect(catalog.packs[0].manifest.containmentCRS == 3035)
        let locator = try Locator(catalog: catalog)
        let g = try locator.containmentGeometry(0)
        #expect(g.numGeometries == 1)  // one polygon: the squares were merged
        #expect(abs(try g.area() - Double(cells.count) * 40_000) < 1e-6)
        // A point at the centre of one of the squares answers "in" the QIC (and no_list for QPV: none installed).
        let proj = try ProjContext()
        let c = cells[5].envelope.center
        let ll = try CoordinateTransformer(from: .laea3035, to: .wgs84, context: proj).transform(x: c.x, y: c.y)
        let r = try locator.locate(lon: ll.x, lat: ll.y, on: CivilDate("2024-06-01")!)
        #expect(r.qic?.containing.map(\.code) == ["QIC01"])
        #expect(r.status == .noList)
        let report = LocateReport(result: r, catalog: catalog)
        #expect(report.zone == "qic")
        #expect(report.qic.first?.epciSiren == "200072460")
        // Before the QIC's validity, no QIC answer.
        #expect(try locator.locate(lon: ll.x, lat: ll.y, on: CivilDate("2023-06-01")!).qic == nil)
    }

    @Test func malformedAndInconsistentCarreauxAreRejectedWithLineAndField() throws {
        let tmp = try TemporaryDirectory()
        func error(_ text: String) throws -> String {
            do {
                _ = try importQIC(try tmp.write("q.csv", text), in: tmp)
                return ""
            } catch { return "\(error)" }
        }
        let bad = try error("code_qic,nom_qic,idcar_200m\nQ1,A,CRS3035RES200mN3073200E3798000\nQ1,A,CRS3035RES200mE3798000N3073200\n")
        #expect(bad.contains("ligne 3") && bad.contains("idcar_200m") && bad.contains("invalide"))
        let mixed = try error("code_qic,nom_qic,idcar_200m\nQ1,A,CRS3035RES200mN3073200E3798000\nQ1,A,CRS3035RES1000mN3073000E3798000\n")
        #expect(mixed.contains("1000 m") && mixed.contains("ligne 3"))
        let twice = try error("code_qic,nom_qic,idcar_200m\nQ1,A,CRS3035RES200mN3073200E3798000\nQ2,B,CRS3035RES200mN3073200E3798000\n")
        #expect(twice.contains("déjà rattaché à Q1"))
        let missing = try error("code,nom,carre\nQ1,A,x\n")
        #expect(missing.contains("identifiant de carreau"))
    }

    @Test func qicNeedsAnEPCI() throws {
        let tmp = try TemporaryDirectory()
        let path = try tmp.write("q.csv", "code_qic,nom_qic,idcar_200m\nQ1,A,CRS3035RES200mN3073200E3798000\n")
        let file = try PerimeterFileReader.read(path: path, context: try GeosContext())
        var options = ImportOptions()
        options.kind = .qic
        options.vintage = "2024"
        #expect(throws: PerimeterFileError.self) { try PackCompiler(registry: try Registry.shipped()).compile(file, options: options) }
        options.epciSiren = "12345"
        do {
            _ = try PackCompiler(registry: try Registry.shipped()).compile(file, options: options)
            Issue.record("un SIREN de 5 chiffres doit être refusé")
        } catch { #expect("\(error)".contains("9 chiffres")) }
    }
}
