// `ContentChecksum`, the 64-bit checksum trailer verified when a perimeter, address or communes file is opened, and
// `VerifiedFileCache`, the `<pack>.verified` note that spares re-hashing an unchanged address pack at each open.

import Foundation

/// A 64-bit checksum of a byte range, stored in packs and verified when they are opened: any damaged word
/// changes it (each step is a bijection of the state for a given word, and of the word for a given state),
/// several damaged words collide with probability about 2⁻⁶⁴. Not a cryptographic hash (nobody forges packs
/// on purpose here; `sha256` of the source file is kept for provenance); four independent lanes of 8-byte
/// words make it run at memory speed.
public enum ContentChecksum {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F

    @inline(__always) static func step(_ h: UInt64, _ w: UInt64) -> UInt64 {
        let x = h ^ (w &* p2)
        return ((x << 31) | (x >> 33)) &* p1
    }

    public static func digest(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var stream = Stream()
        stream.update(raw)
        return stream.finalize()
    }

    /// The same digest over bytes that arrive in pieces (a pack written section by section, never held whole in
    /// memory): `update` with each piece in order, then `finalize`; any split gives `digest` of the concatenation.
    public struct Stream: Sendable {
        private var l0: UInt64 = 0x243F_6A88_85A3_08D3
        private var l1: UInt64 = 0x1319_8A2E_0370_7344
        private var l2: UInt64 = 0xA409_3822_299F_31D0
        private var l3: UInt64 = 0x082E_FA98_EC4E_6C89
        /// Bytes seen so far.
        private var count = 0
        /// The start of an unfinished 32-byte block (count % 32 bytes).
        private var pending: [UInt8] = []

        public init() {}

        @inline(__always) private mutating func block(_ base: UnsafeRawPointer, _ i: Int) {
            l0 = step(l0, base.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian)
            l1 = step(l1, base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self).littleEndian)
            l2 = step(l2, base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self).littleEndian)
            l3 = step(l3, base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self).littleEndian)
        }

        public mutating func update(_ raw: UnsafeRawBufferPointer) {
            guard let base = raw.baseAddress, raw.count > 0 else { return }
            count += raw.count
            var i = 0
            if !pending.isEmpty {
                let take = min(32 - pending.count, raw.count)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<take]))
                i = take
                guard pending.count == 32 else { return }
                pending.withUnsafeBytes { block($0.baseAddress!, 0) }
                pending.removeAll(keepingCapacity: true)
            }
            let n = raw.count
            while i + 32 <= n {
                block(base, i)
                i += 32
            }
            if i < n { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[i..<n])) }
        }

        public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

        public func finalize() -> UInt64 {
            var t0 = l0
            for (k, b) in pending.enumerated() {
                // Tail bytes, each with its position so that trailing zeros count.
                t0 = step(t0, UInt64(b) | UInt64(k) << 8)
            }
            var h = step(step(step(step(UInt64(count), t0), l1), l2), l3)
            h ^= h >> 29
            h = h &* p1
            h ^= h >> 32
            return h
        }
    }

    public static func digest(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { digest($0) } }

    /// The reason, in French, given for a file whose trailer does not match (every pack format says the same).
    public static let mismatchReason = "somme de contrôle différente : fichier endommagé ou tronqué"

    /// Whether the last 8 bytes of `raw` are the digest of the bytes before them (false when `raw` is shorter
    /// than 8 bytes). With `path` (a file opened by path), once per file identity: `VerifiedFileCache`.
    public static func trailerIsIntact(_ raw: UnsafeRawBufferPointer, rememberingFor path: String? = nil) -> Bool {
        switch checkTrailer(raw, path: path) {
        case .damaged: return false
        case .verifiedBefore: return true
        case .verifiedNow:
            if let path { VerifiedFileCache.remember(path: path, digest: storedDigest(raw)) }
            return true
        }
    }

    /// What `checkTrailer` found.
    public enum TrailerState: Sendable {
        /// The digest does not match (or the file is shorter than its trailer).
        case damaged
        /// The digest was computed now and matches.
        case verifiedNow
        /// `VerifiedFileCache` remembers this file, as it is now, as verified: nothing was computed.
        case verifiedBefore
    }

    /// `trailerIsIntact` without remembering: a reader that also checks what the checksum cannot (the
    /// structure its writer guarantees) calls `VerifiedFileCache.remember` once everything passed, and skips
    /// those checks too for a file remembered as verified.
    public static func checkTrailer(_ raw: UnsafeRawBufferPointer, path: String?) -> TrailerState {
        guard raw.count >= 8 else { return .damaged }
        let stored = storedDigest(raw)
        if let path, VerifiedFileCache.isVerified(path: path, digest: stored) { return .verifiedBefore }
        return digest(UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 8)])) == stored ? .verifiedNow : .damaged
    }

    /// The digest stored in the last 8 bytes of `raw` (at least 8 bytes long).
    public static func storedDigest(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self).littleEndian
    }

    /// `bytes` followed by their digest: the trailer `trailerIsIntact` verifies.
    public static func sealed(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        withUnsafeBytes(of: digest(bytes).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    public static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// Remembers, in a small file beside a large pack (`<pack>.verified`), that its checksum was verified for
/// this file identity (device, inode, size, modification and change times): a pack is fully verified once,
/// then again only if the file changes. A cache that cannot be written only costs time.
public enum VerifiedFileCache {
    static func key(path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if os(Linux)
        let m = (st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
        let c = (st.st_ctim.tv_sec, st.st_ctim.tv_nsec)
        #else
        let m = (st.st_mtimespec.tv_sec, st.st_mtimespec.tv_nsec)
        let c = (st.st_ctimespec.tv_sec, st.st_ctimespec.tv_nsec)
        #endif
        return "\(st.st_dev) \(st.st_ino) \(st.st_size) \(m.0).\(m.1) \(c.0).\(c.1)"
    }

    public static func cachePath(_ path: String) -> String { path + ".verified" }

    /// The note's text for this file identity and digest. Its first field is the note's version: 2 since the
    /// notes of perimeter packs also vouch for their structure (`ContentChecksum.checkTrailer`); a note of
    /// version 1, written after the checksum alone, no longer matches, and the file is verified again once.
    static func note(key: String, digest: UInt64) -> String { "2 " + key + " " + ContentChecksum.hex(digest) + "\n" }

    /// Whether `path`, as it is now, was verified with checksum `digest`.
    public static func isVerified(path: String, digest: UInt64) -> Bool {
        guard let k = key(path: path), let text = try? String(contentsOfFile: cachePath(path), encoding: .utf8) else { return false }
        return text == note(key: k, digest: digest)
    }

    public static func remember(path: String, digest: UInt64) {
        guard let k = key(path: path) else { return }
        try? Data(note(key: k, digest: digest).utf8).write(to: URL(fileURLWithPath: cachePath(path)), options: .atomic)
    }
}
