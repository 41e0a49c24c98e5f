// `@ExplicitNull`: an optional property that derived `Codable` writes as an explicit JSON `null` when it is nil
// (derived `Encodable` leaves absent optionals out), so every key of a published JSON shape is always present
// without a hand-written `encode(to:)` that must list each key.

/// An optional property whose nil is encoded as an explicit `null` (derived `Encodable` would omit the key),
/// and decoded from a missing key or a `null` as nil, like a plain optional.
///
/// Use it on the optional properties of a type whose JSON must keep every key:
/// `@ExplicitNull public var uncertain: String?`; the type keeps its derived `Codable`, so a new property is
/// encoded without touching an encoder.
@propertyWrapper
public struct ExplicitNull<Wrapped> {
    /// The optional value.
    public var wrappedValue: Wrapped?

    /// Wraps `wrappedValue` (`nil` by default).
    public init(wrappedValue: Wrapped? = nil) { self.wrappedValue = wrappedValue }
}

extension ExplicitNull: Sendable where Wrapped: Sendable {}
extension ExplicitNull: Equatable where Wrapped: Equatable {}
extension ExplicitNull: Hashable where Wrapped: Hashable {}

extension ExplicitNull: Encodable where Wrapped: Encodable {
    /// The value, or `null` when nil.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension ExplicitNull: Decodable where Wrapped: Decodable {
    /// The value, or nil for `null`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Wrapped.self)
    }
}

extension KeyedDecodingContainer {
    /// A missing key reads as nil, as for a plain optional (derived `Decodable` calls this overload).
    public func decode<Wrapped: Decodable>(_ type: ExplicitNull<Wrapped>.Type, forKey key: Key) throws -> ExplicitNull<Wrapped> {
        ExplicitNull(wrappedValue: try decodeIfPresent(Wrapped.self, forKey: key))
    }
}
