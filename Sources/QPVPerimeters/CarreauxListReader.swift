// `CarreauxListReader`: a QIC list given as INSEE carreaux per quartier (CSV `code_qic,nom_qic,idcar_200m`),
// read as perimeter features (the union of the squares) so that it is compiled like any perimeter file.

import Foundation
import QPVCore
import QPVGeometry
import QPVTabular

/// Reads a list of INSEE carreaux per quartier — CSV `code_qic,nom_qic,idcar_200m` — as perimeter features:
/// one square (EPSG:3035) per row, all squares of a code later merged into one polygon by `PackCompiler`.
/// This is how the Béthune-Bruay QIC were drawn: on the INSEE Filosofi 2019 200 m grid.
public enum CarreauxListReader {
    /// Column names recognised as the carreau identifier, in this order.
    public static let idColumns = ["idcar_200m", "idcar_1km", "idcar", "id_carreau", "carreau"]

    /// Reads a list of INSEE carreaux (CSV: a perimeter code, a name and a carreau id per row) as perimeters, each the union of its carreaux.
    public static func read(path: String, codeColumn: String?, nameColumn: String?, idColumn: String? = nil) throws -> SourceFile {
        let reader: CSVReader
        do { reader = try CSVReader(path: path) } catch let e as TabularError {
            throw PerimeterFileError.cannotRead(path: path, reason: e.description)
        }
        func column(_ explicit: String?, _ candidates: [String], what: String) throws -> Int {
            if let explicit {
                guard let i = reader.columnIndex(explicit) else {
                    throw PerimeterFileError.missingAttribute(path: path, attribute: explicit, available: reader.header)
                }
                return i
            }
            for c in candidates { if let i = reader.columnIndex(c) { return i } }
            throw PerimeterFileError.missingAttribute(
                path: path, attribute: "\(what) (\(candidates.joined(separator: ", ")))", available: reader.header)
        }
        let codeIndex = try column(codeColumn, AttributeNames.code, what: "code du quartier")
        let nameIndex = try? column(nameColumn, AttributeNames.name, what: "nom du quartier")
        let idIndex = try column(idColumn, idColumns, what: "identifiant de carreau")
        let idName = reader.header[idIndex]
        var features: [SourceFeature] = []
        var seen: [GridCell: (line: Int, code: String)] = [:]
        var resolution: Int?
        while let record = try reader.next() {
            func fail(_ reason: String) -> PerimeterFileError {
                .malformed(path: path, reason: "ligne \(record.line), champ « \(idName) » : \(reason)")
            }
            if let issue = record.issue, case .fieldCount = issue {
            } else if let issue = record.issue {
                throw PerimeterFileError.malformed(path: path, reason: "ligne \(record.line) : \(issue.description)")
            }
            let code = record[codeIndex].trimmingCharacters(in: .whitespaces)
            guard !code.isEmpty else {
                throw PerimeterFileError.malformed(
                    path: path, reason: "ligne \(record.line), champ « \(reader.header[codeIndex]) » : code de quartier vide")
            }
            let cell: GridCell
            do { cell = try GridCell(id: record[idIndex]) } catch let e as GridCellError { throw fail(e.description) }
            if let r = resolution, r != cell.resolution {
                throw fail("carreau de \(cell.resolution) m dans une liste de carreaux de \(r) m (\(cell.id))")
            }
            resolution = cell.resolution
            if let previous = seen[cell] {
                if previous.code == code { continue }  // listed twice for the same quartier: harmless
                throw fail(
                    "le carreau \(cell.id) est déjà rattaché à \(previous.code) (ligne \(previous.line)) : un carreau appartient à un seul quartier")
            }
            seen[cell] = (record.line, code)
            var props = [reader.header[codeIndex]: code]
            if let nameIndex { props[reader.header[nameIndex]] = record[nameIndex] }
            props[idName] = cell.id
            features.append(SourceFeature(number: record.line, properties: props, polygons: [[cell.ring]]))
        }
        guard !features.isEmpty else { throw PerimeterFileError.empty(path: path) }
        let data = try PerimeterFileReader.fileBytes(path)
        return SourceFile(
            path: path, format: "carreaux", crs: .laea3035, layer: nil, features: features,
            sha256: PerimeterFileReader.sha256(data), byteCount: data.count)
    }
}
