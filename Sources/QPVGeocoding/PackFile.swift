// The address pack container: named 8-byte-aligned sections with a checksum trailer, written atomically
// (`PackWriter`, `StringTableBuilder`) and read in place by mmap (`MappedPack`, `StringTable`).

import Foundation
import QPVCore
import QPVTabular

// Address pack container: one file, a directory of named sections, every section 8-byte aligned, opened
// with mmap(2) and read in place (no parsing at open time, pages loaded on first touch).
//
// Layout (little-endian):
//
//     offset 0   8 bytes   magic "QPVADDR\0"
//     offset 8   UInt32    container format version (`PackFile.formatVersion`)
//     offset 12  UInt32    number of sections N
//     offset 16  N × 32    directory entries: name (16 bytes ASCII, NUL-padded), UInt64 offset, UInt64 length
//     then       sections  each starting on an 8-byte boundary
//     last 8     UInt64    `ContentChecksum` of every byte before it (format 2), verified at open
//                          (once per file identity: `VerifiedFileCache`)
//
// What the sections hold is described in `AddressPack.swift`.

enum PackFile {
    static let magic: [UInt8] = Array("QPVADDR".utf8) + [0]
    /// 2: checksum trailer.
    static let formatVersion: UInt32 = 2
}

/// Collects sections and writes the pack atomically (temporary file, then rename). A section keeps the array it
/// was given (shared, not copied): the file is written section by section, its checksum computed on the way,
/// so a national pack never exists a second time in memory.
struct PackWriter {
    private struct Section {
        let name: String
        let length: Int
        /// Calls its argument with the section's bytes.
        let bytes: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    }
    private var sections: [Section] = []

    mutating func add(_ name: String, bytes: [UInt8]) { add(name, bytes) }

    /// The values' bytes as they are in memory (little-endian on every platform qpv runs on).
    mutating func add<T: FixedWidthInteger>(_ name: String, _ values: [T]) {
        precondition(name.utf8.count <= 16, "section name too long: \(name)")
        sections.append(
            Section(name: name, length: values.count * MemoryLayout<T>.stride, bytes: { body in try values.withUnsafeBytes(body) }))
    }

    mutating func add(_ name: String, strings table: StringTableBuilder) {
        add(name + ".b", bytes: table.bytes)
        add(name + ".o", table.offsets)
    }

    func write(to url: URL) throws {
        var header: [UInt8] = PackFile.magic
        func u32(_ v: UInt32, _ out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64, _ out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(PackFile.formatVersion, &header)
        u32(UInt32(sections.count), &header)
        var offset = UInt64(16 + 32 * sections.count)
        offset = (offset + 7) & ~7
        var offsets: [UInt64] = []
        for s in sections {
            offsets.append(offset)
            offset = (offset + UInt64(s.length) + 7) & ~7
        }
        for (k, s) in sections.enumerated() {
            var name = Array(s.name.utf8)
            name += [UInt8](repeating: 0, count: 16 - name.count)
            header += name
            u64(offsets[k], &header)
            u64(UInt64(s.length), &header)
        }
        var out: OutputFile?
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            // Temporary file in the same folder, fsync, rename: the old base stays until the new one is complete.
            let file = try OutputFile(path: url.path)
            out = file
            var sum = ContentChecksum.Stream()
            var written = 0
            func emit(_ raw: UnsafeRawBufferPointer) throws {
                sum.update(raw)
                try file.write(raw)
                written += raw.count
            }
            func pad(to end: Int) throws {
                if written < end { try [UInt8](repeating: 0, count: end - written).withUnsafeBytes { try emit($0) } }
            }
            try header.withUnsafeBytes { try emit($0) }
            for (k, s) in sections.enumerated() {
                try pad(to: Int(offsets[k]))
                try s.bytes { try emit($0) }
            }
            try pad(to: Int(offset))
            try withUnsafeBytes(of: sum.finalize().littleEndian) { try file.write($0) }
            try file.commit()
        } catch {
            out?.abandon()
            throw GeocodingError.cannotWritePack(path: url.path, reason: "\(error)")
        }
    }
}

/// Strings stored back to back with an offsets array (count + 1 entries): string i is bytes[o[i]..<o[i+1]].
struct StringTableBuilder {
    var bytes: [UInt8] = []
    var offsets: [UInt32] = [0]
    private var index: [String: UInt32] = [:]

    /// Appends `s` (or returns the index of an identical string already stored when `dedupe`).
    mutating func add(_ s: String, dedupe: Bool = true) -> UInt32 {
        if dedupe, let k = index[s] { return k }
        let k = UInt32(offsets.count - 1)
        bytes.append(contentsOf: s.utf8)
        offsets.append(UInt32(bytes.count))
        if dedupe { index[s] = k }
        return k
    }

    var count: Int { offsets.count - 1 }

    /// String `k`.
    func string(_ k: UInt32) -> String { String(decoding: bytes[Int(offsets[Int(k)])..<Int(offsets[Int(k) + 1])], as: UTF8.self) }
}

