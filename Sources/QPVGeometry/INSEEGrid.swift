// `GridCell`: a square of the INSEE grid (200 m or 1 km, EPSG:3035) — parsing and printing its id, corner,
// outline, neighbours, and the cell of a WGS84 point. Carreaux against perimeters live in QPVCarreaux.

import Foundation

/// A square of the INSEE grid (Filosofi "données carroyées"), in EPSG:3035 (ETRS89-LAEA).
///
/// Identifiers read `CRS3035RES200mN{northing}E{easting}`: the resolution, then the **northing first**, then
/// the easting, of the square's **south-west corner**, in metres. For example `CRS3035RES200mN3073200E3798000`
/// is the 200 m square whose south-west corner is (E 3 798 000, N 3 073 200).
public struct GridCell: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Side in metres (200 or 1000 in INSEE files).
    public let resolution: Int
    /// Easting of the south-west corner (m, EPSG:3035).
    public let easting: Int
    /// Northing of the south-west corner (m, EPSG:3035).
    public let northing: Int

    /// Resolutions of the INSEE grids qpv reads: 200 m and 1 km.
    public static let supportedResolutions = [200, 1000]

    /// A cell from its corner; the corner must lie on the grid (multiples of the resolution).
    public init(resolution: Int, easting: Int, northing: Int) throws {
        guard GridCell.supportedResolutions.contains(resolution) else {
            throw GridCellError.unsupportedResolution(resolution)
        }
        guard easting >= 0, northing >= 0, easting < 1_000_000_000, northing < 1_000_000_000 else {
            throw GridCellError.offGrid(easting: easting, northing: northing, resolution: resolution)
        }
        guard easting % resolution == 0, northing % resolution == 0 else {
            throw GridCellError.offGrid(easting: easting, northing: northing, resolution: resolution)
        }
        self.resolution = resolution
        self.easting = easting
        self.northing = northing
    }

    /// Parses an INSEE id. Accepts upper or lower case; rejects anything else with a reason.
    public init(id raw: String) throws {
        let id = raw.trimmingCharacters(in: .whitespaces)
        let upper = id.uppercased()
        guard upper.hasPrefix("CRS3035RES") else { throw GridCellError.malformed(id: raw, reason: "préfixe CRS3035RES absent") }
        var rest = Substring(upper.dropFirst("CRS3035RES".count))
        func number() -> Int? {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9 else { return nil }
            rest = rest.dropFirst(digits.count)
            return Int(digits)
        }
        guard let res = number() else { throw GridCellError.malformed(id: raw, reason: "résolution absente") }
        guard rest.hasPrefix("M") else { throw GridCellError.malformed(id: raw, reason: "unité « m » attendue après la résolution") }
        rest = rest.dropFirst()
        guard rest.hasPrefix("N") else { throw GridCellError.malformed(id: raw, reason: "« N{nord} » attendu (le nord vient avant l'est)") }
        rest = rest.dropFirst()
        guard let n = number() else { throw GridCellError.malformed(id: raw, reason: "coordonnée nord absente") }
        guard rest.hasPrefix("E") else { throw GridCellError.malformed(id: raw, reason: "« E{est} » attendu après le nord") }
        rest = rest.dropFirst()
        guard let e = number() else { throw GridCellError.malformed(id: raw, reason: "coordonnée est absente") }
        guard rest.isEmpty else { throw GridCellError.malformed(id: raw, reason: "caractères en trop : « \(rest) »") }
        try self.init(resolution: res, easting: e, northing: n)
    }

    /// The cell of `resolution` containing a point given in EPSG:3035 (easting, northing).
    public init(containingEasting x: Double, northing y: Double, resolution: Int = 200) throws {
        guard x.isFinite, y.isFinite else { throw GridCellError.malformed(id: "(\(x), \(y))", reason: "coordonnées non finies") }
        let r = Double(resolution)
        try self.init(resolution: resolution, easting: Int((x / r).rounded(.down) * r), northing: Int((y / r).rounded(.down) * r))
    }

    /// `CRS3035RES200mN3073200E3798000`.
    public var id: String { "CRS3035RES\(resolution)mN\(northing)E\(easting)" }
    public var description: String { id }

    /// The square in EPSG:3035.
    public var envelope: Envelope {
        Envelope(minX: Double(easting), minY: Double(northing), maxX: Double(easting + resolution), maxY: Double(northing + resolution))
    }

    /// Area in m² (exact in the equal-area EPSG:3035).
    public var area: Double { Double(resolution * resolution) }

    /// The closed ring of the square, counter-clockwise from the south-west corner (EPSG:3035).
    public var ring: [Coordinate] {
        let e = envelope
        return [
            Coordinate(x: e.minX, y: e.minY), Coordinate(x: e.maxX, y: e.minY), Coordinate(x: e.maxX, y: e.maxY),
            Coordinate(x: e.minX, y: e.maxY), Coordinate(x: e.minX, y: e.minY),
        ]
    }

    /// The 1 km cell containing this cell (`idcar_1km`).
    public var parent1km: GridCell { try! GridCell(containingEasting: Double(easting), northing: Double(northing), resolution: 1000) }

    /// Whether two cells of the same resolution share an edge (4-adjacency, "rook").
    public func sharesEdge(with o: GridCell) -> Bool {
        resolution == o.resolution && abs(easting - o.easting) + abs(northing - o.northing) == resolution
    }

    /// The four cells sharing an edge with this one (west, east, south, north).
    public var edgeNeighbours: [GridCell] {
        let r = resolution
        return [(-r, 0), (r, 0), (0, -r), (0, r)].compactMap {
            try? GridCell(resolution: r, easting: easting + $0.0, northing: northing + $0.1)
        }
    }

    /// A compact 64-bit key, unique per cell of any supported resolution (resolution flag, then easting and
    /// northing in units of the resolution). `init(key:)` reverses it.
    public var key: UInt64 {
        let flag: UInt64 = resolution == 200 ? 0 : 1
        return flag << 62 | UInt64(easting / resolution) << 31 | UInt64(northing / resolution)
    }

    /// The cell of a `key`.
    public init(key: UInt64) {
        let r = key >> 62 == 0 ? 200 : 1000
        self.resolution = r
        self.easting = Int((key >> 31) & 0x7FFF_FFFF) * r
        self.northing = Int(key & 0x7FFF_FFFF) * r
    }

    /// Fast, allocation-free parse of an INSEE id (same rules as `init(id:)`: case-insensitive, surrounding
    /// spaces ignored); nil when the id is not valid; use `init(id:)` to learn why.
    public static func parse(_ id: String) -> GridCell? {
        var copy = id
        return copy.withUTF8 { parse(bytes: $0) }
    }

    /// `parse(_:)` on the UTF-8 bytes of an id.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> GridCell? {
        var i = 0
        var end = bytes.count
        while i < end && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
        while end > i && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        @inline(__always) func upper(_ b: UInt8) -> UInt8 { b >= 0x61 && b <= 0x7A ? b - 0x20 : b }
        let prefix: [UInt8] = Array("CRS3035RES".utf8)
        guard end - i > prefix.count else { return nil }
        for p in prefix {
            guard upper(bytes[i]) == p else { return nil }
            i += 1
        }
        func number() -> Int? {
            var v = 0
            var n = 0
            while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                v = v * 10 + Int(bytes[i] - 0x30)
                i += 1
                n += 1
                if n > 9 { return nil }
            }
            return n == 0 ? nil : v
        }
        guard let res = number(), i < end, upper(bytes[i]) == 0x4D else { return nil }  // M
        i += 1
        guard i < end, upper(bytes[i]) == 0x4E else { return nil }  // N
        i += 1
        guard let n = number(), i < end, upper(bytes[i]) == 0x45 else { return nil }  // E
        i += 1
        guard let e = number(), i == end else { return nil }
        return try? GridCell(resolution: res, easting: e, northing: n)
    }

    /// The square's outline in WGS84 (lon, lat), counter-clockwise and closed, from `transformer`
    /// (EPSG:3035 → EPSG:4326). Only the four corners are transformed: over 200 m the edges' curvature in
    /// WGS84 is far below a millimetre.
    public func wgs84Ring(using transformer: CoordinateTransformer) throws -> [Coordinate] {
        guard transformer.source == .laea3035, transformer.target == .wgs84 else {
            throw GeometryError.invalidInput("transformation \(transformer.source) → \(transformer.target) : EPSG:3035 → EPSG:4326 attendue")
        }
        var xs = ring.map(\.x)
        var ys = ring.map(\.y)
        try transformer.transform(x: &xs, y: &ys)
        guard xs.allSatisfy(\.isFinite), ys.allSatisfy(\.isFinite) else {
            throw GeometryError.proj(operation: "la transformation du carreau \(id)", message: "hors du domaine de la projection")
        }
        return zip(xs, ys).map { Coordinate(x: $0, y: $1) }
    }

    /// The cell containing a WGS84 point, with `transformer` (EPSG:4326 → EPSG:3035).
    public init(lon: Double, lat: Double, resolution: Int = 200, using transformer: CoordinateTransformer) throws {
        guard transformer.source == .wgs84, transformer.target == .laea3035 else {
            throw GeometryError.invalidInput("transformation \(transformer.source) → \(transformer.target) : EPSG:4326 → EPSG:3035 attendue")
        }
        guard lon.isFinite, lat.isFinite, abs(lon) <= 180, abs(lat) <= 90 else {
            throw GridCellError.malformed(id: "(\(lon), \(lat))", reason: "longitude et latitude en degrés attendues")
        }
        let p = try transformer.transform(x: lon, y: lat)
        try self.init(containingEasting: p.x, northing: p.y, resolution: resolution)
    }

    /// Cells ordered by resolution, then northing, then easting.
    public static func < (a: GridCell, b: GridCell) -> Bool {
        (a.resolution, a.northing, a.easting) < (b.resolution, b.northing, b.easting)
    }
}

/// Why a carreau id is rejected.
public enum GridCellError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The id is not an INSEE carreau id.
    case malformed(id: String, reason: String)
    /// The resolution is neither 200 m nor 1 km.
    case unsupportedResolution(Int)
    /// The corner is not on the grid of its resolution.
    case offGrid(easting: Int, northing: Int, resolution: Int)

    /// The error in French, for messages.
    public var description: String {
        switch self {
        case .malformed(let id, let reason):
            return "identifiant de carreau « \(id.prefix(60)) » invalide : \(reason) (attendu CRS3035RES200mN{nord}E{est})"
        case .unsupportedResolution(let r): return "résolution de carreau \(r) m non prise en charge (200 ou 1000)"
        case .offGrid(let e, let n, let r): return "coin (E \(e), N \(n)) hors de la grille de \(r) m (multiples de \(r) attendus)"
        }
    }

    public var errorDescription: String? { description }
}
