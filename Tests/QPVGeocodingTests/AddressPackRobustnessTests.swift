import Foundation
import QPVCore
import QPVGeocoding
import QPVTestSupport
import Testing

/// Issue 16, findings 7 and 8 for the address pack (`PackFile.swift`): a damaged byte is refused by the
/// checksum, naming the file and saying to re-import; offsets, lengths and alignment read from the file are
/// checked (damage behind a valid checksum, as a buggy writer would leave): an error, never a trap. Random
/// damage behind a valid checksum is the `addrpack` fuzz target's job (Scripts/fuzz addrpack).
@Suite struct AddressPackRobustnessTests {
    let tmp: TemporaryDirectory
    let good: [UInt8]
    init() throws {
        tmp = try TemporaryDirectory()
        let built = try Fixture.built.get()
        good = Array(try Data(contentsOf: built.directory.url.appendingPathComponent("ban.qpvaddr")))
    }

    /// Rewrites the checksum trailer, so that the structure checks behind it are what is tested.
    static func resealed(_ b: [UInt8]) -> [UInt8] {
        var out = Array(b.dropLast(8))
        withUnsafeBytes(of: ContentChecksum.digest(out).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// Opens `bytes` as a pack (a new file each time: the verification cache is per file) and geocodes a
    /// few queries; the error text when it is refused.
    func open(_ bytes: [UInt8], _ k: Int) -> String? {
        let path = tmp.path("paquet-\(k).qpvaddr")
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let g = try Geocoder(packPath: path)
            for q in ["1 rue de la Paix 62900 Ville-Test", "Autre-Ville", "62900"] { _ = g.geocode(q, options: GeocodeOptions(limit: 3)) }
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func everyDamagedByteIsRefusedNamingTheFile() throws {
        // 200 bytes spread over the whole file (header, directory, sections), each changed in turn.
        let step = max(1, (good.count - 8) / 200)
        for (k, at) in stride(from: 0, to: good.count - 8, by: step).enumerated() {
            var b = good
            b[at] ^= UInt8(truncatingIfNeeded: 0x5A &+ k) | 1
            let m = open(b, k)
            #expect(m?.contains("paquet-\(k).qpvaddr") == true && m?.contains("réimportez") == true, "octet \(at) : \(m ?? "accepté")")
        }
        #expect(open(good, 999) == nil)
    }

    @Test func sectionOffsetsLengthsAndAlignmentAreChecked() throws {
        // Directory entry 0: name at 16, UInt64 offset at 32, UInt64 length at 40.
        func with(_ at: Int, _ value: UInt64) -> [UInt8] {
            var b = good
            withUnsafeBytes(of: value.littleEndian) { for (i, x) in $0.enumerated() { b[at + i] = x } }
            return Self.resealed(b)
        }
        var cases: [(String, [UInt8])] = [
            ("décalage ≥ 2⁶³", with(32, UInt64.max)),
            ("décalage + longueur déborde", with(40, UInt64.max - 4)),
            ("longueur au-delà du fichier", with(40, UInt64(good.count))),
            ("décalage mal aligné", with(32, 17)),
            (
                "4 milliards de sections",
                {
                    var b = good; for i in 12..<16 { b[i] = 0xFF }; return Self.resealed(b)
                }()
            ),
        ]
        // A commune number in the fuzzy-name table past the commune table (the addrpack fuzz target read
        // outside the mapping with it), a street number past the street table, start arrays out of order.
        func section(_ name: String) -> (offset: Int, length: Int) {
            let count = Int(good[12]) | Int(good[13]) << 8
            for k in 0..<count {
                let e = 16 + 32 * k
                let n = String(decoding: good[e..<(e + 16)].prefix { $0 != 0 }, as: UTF8.self)
                if n == name {
                    func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(good[at + $1]) << (8 * $1) } }
                    return (u64(e + 16), u64(e + 24))
                }
            }
            Issue.record("section \(name) absente")
            return (0, 0)
        }
        func entry(_ name: String, _ value: UInt32, at index: Int = 0) -> [UInt8] {
            var b = good
            let s = section(name)
            withUnsafeBytes(of: value.littleEndian) { for (i, x) in $0.enumerated() { b[s.offset + 4 * index + i] = x } }
            return Self.resealed(b)
        }
        cases += [
            ("commune hors table (f.com)", entry("f.com", 1_000_000)),
            ("commune hors table (n.com)", entry("n.com", UInt32.max)),
            ("voie hors table (t.st)", entry("t.st", 1_000_000)),
            ("débuts désordonnés (s.hn0)", entry("s.hn0", UInt32.max, at: 1)),
        ]
        for (k, (what, bytes)) in cases.enumerated() {
            let m = open(bytes, 100 + k)
            #expect(m?.contains("paquet d'adresses illisible") == true, "\(what) : \(m ?? "accepté")")
        }
    }
}
