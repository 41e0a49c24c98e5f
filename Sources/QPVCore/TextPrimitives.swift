// Text primitives of the hot paths (server answers, batches): trimming that does nothing when there is nothing
// to trim, and printf's fixed-point formatting without Foundation's `String(format:)` (which goes through
// CFString: a few microseconds per call, a tenth of a `/search` answer in perf, issue 17). Same results as the
// Foundation calls they stand for; tests compare them.

import CFormat
import Foundation

extension StringProtocol {
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`, without Foundation's work when the first and last
    /// characters are visible ASCII (nearly every value: query parameters, dates, codes).
    @inlinable
    public func trimmingWhitespaceAndNewlines() -> String {
        if let f = first?.asciiValue, let l = last?.asciiValue, f > 0x20 && f < 0x7F && l > 0x20 && l < 0x7F { return String(self) }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `trimmingCharacters(in: .whitespaces)` (spaces and tabs), same fast path.
    @inlinable
    public func trimmingWhitespace() -> String {
        if let f = first?.asciiValue, let l = last?.asciiValue, f > 0x20 && f < 0x7F && l > 0x20 && l < 0x7F { return String(self) }
        return trimmingCharacters(in: .whitespaces)
    }
}

/// printf's `%.Nf`, written by the C library itself into a stack buffer (`CFormat`, no variadic call): the bytes
/// `String(format: "%.Nf", x)` gives (CFString formats doubles with the same C call), without CFString.
public enum FixedPoint {
    /// `x` with exactly `digits` decimals (0…17), as `String(format: "%.\(digits)f", x)`.
    public static func string(_ x: Double, digits: Int) -> String {
        precondition((0...17).contains(digits))
        // Doubles below 1e308 have at most 309 integer digits: 330 bytes always suffice.
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 352) { buffer in
            let n = qpv_format_fixed(buffer.baseAddress!, 352, Int32(digits), x)
            let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress!, count: Int(max(0, min(n, 351))))
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends the UTF-8 bytes of `string` in one copy: a native string holds them contiguously, while
    /// `append(contentsOf: string.utf8)` is not specialised across modules and goes byte by byte (batch
    /// output profiles, issue 17).
    @inlinable
    public mutating func appendUTF8(_ string: String) {
        var string = string
        string.withUTF8 { append(contentsOf: $0) }
    }
}
