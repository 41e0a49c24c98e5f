// QPVGeocoding — reverse geocoding: the addresses nearest a point (`GET /reverse`), and the addresses and
// streets around a point for the counsellor's map (`GET /nearby`), from the installed address pack.

import Foundation
import QPVCore

/// One answer of reverse geocoding: the address and how far it is from the point asked.
public struct ReverseResult: Sendable, Equatable {
    /// The address, as `Geocoder.geocode` gives it (type `housenumber`).
    public var address: GeocodeResult
    /// Distance in metres between the point asked and the address's position.
    public var distanceM: Double
}

/// A street (or lieu-dit) near a point, for a map: its name and a line drawn through its addresses.
///
/// The BAN has addresses, not street centre lines: the line is approximate. The street's addresses are
/// ordered along their main direction and averaged in steps of about 25 m, so the two sides of the street
/// merge into one line; a curved or branching street is drawn only roughly. A street with one address is a
/// line of one point.
public struct NearbyStreet: Sendable, Equatable {
    /// The street's name, as the BAN writes it ("Rue des Tilleuls").
    public var name: String
    /// The street's BAN identifier (`id` of `/search` for a `street` result).
    public var id: String
    /// True for a lieu-dit (a named place without a street).
    public var isLocality: Bool
    /// Number of addresses of the street (all of them, not only those within the radius).
    public var addressCount: Int
    /// Longitudes (WGS84) of the approximate line, in order.
    public var lineLons: [Double]
    /// Latitudes (WGS84) of the approximate line, in order.
    public var lineLats: [Double]
}

/// The addresses and streets around a point (`ReverseGeocoder.nearby`).
public struct NearbyAddresses: Sendable, Equatable {
    /// Addresses within the radius, nearest first, at most the limit asked.
    public var addresses: [ReverseResult]
    /// Streets having at least one address within the radius, nearest first.
    public var streets: [NearbyStreet]
    /// True when more addresses than the limit were within the radius (the farthest were left out).
    public var truncated: Bool
}

/// Reverse geocoding (`GET /reverse`): the addresses nearest a point, from the same address pack as the
/// `Geocoder`. Streets are registered in a grid of 0.005° cells (about 400 × 550 m) covering the envelope of
/// their addresses (compressed row layout: sorted cell keys, offsets, street numbers); a query scans the
/// addresses of the streets of the cells around the point, widening ring by ring until the nearest found is
/// closer than the unexplored rings. Built once (a few seconds for the whole BAN), immutable, `Sendable`.
public final class ReverseGeocoder: Sendable {
    /// The geocoder whose address pack is searched.
    public let geocoder: Geocoder
    let cellKeys: [UInt64]
    let cellStart: [UInt32]
    let cellStreets: [UInt32]
    /// Cell size in pack units (degrees × 10⁷).
    static let cellUnits: Int64 = 50_000
    /// Rings explored at most around the point's cell (4 rings ≈ 1.5 km in latitude).
    static let maxRings = 4

    /// Builds the grid of the pack's streets (once; a few seconds for the whole BAN).
    public init(geocoder: Geocoder) {
        self.geocoder = geocoder
        let pack = geocoder.pack
        let streetCount = pack.sName.count
        var pairs: [(key: UInt64, street: UInt32)] = []
        pairs.reserveCapacity(streetCount + streetCount / 4)
        for s in 0..<streetCount {
            let lo = Int(pack.sHN0[s])
            let hi = Int(pack.sHN0[s + 1])
            guard hi > lo else { continue }
            var minX = Int64.max
            var minY = Int64.max
            var maxX = Int64.min
            var maxY = Int64.min
            for h in lo..<hi {
                let x = Int64(pack.hLon[h])
                let y = Int64(pack.hLat[h])
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
            }
            let cx0 = Self.cell(minX)
            let cx1 = Self.cell(maxX)
            let cy0 = Self.cell(minY)
            let cy1 = Self.cell(maxY)
            for cy in cy0...cy1 {
                for cx in cx0...cx1 { pairs.append((Self.key(cx, cy), UInt32(s))) }
            }
        }
        pairs.sort { $0.key != $1.key ? $0.key < $1.key : $0.street < $1.street }
        var keys: [UInt64] = []
        var starts: [UInt32] = []
        var streets: [UInt32] = []
        streets.reserveCapacity(pairs.count)
        for p in pairs {
            if keys.last != p.key {
                keys.append(p.key)
                starts.append(UInt32(streets.count))
            }
            streets.append(p.street)
        }
        starts.append(UInt32(streets.count))
        cellKeys = keys
        cellStart = starts
        cellStreets = streets
    }

