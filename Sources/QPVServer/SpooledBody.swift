// `SpooledBody`: a request body written to an unlinked temporary file as it arrives (413 past the limit), then
// mapped read-only; `MappedRangeSource`, a byte range of it read by `CSVReader`.

import Foundation
import Hummingbird
import NIOCore
import QPVTabular

/// A request body written to an unlinked temporary file as it arrives, then mapped read-only.
final class SpooledBody: @unchecked Sendable {
    let fd: Int32
    let count: Int
    private let base: UnsafeRawPointer?

    private init(fd: Int32, count: Int) throws {
        self.fd = fd
        self.count = count
        if count > 0 {
            guard let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
                close(fd)
                throw APIError(.internalServerError, "spool_failed", "lecture du fichier reçu impossible")
            }
            base = UnsafeRawPointer(p)
        } else {
            base = nil
        }
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
        close(fd)
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    func source(_ range: Range<Int>, name: String) -> any ByteSource { MappedRangeSource(body: self, range: range, name: name) }

    /// Reads the whole body into a temporary file; 413 as soon as it exceeds `limit`.
    static func receive(_ body: RequestBody, limit: Int) async throws -> SpooledBody {
        var template = Array((FileManager.default.temporaryDirectory.path + "/qpv-upload-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw APIError(.internalServerError, "spool_failed", "fichier temporaire impossible à créer") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        var total = 0
        do {
            for try await buffer in body {
                total += buffer.readableBytes
                if total > limit { throw CSVBatchEndpoint.tooLarge(limit) }
                try buffer.withUnsafeReadableBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                        if n < 0 {
                            if errno == EINTR { continue }
                            throw APIError(.internalServerError, "spool_failed", "écriture du fichier reçu impossible")
                        }
                        offset += n
                    }
                }
            }
        } catch {
            close(fd)
            throw error
        }
        return try SpooledBody(fd: fd, count: total)
    }
}

/// A byte range of a spooled body as a `ByteSource` for `CSVReader`.
final class MappedRangeSource: ByteSource {
    let body: SpooledBody
    let range: Range<Int>
    let name: String
    private var position: Int

    init(body: SpooledBody, range: Range<Int>, name: String) {
        self.body = body
        self.range = range
        self.name = name
        position = range.lowerBound
    }

    var totalBytes: Int? { range.count }
    var consumedBytes: Int { position - range.lowerBound }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, range.upperBound - position)
        guard n > 0 else { return 0 }
        buffer.baseAddress!.copyMemory(from: body.bytes.baseAddress! + position, byteCount: n)
        position += n
        return n
    }
}
