// `Geometry` (one owned GEOS geometry, bound to the `GeosContext` that made it) and `PreparedGeometry`, plus the
// plain value types every module shares: `Coordinate`, `PolygonRings`, `Envelope`, `GeometryKind`.
// Construction, validity and repair, set operations, distances, predicates; GEOS pointers stay in the module.

import CGEOS
import Foundation

/// A 2-D coordinate: (lon, lat) for geographic CRS, (easting, northing) for projected ones.
public struct Coordinate: Sendable, Hashable, Codable {
    /// Easting or longitude.
    public var x: Double
    /// Northing or latitude.
    public var y: Double
    /// A coordinate from its two values, in the unit of its CRS.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// The rings of one polygon: the exterior first, then the holes. Rings are closed (first == last).
public typealias PolygonRings = [[Coordinate]]

/// Plane arithmetic on rings of coordinates (one home: the Shapefile reader, the GeoJSON writer and the carreaux
/// candidates all orient rings with it).
public enum Rings {
    /// Shoelace signed area of a ring: positive when counter-clockwise; an unclosed ring is closed implicitly.
    public static func signedArea(_ r: [Coordinate]) -> Double {
        guard r.count > 2 else { return 0 }
        var s = 0.0
        for k in 0..<(r.count - 1) { s += r[k].x * r[k + 1].y - r[k + 1].x * r[k].y }
        if r.first != r.last, let a = r.last, let b = r.first { s += a.x * b.y - b.x * a.y }
        return s / 2
    }
}

/// An axis-aligned bounding box.
public struct Envelope: Sendable, Hashable, Codable {
    /// Smallest x.
    public var minX: Double
    /// Smallest y.
    public var minY: Double
    /// Largest x.
    public var maxX: Double
    /// Largest y.
    public var maxY: Double

    /// An envelope from its bounds (not checked: `minX > maxX` makes an empty envelope).
    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    /// An empty envelope that any `expand` replaces.
    public static let empty = Envelope(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)

    /// True when the envelope holds no point (`empty`, or bounds reversed).
    public var isEmpty: Bool { minX > maxX || minY > maxY }
    /// True for `empty` itself or finite bounds in order: what a pack may record (any other value, infinite,
    /// NaN or reversed, is damage that would make a grid built on it trap).
    public var isWellFormed: Bool {
        self == .empty || (minX.isFinite && minY.isFinite && maxX.isFinite && maxY.isFinite && minX <= maxX && minY <= maxY)
    }
    /// `maxX - minX`.
    public var width: Double { maxX - minX }
    /// `maxY - minY`.
    public var height: Double { maxY - minY }
    /// The middle of the envelope.
    public var center: Coordinate { Coordinate(x: (minX + maxX) / 2, y: (minY + maxY) / 2) }

    /// Grows the envelope to hold the point (`x`, `y`).
    public mutating func expand(x: Double, y: Double) {
        if x < minX { minX = x }
        if x > maxX { maxX = x }
        if y < minY { minY = y }
        if y > maxY { maxY = y }
    }

    /// Grows the envelope to hold `other`.
    public mutating func expand(_ other: Envelope) {
        guard !other.isEmpty else { return }
        minX = Swift.min(minX, other.minX)
        minY = Swift.min(minY, other.minY)
        maxX = Swift.max(maxX, other.maxX)
        maxY = Swift.max(maxY, other.maxY)
    }

    /// The envelope grown by `d` on every side.
    public func expanded(by d: Double) -> Envelope {
        Envelope(minX: minX - d, minY: minY - d, maxX: maxX + d, maxY: maxY + d)
    }

    /// True when (`x`, `y`) is inside or on the envelope.
    @inlinable public func contains(x: Double, y: Double) -> Bool {
        x >= minX && x <= maxX && y >= minY && y <= maxY
    }

    /// True when the two envelopes share at least one point.
    @inlinable public func intersects(_ o: Envelope) -> Bool {
        !(o.minX > maxX || o.maxX < minX || o.minY > maxY || o.maxY < minY)
    }

