// The coordinate codecs of the hot path: parsing a coordinate as people and spreadsheets type it
// (`LocateResult.parseCoordinate`, byte-level fast path) and writing two-decimal distances without
// Foundation formatting (`appendTwoDecimals`, `twoDecimals`).

import Foundation

extension LocateResult {
    /// Parses a coordinate typed by a person or exported by Excel: "2.6303", "2,6303", " 2.6303 ".
    /// Plain decimals of up to 15 significant digits take an exact fast path (an integer and a power of ten,
    /// both exact in binary, divided once: the correctly rounded result, as strtod gives); anything else
    /// goes through the standard library's parser. Byte-level: this runs for every row of batches.
    public static func parseCoordinate(_ text: String) -> Double? {
        if let v = text.utf8.withContiguousStorageIfAvailable({ fastDecimal($0) }), let v { return v }
        var bytes = Array(text.utf8)
        while let f = bytes.first, f == 0x20 || f == 0x09 { bytes.removeFirst() }
        while let l = bytes.last, l == 0x20 || l == 0x09 || l == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty, bytes.count < 40 else { return nil }
        var commas = 0
        var dots = 0
        for b in bytes {
            if b == UInt8(ascii: ",") { commas += 1 } else if b == UInt8(ascii: ".") { dots += 1 }
        }
        if commas == 1 && dots == 0, let i = bytes.firstIndex(of: UInt8(ascii: ",")) { bytes[i] = UInt8(ascii: ".") }
        // Only plain decimal notation: digits, one sign, one dot, an exponent.
        for b in bytes where !((b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2D || b == 0x2B || b == 0x65 || b == 0x45) { return nil }
        guard let v = Double(String(decoding: bytes, as: UTF8.self)), v.isFinite else { return nil }
        return v
    }

    private static let exactPowersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// [spaces] [-|+] digits [.|, digits] [spaces] with at most 15 significant digits, else nil.
    @inline(__always)
    public static func fastDecimal(_ p: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        let n = p.count
        while i < n, p[i] == 0x20 || p[i] == 0x09 { i += 1 }
        var negative = false
        if i < n, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var seenSeparator = false
        var any = false
        while i < n {
            let c = p[i]
            if c >= 0x30 && c <= 0x39 {
                if mantissa != 0 || c != 0x30 { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(c - 0x30)
                if seenSeparator { fraction += 1 }
                any = true
            } else if (c == UInt8(ascii: ".") || c == UInt8(ascii: ",")) && !seenSeparator {
                seenSeparator = true
            } else {
                break
            }
            i += 1
        }
        while i < n, p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0D { i += 1 }
        guard i == n, any, digits <= 15, fraction <= 22 else { return nil }
        let v = Double(mantissa) / exactPowersOfTen[fraction]
        return negative ? -v : v
    }

    /// Appends `x` with exactly two decimals, as ASCII bytes (no intermediate string); `mark` is the decimal
    /// separator (`.`, or `,` for French spreadsheets).
    public static func appendTwoDecimals(_ x: Double, to out: inout [UInt8], mark: UInt8 = UInt8(ascii: ".")) {
        guard x.isFinite, abs(x) < 9e15 else { return }
        let v = UInt64((abs(x) * 100).rounded())
        // Written backwards into a 24-byte tuple on the stack, appended in one copy (one uniqueness check, not
        // one per byte).
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buffer) { raw in
            raw.withMemoryRebound(to: UInt8.self) { d in
                var n = 24
                let frac = v % 100
                d[n &- 1] = UInt8(truncatingIfNeeded: frac % 10) &+ 0x30
                d[n &- 2] = UInt8(truncatingIfNeeded: frac / 10) &+ 0x30
                d[n &- 3] = mark
                n &-= 3
                var whole = v / 100
                repeat {
                    n &-= 1
                    d[n] = UInt8(truncatingIfNeeded: whole % 10) &+ 0x30
                    whole /= 10
                } while whole > 0
                if x < 0 && v != 0 {
                    n &-= 1
                    d[n] = UInt8(ascii: "-")
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: d[n..<24]))
            }
        }
    }

    /// `x` with exactly two decimals ("12.30"), without Foundation formatting (hot path of batches).
    public static func twoDecimals(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        let v = Int64((abs(x) * 100).rounded())
        let frac = v % 100
        return (x < 0 && v != 0 ? "-" : "") + String(v / 100) + (frac < 10 ? ".0" : ".") + String(frac)
    }
}