    /// A query point in pack units, its grid cell, and equirectangular metres around it (exact enough at
    /// these distances).
    struct PointFrame {
        let px: Int64
        let py: Int64
        let cx: Int32
        let cy: Int32
        let mPerUnitX: Double
        let mPerUnitY: Double
        /// The smaller side of a grid cell, in metres.
        let cellMetres: Double

        init(lon: Double, lat: Double) {
            px = Int64((lon * 1e7).rounded())
            py = Int64((lat * 1e7).rounded())
            cx = ReverseGeocoder.cell(px)
            cy = ReverseGeocoder.cell(py)
            mPerUnitY = 111_195.0 / 1e7
            mPerUnitX = mPerUnitY * cos(lat * .pi / 180)
            cellMetres = Double(ReverseGeocoder.cellUnits) * min(mPerUnitX, mPerUnitY)
        }

        /// Metres from the point to address `h` of `pack`.
        func metres(to pack: AddressPack, address h: Int) -> Double {
            let dx = Double(Int64(pack.hLon[h]) - px) * mPerUnitX
            let dy = Double(Int64(pack.hLat[h]) - py) * mPerUnitY
            return (dx * dx + dy * dy).squareRoot()
        }
    }

    static func cell(_ units: Int64) -> Int32 { Int32(truncatingIfNeeded: (units >= 0 ? units : units - cellUnits + 1) / cellUnits) }
    static func key(_ cx: Int32, _ cy: Int32) -> UInt64 { (UInt64(UInt32(bitPattern: cy)) << 32) | UInt64(UInt32(bitPattern: cx)) }

