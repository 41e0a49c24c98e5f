// `@EmptyIfAbsent`: an array property that derived `Decodable` reads as empty when its key is missing or `null`,
// so a file format with optional lists keeps its derived `Codable` instead of a hand-written `init(from:)` that
// must list each key.

/// An array property decoded as `[]` from a missing key or a `null` (derived `Decodable` would throw), and
/// encoded as the array itself.
///
/// Use it on the optional lists of a file format: `@EmptyIfAbsent public var facts: [Fact]`; the type keeps its
/// derived `Codable`, so a new property is decoded without touching a decoder.
@propertyWrapper
public struct EmptyIfAbsent<Element> {
    /// The array.
    public var wrappedValue: [Element]

    /// Wraps `wrappedValue` (empty by default).
    public init(wrappedValue: [Element] = []) { self.wrappedValue = wrappedValue }
}

extension EmptyIfAbsent: Sendable where Element: Sendable {}
extension EmptyIfAbsent: Equatable where Element: Equatable {}
extension EmptyIfAbsent: Hashable where Element: Hashable {}

extension EmptyIfAbsent: Encodable where Element: Encodable {
    /// The array.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(wrappedValue)
    }
}

extension EmptyIfAbsent: Decodable where Element: Decodable {
    /// The array, or empty for `null`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? [] : try c.decode([Element].self)
    }
}

extension KeyedDecodingContainer {
    /// A missing key or a `null` reads as an empty array (derived `Decodable` calls this overload).
    public func decode<Element: Decodable>(_ type: EmptyIfAbsent<Element>.Type, forKey key: Key) throws -> EmptyIfAbsent<Element> {
        EmptyIfAbsent(wrappedValue: try decodeIfPresent([Element].self, forKey: key) ?? [])
    }
}
