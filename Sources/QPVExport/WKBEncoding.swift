// `WKBEncoding`: WKB as other engines read it — polygons as MultiPolygon, EWKB with an SRID for PostGIS,
// upper-case hexadecimal.

import Foundation
import QPVGeometry

/// WKB as other engines read it: hexadecimal text, EWKB with an SRID for PostGIS, polygons always as
/// multipolygons (one column type for every perimeter). Coordinates are copied bit for bit.
public enum WKBEncoding {
    static let pointType: UInt32 = 1
    static let lineStringType: UInt32 = 2
    static let polygonType: UInt32 = 3
    static let multiPolygonType: UInt32 = 6
    static let sridFlag: UInt32 = 0x2000_0000

    /// The geometry type and byte order of 2-D WKB.
    public static func header(_ wkb: [UInt8], code: String) throws -> (littleEndian: Bool, type: UInt32) {
        guard wkb.count >= 9, wkb[0] <= 1 else { throw ExportError.badGeometry(code: code, reason: "WKB tronqué ou illisible") }
        let little = wkb[0] == 1
        let b = wkb[1...4].map(UInt32.init)
        let type = little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        return (little, type)
    }

    static func appendUInt32(_ v: UInt32, littleEndian: Bool, to out: inout [UInt8]) {
        let le = [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
        out.append(contentsOf: littleEndian ? le : le.reversed())
    }

    /// ISO WKB of a (multi)polygon, as a MultiPolygon.
    public static func multiPolygon(_ wkb: [UInt8], code: String) throws -> [UInt8] {
        let type = try header(wkb, code: code).type
        switch type {
        case multiPolygonType: return wkb
        case polygonType:
            // A one-part multipolygon wrapping the polygon's own bytes (each part carries its byte order).
            var out: [UInt8] = [1]
            appendUInt32(multiPolygonType, littleEndian: true, to: &out)
            appendUInt32(1, littleEndian: true, to: &out)
            return out + wkb
        default:
            throw ExportError.badGeometry(code: code, reason: "type WKB \(type) au lieu d'un polygone ou multipolygone")
        }
    }

    /// EWKB (PostGIS) of a (multi)polygon as a MultiPolygon with its SRID.
    public static func ewkbMultiPolygon(_ wkb: [UInt8], srid: Int, code: String) throws -> [UInt8] {
        let multi = try multiPolygon(wkb, code: code)
        let (little, type) = try header(multi, code: code)
        var out: [UInt8] = [multi[0]]
        appendUInt32(type | sridFlag, littleEndian: little, to: &out)
        appendUInt32(UInt32(srid), littleEndian: little, to: &out)
        out.append(contentsOf: multi[5...])
        return out
    }

    /// EWKB of a LineString with its SRID (little-endian).
    public static func ewkbLineString(_ coords: [Coordinate], srid: Int) -> [UInt8] {
        var out: [UInt8] = [1]
        out.reserveCapacity(13 + 16 * coords.count)
        appendUInt32(lineStringType | sridFlag, littleEndian: true, to: &out)
        appendUInt32(UInt32(srid), littleEndian: true, to: &out)
        appendUInt32(UInt32(coords.count), littleEndian: true, to: &out)
        for c in coords {
            withUnsafeBytes(of: c.x.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: c.y.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    private static let digits = Array("0123456789ABCDEF".utf8)

    /// Upper-case hexadecimal, as PostGIS prints and reads it.
    public static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
