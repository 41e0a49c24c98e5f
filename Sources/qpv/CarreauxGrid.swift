// `qpv carreaux grid`: the INSEE carreau of a point, or the corner and outline of an id (`GridCell`).

import ArgumentParser
import Foundation
import QPVGeometry

struct CarreauxGrid: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grid",
        abstract: "Grille INSEE : carreau d'un point (lon/lat), ou coin, contour EPSG:3035 et WGS84 d'un identifiant.",
        discussion: """
            qpv carreaux grid --id CRS3035RES200mN3073200E3798000 [--format geojson]
            qpv carreaux grid --lon 2.6303 --lat 50.5297 [--resolution 1000]
            """)

    @Option(help: "Identifiant de carreau (CRS3035RES200mN{nord}E{est}).") var id: String?
    @Option(name: .customLong("lon"), parsing: .unconditional, help: "Longitude WGS84.") var lonArgument: NumberArgument?
    var lon: Double? { lonArgument?.value }
    @Option(name: .customLong("lat"), parsing: .unconditional, help: "Latitude WGS84.") var latArgument: NumberArgument?
    var lat: Double? { latArgument?.value }
    @Option(help: "Résolution du carreau cherché pour un point (200 ou 1000).") var resolution: Int = 200
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, geojson }
    @Option(help: "text, json ou geojson.") var format: Format = .text

    func validate() throws {
        if id == nil && (lon == nil || lat == nil) { throw ValidationError("indiquez --id, ou --lon et --lat") }
        if id != nil && (lon != nil || lat != nil) { throw ValidationError("--id et --lon/--lat s'excluent") }
    }

    func run() async throws {
        let proj = try ProjContext()
        let cell: GridCell
        if let id {
            do { cell = try GridCell(id: id) } catch { throw ValidationError("\(error)") }
        } else {
            guard FrenchTerritory.of(lon: lon!, lat: lat!) == .hexagone else {
                throw ValidationError(
                    "point (\(lon!), \(lat!)) hors de France métropolitaine : la grille INSEE en EPSG:3035 ne couvre que la métropole (longitude d'abord)"
                )
            }
            cell = try GridCell(
                lon: lon!, lat: lat!, resolution: resolution, using: CoordinateTransformer(from: .wgs84, to: .laea3035, context: proj))
        }
        let ring = try cell.wgs84Ring(using: CoordinateTransformer(from: .laea3035, to: .wgs84, context: proj))
        let geometry = GeoJSONGeometry.text(polygons: [[ring]], decimals: 7)
        switch format {
        case .geojson:
            print("{\"type\":\"Feature\",\"properties\":{\"idcar\":\"\(cell.id)\",\"resolution_m\":\(cell.resolution)},\"geometry\":\(geometry)}")
        case .json:
            let e = cell.envelope
            print(
                "{\"id\":\"\(cell.id)\",\"resolution_m\":\(cell.resolution),\"easting\":\(cell.easting),\"northing\":\(cell.northing),"
                    + "\"envelope_3035\":[\(Int(e.minX)),\(Int(e.minY)),\(Int(e.maxX)),\(Int(e.maxY))],"
                    + (cell.resolution == 200 ? "\"idcar_1km\":\"\(cell.parent1km.id)\"," : "")
                    + "\"wgs84_outline\":\(geometry)}")
        case .text:
            print("Carreau \(cell.id) (\(cell.resolution) m)")
            print("  coin sud-ouest EPSG:3035 : E \(cell.easting), N \(cell.northing)")
            if cell.resolution == 200 { print("  carreau de 1 km : \(cell.parent1km.id)") }
            print("  contour WGS84 (lon, lat) : " + ring.dropLast().map { String(format: "(%.6f, %.6f)", $0.x, $0.y) }.joined(separator: " "))
        }
    }
}
