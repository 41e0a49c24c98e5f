// `ShapefileReader`: ESRI Shapefiles (.shp polygons, .dbf attributes with their .cpg encoding, .prj CRS) read
// into a `SourceFile` for `PerimeterFileReader`.

import Foundation
import QPVCore
import QPVGeometry
import QPVTabular

/// ESRI Shapefile reader (.shp geometry, .dbf attributes, .prj CRS, .cpg encoding), for the polygon
/// shapefiles the ANCT published (e.g. `QP_METROPOLE_LB93.shp`, Lambert-93).
enum ShapefileReader {
    static func read(path: String, crs override: CRS?, fallback: CRS? = nil) throws -> SourceFile {
        let base = String(path.dropLast(4))
        let shp = try PerimeterFileReader.fileBytes(path)
        guard shp.count >= 100 else { throw PerimeterFileError.malformed(path: path, reason: "fichier .shp tronqué (moins de 100 octets)") }
        let dbfPath = sibling(base, "dbf")
        guard let dbfPath else {
            throw PerimeterFileError.cannotRead(path: base + ".dbf", reason: "fichier d'attributs .dbf introuvable à côté du .shp")
        }
        let dbf = try PerimeterFileReader.fileBytes(dbfPath)
        let encoding = sibling(base, "cpg").flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }.flatMap {
            TextEncoding(name: $0.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "1252", with: "cp1252"))
        }
        let attributes = try readDBF(dbf, path: dbfPath, encoding: encoding)
        let shapes = try readShapes(shp, path: path)
        guard !shapes.isEmpty else { throw PerimeterFileError.empty(path: path) }
        var features: [SourceFeature] = []
        for (k, polygons) in shapes.enumerated() {
            let props = k < attributes.count ? attributes[k] : [:]
            let code = props.first { $0.key.lowercased().hasPrefix("code") }?.value
            guard let polygons, !polygons.isEmpty else {
                throw PerimeterFileError.badFeature(path: path, feature: k + 1, code: code, reason: "géométrie absente (forme nulle)")
            }
            features.append(SourceFeature(number: k + 1, properties: props, polygons: polygons))
        }
        if attributes.count != shapes.count {
            throw PerimeterFileError.malformed(path: path, reason: "\(shapes.count) formes dans le .shp mais \(attributes.count) lignes dans le .dbf")
        }
        var crs = override
        if crs == nil, let prjPath = sibling(base, "prj"), let wkt = try? String(contentsOfFile: prjPath, encoding: .utf8) {
            let ctx = try ProjContext()
            if let code = try ctx.identifyEPSG(wkt: wkt) {
                crs = CRS(epsg: code)
            } else if let named = CRS.officialHint(in: wkt) {
                crs = named  // an official projection named in the .prj PROJ could not identify
            } else {
                throw PerimeterFileError.unknownCRS(path: prjPath, crs: String(wkt.prefix(80)))
            }
        }
        let resolved = try PerimeterFileReader.resolveCRS(crs ?? fallback, features: features, path: path)
        var file = SourceFile(
            path: path, format: "shapefile", crs: resolved, layer: nil, features: features,
            sha256: PerimeterFileReader.sha256(shp), byteCount: shp.count)
        file.attributesSHA256 = PerimeterFileReader.sha256(dbf)
        return file
    }

    static func sibling(_ base: String, _ ext: String) -> String? {
        for e in [ext, ext.uppercased()] where FileManager.default.fileExists(atPath: base + "." + e) { return base + "." + e }
        return nil
    }

    /// Polygons per record (nil for a null shape).
    static func readShapes(_ data: Data, path: String) throws -> [[PolygonRings]?] {
        try data.withUnsafeBytes { raw -> [[PolygonRings]?] in
            func be32(_ o: Int) -> Int { Int(Int32(bigEndian: raw.loadUnaligned(fromByteOffset: o, as: Int32.self))) }
            func le32(_ o: Int) -> Int { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int32.self))) }
            func f64(_ o: Int) -> Double { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self))) }
            guard be32(0) == 9994 else { throw PerimeterFileError.malformed(path: path, reason: "signature .shp absente") }
            let fileType = le32(32)
            guard [0, 5, 15, 25].contains(fileType) else {
                throw PerimeterFileError.malformed(path: path, reason: "type de forme \(fileType) : des polygones sont attendus")
            }
            var out: [[PolygonRings]?] = []
            var o = 100
            let end = min(raw.count, be32(24) * 2)
            while o + 8 <= end {
                let length = be32(o + 4) * 2
                let c = o + 8
                guard c + length <= raw.count, length >= 4 else {
                    throw PerimeterFileError.malformed(path: path, reason: "enregistrement \(out.count + 1) tronqué")
                }
                let type = le32(c)
                if type == 0 {
                    out.append(nil)
                } else {
                    guard [5, 15, 25].contains(type), length >= 44 else {
                        throw PerimeterFileError.badFeature(
                            path: path, feature: out.count + 1, code: nil, reason: "forme de type \(type), polygone attendu")
                    }
                    let numParts = le32(c + 36)
                    let numPoints = le32(c + 40)
                    let partsAt = c + 44
                    let pointsAt = partsAt + 4 * numParts
                    guard numParts > 0, numPoints > 0, pointsAt + 16 * numPoints <= c + length else {
                        throw PerimeterFileError.badFeature(
                            path: path, feature: out.count + 1, code: nil, reason: "nombre de parties ou de points incohérent")
                    }
                    var rings: [[Coordinate]] = []
                    for p in 0..<numParts {
                        let s = le32(partsAt + 4 * p)
                        let e = p + 1 < numParts ? le32(partsAt + 4 * (p + 1)) : numPoints
                        guard s >= 0, s < e, e <= numPoints else {
                            throw PerimeterFileError.badFeature(path: path, feature: out.count + 1, code: nil, reason: "partie \(p) mal délimitée")
                        }
                        rings.append((s..<e).map { Coordinate(x: f64(pointsAt + 16 * $0), y: f64(pointsAt + 16 * $0 + 8)) })
                    }
                    out.append(assemble(rings))
                }
                o = c + length
            }
            return out
        }
    }

    /// Shapefile rings: clockwise = exterior, counter-clockwise = hole of the exterior that contains it.
    static func assemble(_ rings: [[Coordinate]]) -> [PolygonRings] {
        var polygons: [PolygonRings] = []
        var holes: [[Coordinate]] = []
        for r in rings {
            if Rings.signedArea(r) <= 0 { polygons.append([r]) } else { holes.append(r) }
        }
        for h in holes {
            guard let probe = h.first else { continue }
            if let i = polygons.firstIndex(where: { pointInRing(probe, $0[0]) }) {
                polygons[i].append(h)
            } else {
                polygons.append([h.reversed()])
            }
        }
        return polygons
    }

    static func pointInRing(_ p: Coordinate, _ r: [Coordinate]) -> Bool {
        var inside = false
        var j = r.count - 1
        for i in 0..<r.count {
            if (r[i].y > p.y) != (r[j].y > p.y), p.x < (r[j].x - r[i].x) * (p.y - r[i].y) / (r[j].y - r[i].y) + r[i].x {
                inside.toggle()
            }
            j = i
        }
        return inside
    }

    /// dBase III records as text dictionaries (deleted records are kept as empty dictionaries so that the
    /// record numbers stay aligned with the .shp).
    static func readDBF(_ data: Data, path: String, encoding: TextEncoding?) throws -> [[String: String]] {
        let bytes = [UInt8](data)
        guard bytes.count >= 32 else { throw PerimeterFileError.malformed(path: path, reason: "fichier .dbf tronqué") }
        let count = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let recordLength = Int(bytes[10]) | Int(bytes[11]) << 8
        let ldid = bytes[29]
        let enc: TextEncoding = encoding ?? ((ldid == 0x57 || ldid == 0x03) ? .windows1252 : .utf8)
        var fields: [(name: String, offset: Int, length: Int)] = []
        var o = 32
        var offset = 1
        while o + 32 <= bytes.count && bytes[o] != 0x0D {
            let nameBytes = bytes[o..<(o + 11)].prefix { $0 != 0 }
            let name = String(decoding: nameBytes, as: UTF8.self)
            let length = Int(bytes[o + 16])
            fields.append((name, offset, length))
            offset += length
            o += 32
        }
        guard headerLength + count * recordLength <= bytes.count else {
            throw PerimeterFileError.malformed(path: path, reason: "\(count) enregistrements annoncés mais fichier plus court")
        }
        var out: [[String: String]] = []
        out.reserveCapacity(count)
        for r in 0..<count {
            let start = headerLength + r * recordLength
            var props: [String: String] = [:]
            for f in fields where f.offset + f.length <= recordLength {
                var fellBack = false
                let text = bytes.withUnsafeBufferPointer {
                    enc.decode(UnsafeBufferPointer(rebasing: $0[(start + f.offset)..<(start + f.offset + f.length)]), fellBack: &fellBack)
                }.trimmingCharacters(in: .whitespaces)
                if !text.isEmpty { props[f.name] = text }
            }
            out.append(props)
        }
        return out
    }
}
