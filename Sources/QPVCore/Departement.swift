// QPVCore — French département codes: normalising a typed code, the département of a commune INSEE code
// and of an official perimeter code. One home for the job (perimeter coverage and the geocoder's context
// both use it).

import Foundation

/// Département codes: from a commune INSEE code, a perimeter code, or a typed value.
public enum Departement {
    /// "59", "059", "2a" → "59", "59", "2A"; "971" stays; nil when not a département code.
    public static func normalized(_ text: String) -> String? {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        if t.count == 3 && t.hasPrefix("0") { t.removeFirst() }
        if t.count == 1, t.allSatisfy(\.isNumber) { t = "0" + t }
        if t == "2A" || t == "2B" { return t }
        if t.count == 2, t.allSatisfy(\.isNumber) { return t }
        if t.count == 3, t.hasPrefix("97") || t.hasPrefix("98"), t.allSatisfy(\.isNumber) { return t }
        return nil
    }

    /// The département of a commune INSEE code: "62119" → "62", "2A004" → "2A", "97101" → "971".
    public static func of(commune code: String) -> String? {
        let c = code.trimmingCharacters(in: .whitespaces).uppercased()
        guard c.count == 5 else { return nil }
        if c.hasPrefix("97") || c.hasPrefix("98") { return String(c.prefix(3)) }
        return normalized(String(c.prefix(2)))
    }

    /// The département carried by an official perimeter code: "QP059043" → "59", "QN97101M" → "971",
    /// "QN06208M" → "62"; nil for other codes.
    public static func of(perimeterCode code: String) -> String? {
        guard code.count >= 5, code.hasPrefix("QP") || code.hasPrefix("QN") else { return nil }
        return normalized(String(code.dropFirst(2).prefix(3)))
    }
}
