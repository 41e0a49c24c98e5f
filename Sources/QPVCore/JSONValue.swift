// `JSONValue` and `JSONParser`: the strict RFC 8259 parser (keys kept in file order, errors with line and
// column) used to read GeoJSON perimeter files and rule tables, plus `jsonQuoted` for hand-written JSON text.
// Answers are encoded with `Codable` by their owners, not here.

import Foundation

/// A parsed JSON value. Objects keep their keys in file order.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var numberValue: Double? { if case .number(let n) = self { return n } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: [(String, JSONValue)]? { if case .object(let o) = self { return o } else { return nil } }

    /// A property value as text, the way a CSV would show it: strings as is, integers without ".0",
    /// booleans as true/false, null as nil.
    public var scalarText: String? {
        switch self {
        case .string(let s): return s
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { return String(Int(n)) }
            return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .null: return nil
        case .array, .object: return nil
        }
    }
}

/// Where a JSON syntax error is, for messages: "ligne 12, colonne 5".
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let reason: String
    public var description: String { "JSON invalide ligne \(line), colonne \(column) : \(reason)" }
}

/// A strict JSON parser (RFC 8259) over UTF-8 bytes with line/column error positions. Faster than
/// JSONSerialization on large coordinate arrays and keeps object key order.
public struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0
    private let maxDepth = 512

    public static func parse(_ data: Data) throws -> JSONValue {
        var p = JSONParser(bytes: [UInt8](data))
        return try p.parseDocument()
    }

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = JSONParser(bytes: bytes)
        return try p.parseDocument()
    }

    public static func parse(_ text: String) throws -> JSONValue { try parse(Array(text.utf8)) }

    /// Parses and records where each value starts: line and column (1-based) by JSON path (`rules.scheme[0].valid_from`;
    /// the position of an object member is the one of its key). For validators that name the line of a field.
    public static func parseWithPositions(_ data: Data) throws -> (JSONValue, JSONPositions) {
        var p = JSONParser(bytes: [UInt8](data))
        p.positions = JSONPositions()
        let v = try p.parseDocument()
        return (v, p.positions ?? JSONPositions())
    }

    /// Positions recording (nil: not recorded, the fast path).
    private var positions: JSONPositions?
    private var path: [String] = []
    private var line = 1
    private var lineStart = 0

    private mutating func record() {
        guard positions != nil else { return }
        var key = ""
        for part in path { key += part.hasPrefix("[") || key.isEmpty ? part : "." + part }
        positions!.byPath[key] = (line, i - lineStart + 1)
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
    }

    mutating func parseDocument() throws -> JSONValue {
        skipSpace()
        guard i < bytes.count else { throw error("document vide") }
        let v = try parseValue(depth: 0)
        skipSpace()
        if i < bytes.count { throw error("contenu inattendu après la fin du document") }
        return v
    }

    private func error(_ reason: String) -> JSONSyntaxError {
        var line = 1
        var col = 1
        for k in 0..<min(i, bytes.count) {
            if bytes[k] == 0x0A { line += 1; col = 1 } else if bytes[k] & 0xC0 != 0x80 { col += 1 }
        }
        return JSONSyntaxError(line: line, column: col, reason: reason)
    }

    @inline(__always)
    private mutating func skipSpace() {
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x0A {
                i += 1
                line += 1
                lineStart = i
            } else if c == 0x20 || c == 0x0D || c == 0x09 {
                i += 1
            } else {
                break
            }
        }
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < maxDepth else { throw error("imbrication trop profonde") }
        guard i < bytes.count else { throw error("fin de fichier inattendue") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("caractère inattendu « \(String(UnicodeScalar(bytes[i]))) »")
        }
    }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count else { throw error("fin de fichier inattendue") }
        for k in 0..<w.count where bytes[i + k] != w[k] { throw error("mot-clé inconnu") }
        i += w.count
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        i += 1
        var members: [(String, JSONValue)] = []
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("clé entre guillemets attendue") }
            let keyAt = i
            let key = try parseString()
            if positions != nil {
                let end = i
                i = keyAt
                path.append(key)
                record()
                i = end
            }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("« : » attendu après la clé « \(key) »") }
            i += 1
            skipSpace()
            members.append((key, try parseValue(depth: depth + 1)))
            if positions != nil { path.removeLast() }
            skipSpace()
            guard i < bytes.count else { throw error("objet non refermé") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw error("« , » ou « } » attendu")
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            if positions != nil {
                path.append("[\(items.count)]")
                record()
            }
            items.append(try parseValue(depth: depth + 1))
            if positions != nil { path.removeLast() }
            skipSpace()
            guard i < bytes.count else { throw error("tableau non refermé") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw error("« , » ou « ] » attendu")
        }
    }

    private mutating func parseNumber() throws -> Double {
        let s = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        var digits = 0
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1; digits += 1 }
        guard digits > 0 else { throw error("nombre invalide") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            var frac = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1; frac += 1 }
            guard frac > 0 else { throw error("nombre invalide") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            var exp = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1; exp += 1 }
            guard exp > 0 else { throw error("exposant invalide") }
        }
        let value = bytes.withUnsafeBufferPointer { Double(String(decoding: UnsafeBufferPointer(rebasing: $0[s..<i]), as: UTF8.self)) }
        guard let value else { throw error("nombre invalide") }
        return value
    }

    private mutating func parseString() throws -> String {
        i += 1
        let s = i
        var simple = true
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") { simple = false; i += 2; continue }
            if c < 0x20 { throw error("caractère de contrôle dans une chaîne") }
            i += 1
        }
        guard i < bytes.count else { throw error("chaîne non refermée") }
        let e = i
        i += 1
        if simple {
            guard let str = bytes.withUnsafeBufferPointer({ String(validating: UnsafeBufferPointer(rebasing: $0[s..<e]), as: UTF8.self) }) else {
                throw error("chaîne qui n'est pas en UTF-8")
            }
            return str
        }
        var out: [UInt8] = []
        out.reserveCapacity(e - s)
        var k = s
        while k < e {
            let c = bytes[k]
            if c != UInt8(ascii: "\\") { out.append(c); k += 1; continue }
            k += 1
            guard k < e else { throw error("échappement incomplet") }
            switch bytes[k] {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard k + 4 < e, var code = hex4(k + 1) else { throw error("échappement \\u invalide") }
                k += 4
                if code >= 0xD800 && code < 0xDC00, k + 6 < e, bytes[k + 1] == UInt8(ascii: "\\"), bytes[k + 2] == UInt8(ascii: "u"),
                    let low = hex4(k + 3), low >= 0xDC00 && low < 0xE000
                {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    k += 6
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: throw error("échappement inconnu")
            }
            k += 1
        }
        guard let str = String(validating: out, as: UTF8.self) else { throw error("chaîne qui n'est pas en UTF-8") }
        return str
    }

    private func hex4(_ at: Int) -> UInt32? {
        var v: UInt32 = 0
        for k in at..<(at + 4) {
            let c = bytes[k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: return nil
            }
            v = v * 16 + d
        }
        return v
    }
}

/// Where each value of a parsed document starts (see `JSONParser.parseWithPositions`).
public struct JSONPositions: Sendable {
    public var byPath: [String: (line: Int, column: Int)] = [:]

    public init() {}

    /// The line of `path`, or of its closest recorded parent (`rules.x[0].value.open` → `rules.x[0].value`).
    public func line(_ path: String) -> Int? {
        var p = path
        while !p.isEmpty {
            if let hit = byPath[p] { return hit.line }
            guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            p = String(p[..<cut])
        }
        return nil
    }
}

/// Escapes a string for a JSON document (quotes included), as `JSONEncoder` escapes it
/// (`CompactJSONEncoder.appendString`: one home for JSON strings).
public func jsonQuoted(_ s: String) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count + 2)
    CompactJSONEncoder.appendString(s, to: &out)
    return String(decoding: out, as: UTF8.self)
}
