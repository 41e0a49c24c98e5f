// `QueryParameters`: the strict parsing of query strings shared by every route (percent-decoding, duplicate,
// empty and unknown parameters refused) and its typed readers (dates, numbers, flags, choices, a WGS84 point).

import Foundation
import QPVCore
import QPVPerimeters

/// Query parameters parsed the way browsers and curl send them: `+` is a space, `%XX` escapes are UTF-8.
struct QueryParameters: Sendable {
    private(set) var values: [String: String] = [:]

    init(_ query: String?) throws {
        guard let query, !query.isEmpty else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = QueryParameters.decode(kv[0]) else {
                throw APIError(.badRequest, "invalid_query", "paramètres de requête mal encodés (UTF-8 et %XX attendus)")
            }
            guard let value = kv.count > 1 ? QueryParameters.decode(kv[1]) : "" else {
                throw APIError(.badRequest, "invalid_query", "valeur du paramètre « \(key) » mal encodée (UTF-8 et %XX attendus)")
            }
            if values[key] != nil {
                throw APIError(.badRequest, "duplicate_parameter", "paramètre « \(key) » donné plusieurs fois")
            }
            if value.trimmingWhitespaceAndNewlines().isEmpty {
                throw APIError(.badRequest, "empty_parameter", "paramètre « \(key) » vide : donnez une valeur ou retirez-le")
            }
            values[key] = value
        }
    }

    static func decode(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        while let b = it.next() {
            switch b {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let h = it.next(), let l = it.next(), let hv = hex(h), let lv = hex(l) else { return nil }
                bytes.append(hv << 4 | lv)
            default: bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    /// Adds a value sent elsewhere (a multipart form field); refused when the query already has it.
    mutating func setIfAbsent(_ name: String, _ value: String) throws {
        if values[name] != nil { throw APIError(.badRequest, "duplicate_parameter", "paramètre « \(name) » donné deux fois (adresse et formulaire)") }
        values[name] = value
    }

    /// A value, trimmed; nil when absent (empty values are refused when the query is parsed).
    subscript(name: String) -> String? {
        guard let v = values[name]?.trimmingWhitespaceAndNewlines(), !v.isEmpty else { return nil }
        return v
    }

    func required(_ name: String, hint: String = "") throws -> String {
        guard let v = self[name] else { throw APIError.missing(name, hint) }
        return v
    }

    /// Rejects parameters the endpoint does not know (a typo would otherwise be silently ignored).
    func allowOnly(_ names: Set<String>) throws {
        if let unknown = values.keys.sorted().first(where: { !names.contains($0) }) {
            throw APIError(
                .badRequest, "unknown_parameter",
                "paramètre « \(unknown) » inconnu ici ; paramètres acceptés : \(names.sorted().joined(separator: ", "))")
        }
    }

    func date(_ name: String) throws -> CivilDate? {
        guard let v = self[name] else { return nil }
        guard let d = CivilDate(v) else { throw APIError.invalid(name, "« \(v) » n'est pas une date AAAA-MM-JJ (par exemple 2024-01-01)") }
        return d
    }

    func requiredDate(_ name: String) throws -> CivilDate {
        guard let d = try date(name) else { throw APIError.missing(name, "date AAAA-MM-JJ") }
        return d
    }

    func integer(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let v = self[name] else { return nil }
        guard let n = Int(v), range.contains(n) else {
            throw APIError.invalid(name, "« \(v) » : nombre entier entre \(range.lowerBound) et \(range.upperBound) attendu")
        }
        return n
    }

    func number(_ name: String, range: ClosedRange<Double>) throws -> Double? {
        guard let v = self[name] else { return nil }
        guard let n = Double(v.replacingOccurrences(of: ",", with: ".")), n.isFinite, range.contains(n) else {
            throw APIError.invalid(
                name,
                "« \(v) » : nombre entre \(FrenchFormat.decimal(range.lowerBound, digits: 0)) et \(FrenchFormat.decimal(range.upperBound, digits: 0)) attendu"
            )
        }
        return n
    }

    /// A yes/no parameter: true, false, or nil when absent or empty (not declared: never assumed).
    func flag(_ name: String) throws -> Bool? {
        guard let v = self[name]?.lowercased(), !v.isEmpty else { return nil }
        switch v {
        case "true", "1", "oui", "yes": return true
        case "false", "0", "non", "no": return false
        default: throw APIError.invalid(name, "« \(v) » : true ou false attendu")
        }
    }

    /// One of an enum's raw values.
    func choice<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type) throws -> E? where E.RawValue == String {
        guard let v = self[name] else { return nil }
        guard let e = E(rawValue: v.lowercased()) else {
            throw APIError.invalid(name, "« \(v) » ; valeurs possibles : \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return e
    }

    /// A WGS84 point: `lon` and `lat` both present, numeric and in range.
    func point() throws -> (lon: Double, lat: Double) {
        guard let lonText = self["lon"] else { throw APIError.missing("lon", "longitude WGS84 en degrés décimaux") }
        guard let latText = self["lat"] else { throw APIError.missing("lat", "latitude WGS84 en degrés décimaux") }
        guard let lon = QueryParameters.coordinate(lonText) else {
            throw APIError(.badRequest, "invalid_coordinates", "longitude « \(lonText) » : nombre décimal attendu (ex. 2.6303)")
        }
        guard let lat = QueryParameters.coordinate(latText) else {
            throw APIError(.badRequest, "invalid_coordinates", "latitude « \(latText) » : nombre décimal attendu (ex. 50.5297)")
        }
        guard (-180...180).contains(lon) else { throw APIError(.badRequest, "invalid_coordinates", "longitude \(lonText) hors de [-180, 180]") }
        guard (-90...90).contains(lat) else { throw APIError(.badRequest, "invalid_coordinates", "latitude \(latText) hors de [-90, 90]") }
        return (lon, lat)
    }

    /// "2.6303" or "2,6303" (Excel), as `qpv locate` reads them; nothing else.
    static func coordinate(_ text: String) -> Double? { LocateResult.parseCoordinate(text) }
}
