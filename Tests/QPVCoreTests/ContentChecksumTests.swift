// `ContentChecksum`: the digest is part of every pack's format (packs already installed must keep verifying), and
// the streaming form gives the same digest whatever the pieces.

import QPVCore
import Testing

@Suite struct ContentChecksumTests {
    static func sample(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) } }

    /// Values computed by an independent Python implementation of the format (which also verifies the trailer
    /// of packs written by earlier versions of qpv): lengths around one 32-byte block, and a long buffer.
    @Test(arguments: [
        (0, 0x749c_5418_5106_490f as UInt64), (5, 0xd4a2_aee2_6a66_05ec), (31, 0xf97c_e04f_7707_e855),
        (32, 0x8a5d_1aa7_d7aa_5a03), (33, 0xef5d_c44f_3242_a07e), (1000, 0x8208_e39a_4619_0da5),
    ])
    func digestIsTheFormatsValue(length: Int, expected: UInt64) {
        #expect(ContentChecksum.digest(Self.sample(length)) == expected)
    }

    @Test func streamInAnyPiecesGivesTheSameDigest() {
        var rng = SystemRandomNumberGenerator()
        for length in [0, 1, 31, 32, 33, 64, 95, 1000, 4099] {
            let bytes = Self.sample(length)
            let whole = ContentChecksum.digest(bytes)
            for _ in 0..<20 {
                var stream = ContentChecksum.Stream()
                var i = 0
                while i < length {
                    let piece = min(length - i, Int.random(in: 0...40, using: &rng))
                    stream.update(Array(bytes[i..<(i + piece)]))
                    i += piece
                }
                #expect(stream.finalize() == whole, "longueur \(length)")
            }
        }
    }

    @Test func anyChangedByteChangesTheDigest() {
        let bytes = Self.sample(100)
        let whole = ContentChecksum.digest(bytes)
        for k in [0, 31, 32, 63, 99] {
            var damaged = bytes
            damaged[k] ^= 0x10
            #expect(ContentChecksum.digest(damaged) != whole, "octet \(k)")
        }
        #expect(ContentChecksum.digest(bytes + [0]) != whole)
    }
}
