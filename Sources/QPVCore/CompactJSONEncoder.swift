// `CompactJSONEncoder`: the JSON of any `Encodable`, byte for byte what Foundation's `JSONEncoder` writes with
// `[.sortedKeys, .withoutEscapingSlashes]` (the published shape of every answer of the HTTP API), in a fraction
// of its time — Foundation's encoder was a fifth of a `/locate` request (perf, issue 17). Scalars are written
// at once into one byte arena, objects and arrays kept as small nodes pointing into it, keys sorted as
// Foundation sorts them (by UTF-8 bytes) when the tree is written in one pass. Foundation-specific values
// (Date, Data, URL, Decimal, which `JSONEncoder` special-cases) and non-finite numbers send the whole value
// through `JSONEncoder` itself, so the output (or the error) never differs.

import Foundation

/// Encodes `Encodable` values as compact JSON with sorted keys and unescaped slashes, exactly as
/// `JSONEncoder` with `outputFormatting = [.sortedKeys, .withoutEscapingSlashes]` does.
public enum CompactJSONEncoder {
    /// The JSON of `value`, as bytes.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let arena = Arena()
        let root = Node()
        do {
            try encodeValue(value, into: root, arena: arena)
        } catch is FoundationValue {
            // Dates, data, URLs, decimals, and non-finite numbers (whose error, with its coding path, is
            // JSONEncoder's own).
            return Array(try foundationEncoder().encode(value))
        }
        var out: [UInt8] = []
        out.reserveCapacity(arena.bytes.count + 256)
        root.write(arena.bytes, into: &out)
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

    /// Thrown inside the tree encoder when a value needs `JSONEncoder` itself.
    struct FoundationValue: Error {}

    /// The bytes of every scalar of one encoding, back to back (scalars are ranges of it: no array each).
    final class Arena {
        var bytes: [UInt8] = []
        init() { bytes.reserveCapacity(2048) }

        /// Runs `write` on the arena and returns the range it wrote.
        @inline(__always) func scalar(_ write: (inout [UInt8]) throws -> Void) rethrows -> Slot {
            let start = bytes.count
            try write(&bytes)
            return .bytes(start, bytes.count)
        }
    }

    /// A member of an object or an array: a scalar already written in the arena, or a nested value.
    enum Slot {
        case bytes(Int, Int)
        case node(Node)
    }

    /// A value being built: nothing yet (written `{}`, as JSONEncoder writes a value that encoded nothing), a
    /// single scalar, an object (keys in encoding order, sorted when written) or an array.
    final class Node {
        enum Kind { case empty, scalar, object, array }
        var kind = Kind.empty
        var keys: [String] = []
        var slots: [Slot] = []

        func becomeObject() { if kind != .object { (kind, keys, slots) = (.object, [], []) } }
        func becomeArray() { if kind != .array { (kind, keys, slots) = (.array, [], []) } }

        func setScalar(_ slot: Slot) {
            (kind, keys, slots) = (.scalar, [], [slot])
        }

        /// Adds a member (objects: a key encoded twice keeps its last value, as in JSONEncoder).
        func add(_ key: String, _ slot: Slot) {
            becomeObject()
            keys.append(key)
            slots.append(slot)
        }

        func append(_ slot: Slot) {
            becomeArray()
            slots.append(slot)
        }

