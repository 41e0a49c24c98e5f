// `StreetSide` / `Locator.streetSide`: whether every known address of a street gets the same QPV answer (the
// answer for a house number missing from the BAN), and `Locator.projected` into the territory's metric CRS.

import Foundation
import QPVCore
import QPVGeometry

/// Whether a street (the known addresses of a street, when the house number asked is not in the BAN) lies
/// wholly on one side of every QPV boundary: then its answer is safe whatever the number; otherwise the
/// number decides and the answer is « à vérifier ».
public struct StreetSide: Sendable, Equatable {
    /// Every point has the same status (`in` or `out`, none `boundary`) and the same QPV.
    public var uniform: Bool
    /// The common status when `uniform`.
    public var status: LocateStatus?
    /// QPV containing the street (uniform `in`), or crossed by it (not uniform): "Nom (CODE)".
    public var perimeters: [String]
    /// Number of street points checked.
    public var points: Int

    /// French sentence for the reason column; `lead` says why the street answers ("numéro 42 introuvable").
    public func frenchReason(_ lead: String = "numéro introuvable") -> String {
        let names = perimeters.joined(separator: ", ")
        if uniform {
            return status == .inside
                ? "\(lead), mais toutes les adresses connues de la voie (\(points)) sont dans le QPV \(names)"
                : "\(lead), mais toutes les adresses connues de la voie (\(points)) sont hors QPV"
        }
        return perimeters.isEmpty
            ? "\(lead) et voie en limite de quartier : à vérifier"
            : "rue à cheval sur la limite du QPV \(names), \(lead) : à vérifier"
    }
}

extension Locator {
    /// Locates the points of one street (in `commune`, its INSEE code when known: it places the points in their
    /// département for a partial list) and says whether they all agree.
    public func streetSide(lons: [Double], lats: [Double], on date: CivilDate, tolerance: Double = 20, commune: String? = nil) throws -> StreetSide {
        let results = try locate(
            lons: lons, lats: lats, on: date, tolerance: tolerance,
            communes: commune.map { Array(repeating: $0, count: lons.count) })
        var statuses = Set<String>()
        var codes = Set<String>()
        var seen: [String: String] = [:]
        for r in results {
            statuses.insert(r.status.rawValue)
            let hits = r.qpv?.containing ?? []
            codes.insert(hits.map(\.code).sorted().joined(separator: ";"))
            for h in hits { seen[h.code] = h.name }
            if r.status == .boundary, let n = r.qpv?.nearest { seen[n.code] = n.name }
        }
        let uniform =
            !results.isEmpty && statuses.count == 1 && codes.count == 1
            && (results[0].status == .inside || results[0].status == .outside)
        return StreetSide(
            uniform: uniform, status: uniform ? results[0].status : nil,
            perimeters: seen.sorted { $0.key < $1.key }.map { "\($0.value) (\($0.key))" }, points: results.count)
    }
}

extension Locator {
    /// The point in the official metric projection of its territory (Lambert-93 in metropolitan France): the
    /// `x`, `y` of api-adresse's answers.
    public func projected(lon: Double, lat: Double) throws -> (x: Double, y: Double) {
        try transformer(to: CRS.metricCRS(lon: lon, lat: lat)).transform(x: lon, y: lat)
    }
}