    /// Streets registered in one cell.
    func streets(cx: Int32, cy: Int32) -> ArraySlice<UInt32> {
        let k = Self.key(cx, cy)
        var lo = 0
        var hi = cellKeys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if cellKeys[mid] < k { lo = mid + 1 } else { hi = mid }
        }
        guard lo < cellKeys.count, cellKeys[lo] == k else { return [] }
        return cellStreets[Int(cellStart[lo])..<Int(cellStart[lo + 1])]
    }

    /// Cells to explore on each side of the point's cell so that every address within `radiusM` metres is seen:
    /// counted apart in longitude and latitude (a cell's width in metres shrinks with the cosine of the
    /// latitude), the longitude count capped at half the cells around the globe (near a pole the division
    /// would otherwise overflow: a request at latitude 90 stopped `qpv serve`, found by `Scripts/test-openapi`).
    static func nearbyRings(radiusM: Double, at: PointFrame) -> (x: Int, y: Int) {
        let aroundHalf = Int(1_800_000_000 / cellUnits) + 1
        func count(_ cellM: Double) -> Int {
            let r = radiusM / cellM
            return r.isFinite && r < Double(aroundHalf) ? Int(r.rounded(.up)) : aroundHalf
        }
        return (count(Double(cellUnits) * at.mPerUnitX), count(Double(cellUnits) * at.mPerUnitY))
    }

    /// Largest radius `nearby` accepts, in metres.
    public static let maxNearbyRadiusM = 1_000.0

    /// The addresses within `radiusM` metres of (`lon`, `lat`) (at most `limit`, nearest first) and the streets
    /// they belong to, each with an approximate line through all its addresses (see `NearbyStreet`). The radius
    /// is capped at `maxNearbyRadiusM`; empty when the coordinates are not finite.
    public func nearby(lon: Double, lat: Double, radiusM: Double, limit: Int = 500) -> NearbyAddresses {
        guard lon.isFinite, lat.isFinite, abs(lon) <= 180, abs(lat) <= 90, radiusM.isFinite, radiusM > 0, limit > 0 else {
            return NearbyAddresses(addresses: [], streets: [], truncated: false)
        }
        let radius = min(radiusM, Self.maxNearbyRadiusM)
        let pack = geocoder.pack
        let at = PointFrame(lon: lon, lat: lat)
        let (ringsX, ringsY) = Self.nearbyRings(radiusM: radius, at: at)
        var found: [(distance: Double, address: Int, street: Int)] = []
        var nearestOfStreet: [Int: Double] = [:]
        var visited = Set<UInt32>()
        for dy in -ringsY...ringsY {
            for dx in -ringsX...ringsX {
                for s in streets(cx: at.cx &+ Int32(dx), cy: at.cy &+ Int32(dy)) where visited.insert(s).inserted {
                    for h in pack.addressRange(street: Int(s)) {
                        let d = at.metres(to: pack, address: h)
                        guard d <= radius else { continue }
                        found.append((d, h, Int(s)))
                        nearestOfStreet[Int(s)] = min(nearestOfStreet[Int(s)] ?? .infinity, d)
                    }
                }
            }
        }
        found.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.address < $1.address }
        let truncated = found.count > limit
        let addresses = found.prefix(limit).map { b in
            let c = Geocoder.Candidate(
                commune: Int(pack.sCom[b.street]), street: b.street, address: b.address,
                score: max(0, 1 - b.distance / 1000), type: .housenumber, weight: 0)
            return ReverseResult(address: geocoder.result(c, AddressQuery(parsing: "")), distanceM: (b.distance * 100).rounded() / 100)
        }
        let streets = nearestOfStreet.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }.map { s, _ in
            let range = pack.addressRange(street: s)
            let (lons, lats) = Self.approximateLine(lons: range.map { Double(pack.hLon[$0]) / 1e7 }, lats: range.map { Double(pack.hLat[$0]) / 1e7 })
            return NearbyStreet(
                name: pack.str.string(pack.sName[s]), id: pack.str.string(pack.sIDP[s]), isLocality: pack.isLocality(street: s),
                addressCount: range.count, lineLons: lons, lineLats: lats)
        }
        return NearbyAddresses(addresses: Array(addresses), streets: streets, truncated: truncated)
    }

    /// A line through a street's address points: ordered along their principal axis, averaged in steps of
    /// `step` metres (both sides of the street merge). One point or none gives itself.
    static func approximateLine(lons: [Double], lats: [Double], step: Double = 25) -> (lons: [Double], lats: [Double]) {
        guard lons.count > 1 else { return (lons, lats) }
        let n = Double(lons.count)
        let lon0 = lons.reduce(0, +) / n
        let lat0 = lats.reduce(0, +) / n
        let kx = 111_195.0 * cos(lat0 * .pi / 180)
        let ky = 111_195.0
        let xs = lons.map { ($0 - lon0) * kx }
        let ys = lats.map { ($0 - lat0) * ky }
        // Principal axis of the points (covariance's main eigenvector).
        var sxx = 0.0
        var syy = 0.0
        var sxy = 0.0
        for i in xs.indices { sxx += xs[i] * xs[i]; syy += ys[i] * ys[i]; sxy += xs[i] * ys[i] }
        let angle = 0.5 * atan2(2 * sxy, sxx - syy)
        let ux = cos(angle)
        let uy = sin(angle)
        let order = xs.indices.map { (t: xs[$0] * ux + ys[$0] * uy, i: $0) }.sorted { $0.t != $1.t ? $0.t < $1.t : $0.i < $1.i }
        var outLons: [Double] = []
        var outLats: [Double] = []
        var k = 0
        while k < order.count {
            let start = order[k].t
            var sumX = 0.0
            var sumY = 0.0
            var count = 0.0
            while k < order.count && order[k].t - start < step {
                sumX += lons[order[k].i]; sumY += lats[order[k].i]; count += 1
                k += 1
            }
            outLons.append(sumX / count)
            outLats.append(sumY / count)
        }
        return (outLons, outLats)
    }

    /// The `limit` addresses nearest (`lon`, `lat`), nearest first, within about 1.5 km; empty when there
    /// is none that close or the coordinates are not finite.
    public func reverse(lon: Double, lat: Double, limit: Int = 1) -> [ReverseResult] {
        guard lon.isFinite, lat.isFinite, abs(lon) <= 180, abs(lat) <= 90, limit > 0 else { return [] }
        let pack = geocoder.pack
        let at = PointFrame(lon: lon, lat: lat)
        let (cx, cy, cellMetres) = (at.cx, at.cy, at.cellMetres)
        var best: [(distance: Double, address: Int, street: Int)] = []
        var visited = Set<UInt32>()
        func consider(_ s: UInt32) {
            guard visited.insert(s).inserted else { return }
            for h in pack.addressRange(street: Int(s)) {
                let d = at.metres(to: pack, address: h)
                if best.count < limit || d < best[best.count - 1].distance {
                    best.append((d, h, Int(s)))
                    best.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.address < $1.address }
                    if best.count > limit { best.removeLast() }
                }
            }
        }
        for ring in 0...Self.maxRings {
            for dy in -ring...ring {
                for dx in -ring...ring where max(abs(dx), abs(dy)) == ring {
                    for s in streets(cx: cx &+ Int32(dx), cy: cy &+ Int32(dy)) { consider(s) }
                }
            }
            // Everything not yet explored is at least `ring` cells away.
            if best.count == limit, best[limit - 1].distance <= Double(ring) * cellMetres { break }
        }
        let maxDistance = Double(Self.maxRings) * cellMetres
        return best.filter { $0.distance <= maxDistance }.map { b in
            let c = Geocoder.Candidate(
                commune: Int(pack.sCom[b.street]), street: b.street, address: b.address,
                score: max(0, 1 - b.distance / 1000), type: .housenumber, weight: 0)
            return ReverseResult(address: geocoder.result(c, AddressQuery(parsing: "")), distanceM: (b.distance * 100).rounded() / 100)
        }
    }
}
