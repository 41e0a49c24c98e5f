// `SplitMix`: the seeded pseudo-random generator of the tests (SplitMix64), so that random data and mutations
// reproduce from their seed.

/// A small deterministic generator (SplitMix64): the same seed gives the same sequence, so failures reproduce.
public struct SplitMix: RandomNumberGenerator {
    public var state: UInt64

    /// Starts the sequence at `state`.
    public init(state: UInt64) { self.state = state }

    /// Starts the sequence at `seed` (same as `init(state:)`).
    public init(seed: UInt64) { self.state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
