// `GeoJSONGeometry`: RFC 7946 geometry objects for polygonal data — polygons and points read from a parsed
// `JSONValue`, ring orientation (right-hand rule) and GeoJSON text written with bounded decimals.

import Foundation
import QPVCore

/// Reading and writing GeoJSON geometry objects (RFC 7946) for polygonal data.
public enum GeoJSONGeometry {
    /// The polygons of a GeoJSON geometry: `Polygon`, `MultiPolygon`, or a `GeometryCollection` of them.
    /// Other geometry types are rejected with a message naming them.
    public static func polygons(from value: JSONValue) throws -> [PolygonRings] {
        guard let type = value["type"]?.stringValue else {
            throw GeometryError.invalidInput("géométrie GeoJSON sans membre « type »")
        }
        switch type {
        case "Polygon":
            return [try rings(value["coordinates"], what: "Polygon")]
        case "MultiPolygon":
            guard let parts = value["coordinates"]?.arrayValue else {
                throw GeometryError.invalidInput("MultiPolygon sans tableau « coordinates »")
            }
            return try parts.map { try rings($0, what: "MultiPolygon") }
        case "GeometryCollection":
            guard let geoms = value["geometries"]?.arrayValue else {
                throw GeometryError.invalidInput("GeometryCollection sans « geometries »")
            }
            return try geoms.flatMap { try polygons(from: $0) }
        default:
            throw GeometryError.invalidInput("type de géométrie « \(type) » : un périmètre doit être un Polygon ou un MultiPolygon")
        }
    }

    /// A point geometry's coordinates.
    public static func point(from value: JSONValue) throws -> Coordinate {
        guard value["type"]?.stringValue == "Point", let c = value["coordinates"] else {
            throw GeometryError.invalidInput("géométrie GeoJSON qui n'est pas un Point")
        }
        return try coordinate(c)
    }

    static func rings(_ value: JSONValue?, what: String) throws -> PolygonRings {
        guard let ringsJSON = value?.arrayValue else {
            throw GeometryError.invalidInput("\(what) : « coordinates » doit être un tableau d'anneaux")
        }
        guard !ringsJSON.isEmpty else { throw GeometryError.invalidInput("\(what) sans anneau") }
        return try ringsJSON.map { ring in
            guard let points = ring.arrayValue else { throw GeometryError.invalidInput("\(what) : anneau qui n'est pas un tableau") }
            return try points.map(coordinate)
        }
    }

    static func coordinate(_ value: JSONValue) throws -> Coordinate {
        guard let xy = value.arrayValue, xy.count >= 2, let x = xy[0].numberValue, let y = xy[1].numberValue else {
            throw GeometryError.invalidInput("position qui n'est pas un tableau [x, y] de nombres")
        }
        guard x.isFinite, y.isFinite else { throw GeometryError.invalidInput("coordonnée non finie") }
        return Coordinate(x: x, y: y)
    }

    /// The rings in RFC 7946 order (right-hand rule): exterior ring counter-clockwise, holes clockwise.
    public static func rightHandRule(_ p: PolygonRings) -> PolygonRings {
        p.enumerated().map { k, r in
            let area = Rings.signedArea(r)
            return (k == 0 ? area < 0 : area > 0) ? Array(r.reversed()) : r
        }
    }

    /// GeoJSON text of polygons (a `Polygon` when there is one, a `MultiPolygon` otherwise or when `multi`
    /// is set, so that a layer has one geometry type), rings oriented by the right-hand rule of RFC 7946
    /// (exterior counter-clockwise, holes clockwise), coordinates written with `decimals` digits (7 for
    /// degrees ≈ 1 cm, 2 for metres), or exactly (shortest decimal that reads back as the same double) when
    /// `decimals` is nil.
    public static func text(polygons unoriented: [PolygonRings], decimals: Int? = 7, multi: Bool = false) -> String {
        let polygons = unoriented.map(rightHandRule)
        var out = ""
        out.reserveCapacity(polygons.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count * 24 } } + 64)
        func ring(_ r: [Coordinate]) {
            out += "["
            for (k, c) in r.enumerated() {
                if k > 0 { out += "," }
                out += "[" + format(c.x, decimals) + "," + format(c.y, decimals) + "]"
            }
            out += "]"
        }
        func polygon(_ p: PolygonRings) {
            out += "["
            for (k, r) in p.enumerated() {
                if k > 0 { out += "," }
                ring(r)
            }
            out += "]"
        }
        if polygons.count == 1 && !multi {
            out += "{\"type\":\"Polygon\",\"coordinates\":"
            polygon(polygons[0])
        } else {
            out += "{\"type\":\"MultiPolygon\",\"coordinates\":["
            for (k, p) in polygons.enumerated() {
                if k > 0 { out += "," }
                polygon(p)
            }
            out += "]"
        }
        return out + "}"
    }

    /// A number with at most `decimals` decimals, trailing zeros removed ("2.5", "3"); exact when nil.
    public static func format(_ x: Double, _ decimals: Int?) -> String {
        guard let decimals else { return "\(x)" }
        var s = FixedPoint.string(x, digits: decimals)
        if s.utf8.contains(UInt8(ascii: ".")) {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        if s == "-0" { s = "0" }
        return s
    }
}
