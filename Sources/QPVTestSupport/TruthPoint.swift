// `TruthPoint`: the rows of the truth file `../shared/truth/points-occitanie.csv`, the GEOS/PROJ reference answers
// (shapely 2.2 / GEOS 3.14, pyproj / PROJ 9.5) that the locate, coverage and eligibility tests compare with.

import Foundation

/// One reference point: its id, WGS84 coordinates, the codes of the perimeters that contain it and its distance
/// to the nearest boundary in metres.
public struct TruthPoint: Sendable {
    public var id: String
    public var lon: Double
    public var lat: Double
    /// The containing perimeters' codes, in the file's order.
    public var codeList: [String]
    public var distance: Double

    /// The containing perimeters' codes as a set.
    public var codes: Set<String> { Set(codeList) }

    /// Every row of `truth/points-occitanie.csv` (columns id, lon, lat, expected_codes, distance_boundary_m).
    public static func load() throws -> [TruthPoint] {
        let text = try String(contentsOf: try SharedData.file("truth/points-occitanie.csv"), encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next()?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else { return [] }
        func column(_ name: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else { throw TruthFileError(missingColumn: name) }
            return i
        }
        let (id, lon, lat, codes, dist) = (
            try column("id"), try column("lon"), try column("lat"), try column("expected_codes"), try column("distance_boundary_m")
        )
        var out: [TruthPoint] = []
        while let line = lines.next() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == header.count, let x = Double(f[lon]), let y = Double(f[lat]), let d = Double(f[dist]) else {
                throw TruthFileError(badRow: String(line))
            }
            out.append(TruthPoint(id: f[id], lon: x, lat: y, codeList: f[codes].split(separator: ";").map(String.init), distance: d))
        }
        return out
    }
}

/// The truth file does not have the expected shape.
public struct TruthFileError: Error, CustomStringConvertible {
    public let description: String
    init(missingColumn: String) { description = "truth/points-occitanie.csv : colonne \(missingColumn) absente" }
    init(badRow: String) { description = "truth/points-occitanie.csv : ligne illisible : \(badRow)" }
}

/// The perimeters the truth points were computed on: `../shared/geodata/qpv-2015-occitanie.geojson`.
public func occitaniePath() throws -> String { try SharedData.file("geodata/qpv-2015-occitanie.geojson").path }
