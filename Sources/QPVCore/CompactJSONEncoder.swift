// `CompactJSONEncoder`: the JSON of any `Encodable`, byte for byte what Foundation's `JSONEncoder` writes with
// `[.sortedKeys, .withoutEscapingSlashes]` (the published shape of every answer: CLI `--format json`, the HTTP
// API), in a fraction of its time — Foundation's encoder was a fifth of a `/locate` request (perf, issue 17).
// Values are gathered into a small tree (keys sorted as Foundation sorts them, by UTF-8 bytes) and written in
// one pass. Foundation-specific values (Date, Data, URL, Decimal), which `JSONEncoder` special-cases, make the
// whole value go through `JSONEncoder` itself, so the output never differs.

import Foundation

/// Encodes `Encodable` values as compact JSON with sorted keys and unescaped slashes, exactly as
/// `JSONEncoder` with `outputFormatting = [.sortedKeys, .withoutEscapingSlashes]` does.
public enum CompactJSONEncoder {
    /// The JSON of `value`, as bytes.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let root = Node()
        do {
            try value.encode(to: TreeEncoder(node: root, codingPath: []))
        } catch is FoundationValue {
            return Array(try foundationEncoder().encode(value))
        }
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        root.write(into: &out)
        return out
    }

    /// The JSON of `value`, as a string.
    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    /// The encoder this one stands for (also the fallback for Foundation-specific values).
    public static func foundationEncoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// Thrown inside the tree encoder when a value needs `JSONEncoder`'s own strategies.
    struct FoundationValue: Error {}

    /// A value being built: a scalar already written as JSON, an object or an array.
    final class Node {
        enum Content {
            case empty
            case scalar([UInt8])
            case object([(key: String, node: Node)])
            case array([Node])
        }
        var content = Content.empty

        func object() -> Void {
            if case .object = content { return }
            content = .object([])
        }

        func array() -> Void {
            if case .array = content { return }
            content = .array([])
        }

        func child(forKey key: String) -> Node {
            let n = Node()
            object()
            if case .object(var entries) = content {
                content = .empty  // keeps `entries` uniquely referenced while it grows
                if let k = entries.firstIndex(where: { $0.key == key }) { entries[k].node = n } else { entries.append((key, n)) }
                content = .object(entries)
            }
            return n
        }

        func appendChild() -> Node {
            let n = Node()
            array()
            if case .array(var items) = content {
                content = .empty
                items.append(n)
                content = .array(items)
            }
            return n
        }

        var count: Int {
            switch content {
            case .object(let e): return e.count
            case .array(let a): return a.count
            default: return 0
            }
        }

        func write(into out: inout [UInt8]) {
            switch content {
            case .empty: out += [UInt8(ascii: "{"), UInt8(ascii: "}")]
            case .scalar(let bytes): out += bytes
            case .array(let items):
                out.append(UInt8(ascii: "["))
                for (i, n) in items.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    n.write(into: &out)
                }
                out.append(UInt8(ascii: "]"))
            case .object(let entries):
                out.append(UInt8(ascii: "{"))
                let sorted = entries.count < 2 ? entries : entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                for (i, e) in sorted.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    CompactJSONEncoder.appendString(e.key, to: &out)
                    out.append(UInt8(ascii: ":"))
                    e.node.write(into: &out)
                }
                out.append(UInt8(ascii: "}"))
            }
        }
    }

    /// A JSON string as `JSONEncoder` writes it: `"` and `\` escaped, the short escapes of JSON for
    /// backspace, form feed, newline, carriage return and tab, `\u00XX` for the other control characters,
    /// everything else (slashes included) as UTF-8.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { u in
            if !u.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
                out.append(contentsOf: u)
                return
            }
            let hex = Array("0123456789abcdef".utf8)
            for b in u {
                switch b {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x08: out += [0x5C, UInt8(ascii: "b")]
                case 0x0C: out += [0x5C, UInt8(ascii: "f")]
                case 0x0A: out += [0x5C, UInt8(ascii: "n")]
                case 0x0D: out += [0x5C, UInt8(ascii: "r")]
                case 0x09: out += [0x5C, UInt8(ascii: "t")]
                case ..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
                default: out.append(b)
                }
            }
        }
        out.append(0x22)
    }

    static func scalar(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        appendString(s, to: &out)
        return out
    }

    /// A floating-point number as `JSONEncoder` writes it: its shortest description, without a trailing ".0";
    /// NaN and infinities are refused as `JSONEncoder` refuses them.
    static func number<F: BinaryFloatingPoint & LosslessStringConvertible>(_ x: F, _ path: [any CodingKey]) throws -> [UInt8] {
        guard x.isFinite else {
            throw EncodingError.invalidValue(
                x, EncodingError.Context(codingPath: path, debugDescription: "Unable to encode \(x) directly in JSON."))
        }
        var s = x.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        return Array(s.utf8)
    }

    /// Values `JSONEncoder` does not encode through their own `encode(to:)`.
    static func isFoundationSpecial(_ value: Any) -> Bool {
        value is Date || value is Data || value is URL || value is Decimal
    }

    struct TreeEncoder: Encoder {
        let node: Node
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            node.object()
            return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            node.array()
            return Unkeyed(node: node, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }
    }

    /// Encodes `value` into `node` (nested values go through their own `encode(to:)`).
    static func encodeValue<T: Encodable>(_ value: T, into node: Node, path: [any CodingKey]) throws {
        switch value {
        case let s as String: node.content = .scalar(scalar(s))
        case let b as Bool: node.content = .scalar(Array((b ? "true" : "false").utf8))
        case let i as Int: node.content = .scalar(Array(String(i).utf8))
        case let d as Double: node.content = .scalar(try number(d, path))
        default:
            if isFoundationSpecial(value) { throw FoundationValue() }
            try value.encode(to: TreeEncoder(node: node, codingPath: path))
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        let codingPath: [any CodingKey]

        func set(_ bytes: [UInt8], _ key: Key) { node.child(forKey: key.stringValue).content = .scalar(bytes) }

        mutating func encodeNil(forKey key: Key) throws { set(Array("null".utf8), key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { set(Array((value ? "true" : "false").utf8), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { set(scalar(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { set(try number(value, codingPath + [key]), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { set(try number(value, codingPath + [key]), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { set(Array(String(value).utf8), key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { set(Array(String(value).utf8), key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { set(Array(String(value).utf8), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { set(Array(String(value).utf8), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { set(Array(String(value).utf8), key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { set(Array(String(value).utf8), key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { set(Array(String(value).utf8), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { set(Array(String(value).utf8), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { set(Array(String(value).utf8), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { set(Array(String(value).utf8), key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try encodeValue(value, into: node.child(forKey: key.stringValue), path: codingPath + [key])
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let child = node.child(forKey: key.stringValue)
            child.object()
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = node.child(forKey: key.stringValue)
            child.array()
            return Unkeyed(node: child, codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> any Encoder {
            TreeEncoder(node: node.child(forKey: "super"), codingPath: codingPath)
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            TreeEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
        }
    }

    struct IndexKey: CodingKey {
        let intValue: Int?
        let stringValue: String
        init(_ i: Int) {
            intValue = i
            stringValue = "Index \(i)"
        }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.init(intValue) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        let codingPath: [any CodingKey]
        var count: Int { node.count }

        func add(_ bytes: [UInt8]) { node.appendChild().content = .scalar(bytes) }

        mutating func encodeNil() throws { add(Array("null".utf8)) }
        mutating func encode(_ value: Bool) throws { add(Array((value ? "true" : "false").utf8)) }
        mutating func encode(_ value: String) throws { add(scalar(value)) }
        mutating func encode(_ value: Double) throws { add(try number(value, codingPath + [IndexKey(count)])) }
        mutating func encode(_ value: Float) throws { add(try number(value, codingPath + [IndexKey(count)])) }
        mutating func encode(_ value: Int) throws { add(Array(String(value).utf8)) }
        mutating func encode(_ value: Int8) throws { add(Array(String(value).utf8)) }
        mutating func encode(_ value: Int16) throws { add(Array(String(value).utf8)) }
        mutating func encode(_ value: Int32) throws { add(Array(String(value).utf8)) }
        mutating func encode(_ value: Int64) throws { add(Array(String(value).utf8)) }
        mutating func encode(_ value: UInt) throws { add(Array(String(value).utf8)) }
        mutating func encode(_ value: UInt8) throws { add(Array(String(value).utf8)) }
        mutating func encode(_ value: UInt16) throws { add(Array(String(value).utf8)) }
        mutating func encode(_ value: UInt32) throws { add(Array(String(value).utf8)) }
        mutating func encode(_ value: UInt64) throws { add(Array(String(value).utf8)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            let path = codingPath + [IndexKey(count)]
            try encodeValue(value, into: node.appendChild(), path: path)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let path = codingPath + [IndexKey(count)]
            let child = node.appendChild()
            child.object()
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, codingPath: path))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let path = codingPath + [IndexKey(count)]
            let child = node.appendChild()
            child.array()
            return Unkeyed(node: child, codingPath: path)
        }

        mutating func superEncoder() -> any Encoder {
            let path = codingPath + [IndexKey(count)]
            return TreeEncoder(node: node.appendChild(), codingPath: path)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { node.content = .scalar(Array("null".utf8)) }
        mutating func encode(_ value: Bool) throws { node.content = .scalar(Array((value ? "true" : "false").utf8)) }
        mutating func encode(_ value: String) throws { node.content = .scalar(scalar(value)) }
        mutating func encode(_ value: Double) throws { node.content = .scalar(try number(value, codingPath)) }
        mutating func encode(_ value: Float) throws { node.content = .scalar(try number(value, codingPath)) }
        mutating func encode(_ value: Int) throws { node.content = .scalar(Array(String(value).utf8)) }
        mutating func encode(_ value: Int8) throws { node.content = .scalar(Array(String(value).utf8)) }
        mutating func encode(_ value: Int16) throws { node.content = .scalar(Array(String(value).utf8)) }
        mutating func encode(_ value: Int32) throws { node.content = .scalar(Array(String(value).utf8)) }
        mutating func encode(_ value: Int64) throws { node.content = .scalar(Array(String(value).utf8)) }
        mutating func encode(_ value: UInt) throws { node.content = .scalar(Array(String(value).utf8)) }
        mutating func encode(_ value: UInt8) throws { node.content = .scalar(Array(String(value).utf8)) }
        mutating func encode(_ value: UInt16) throws { node.content = .scalar(Array(String(value).utf8)) }
        mutating func encode(_ value: UInt32) throws { node.content = .scalar(Array(String(value).utf8)) }
        mutating func encode(_ value: UInt64) throws { node.content = .scalar(Array(String(value).utf8)) }
        mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value, into: node, path: codingPath) }
    }
}
