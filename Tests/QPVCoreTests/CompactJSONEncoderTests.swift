// Unit tests of `CompactJSONEncoder`: byte for byte what Foundation's `JSONEncoder` writes with
// `[.sortedKeys, .withoutEscapingSlashes]`, on values that reach every branch (nested containers, optionals left
// out or written as null, every escape, numbers at their edges, keys whose sorting differs by byte and by
// collation), the Foundation-specific values routed through `JSONEncoder`, and refused NaN.

import Foundation
import QPVCore
import Testing

@Suite struct CompactJSONEncoderTests {
    struct Inner: Codable, Equatable {
        var code: String
        var distanceM: Double?
        var flags: [Bool]

        enum CodingKeys: String, CodingKey {
            case code, flags
            case distanceM = "distance_m"
        }
    }

    struct Sample: Codable {
        var status: String
        var lon: Double
        var lat: Float
        var count: Int
        var small: Int8
        var big: UInt64
        var negative: Int64
        var inner: Inner
        var list: [Inner]
        var nested: [[Int]]
        var optional: String?
        @ExplicitNull var explicit: String?
        var map: [String: Int]
        var intMap: [Int: String]
        var empty: [String]
        var emptyMap: [String: String]
        var zeta: Bool
        var under: String
        var a1: Int
        var a10: Int
        var a2: Int
        var elan: String

        // Keys whose order differs between bytes and collation: capitals, underscore, digits, accents.
        enum CodingKeys: String, CodingKey {
            case status, lon, lat, count, small, big, negative, inner, list, nested, optional, explicit, map, intMap, empty, emptyMap
            case zeta = "Zeta"
            case under = "_under"
            case a1, a10, a2
            case elan = "\u{E9}lan"
        }
    }

    static let strings = [
        "", "plain", "quote \" and \\ backslash", "slash / and </script>", "\u{08}\u{0C}\n\r\t", "\u{00}\u{01}\u{1F}\u{7F}",
        "Évry-Courcouronnes — «  » 🇫🇷", "a\u{0301}", "\u{2028}\u{2029}", "日本",
    ]
    static let doubles: [Double] = [
        0, -0.0, 1, -1, 0.1, 1.5, 12.34, 1e-7, 1e-5, 123_456_789.123, 1e15, 1e16, 1e21, 1e22, 2.5e-300,
        1.7976931348623157e308, 4.9e-324, 43.604_5, -4.618_181_8, 1_000_000,
    ]

    static func merged<K: Hashable, V>(_ a: [K: V], _ b: [K: V]) -> [K: V] { a.merging(b) { first, _ in first } }

    func foundation<T: Encodable>(_ v: T) throws -> String {
        String(decoding: try CompactJSONEncoder.foundationEncoder().encode(v), as: UTF8.self)
    }

    @Test func matchesFoundationOnEveryBranch() throws {
        var k = 0
        for s in Self.strings {
            for d in Self.doubles {
                k += 1
                let inner = Inner(code: s, distanceM: k % 3 == 0 ? nil : d, flags: k % 2 == 0 ? [] : [true, false])
                let sample = Sample(
                    status: s, lon: d, lat: Float(abs(d) < 3e38 ? d : 1.5), count: k * 7919 - 40_000, small: Int8(truncatingIfNeeded: k),
                    big: UInt64.max - UInt64(k),
                    negative: Int64.min + Int64(k), inner: inner, list: [inner, inner], nested: [[], [k, -k]], optional: k % 2 == 0 ? s : nil,
                    explicit: ExplicitNull(wrappedValue: k % 2 == 1 ? s : nil), map: Self.merged([s: k], ["b": 2, "a": 1, "B": 3, "é": 4, "e": 5]),
                    intMap: Self.merged([k: s], [10: "x", 2: "y"]), empty: [],
                    emptyMap: [:], zeta: k % 2 == 0, under: s, a1: 1, a10: 10, a2: 2, elan: s)
                let ours = try CompactJSONEncoder.string(sample)
                #expect(ours == (try foundation(sample)), "\(s) / \(d)")
            }
        }
        // Top-level scalars and arrays.
        for s in Self.strings { #expect(try CompactJSONEncoder.string(s) == (try foundation(s))) }
        for d in Self.doubles { #expect(try CompactJSONEncoder.string([d]) == (try foundation([d]))) }
        #expect(try CompactJSONEncoder.string([Int?.none, 3]) == (try foundation([Int?.none, 3])))
    }

    @Test func foundationValuesGoThroughJSONEncoder() throws {
        struct Dated: Codable {
            var when: Date
            var blob: Data
            var url: URL
            var amount: Decimal
            var name: String
        }
        let v = Dated(
            when: Date(timeIntervalSince1970: 1_700_000_000.5), blob: Data([0, 1, 2, 250]), url: URL(string: "https://sig.ville.gouv.fr/a b")!,
            amount: Decimal(string: "22555.73")!, name: "x")
        #expect(try CompactJSONEncoder.string(v) == (try foundation(v)))
    }

    @Test func refusesNonFiniteNumbersAsFoundationDoes() {
        struct N: Encodable { var x: Double }
        for x in [Double.nan, .infinity, -.infinity] {
            #expect(throws: EncodingError.self) { try CompactJSONEncoder.encode(N(x: x)) }
            #expect(throws: EncodingError.self) { try CompactJSONEncoder.foundationEncoder().encode(N(x: x)) }
        }
    }
}
