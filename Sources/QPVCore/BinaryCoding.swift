// `BinaryWriter` / `BinaryReader`: the little-endian encoding of compiled packs (integers, doubles, strings,
// arrays), read back with bounds checks so that a truncated or corrupt buffer throws instead of trapping.
// The pack layouts live with their owners (QPVPerimeters `Pack.swift`, `AdminAreas.swift`; `BoundaryIndex`).

import Foundation

/// Appends little-endian primitives, arrays and strings to a byte buffer (compiled packs).
public struct BinaryWriter {
    public private(set) var bytes: [UInt8] = []
    /// Offset in the file of `bytes[0]`, for `pad(toMultipleOf:)`.
    public let origin: Int

    /// A writer whose bytes will start at file offset `origin`.
    public init(origin: Int = 0) { self.origin = origin }

    /// Zero bytes up to the next file offset that is a multiple of `alignment`, so that values written next can
    /// be read in place from a mapping of the file (`BinaryReader.skipPadding`, `readArrayInPlace`).
    public mutating func pad(toMultipleOf alignment: Int) {
        let r = (origin + bytes.count) % alignment
        if r != 0 { bytes.append(contentsOf: repeatElement(0, count: alignment - r)) }
    }

    public mutating func write<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ v: Double) { write(v.bitPattern) }

    public mutating func write(_ s: String) {
        let utf8 = Array(s.utf8)
        write(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func write(_ s: String?) {
        write(UInt8(s == nil ? 0 : 1))
        if let s { write(s) }
    }

    /// An array of fixed-width integers or doubles: count, then the raw values (little-endian machines).
    public mutating func write<T: BitwiseCopyable>(array: [T]) {
        write(UInt64(array.count))
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    /// `write(array:)` for values held in place.
    public mutating func write<T: BitwiseCopyable>(array: InPlaceArray<T>) {
        write(UInt64(array.count))
        bytes.append(contentsOf: UnsafeRawBufferPointer(array.buffer))
    }

    public mutating func append(raw: [UInt8]) { bytes.append(contentsOf: raw) }
}

/// Reads what `BinaryWriter` wrote, with bounds checks: a truncated or corrupt buffer throws, never crashes.
public struct BinaryReader {
    public struct Corrupt: Error, CustomStringConvertible {
        public let offset: Int
        public init(offset: Int) { self.offset = offset }
        public var description: String { "données binaires tronquées ou endommagées (octet \(offset))" }
    }

    // Usable from inline: `read` and `readDouble` are specialised in the modules that read packs (generic
    // and unspecialised, one integer cost ~700 instructions: a third of opening the national pack; callgrind).
    @usableFromInline let base: UnsafeRawBufferPointer
    public private(set) var offset: Int

    /// Reads `base` (which must outlive the reader) from `offset`.
    public init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.offset = offset
    }

    private mutating func need(_ n: Int) throws {
        guard n >= 0, n <= base.count - offset else { throw Corrupt(offset: offset) }
    }

    /// Bytes left after `offset`.
    public var remaining: Int { base.count - offset }

    /// A 64-bit count or length that must fit in what is left of the buffer (times `unit` bytes each):
    /// a damaged value throws instead of trapping in `Int(_:)` or asking for terabytes.
    public mutating func readCount(unit: Int = 1) throws -> Int {
        let at = offset
        let v = try read(UInt64.self)
        guard v <= UInt64(Int.max), Int(v) <= (base.count - offset) / max(unit, 1) else { throw Corrupt(offset: at) }
        return Int(v)
    }

    /// A 32-bit count of items each taking at least `unit` bytes in what is left of the buffer.
    public mutating func readCount32(unit: Int = 1) throws -> Int {
        let at = offset
        let v = Int(try read(UInt32.self))
        guard v <= (base.count - offset) / max(unit, 1) else { throw Corrupt(offset: at) }
        return v
    }

    /// A little-endian integer.
    @inlinable
    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let at = try take(MemoryLayout<T>.size)
        return T(littleEndian: base.loadUnaligned(fromByteOffset: at, as: T.self))
    }

    /// Checks that `n` bytes are left, moves past them and returns where they start.
    @usableFromInline mutating func take(_ n: Int) throws -> Int {
        try need(n)
        let at = offset
        offset += n
        return at
    }

    /// A little-endian IEEE 754 double.
    @inlinable
    public mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }

    public mutating func readString() throws -> String {
        let n = Int(try read(UInt32.self))
        try need(n)
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: base[offset..<(offset + n)]), as: UTF8.self)
        offset += n
        return s
    }

    public mutating func readOptionalString() throws -> String? {
        try read(UInt8.self) == 0 ? nil : try readString()
    }

    /// Skips the zero bytes of `BinaryWriter.pad(toMultipleOf:)` (this reader's offsets are file offsets);
    /// a non-zero byte there is damage.
    public mutating func skipPadding(toMultipleOf alignment: Int) throws {
        let r = offset % alignment
        guard r != 0 else { return }
        try need(alignment - r)
        for k in offset..<(offset + alignment - r) where base[k] != 0 { throw Corrupt(offset: k) }
        offset += alignment - r
    }

    /// `readArray` without a copy: the values stay where they are in `base`, whose bytes `owner` keeps alive
    /// (a `StableBytes`). Copied when they are not aligned in memory for `T`, or without `owner`.
    public mutating func readArrayInPlace<T: BitwiseCopyable>(of _: T.Type, owner: AnyObject?) throws -> InPlaceArray<T> {
        let at = offset
        let count = try readCount(unit: MemoryLayout<T>.stride)
        let start = base.baseAddress.map { $0 + offset }
        if let owner, let start, Int(bitPattern: start) % MemoryLayout<T>.alignment == 0 {
            offset += count * MemoryLayout<T>.stride
            return InPlaceArray(borrowing: start, count: count, owner: owner)
        }
        offset = at
        return InPlaceArray(try readArray(of: T.self))
    }

    public mutating func readArray<T: BitwiseCopyable>(of _: T.Type) throws -> [T] {
        let count = try readCount(unit: MemoryLayout<T>.stride)
        let size = count * MemoryLayout<T>.stride
        try need(size)
        let out = [T](unsafeUninitializedCapacity: count) { buf, initialized in
            if size > 0 { UnsafeMutableRawBufferPointer(buf).copyMemory(from: UnsafeRawBufferPointer(rebasing: base[offset..<(offset + size)])) }
            initialized = count
        }
        offset += size
        return out
    }
}
