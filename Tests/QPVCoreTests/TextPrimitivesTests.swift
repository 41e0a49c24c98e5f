// Unit tests of the hot-path text primitives: each gives exactly what the Foundation call it replaces gives
// (`trimmingCharacters`, `String(format: "%.Nf")`), and `jsonQuoted` what a character-by-character escape
// and a JSON parser agree on.

import Foundation
import QPVCore
import Testing

@Suite struct TextPrimitivesTests {
    static let samples: [String] = [
        "", " ", "a", " a", "a ", "\ta\n", "2024-06-01", " 2024-06-01 ", "\u{00A0}x\u{00A0}", "\u{2003}rue\u{3000}",
        "\u{0085}x", "x\u{2028}", "é", " é ", "Lille", "59350\r\n", "\u{0B}\u{0C}v", "v\u{1680}", "\u{200B}z",
        "a\u{0301}", "«59»", "~", "!", "\u{7F}", "\u{7F}a\u{7F}",
    ]

    @Test func trimmingMatchesFoundation() {
        for s in Self.samples {
            #expect(s.trimmingWhitespaceAndNewlines() == s.trimmingCharacters(in: .whitespacesAndNewlines), "« \(s) »")
            #expect(s.trimmingWhitespace() == s.trimmingCharacters(in: .whitespaces), "« \(s) »")
            let sub = Substring(s)
            #expect(sub.trimmingWhitespaceAndNewlines() == sub.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func fixedPointMatchesStringFormat() {
        var values: [Double] = [
            0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 1e-9, -1e-9, 2.675, 1.005, 123_456.789, -43.6045, 1.4437,
            9.995, 99.995, 1e15, 1e22, 1.7976931348623157e308, -1.7976931348623157e308, 4.9e-324, .infinity, -.infinity, .nan,
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Double(bitPattern: state >> 2).truncatingRemainder(dividingBy: 1e7))
            values.append(Double(state % 10_000_000) / 1000)
        }
        for x in values {
            for digits in [0, 1, 2, 6, 7, 17] {
                #expect(FixedPoint.string(x, digits: digits) == String(format: "%.\(digits)f", x), "\(x) à \(digits) décimales")
            }
        }
    }

    /// The escape character by character (JSONEncoder's short escapes included), the reference.
    static func reference(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    @Test func jsonQuotingMatchesReferenceAndParsesBack() throws {
        var samples = Self.samples + ["\"", "\\", "a\"b\\c", "\u{01}\u{1F}\u{1B}x", "ligne 1\nligne 2\r\n\tfin", "🇫🇷 Évry-Courcouronnes", "/"]
        samples += (0..<0x80).map { String(UnicodeScalar(UInt8($0))) }
        for s in samples {
            let quoted = jsonQuoted(s)
            #expect(quoted == Self.reference(s), "« \(s) »")
            #expect(quoted == String(decoding: try CompactJSONEncoder.foundationEncoder().encode(s), as: UTF8.self), "« \(s) »")
            let back = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
            #expect(back == [s], "« \(s) »")
        }
    }
}
