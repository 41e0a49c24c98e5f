// QPVTabular — streaming tabular input and output.
//
// This module owns everything between a file on disk and rows of strings: byte sources (plain files,
// gzip, memory), text encodings (UTF-8, Windows-1252, BOM), the CSV dialect sniffing and parser, the CSV
// writer, atomic output files, column matching, ZIP reading, an ordered parallel batch runner and the
// progress callbacks (the line itself is drawn by the CLI). Nothing here knows about geography.
// This file: the `ByteSource` protocol and its plain-file, gzip and memory sources.

import CZlib
import Foundation

/// Something that yields bytes in chunks: a file, a gzip stream, a buffer in memory.
public protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; returns 0 at end of input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Total size in bytes of the underlying file when known (compressed size for gzip).
    var totalBytes: Int? { get }
    /// Bytes consumed from the underlying file so far (compressed bytes for gzip).
    var consumedBytes: Int { get }
}

/// Opens `path` as a byte source: gzip when the file starts with the gzip magic bytes, plain otherwise.
/// `-` reads standard input.
public func openByteSource(path: String) throws -> any ByteSource {
    if path == "-" { return try FileByteSource(fileDescriptor: 0, name: "<stdin>", owned: false) }
    let probe = try FileByteSource(path: path)
    var magic = [UInt8](repeating: 0, count: 2)
    let n = try magic.withUnsafeMutableBytes { try probe.read(into: $0) }
    probe.close()
    if n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
        return try GzipByteSource(path: path)
    }
    return try FileByteSource(path: path)
}

/// A plain file read with `read(2)`. Owns its file descriptor and closes it on deinit.
public final class FileByteSource: ByteSource {
    private var fd: Int32
    private let owned: Bool
    public let name: String
    public let totalBytes: Int?
    public private(set) var consumedBytes: Int = 0
    /// Registered in `OpenInputs` while open (an output may not be this file).
    private let identity: FileIdentity?

    public init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw TabularError.cannotOpen(file: path, reason: String(cString: strerror(errno)))
        }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            Foundation.close(fd)
            throw TabularError.cannotOpen(file: path, reason: "c'est un dossier, pas un fichier")
        }
        self.fd = fd
        self.owned = true
        self.name = path
        self.totalBytes = (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
        self.identity = FileIdentity(fileDescriptor: fd)
        OpenInputs.register(identity, name: path)
    }

    public init(fileDescriptor: Int32, name: String, owned: Bool) throws {
        self.fd = fileDescriptor
        self.owned = owned
        self.name = name
        var st = stat()
        self.totalBytes = fstat(fileDescriptor, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
        self.identity = (st.st_mode & S_IFMT) == S_IFREG ? FileIdentity(fileDescriptor: fileDescriptor) : nil
        OpenInputs.register(identity, name: name)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard fd >= 0, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = Foundation.read(fd, base, buffer.count)
            if n >= 0 {
                consumedBytes += n
                return n
            }
            if errno == EINTR { continue }
            throw TabularError.readFailed(file: name, reason: String(cString: strerror(errno)))
        }
    }

    func close() {
        if fd >= 0 {
            OpenInputs.unregister(identity)
            if owned { Foundation.close(fd) }
        }
        fd = -1
    }

    deinit { close() }
}

/// A gzip file decompressed on the fly with zlib. Owns its `gzFile` handle.
public final class GzipByteSource: ByteSource {
    private var handle: gzFile?
    public let name: String
    public let totalBytes: Int?
    private let identity: FileIdentity?

    public init(path: String) throws {
        guard let handle = gzopen(path, "rb") else {
            throw TabularError.cannotOpen(file: path, reason: String(cString: strerror(errno)))
        }
        gzbuffer(handle, 1 << 17)
        self.handle = handle
        self.name = path
        var st = stat()
        self.totalBytes = stat(path, &st) == 0 ? Int(st.st_size) : nil
        self.identity = FileIdentity(path: path)
        OpenInputs.register(identity, name: path)
    }

    public var consumedBytes: Int {
        guard let handle else { return totalBytes ?? 0 }
        return Int(gzoffset(handle))
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let handle, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let n = gzread(handle, base, UInt32(min(buffer.count, Int(Int32.max))))
        if n < 0 {
            var code: Int32 = 0
            let message = gzerror(handle, &code).map { String(cString: $0) } ?? "erreur zlib"
            throw TabularError.readFailed(file: name, reason: "fichier gzip illisible (\(message))")
        }
        if n == 0 {
            // End of input: zlib has checked the trailer (CRC-32 and length: Z_DATA_ERROR above when they
            // differ); Z_BUF_ERROR means the file stopped in the middle of the stream (truncated download).
            var code: Int32 = 0
            _ = gzerror(handle, &code)
            if code == Z_BUF_ERROR {
                throw TabularError.readFailed(
                    file: name, reason: "fichier gzip tronqué (fin du flux compressé absente : téléchargement incomplet ?) ; téléchargez-le à nouveau"
                )
            }
        }
        return Int(n)
    }

    deinit {
        if let handle { gzclose(handle) }
        OpenInputs.unregister(identity)
    }
}

/// Bytes already in memory (an HTTP body, a test fixture).
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    public var totalBytes: Int? { bytes.count }
    public var consumedBytes: Int { offset }

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public convenience init(_ string: String) { self.init(Array(string.utf8)) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}
