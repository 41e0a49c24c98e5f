// Shared by the fuzz targets: a per-process scratch folder in memory (/dev/shm when present).
import Foundation
import QPVCore

enum FuzzScratch {
    static let folder: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let dir = base + "/qpv-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    static func path(_ name: String) -> String { folder + "/" + name }

    /// The input with its checksum trailer (last 8 bytes) rewritten, for most inputs (last byte's low bits
    /// not all zero): mutations then reach the structure checks behind the checksum.
    static func resealed(_ data: UnsafePointer<UInt8>, _ size: Int, minimum: Int) -> [UInt8] {
        let bytes = Array(UnsafeBufferPointer(start: data, count: size))
        guard bytes.count > minimum && bytes[bytes.count - 1] & 7 != 0 else { return bytes }
        return ContentChecksum.sealed(Array(bytes.dropLast(8)))
    }

    static func write(_ path: String, _ data: UnsafePointer<UInt8>, _ size: Int) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("scratch file \(path): \(String(cString: strerror(errno)))") }
        var off = 0
        while off < size {
            let n = Foundation.write(fd, data + off, size - off)
            if n <= 0 { break }
            off += n
        }
        close(fd)
    }
}
