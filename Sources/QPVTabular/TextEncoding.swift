// `TextEncoding` (UTF-8, Windows-1252), its sniffing from a sample and the `Windows1252` code page used to
// read and write French administrative spreadsheets.

import Foundation
import QPVCore

/// The text encodings met in French administrative spreadsheets: UTF-8 (with or without BOM) and
/// Windows-1252 (what Excel writes for "CSV (séparateur : point-virgule)").
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case windows1252 = "windows-1252"

    /// Parses user spellings: `utf8`, `UTF-8`, `cp1252`, `windows-1252`, `latin1`, `iso-8859-1`, `ansi`.
    public init?(name: String) {
        switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "utf8", "utf-8": self = .utf8
        case "cp1252", "windows-1252", "win1252", "latin1", "latin-1", "iso-8859-1", "iso8859-1", "ansi":
            self = .windows1252
        default: return nil
        }
    }

    /// Decodes bytes into a String. UTF-8 bytes that are not valid UTF-8 fall back to Windows-1252 and
    /// `fellBack` is set, so a stray Excel cell in a UTF-8 file is read rather than mangled.
    @inlinable
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>, fellBack: inout Bool) -> String {
        var ascii = true
        for b in bytes where b >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        switch self {
        case .utf8:
            if let s = String(validating: bytes, as: UTF8.self) { return s }
            fellBack = true
            return Windows1252.decode(bytes)
        case .windows1252:
            return Windows1252.decode(bytes)
        }
    }

    /// Encodes a String, appending to `out`. Characters Windows-1252 cannot represent become `?`.
    public func encode(_ string: String, into out: inout [UInt8]) {
        switch self {
        case .utf8: out.appendUTF8(string)
        case .windows1252: Windows1252.encode(string, into: &out)
        }
    }
}

/// Windows-1252 code page (WHATWG mapping: the five unassigned bytes map to the C1 controls).
public enum Windows1252 {
    static let high: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]
    static let reverse: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (i, scalar) in high.enumerated() { map[scalar] = UInt8(0x80 + i) }
        return map
    }()

    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for b in bytes {
            let value: UInt32 = (b >= 0x80 && b < 0xA0) ? high[Int(b - 0x80)] : UInt32(b)
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }

    public static func encode(_ string: String, into out: inout [UInt8]) {
        for scalar in string.unicodeScalars {
            let v = scalar.value
            if v < 0x80 || (v >= 0xA0 && v <= 0xFF) {
                out.append(UInt8(v))
            } else if let b = reverse[v] {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "?"))
            }
        }
    }
}

extension TextEncoding {
    /// Guesses the encoding of a sample: UTF-8 when it is valid UTF-8 (a multi-byte sequence cut at the end
    /// of the sample is tolerated), Windows-1252 otherwise.
    public static func sniff(_ sample: UnsafeBufferPointer<UInt8>) -> TextEncoding {
        var i = 0
        let n = sample.count
        while i < n {
            let b = sample[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            if b & 0xE0 == 0xC0, b >= 0xC2 {
                length = 2
            } else if b & 0xF0 == 0xE0 {
                length = 3
            } else if b & 0xF8 == 0xF0, b <= 0xF4 {
                length = 4
            } else {
                return .windows1252
            }
            if i + length > n { return .utf8 }  // truncated by the sample boundary
            for k in 1..<length where sample[i + k] & 0xC0 != 0x80 { return .windows1252 }
            i += length
        }
        return .utf8
    }
}
