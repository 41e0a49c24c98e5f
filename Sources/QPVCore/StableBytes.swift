// `StableBytes` (bytes at one address for the object's life: a read-only mapping of a file, or a copy in
// memory) and `InPlaceArray` (values read where they lie in such bytes, or copied when misaligned). Packs are
// read in place through them: opening one copies nothing and touches only the pages a query reads (issue 17).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes that stay at one address while the object lives, read-only: a file mapped with `mmap(2)` (pages
/// read on first touch, shared with the page cache) or a copy in memory (aligned to 16 bytes).
public final class StableBytes: @unchecked Sendable {
    /// The bytes; valid while `self` lives.
    public let raw: UnsafeRawBufferPointer
    /// The memory of a copy (nil for a mapping, which `deinit` unmaps).
    private let allocation: UnsafeMutableRawPointer?

    /// Why a file could not be mapped, in French.
    public struct MappingFailure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path) : \(reason)" }
    }

    /// A copy of `bytes`.
    public init(copying bytes: some Collection<UInt8>) {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        // One memcpy for contiguous bytes (an array: the demonstration pack, compiled at each start); the
        // element-by-element copy of a generic collection cost 262 M instructions there (callgrind, issue 17).
        let copied: Void? = bytes.withContiguousStorageIfAvailable { source in
            if let base = source.baseAddress, !source.isEmpty { memory.baseAddress!.copyMemory(from: base, byteCount: source.count) }
        }
        if copied == nil { _ = memory.initializeMemory(as: UInt8.self, from: bytes) }
        raw = UnsafeRawBufferPointer(start: memory.baseAddress, count: bytes.count)
        allocation = memory.baseAddress
    }

    /// The whole file at `path`, mapped read-only (an empty file gives no bytes).
    public init(mapping path: String) throws(MappingFailure) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MappingFailure(path: path, reason: "ouverture impossible (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw MappingFailure(path: path, reason: "taille illisible (\(String(cString: strerror(errno))))") }
        let size = Int(st.st_size)
        guard size > 0 else {
            let memory = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
            raw = UnsafeRawBufferPointer(start: memory, count: 0)
            allocation = memory
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw MappingFailure(path: path, reason: "mmap impossible (\(String(cString: strerror(errno))))")
        }
        raw = UnsafeRawBufferPointer(start: p, count: size)
        allocation = nil
    }

    deinit {
        if let allocation {
            allocation.deallocate()
        } else if let start = raw.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: start), raw.count)
        }
    }
}

/// Read-only values of a fixed-width type: in place in bytes that `owner` keeps alive (a `StableBytes`), or in
/// memory of their own. Immutable, hence safe to share across threads.
public struct InPlaceArray<T: BitwiseCopyable>: @unchecked Sendable {
    /// The values; valid while this array (or a copy of it) lives.
    public let buffer: UnsafeBufferPointer<T>
    private let owner: AnyObject

    private final class Owned {
        let memory: UnsafeMutableBufferPointer<T>
        init(_ values: [T]) {
            memory = .allocate(capacity: max(values.count, 1))
            _ = memory.initialize(from: values)
        }
        deinit { memory.deallocate() }
    }

    /// A copy of `values`.
    public init(_ values: [T]) {
        let owned = Owned(values)
        buffer = UnsafeBufferPointer(rebasing: owned.memory[0..<values.count])
        owner = owned
    }

    /// Values that lie in bytes `owner` keeps alive; `start` must be aligned for `T`.
    init(borrowing start: UnsafeRawPointer, count: Int, owner: AnyObject) {
        precondition(Int(bitPattern: start) % MemoryLayout<T>.alignment == 0, "valeurs mal alignées")
        buffer = UnsafeBufferPointer(start: start.assumingMemoryBound(to: T.self), count: count)
        self.owner = owner
    }

    /// Whether the values lie in `owner`'s bytes rather than in a copy (tests).
    public var isInPlace: Bool { !(owner is Owned) }

    public var count: Int { buffer.count }

    @inlinable public subscript(i: Int) -> T { buffer[i] }

    /// Calls `body` with the values (as `Array.withUnsafeBufferPointer` does).
    @inlinable public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R { try body(buffer) }
}
