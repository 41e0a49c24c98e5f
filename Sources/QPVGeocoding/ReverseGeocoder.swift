// `ReverseGeocoder` (`GET /reverse`): the addresses nearest a point, from a cell index over the streets of the
// same address pack the `Geocoder` reads.

import Foundation
import QPVCore

/// One answer of reverse geocoding: the address and how far it is from the point asked.
public struct ReverseResult: Sendable, Equatable {
    public var address: GeocodeResult
    /// Distance in metres between the point asked and the address's position.
    public var distanceM: Double
}

/// Reverse geocoding (`GET /reverse`): the addresses nearest a point, from the same address pack as the
/// `Geocoder`. Streets are registered in a grid of 0.005° cells (about 400 × 550 m) covering the envelope of
/// their addresses (compressed row layout: sorted cell keys, offsets, street numbers); a query scans the
/// addresses of the streets of the cells around the point, widening ring by ring until the nearest found is
/// closer than the unexplored rings. Built once (a few seconds for the whole BAN), immutable, `Sendable`.
public final class ReverseGeocoder: Sendable {
    public let geocoder: Geocoder
    let cellKeys: [UInt64]
    let cellStart: [UInt32]
    let cellStreets: [UInt32]
    /// Cell size in pack units (degrees × 10⁷).
    static let cellUnits: Int64 = 50_000
    /// Rings explored at most around the point's cell (4 rings ≈ 1.5 km in latitude).
    static let maxRings = 4

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
            var minX = Int64.max, minY = Int64.max, maxX = Int64.min, maxY = Int64.min
            for h in lo..<hi {
                let x = Int64(pack.hLon[h])
                let y = Int64(pack.hLat[h])
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
            }
            let cx0 = Self.cell(minX), cx1 = Self.cell(maxX), cy0 = Self.cell(minY), cy1 = Self.cell(maxY)
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

    static func cell(_ units: Int64) -> Int32 { Int32(truncatingIfNeeded: (units >= 0 ? units : units - cellUnits + 1) / cellUnits) }
    static func key(_ cx: Int32, _ cy: Int32) -> UInt64 { (UInt64(UInt32(bitPattern: cy)) << 32) | UInt64(UInt32(bitPattern: cx)) }

    /// Streets registered in one cell.
    func streets(cx: Int32, cy: Int32) -> ArraySlice<UInt32> {
        let k = Self.key(cx, cy)
        var lo = 0, hi = cellKeys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if cellKeys[mid] < k { lo = mid + 1 } else { hi = mid }
        }
        guard lo < cellKeys.count, cellKeys[lo] == k else { return [] }
        return cellStreets[Int(cellStart[lo])..<Int(cellStart[lo + 1])]
    }

    /// The `limit` addresses nearest (`lon`, `lat`), nearest first, within about 1.5 km; empty when there
    /// is none that close or the coordinates are not finite.
    public func reverse(lon: Double, lat: Double, limit: Int = 1) -> [ReverseResult] {
        guard lon.isFinite, lat.isFinite, abs(lon) <= 180, abs(lat) <= 90, limit > 0 else { return [] }
        let pack = geocoder.pack
        let px = Int64((lon * 1e7).rounded())
        let py = Int64((lat * 1e7).rounded())
        let cx = Self.cell(px), cy = Self.cell(py)
        // Equirectangular metres around the point: exact enough at these distances.
        let mPerUnitY = 111_195.0 / 1e7
        let mPerUnitX = mPerUnitY * cos(lat * .pi / 180)
        let cellMetres = Double(Self.cellUnits) * min(mPerUnitX, mPerUnitY)
        var best: [(distance: Double, address: Int, street: Int)] = []
        var visited = Set<UInt32>()
        func consider(_ s: UInt32) {
            guard visited.insert(s).inserted else { return }
            for h in Int(pack.sHN0[Int(s)])..<Int(pack.sHN0[Int(s) + 1]) {
                let dx = Double(Int64(pack.hLon[h]) - px) * mPerUnitX
                let dy = Double(Int64(pack.hLat[h]) - py) * mPerUnitY
                let d = (dx * dx + dy * dy).squareRoot()
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
            let c = Geocoder.Candidate(commune: Int(pack.sCom[b.street]), street: b.street, address: b.address,
                                       score: max(0, 1 - b.distance / 1000), type: .housenumber, weight: 0)
            return ReverseResult(address: geocoder.result(c, AddressQuery(parsing: "")), distanceM: (b.distance * 100).rounded() / 100)
        }
    }
}
