// Unit tests of `GridCell`: INSEE ids at 200 m and 1 km, rejected ids with a reason, neighbours, WGS84
// outline and point lookup.

import Foundation
import QPVGeometry
import Testing

@Suite struct GridCellTests {
    @Test func parsesAndFormatsBothResolutions() throws {
        let c = try GridCell(id: "CRS3035RES200mN3073200E3798000")
        #expect(c.easting == 3_798_000 && c.northing == 3_073_200 && c.resolution == 200)
        #expect(c.id == "CRS3035RES200mN3073200E3798000")
        #expect(c.parent1km.id == "CRS3035RES1000mN3073000E3798000")
        let k = try GridCell(id: "CRS3035RES1000mN3073000E3798000")
        #expect(k.resolution == 1000 && k.area == 1_000_000)
        #expect(GridCell.parse(" crs3035res200mn3073200e3798000 ") == c)
        #expect(GridCell(key: c.key) == c && GridCell(key: k.key) == k && c.key != k.key)
    }

    @Test func rejectsMalformedIdsWithAReason() {
        for bad in [
            "", "CRS3035RES200mN3073200", "CRS3035RES200mE3798000N3073200", "CRS3035RES200mN3073210E3798000",
            "CRS3035RES500mN3073000E3798000", "CRS2154RES200mN3073200E3798000", "CRS3035RES200mN3073200E3798000x", "CRS3035RES200mN-200E3798000",
        ] {
            #expect(GridCell.parse(bad) == nil, "\(bad)")
            #expect(throws: GridCellError.self) { try GridCell(id: bad) }
        }
    }

    @Test func edgeNeighboursAndAdjacency() throws {
        let c = try GridCell(id: "CRS3035RES200mN3073200E3798000")
        #expect(c.edgeNeighbours.count == 4)
        #expect(c.edgeNeighbours.allSatisfy { c.sharesEdge(with: $0) })
        let corner = try GridCell(resolution: 200, easting: 3_798_200, northing: 3_073_400)
        #expect(!c.sharesEdge(with: corner))
    }

    @Test func wgs84OutlineAndPointLookup() throws {
        let proj = try ProjContext()
        let back = try CoordinateTransformer(from: .laea3035, to: .wgs84, context: proj)
        let forward = try CoordinateTransformer(from: .wgs84, to: .laea3035, context: proj)
        let c = try GridCell(id: "CRS3035RES200mN3073200E3798000")
        let ring = try c.wgs84Ring(using: back)
        #expect(ring.count == 5 && ring.first == ring.last)
        // Longitude first (axis order normalised), Béthune.
        #expect(ring[0].x > 2.5 && ring[0].x < 2.8 && ring[0].y > 50.4 && ring[0].y < 50.6)
        // Counter-clockwise: south-west → south-east goes east.
        #expect(ring[1].x > ring[0].x)
        let centre = Coordinate(x: ring[0...3].map(\.x).reduce(0, +) / 4, y: ring[0...3].map(\.y).reduce(0, +) / 4)
        #expect(try GridCell(lon: centre.x, lat: centre.y, using: forward) == c)
        #expect(try GridCell(lon: centre.x, lat: centre.y, resolution: 1000, using: forward) == c.parent1km)
        #expect(throws: (any Error).self) { try c.wgs84Ring(using: forward) }
    }
}