    /// Euclidean distance from a point to the box (0 inside).
    @inlinable public func distance(x: Double, y: Double) -> Double {
        let dx = x < minX ? minX - x : (x > maxX ? x - maxX : 0)
        let dy = y < minY ? minY - y : (y > maxY ? y - maxY : 0)
        return (dx * dx + dy * dy).squareRoot()
    }
}

/// The kind of a geometry, as GEOS names it.
public enum GeometryKind: Int32, Sendable {
    /// A point.
    case point = 0
    /// A line string.
    case lineString = 1
    /// A closed ring (inside polygons).
    case linearRing = 2
    /// A polygon, with its holes.
    case polygon = 3
    /// Several points.
    case multiPoint = 4
    /// Several line strings.
    case multiLineString = 5
    /// Several polygons (the perimeters' type).
    case multiPolygon = 6
    /// Geometries of mixed types.
    case geometryCollection = 7
}

/// An owned GEOS geometry. Destroyed with its GEOS pointer on deinit. Bound to the `GeosContext` that made
/// it: use it only on that context's thread.
public final class Geometry {
    /// The GEOS context that owns the geometry (use it on one thread at a time).
    public let context: GeosContext
    let raw: OpaquePointer
    var h: GEOSContextHandle_t { context.handle }

    init(owning raw: OpaquePointer, context: GeosContext) {
        self.raw = raw
        self.context = context
    }

    deinit { GEOSGeom_destroy_r(context.handle, raw) }

    // MARK: - Construction

    /// Parses Well-Known Text.
    public convenience init(wkt: String, context: GeosContext) throws {
        guard let raw = GEOSWKTReader_read_r(context.handle, context.wktReaderHandle, wkt) else {
            throw GeometryError.invalidInput("WKT illisible (\(context.takeMessage()))")
        }
        self.init(owning: raw, context: context)
    }

    /// Parses Well-Known Binary (ISO or extended, either byte order).
    public convenience init(wkb: [UInt8], context: GeosContext) throws {
        let raw = wkb.withUnsafeBufferPointer { buf in
            GEOSWKBReader_read_r(context.handle, context.wkbReaderHandle, buf.baseAddress, buf.count)
        }
        guard let raw else { throw GeometryError.invalidInput("WKB illisible (\(context.takeMessage()))") }
        self.init(owning: raw, context: context)
    }

    /// Parses WKB from a slice of a larger buffer (a memory-mapped pack).
    public convenience init(wkb: UnsafeRawBufferPointer, context: GeosContext) throws {
        let raw = GEOSWKBReader_read_r(
            context.handle, context.wkbReaderHandle, wkb.baseAddress?.assumingMemoryBound(to: UInt8.self), wkb.count)
        guard let raw else { throw GeometryError.invalidInput("WKB illisible (\(context.takeMessage()))") }
        self.init(owning: raw, context: context)
    }

    /// A point.
    public static func point(x: Double, y: Double, context: GeosContext) throws -> Geometry {
        try context.own(GEOSGeom_createPointFromXY_r(context.handle, x, y), "la création d'un point")
    }

    /// A polygon from rings (exterior first). Rings must have at least 4 points and be closed; an unclosed
    /// ring is closed automatically.
    public static func polygon(_ rings: PolygonRings, context: GeosContext) throws -> Geometry {
        try context.own(makePolygon(rings, context: context), "la création d'un polygone")
    }

    /// A multipolygon from several polygons' rings.
    public static func multiPolygon(_ polygons: [PolygonRings], context: GeosContext) throws -> Geometry {
        var parts: [OpaquePointer?] = []
        do {
            for p in polygons { parts.append(try makePolygon(p, context: context)) }
        } catch {
            for p in parts { GEOSGeom_destroy_r(context.handle, p) }
            throw error
        }
        let raw = parts.withUnsafeMutableBufferPointer { buf in
            GEOSGeom_createCollection_r(context.handle, Int32(GEOS_MULTIPOLYGON.rawValue), buf.baseAddress, UInt32(buf.count))
        }
        return try context.own(raw, "la création d'un multipolygone")
    }

    /// A line string through `coords`, in order.
    public static func lineString(_ coords: [Coordinate], context: GeosContext) throws -> Geometry {
        guard coords.count >= 2 else { throw GeometryError.invalidInput("une ligne demande au moins 2 points") }
        let seq = try makeSequence(coords, context: context)
        return try context.own(GEOSGeom_createLineString_r(context.handle, seq), "la création d'une ligne")
    }

    /// An axis-aligned rectangle polygon.
    public static func rectangle(_ e: Envelope, context: GeosContext) throws -> Geometry {
        try context.own(GEOSGeom_createRectangle_r(context.handle, e.minX, e.minY, e.maxX, e.maxY), "la création d'un rectangle")
    }

