// `CSVRowEncoder` (a value each batch worker uses to encode its rows in the input's dialect) and `CSVWriter`
// (buffered output to an atomic `OutputFile`, standard output or a sink such as an HTTP response).

import Foundation

/// Turns rows of strings into CSV bytes in a given dialect. A value type: each worker of a batch keeps its
/// own and formats its rows without locking; the writer only appends finished byte chunks.
public struct CSVRowEncoder: Sendable {
    public let dialect: CSVDialect

    public init(dialect: CSVDialect) { self.dialect = dialect }

    /// Appends one row (quoted where needed, line ending included) to `out`.
    public func encode(_ fields: [String], into out: inout [UInt8]) {
        for (k, field) in fields.enumerated() {
            if k > 0 { out.append(dialect.separator) }
            encodeField(field, into: &out)
        }
        if dialect.crlf { out.append(0x0D) }
        out.append(0x0A)
    }

    public func encodeField(_ field: String, into out: inout [UInt8]) {
        // Native strings hold contiguous UTF-8: the quote scan and the copy work on those bytes (a
        // `String.UTF8View` appended byte by byte showed in batch profiles, issue 17).
        var field = field
        var needsQuotes = false
        let utf8 = dialect.encoding == .utf8
        let sep = dialect.separator
        field.withUTF8 { bytes in
            for b in bytes where b == sep || b == UInt8(ascii: "\"") || b == 0x0A || b == 0x0D {
                needsQuotes = true
                break
            }
            if !needsQuotes && utf8 { out.append(contentsOf: bytes) }
        }
        if !needsQuotes {
            if !utf8 { dialect.encoding.encode(field, into: &out) }
            return
        }
        out.append(UInt8(ascii: "\""))
        var encoded: [UInt8] = []
        dialect.encoding.encode(field, into: &encoded)
        for b in encoded {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// A buffered CSV file writer. `-` writes to standard output. A file is an `OutputFile`: written under a
/// temporary name and renamed by `close()`; a writer dropped without `close()` (an error) leaves no file and
/// keeps any older one. Can also hand its bytes to a function instead of a file (`init(name:dialect:sink:)`,
/// e.g. an HTTP response being streamed).
public final class CSVWriter {
    public let name: String
    public let encoder: CSVRowEncoder
    private var file: OutputFile?
    private let sink: (([UInt8]) throws -> Void)?
    private var pending: [UInt8] = []
    public private(set) var bytesWritten = 0

    public init(path: String, dialect: CSVDialect) throws {
        self.name = path
        self.encoder = CSVRowEncoder(dialect: dialect)
        self.sink = nil
        self.file = try OutputFile(path: path)
        pending.reserveCapacity(1 << 17)
        if dialect.hasBOM { pending.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
    }

    /// A writer whose bytes (in chunks of about 128 KiB, BOM first when the dialect has one) go to `sink`.
    public init(name: String, dialect: CSVDialect, sink: @escaping ([UInt8]) throws -> Void) {
        self.name = name
        self.encoder = CSVRowEncoder(dialect: dialect)
        self.sink = sink
        file = nil
        pending.reserveCapacity(1 << 17)
        if dialect.hasBOM { pending.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
    }

    public var dialect: CSVDialect { encoder.dialect }

    public func writeRow(_ fields: [String]) throws {
        encoder.encode(fields, into: &pending)
        if pending.count >= 1 << 17 { try flush() }
    }

    /// Appends bytes already encoded by a `CSVRowEncoder` of the same dialect (large chunks are written
    /// straight through, without a copy).
    public func write(encoded bytes: [UInt8]) throws {
        if bytes.count >= 1 << 16 {
            try flush()
            try writeAll(bytes)
            bytesWritten += bytes.count
            return
        }
        pending.append(contentsOf: bytes)
        if pending.count >= 1 << 17 { try flush() }
    }

    /// Hands `bytes` to the sink, or writes them all to the file descriptor.
    private func writeAll(_ bytes: [UInt8]) throws {
        if let sink {
            if !bytes.isEmpty { try sink(bytes) }
            return
        }
        guard let file else { throw TabularError.writeFailed(file: name, reason: "fichier déjà fermé") }
        try file.write(bytes)
    }

    public func flush() throws {
        guard !pending.isEmpty else { return }
        try writeAll(pending)
        bytesWritten += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes what is pending and makes the file visible (rename over the destination). On failure the
    /// temporary file is removed.
    public func close() throws {
        do {
            try flush()
            try file?.commit()
        } catch {
            file?.abandon()
            file = nil
            throw error
        }
        file = nil
    }

    /// Drops the output (an error happened): no file is left, an older file keeps its content.
    public func abandon() {
        file?.abandon()
        file = nil
    }
}