/// A read-only memory mapping of a pack file. Immutable after init, hence safe to share across threads.
final class MappedPack: @unchecked Sendable {
    let path: String
    let base: UnsafeRawPointer
    let size: Int
    /// The mapping `base` points into (unmapped with it).
    private let mapping: StableBytes
    private let directory: [String: (offset: Int, length: Int)]

    init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw GeocodingError.packNotFound(path: path) }
        do { mapping = try StableBytes(mapping: path) } catch { throw GeocodingError.corruptPack(path: path, reason: error.reason) }
        size = mapping.raw.count
        guard size >= 16, let start = mapping.raw.baseAddress else { throw GeocodingError.corruptPack(path: path, reason: "fichier trop court") }
        base = start
        let magic = [UInt8](UnsafeRawBufferPointer(start: base, count: 8))
        guard magic == PackFile.magic else { throw GeocodingError.corruptPack(path: path, reason: "ce n'est pas un paquet d'adresses qpv") }
        let version = base.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
        guard version == PackFile.formatVersion else {
            throw GeocodingError.outdatedPack(path: path, found: Int(version), expected: Int(PackFile.formatVersion))
        }
        // Checksum of the whole file (its last 8 bytes): a damaged base is refused, never half-read.
        guard size >= 24 else { throw GeocodingError.corruptPack(path: path, reason: "fichier trop court") }
        let body = size - 8
        guard ContentChecksum.trailerIsIntact(mapping.raw, rememberingFor: path) else {
            throw GeocodingError.corruptPack(path: path, reason: ContentChecksum.mismatchReason)
        }
        let count = Int(base.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian)
        guard count <= (body - 16) / 32 else { throw GeocodingError.corruptPack(path: path, reason: "répertoire tronqué") }
        var dir: [String: (Int, Int)] = [:]
        for k in 0..<count {
            let e = 16 + 32 * k
            let nameBytes = UnsafeRawBufferPointer(start: base + e, count: 16).prefix { $0 != 0 }
            // Offsets and lengths from the file are checked before any Int conversion or addition: within
            // the body, 8-byte aligned (sections are read in place as arrays of integers).
            let offset = base.loadUnaligned(fromByteOffset: e + 16, as: UInt64.self).littleEndian
            let length = base.loadUnaligned(fromByteOffset: e + 24, as: UInt64.self).littleEndian
            guard offset <= UInt64(body), length <= UInt64(body) - offset, offset % 8 == 0 else {
                throw GeocodingError.corruptPack(path: path, reason: "section hors du fichier ou mal alignée")
            }
            dir[String(decoding: nameBytes, as: UTF8.self)] = (Int(offset), Int(length))
        }
        directory = dir
    }

    func bytes(_ name: String) throws -> UnsafeRawBufferPointer {
        guard let e = directory[name] else { throw GeocodingError.corruptPack(path: path, reason: "section « \(name) » absente") }
        return UnsafeRawBufferPointer(start: base + e.offset, count: e.length)
    }

    func array<T: FixedWidthInteger>(_ name: String, _: T.Type) throws -> UnsafeBufferPointer<T> {
        let raw = try bytes(name)
        return UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: T.self), count: raw.count / MemoryLayout<T>.size)
    }

    /// A string table, its offsets checked (at least one, non-decreasing, within the bytes).
    func strings(_ name: String) throws -> StringTable {
        let bytes = try bytes(name + ".b")
        let offsets = try array(name + ".o", UInt32.self)
        guard let first = offsets.first, first == 0 else { throw GeocodingError.corruptPack(path: path, reason: "table « \(name) » vide") }
        var previous: UInt32 = 0
        for o in offsets {
            guard o >= previous else { throw GeocodingError.corruptPack(path: path, reason: "table « \(name) » désordonnée") }
            previous = o
        }
        guard Int(previous) <= bytes.count else { throw GeocodingError.corruptPack(path: path, reason: "table « \(name) » hors de sa section") }
        return StringTable(bytes: bytes, offsets: offsets)
    }
}

/// Read side of `StringTableBuilder`, pointing into the mapping.
struct StringTable: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    let offsets: UnsafeBufferPointer<UInt32>

    var count: Int { max(0, offsets.count - 1) }

    @inline(__always)
    func utf8(_ i: UInt32) -> UnsafeBufferPointer<UInt8> {
        // An index read from another section: out of range gives an empty string, never a trap.
        guard Int(i) < count else { return UnsafeBufferPointer(start: nil, count: 0) }
        let a = Int(offsets[Int(i)])
        let b = Int(offsets[Int(i) + 1])
        return UnsafeBufferPointer(start: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + a, count: b - a)
    }

    func string(_ i: UInt32) -> String { String(decoding: utf8(i), as: UTF8.self) }
}

/// FNV-1a 64-bit: a stable hash (Swift's `Hasher` is seeded per process and cannot be stored in a file).
@inline(__always)
func stableHash<C: Collection>(_ bytes: C, seed: UInt64 = 0) -> UInt64 where C.Element == UInt8 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    return h
}