    /// A geometry collection taking ownership of nothing: the parts are cloned.
    public static func collection(_ parts: [Geometry], context: GeosContext) throws -> Geometry {
        for p in parts { context.checkOwns(p) }
        var clones: [OpaquePointer?] = []
        for p in parts {
            guard let c = GEOSGeom_clone_r(context.handle, p.raw) else {
                // The clones made so far are still ours: GEOS only takes them in createCollection.
                for c in clones { GEOSGeom_destroy_r(context.handle, c) }
                throw context.error("la copie d'une partie de collection")
            }
            clones.append(c)
        }
        // From here GEOS owns the clones, also when it fails (its C API frees arguments it takes on exception).
        let raw = clones.withUnsafeMutableBufferPointer { buf in
            GEOSGeom_createCollection_r(context.handle, Int32(GEOS_GEOMETRYCOLLECTION.rawValue), buf.baseAddress, UInt32(buf.count))
        }
        return try context.own(raw, "la création d'une collection")
    }

    static func makeSequence(_ coords: [Coordinate], context: GeosContext) throws -> OpaquePointer {
        let seq = coords.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: Double.self, capacity: 2 * buf.count) { doubles in
                GEOSCoordSeq_copyFromBuffer_r(context.handle, doubles, UInt32(buf.count), 0, 0)
            }
        }
        guard let seq else { throw context.error("la création d'une suite de coordonnées") }
        return seq
    }

    static func makeRing(_ ring: [Coordinate], context: GeosContext) throws -> OpaquePointer {
        var coords = ring
        guard let first = coords.first else { throw GeometryError.invalidInput("anneau vide") }
        if coords.last != first { coords.append(first) }
        guard coords.count >= 4 else {
            throw GeometryError.invalidInput("un anneau de polygone demande au moins 4 points (\(coords.count) fournis)")
        }
        for c in coords where !c.x.isFinite || !c.y.isFinite {
            throw GeometryError.invalidInput("coordonnée non finie (\(c.x), \(c.y))")
        }
        let seq = try makeSequence(coords, context: context)
        guard let ringRaw = GEOSGeom_createLinearRing_r(context.handle, seq) else {
            throw context.error("la création d'un anneau")
        }
        return ringRaw
    }

    static func makePolygon(_ rings: PolygonRings, context: GeosContext) throws -> OpaquePointer {
        guard let exterior = rings.first else { throw GeometryError.invalidInput("polygone sans anneau") }
        let shell = try makeRing(exterior, context: context)
        var holes: [OpaquePointer?] = []
        do {
            for r in rings.dropFirst() { holes.append(try makeRing(r, context: context)) }
        } catch {
            GEOSGeom_destroy_r(context.handle, shell)
            for hole in holes { GEOSGeom_destroy_r(context.handle, hole) }
            throw error
        }
        // GEOS takes the shell and the holes, and frees them itself when it fails (its C API contract, GEOS
        // ticket #1111): nothing is destroyed here after the call.
        let raw = holes.withUnsafeMutableBufferPointer { buf in
            GEOSGeom_createPolygon_r(context.handle, shell, buf.baseAddress, UInt32(buf.count))
        }
        guard let raw else { throw context.error("la création d'un polygone") }
        return raw
    }

    // MARK: - Properties

    /// The geometry's type (point, polygon, multipolygon…).
    public var kind: GeometryKind { GeometryKind(rawValue: GEOSGeomTypeId_r(h, raw)) ?? .geometryCollection }
    /// GEOS's name of the type ("Polygon", "MultiPolygon"…).
    public var typeName: String {
        guard let p = GEOSGeomType_r(h, raw) else { return "?" }
        defer { GEOSFree_r(h, p) }
        return String(cString: p)
    }
    /// True for an empty geometry; a GEOS exception is an error, never `false`.
    public var isEmpty: Bool {
        get throws { try predicate(GEOSisEmpty_r(h, raw), "isEmpty") }
    }
    /// Number of parts (1 for a simple geometry).
    public var numGeometries: Int { Int(GEOSGetNumGeometries_r(h, raw)) }
    /// Number of coordinates, over every part and ring.
    public var numCoordinates: Int { Int(GEOSGetNumCoordinates_r(h, raw)) }

    /// Area, in the square unit of the CRS (square metres in a metric projection).
    public func area() throws -> Double {
        var a = 0.0
        guard GEOSArea_r(h, raw, &a) == 1 else { throw context.error("le calcul de la surface") }
        return a
    }

    /// Length (perimeter of a polygon), in the unit of the CRS.
    public func length() throws -> Double {
        var a = 0.0
        guard GEOSLength_r(h, raw, &a) == 1 else { throw context.error("le calcul de la longueur") }
        return a
    }

    /// The bounding box.
    public var envelope: Envelope {
        var e = Envelope.empty
        var x0 = 0.0
        var y0 = 0.0
        var x1 = 0.0
        var y1 = 0.0
        if GEOSisEmpty_r(h, raw) == 0, GEOSGeom_getXMin_r(h, raw, &x0) == 1, GEOSGeom_getYMin_r(h, raw, &y0) == 1,
            GEOSGeom_getXMax_r(h, raw, &x1) == 1, GEOSGeom_getYMax_r(h, raw, &y1) == 1
        {
            e = Envelope(minX: x0, minY: y0, maxX: x1, maxY: y1)
        }
        return e
    }

    // MARK: - Validity

    /// True when GEOS considers the geometry valid (OGC rules).
    /// A GEOS exception is an error, never `false`.
    public var isValid: Bool {
        get throws { try predicate(GEOSisValid_r(h, raw), "isValid") }
    }

    /// GEOS's explanation of why the geometry is invalid ("Self-intersection[x y]"), or "Valid Geometry".
    public var validityReason: String {
        guard let p = GEOSisValidReason_r(h, raw) else { return context.takeMessage() }
        defer { GEOSFree_r(h, p) }
        return String(cString: p)
    }

    /// Repairs an invalid geometry with `GEOSMakeValid` (the "linework" method, shapely's `make_valid`).
    public func makeValid() throws -> Geometry {
        try context.own(GEOSMakeValid_r(h, raw), "la réparation (MakeValid)")
    }

    /// The polygonal part of a geometry (from a GeometryCollection produced by MakeValid, lines and points
    /// are dropped) as a MultiPolygon; nil when there is none.
    public func polygonalPart() throws -> Geometry? {
        let polys = try polygons()
        guard !polys.isEmpty else { return nil }
        return try Geometry.multiPolygon(polys, context: context)
    }

    // MARK: - Coordinates out

    /// All polygons of a Polygon, MultiPolygon or GeometryCollection, as rings of coordinates.
    public func polygons() throws -> [PolygonRings] {
        var out: [PolygonRings] = []
        try collectPolygons(raw, into: &out)
        return out
    }

    private func collectPolygons(_ g: OpaquePointer, into out: inout [PolygonRings]) throws {
        let type = GEOSGeomTypeId_r(h, g)
        switch type {
        case Int32(GEOS_POLYGON.rawValue):
            if GEOSisEmpty_r(h, g) == 1 { return }
            var rings: PolygonRings = []
            guard let ext = GEOSGetExteriorRing_r(h, g) else { throw context.error("la lecture d'un anneau") }
            rings.append(try coordinates(of: ext))
            let n = GEOSGetNumInteriorRings_r(h, g)
            for i in 0..<max(n, 0) {
                guard let ring = GEOSGetInteriorRingN_r(h, g, i) else { throw context.error("la lecture d'un trou") }
                rings.append(try coordinates(of: ring))
            }
            out.append(rings)
        case Int32(GEOS_MULTIPOLYGON.rawValue), Int32(GEOS_GEOMETRYCOLLECTION.rawValue):
            let n = GEOSGetNumGeometries_r(h, g)
            for i in 0..<max(n, 0) {
                guard let part = GEOSGetGeometryN_r(h, g, i) else { throw context.error("la lecture d'une partie") }
                try collectPolygons(part, into: &out)
            }
        default:
            return
        }
    }

    /// Coordinates of a LineString, LinearRing or Point.
    public func coordinates() throws -> [Coordinate] { try coordinates(of: raw) }

    private func coordinates(of g: OpaquePointer) throws -> [Coordinate] {
        guard let seq = GEOSGeom_getCoordSeq_r(h, g) else { throw context.error("la lecture des coordonnées") }
        var size: UInt32 = 0
        guard GEOSCoordSeq_getSize_r(h, seq, &size) == 1 else { throw context.error("la lecture des coordonnées") }
        var coords = [Coordinate](repeating: Coordinate(x: 0, y: 0), count: Int(size))
        if size > 0 {
            let ok = coords.withUnsafeMutableBufferPointer { buf in
                buf.baseAddress!.withMemoryRebound(to: Double.self, capacity: 2 * buf.count) { doubles in
                    GEOSCoordSeq_copyToBuffer_r(h, seq, doubles, 0, 0)
                }
            }
            guard ok == 1 else { throw context.error("la copie des coordonnées") }
        }
        return coords
    }

    // MARK: - Serialisation

    /// Little-endian 2-D WKB.
    public func wkb() throws -> [UInt8] {
        var size = 0
        guard let p = GEOSWKBWriter_write_r(h, context.wkbWriterHandle, raw, &size) else {
            throw context.error("l'écriture WKB")
        }
        defer { GEOSFree_r(h, p) }
        return Array(UnsafeBufferPointer(start: p, count: size))
    }

    /// The geometry as WKT text.
    public func wkt() throws -> String {
        guard let p = GEOSWKTWriter_write_r(h, context.wktWriterHandle, raw) else { throw context.error("l'écriture WKT") }
        defer { GEOSFree_r(h, p) }
        return String(cString: p)
    }

    // MARK: - Operations

    /// An independent copy, in the same context.
    public func clone() throws -> Geometry { try context.own(GEOSGeom_clone_r(h, raw), "la copie") }
    /// The boundary: a polygon's rings as lines (distance to the boundary, not to the inside).
    public func boundary() throws -> Geometry { try context.own(GEOSBoundary_r(h, raw), "le calcul de la limite") }
    /// The part shared with `other`.
    public func intersection(_ other: Geometry) throws -> Geometry {
        try context.own(GEOSIntersection_r(h, raw, checked(other)), "l'intersection")
    }
    /// The part of the geometry inside an axis-aligned rectangle (GEOS `ClipByRect`, a linear-time clip much
    /// faster than a general `intersection` for the same area). Lines or points left where the geometry only
    /// touches the rectangle have no area.
    public func clipped(to e: Envelope) throws -> Geometry {
        try context.own(GEOSClipByRect_r(h, raw, e.minX, e.minY, e.maxX, e.maxY), "le découpage par un rectangle")
    }
    /// The part not in `other`.
    public func difference(_ other: Geometry) throws -> Geometry {
        try context.own(GEOSDifference_r(h, raw, checked(other)), "la différence")
    }
    /// The union with `other`.
    public func union(_ other: Geometry) throws -> Geometry { try context.own(GEOSUnion_r(h, raw, checked(other)), "l'union") }
    /// Union of all parts of a collection (dissolve).
    public func unaryUnion() throws -> Geometry { try context.own(GEOSUnaryUnion_r(h, raw), "l'union") }
    /// The geometry grown (or shrunk, negative `width`) by `width`, arcs drawn with `quadrantSegments` segments per quarter circle.
    public func buffer(_ width: Double, quadrantSegments: Int = 8) throws -> Geometry {
        try context.own(GEOSBuffer_r(h, raw, width, Int32(quadrantSegments)), "le tampon")
    }
    /// The centroid (may lie outside a concave polygon).
    public func centroid() throws -> Geometry { try context.own(GEOSGetCentroid_r(h, raw), "le centroïde") }
    /// A point guaranteed inside the geometry.
    public func pointOnSurface() throws -> Geometry { try context.own(GEOSPointOnSurface_r(h, raw), "le point intérieur") }
    /// A simplified copy (Douglas-Peucker keeping topology), `tolerance` in the unit of the CRS.
    public func simplify(tolerance: Double) throws -> Geometry {
        try context.own(GEOSTopologyPreserveSimplify_r(h, raw, tolerance), "la simplification")
    }

    /// Minimum Euclidean distance between the two geometries (0 when they intersect).
    public func distance(to other: Geometry) throws -> Double {
        var d = 0.0
        guard GEOSDistance_r(h, raw, checked(other), &d) == 1 else { throw context.error("le calcul de distance") }
        return d
    }

    /// Discrete Hausdorff distance: how far the farthest point of either geometry is from the other.
    public func hausdorffDistance(to other: Geometry) throws -> Double {
        var d = 0.0
        guard GEOSHausdorffDistance_r(h, raw, checked(other), &d) == 1 else { throw context.error("le calcul de distance de Hausdorff") }
        return d
    }

    /// True when the geometries share at least one point.
    public func intersects(_ other: Geometry) throws -> Bool { try predicate(GEOSIntersects_r(h, raw, checked(other)), "intersects") }
    /// True when `other` lies inside this geometry (not only on its boundary).
    public func contains(_ other: Geometry) throws -> Bool { try predicate(GEOSContains_r(h, raw, checked(other)), "contains") }
    /// True when no point of `other` lies outside this geometry (boundary included).
    public func covers(_ other: Geometry) throws -> Bool { try predicate(GEOSCovers_r(h, raw, checked(other)), "covers") }
    /// True when both have the same structure and coordinates, within `tolerance`.
    public func equalsExact(_ other: Geometry, tolerance: Double = 0) throws -> Bool {
        try predicate(GEOSEqualsExact_r(h, raw, checked(other), tolerance), "equalsExact")
    }

    /// The raw pointer of `other`, after checking that it belongs to this geometry's context: GEOS objects
    /// of two contexts must never meet in one call (each context is one thread's).
    func checked(_ other: Geometry) -> OpaquePointer {
        context.checkOwns(other)
        return other.raw
    }

    func predicate(_ r: CChar, _ name: String) throws -> Bool {
        if r == 2 { throw context.error("le prédicat \(name)") }
        return r == 1
    }

    /// Applies `transform` to every coordinate (arrays of x and y, transformed in place) and returns the new
    /// geometry. Only polygonal geometries are supported (perimeters).
    public func mapPolygonCoordinates(_ transform: (inout [Double], inout [Double]) throws -> Void) throws -> Geometry {
        let polys = try polygons()
        var xs: [Double] = []
        var ys: [Double] = []
        for p in polys { for r in p { for c in r { xs.append(c.x); ys.append(c.y) } } }
        try transform(&xs, &ys)
        var k = 0
        var out: [PolygonRings] = []
        out.reserveCapacity(polys.count)
        for p in polys {
            var rings: PolygonRings = []
            for r in p {
                var ring: [Coordinate] = []
                ring.reserveCapacity(r.count)
                for _ in r {
                    ring.append(Coordinate(x: xs[k], y: ys[k]))
                    k += 1
                }
                rings.append(ring)
            }
            out.append(rings)
        }
        return try Geometry.multiPolygon(out, context: context)
    }

    /// A prepared version for fast repeated predicates. Not thread-safe (lazy internal indexes).
    public func prepared() throws -> PreparedGeometry {
        guard let p = GEOSPrepare_r(h, raw) else { throw context.error("la préparation") }
        return PreparedGeometry(owning: p, base: self)
    }
}

