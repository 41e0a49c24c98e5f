// `FrenchFormat`: numbers written for French readers ("15 000", "12,5", "5 000 €", "3,2 m"). Decimal marks of
// CSV outputs are a file convention and live in QPVTabular (`DecimalMark`).

import Foundation

/// Number formatting for French text: "15 000 €", "12,5 m", "30 %".
public enum FrenchFormat {
    /// Integer with spaces between thousands.
    public static func integer(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(" ") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// Decimal with a comma and `digits` decimals, thousands grouped.
    public static func decimal(_ x: Double, digits: Int = 1) -> String {
        let s = FixedPoint.string(abs(x), digits: digits)
        let parts = s.split(separator: ".")
        var out = integer(Int(parts[0]) ?? 0)
        if parts.count > 1 { out += "," + parts[1] }
        return (x < 0 && s.contains(where: { $0 != "0" && $0 != "." })) ? "-" + out : out
    }

    /// Euros: "5 000 €" for whole amounts, "22 555,73 €" otherwise.
    public static func euros(_ x: Double) -> String {
        if x == x.rounded() { return integer(Int(x)) + " €" }
        return decimal(x, digits: 2) + " €"
    }

    /// Metres: "3,2 m" under 10 m, "152 m", "12,4 km".
    public static func metres(_ x: Double) -> String {
        if x < 10 { return decimal(x, digits: 1) + " m" }
        if x < 10_000 { return integer(Int(x.rounded())) + " m" }
        return decimal(x / 1000, digits: 1) + " km"
    }
}