        func write(_ arena: [UInt8], into out: inout [UInt8]) {
            @inline(__always) func put(_ slot: Slot) {
                switch slot {
                case .bytes(let a, let b): out.append(contentsOf: arena[a..<b])
                case .node(let n): n.write(arena, into: &out)
                }
            }
            switch kind {
            case .empty: out += [UInt8(ascii: "{"), UInt8(ascii: "}")]
            case .scalar: put(slots[0])
            case .array:
                out.append(UInt8(ascii: "["))
                for (i, slot) in slots.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    put(slot)
                }
                out.append(UInt8(ascii: "]"))
            case .object:
                out.append(UInt8(ascii: "{"))
                // Sorted by the keys' UTF-8 bytes (JSONEncoder's order), then by position: of a key encoded
                // twice, the last is kept.
                let order = keys.indices.sorted { i, j in
                    keys[i] == keys[j] ? i < j : keys[i].utf8.lexicographicallyPrecedes(keys[j].utf8)
                }
                var first = true
                for (n, i) in order.enumerated() where n + 1 == order.count || keys[order[n + 1]] != keys[i] {
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    CompactJSONEncoder.appendString(keys[i], to: &out)
                    out.append(UInt8(ascii: ":"))
                    put(slots[i])
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

    /// A floating-point number as `JSONEncoder` writes it: its shortest description, without a trailing ".0".
    /// NaN and infinities go to `JSONEncoder`, which refuses them with its own error.
    @inline(__always)
    static func appendNumber<F: BinaryFloatingPoint & LosslessStringConvertible>(_ x: F, to out: inout [UInt8]) throws {
        guard x.isFinite else { throw FoundationValue() }
        var s = x.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        out.append(contentsOf: s.utf8)
    }

    @inline(__always)
    static func appendInteger<I: BinaryInteger>(_ x: I, to out: inout [UInt8]) {
        out.append(contentsOf: String(x).utf8)
    }

    @inline(__always)
    static func appendBool(_ b: Bool, to out: inout [UInt8]) {
        out.append(contentsOf: (b ? "true" : "false").utf8)
    }

    /// Encodes `value` into `node`: the common scalars written at once (types compared, not cast), Foundation's
    /// special values refused (they go through `JSONEncoder`), the rest through its own `encode(to:)`.
    static func encodeValue<T: Encodable>(_ value: T, into node: Node, arena: Arena) throws {
        if T.self == String.self {
            node.setScalar(arena.scalar { appendString(value as! String, to: &$0) })
        } else if T.self == Double.self {
            let d = value as! Double
            node.setScalar(try arena.scalar { try appendNumber(d, to: &$0) })
        } else if T.self == Int.self {
            let i = value as! Int
            node.setScalar(arena.scalar { appendInteger(i, to: &$0) })
        } else if T.self == Bool.self {
            let b = value as! Bool
            node.setScalar(arena.scalar { appendBool(b, to: &$0) })
        } else if T.self == Date.self || T.self == Data.self || T.self == URL.self || T.self == Decimal.self {
            throw FoundationValue()
        } else {
            try value.encode(to: TreeEncoder(node: node, arena: arena))
        }
    }

    /// The `Encoder` handed to values. Coding paths are not tracked (they only serve error messages, and
    /// every error case — non-finite numbers — is handed to `JSONEncoder`, which reports its own path).
    struct TreeEncoder: Encoder {
        let node: Node
        let arena: Arena
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            node.becomeObject()
            return KeyedEncodingContainer(Keyed<Key>(node: node, arena: arena))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            node.becomeArray()
            return Unkeyed(node: node, arena: arena)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node, arena: arena) }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        let arena: Arena
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws { node.add(key.stringValue, arena.scalar { $0.append(contentsOf: "null".utf8) }) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { node.add(key.stringValue, arena.scalar { appendBool(value, to: &$0) }) }
        mutating func encode(_ value: String, forKey key: Key) throws {
            node.add(key.stringValue, arena.scalar { appendString(value, to: &$0) })
        }
        mutating func encode(_ value: Double, forKey key: Key) throws {
            node.add(key.stringValue, try arena.scalar { try appendNumber(value, to: &$0) })
        }
        mutating func encode(_ value: Float, forKey key: Key) throws {
            node.add(key.stringValue, try arena.scalar { try appendNumber(value, to: &$0) })
        }
        mutating func encode(_ value: Int, forKey key: Key) throws { node.add(key.stringValue, arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { node.add(key.stringValue, arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { node.add(key.stringValue, arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { node.add(key.stringValue, arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { node.add(key.stringValue, arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { node.add(key.stringValue, arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { node.add(key.stringValue, arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { node.add(key.stringValue, arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { node.add(key.stringValue, arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { node.add(key.stringValue, arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            let child = Node()
            try encodeValue(value, into: child, arena: arena)
            node.add(key.stringValue, child.kind == .scalar ? child.slots[0] : .node(child))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let child = Node()
            child.becomeObject()
            node.add(key.stringValue, .node(child))
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, arena: arena))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = Node()
            child.becomeArray()
            node.add(key.stringValue, .node(child))
            return Unkeyed(node: child, arena: arena)
        }

        mutating func superEncoder() -> any Encoder {
            let child = Node()
            node.add("super", .node(child))
            return TreeEncoder(node: child, arena: arena)
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let child = Node()
            node.add(key.stringValue, .node(child))
            return TreeEncoder(node: child, arena: arena)
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        let arena: Arena
        var codingPath: [any CodingKey] { [] }
        var count: Int { node.slots.count }

        mutating func encodeNil() throws { node.append(arena.scalar { $0.append(contentsOf: "null".utf8) }) }
        mutating func encode(_ value: Bool) throws { node.append(arena.scalar { appendBool(value, to: &$0) }) }
        mutating func encode(_ value: String) throws { node.append(arena.scalar { appendString(value, to: &$0) }) }
        mutating func encode(_ value: Double) throws { node.append(try arena.scalar { try appendNumber(value, to: &$0) }) }
        mutating func encode(_ value: Float) throws { node.append(try arena.scalar { try appendNumber(value, to: &$0) }) }
        mutating func encode(_ value: Int) throws { node.append(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int8) throws { node.append(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int16) throws { node.append(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int32) throws { node.append(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int64) throws { node.append(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt) throws { node.append(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt8) throws { node.append(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt16) throws { node.append(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt32) throws { node.append(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt64) throws { node.append(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            let child = Node()
            try encodeValue(value, into: child, arena: arena)
            node.append(child.kind == .scalar ? child.slots[0] : .node(child))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = Node()
            child.becomeObject()
            node.append(.node(child))
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, arena: arena))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = Node()
            child.becomeArray()
            node.append(.node(child))
            return Unkeyed(node: child, arena: arena)
        }

        mutating func superEncoder() -> any Encoder {
            let child = Node()
            node.append(.node(child))
            return TreeEncoder(node: child, arena: arena)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        let arena: Arena
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws { node.setScalar(arena.scalar { $0.append(contentsOf: "null".utf8) }) }
        mutating func encode(_ value: Bool) throws { node.setScalar(arena.scalar { appendBool(value, to: &$0) }) }
        mutating func encode(_ value: String) throws { node.setScalar(arena.scalar { appendString(value, to: &$0) }) }
        mutating func encode(_ value: Double) throws { node.setScalar(try arena.scalar { try appendNumber(value, to: &$0) }) }
        mutating func encode(_ value: Float) throws { node.setScalar(try arena.scalar { try appendNumber(value, to: &$0) }) }
        mutating func encode(_ value: Int) throws { node.setScalar(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int8) throws { node.setScalar(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int16) throws { node.setScalar(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int32) throws { node.setScalar(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: Int64) throws { node.setScalar(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt) throws { node.setScalar(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt8) throws { node.setScalar(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt16) throws { node.setScalar(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt32) throws { node.setScalar(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode(_ value: UInt64) throws { node.setScalar(arena.scalar { appendInteger(value, to: &$0) }) }
        mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value, into: node, arena: arena) }
    }
}