/// A GEOS prepared geometry: repeated `contains`/`intersects` against many points run on cached indexes.
/// Owns its `GEOSPreparedGeometry*` and keeps the source geometry alive. Never share across threads.
public final class PreparedGeometry {
    /// The geometry this one was prepared from (kept alive).
    public let base: Geometry
    let raw: OpaquePointer
    var h: GEOSContextHandle_t { base.context.handle }

    init(owning raw: OpaquePointer, base: Geometry) {
        self.raw = raw
        self.base = base
    }

    deinit { GEOSPreparedGeom_destroy_r(base.context.handle, raw) }

    /// Whether the geometry contains the point (x, y), exactly as GEOS decides (a point on the boundary is
    /// not contained).
    public func contains(x: Double, y: Double) throws -> Bool {
        // GEOSPreparedContainsXY_r where the GEOS built against has it (3.12+), see `qpv_prepared_contains_xy`.
        let r = qpv_prepared_contains_xy(h, raw, x, y)
        if r == 2 { throw base.context.error("le prédicat contains") }
        return r == 1
    }

    /// True when `g` lies inside the prepared geometry.
    public func contains(_ g: Geometry) throws -> Bool {
        try base.predicate(GEOSPreparedContains_r(h, raw, base.checked(g)), "contains")
    }

    /// True when `g` shares at least one point with the prepared geometry.
    public func intersects(_ g: Geometry) throws -> Bool {
        try base.predicate(GEOSPreparedIntersects_r(h, raw, base.checked(g)), "intersects")
    }

    /// True when no point of `g` lies outside the prepared geometry.
    public func covers(_ g: Geometry) throws -> Bool {
        try base.predicate(GEOSPreparedCovers_r(h, raw, base.checked(g)), "covers")
    }

    /// Distance from the prepared geometry to `g`, using GEOS's indexed facet distance.
    public func distance(to g: Geometry) throws -> Double {
        var d = 0.0
        guard GEOSPreparedDistance_r(h, raw, base.checked(g), &d) == 1 else { throw base.context.error("le calcul de distance") }
        return d
    }
}

// GEOS objects belong to one context, which belongs to one thread: none of these types may cross threads
// (the swift-nio idiom: an explicitly unavailable conformance, so the compiler refuses it, not just warns).
@available(*, unavailable)
extension Geometry: Sendable {}

@available(*, unavailable)
extension PreparedGeometry: Sendable {}
