// `ZipArchive`: a read-only ZIP reader (central directory, stored and deflated members through zlib, ZIP64,
// CRC-32 checked on extraction) for the archives ANCT publishes. Which members are perimeter files is decided
// in QPVPerimeters (`PerimeterArchive`).

import CZlib
import Foundation
import QPVCore

/// One member of a ZIP archive, as its central directory describes it.
public struct ZipEntry: Sendable, Equatable {
    /// Path inside the archive (`GEOJSON/QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson`), `/`-separated.
    public var name: String
    public var compressedSize: Int
    public var uncompressedSize: Int
    /// 0 stored, 8 deflate (the only two methods read).
    public var method: Int
    public var crc32: UInt32
    /// Day of the member's modification time (MS-DOS date field), nil when absent or invalid.
    public var modified: CivilDate?
    public var isEncrypted: Bool
    var localHeaderOffset: Int

    public var isDirectory: Bool { name.hasSuffix("/") }
    /// Last path component (`QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson`).
    public var baseName: String { String(name.split(separator: "/").last ?? Substring(name)) }
}

/// Errors reading a ZIP archive; messages name the archive and, where it applies, the member.
public enum ZipArchiveError: Error, Sendable, CustomStringConvertible, LocalizedError {
    case cannotOpen(archive: String, reason: String)
    case notAnArchive(archive: String)
    case corrupt(archive: String, reason: String)
    case badMember(archive: String, member: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let a, let reason): return "\(a) : ouverture impossible (\(reason))"
        case .notAnArchive(let a):
            return "\(a) : ce n'est pas une archive ZIP lisible (répertoire central introuvable : fichier tronqué ou endommagé ?)"
        case .corrupt(let a, let reason): return "\(a) : archive ZIP endommagée (\(reason))"
        case .badMember(let a, let m, let reason): return "\(a), membre « \(m) » : \(reason)"
        }
    }

    public var errorDescription: String? { description }
}

/// A ZIP archive read in place (central directory, stored and deflated members, ZIP64 sizes and offsets),
/// members extracted one at a time with zlib's raw `inflate` and their CRC-32 checked. Owns its file
/// descriptor.
public final class ZipArchive {
    public let path: String
    public let entries: [ZipEntry]
    private let fd: Int32
    private let size: Int

    public init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ZipArchiveError.cannotOpen(archive: path, reason: String(cString: strerror(errno))) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            Foundation.close(fd)
            throw ZipArchiveError.cannotOpen(archive: path, reason: "ce n'est pas un fichier")
        }
        self.fd = fd
        self.path = path
        self.size = Int(st.st_size)
        do {
            self.entries = try ZipArchive.readCentralDirectory(fd: fd, size: size, path: path)
        } catch {
            Foundation.close(fd)
            throw error
        }
    }

    deinit { Foundation.close(fd) }

    static func readBytes(fd: Int32, at offset: Int, count: Int, path: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ZipArchiveError.corrupt(archive: path, reason: "lecture impossible à l'octet \(offset + done)") }
            done += n
        }
        return out
    }

    static func u16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
    static func u32(_ b: [UInt8], _ o: Int) -> Int { u16(b, o) | u16(b, o + 2) << 16 }
    static func u64(_ b: [UInt8], _ o: Int) -> Int { u32(b, o) | u32(b, o + 4) << 32 }

    static func readCentralDirectory(fd: Int32, size: Int, path: String) throws -> [ZipEntry] {
        guard size >= 22 else { throw ZipArchiveError.notAnArchive(archive: path) }
        // End of central directory record: in the last 22 + 65,535 bytes (the comment may follow it).
        let tailLength = min(size, 22 + 65_535)
        let tail = try readBytes(fd: fd, at: size - tailLength, count: tailLength, path: path)
        var eocd: Int?
        var i = tail.count - 22
        while i >= 0 {
            if tail[i] == 0x50, tail[i + 1] == 0x4B, tail[i + 2] == 0x05, tail[i + 3] == 0x06 {
                eocd = i
                break
            }
            i -= 1
        }
        guard let e = eocd else { throw ZipArchiveError.notAnArchive(archive: path) }
        var count = u16(tail, e + 10)
        var cdSize = u32(tail, e + 12)
        var cdOffset = u32(tail, e + 16)
        // ZIP64: locator just before the EOCD record.
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF, e >= 20,
            tail[e - 20] == 0x50, tail[e - 19] == 0x4B, tail[e - 18] == 0x06, tail[e - 17] == 0x07
        {
            let z64Offset = u64(tail, e - 20 + 8)
            guard z64Offset >= 0, z64Offset + 56 <= size else {
                throw ZipArchiveError.corrupt(archive: path, reason: "enregistrement ZIP64 hors du fichier")
            }
            let z = try readBytes(fd: fd, at: z64Offset, count: 56, path: path)
            guard u32(z, 0) == 0x0606_4B50 else { throw ZipArchiveError.corrupt(archive: path, reason: "enregistrement ZIP64 introuvable") }
            count = u64(z, 32)
            cdSize = u64(z, 40)
            cdOffset = u64(z, 48)
        }
        guard cdOffset >= 0, cdSize >= 0, cdOffset + cdSize <= size, count <= cdSize / 46 + 1 else {
            throw ZipArchiveError.corrupt(archive: path, reason: "répertoire central hors du fichier (archive tronquée ?)")
        }
        let cd = try readBytes(fd: fd, at: cdOffset, count: cdSize, path: path)
        var entries: [ZipEntry] = []
        var o = 0
        for k in 0..<count {
            guard o + 46 <= cd.count, u32(cd, o) == 0x0201_4B50 else {
                throw ZipArchiveError.corrupt(archive: path, reason: "entrée n° \(k + 1) du répertoire central illisible")
            }
            let flags = u16(cd, o + 8)
            let method = u16(cd, o + 10)
            let dosDate = u16(cd, o + 14)
            let crc = UInt32(u32(cd, o + 16))
            var csize = u32(cd, o + 20)
            var usize = u32(cd, o + 24)
            let nameLength = u16(cd, o + 28)
            let extraLength = u16(cd, o + 30)
            let commentLength = u16(cd, o + 32)
            var localOffset = u32(cd, o + 42)
            let end = o + 46 + nameLength + extraLength + commentLength
            guard end <= cd.count else { throw ZipArchiveError.corrupt(archive: path, reason: "entrée n° \(k + 1) tronquée") }
            let nameBytes = Array(cd[(o + 46)..<(o + 46 + nameLength)])
            // Bit 11: UTF-8 names; otherwise CP437 (ASCII for the official files), read as UTF-8 when valid.
            let name: String
            if flags & 0x800 != 0 || String(validating: nameBytes, as: UTF8.self) != nil {
                name = String(decoding: nameBytes, as: UTF8.self)
            } else {
                var fellBack = false
                name = nameBytes.withUnsafeBufferPointer { TextEncoding.windows1252.decode($0, fellBack: &fellBack) }
            }
            // ZIP64 extended information (header 0x0001): the fields stored as 0xFFFFFFFF, in this order.
            var x = o + 46 + nameLength
            let extraEnd = x + extraLength
            while x + 4 <= extraEnd {
                let id = u16(cd, x)
                let len = u16(cd, x + 2)
                var f = x + 4
                if id == 0x0001 {
                    if usize == 0xFFFF_FFFF, f + 8 <= x + 4 + len { usize = u64(cd, f); f += 8 }
                    if csize == 0xFFFF_FFFF, f + 8 <= x + 4 + len { csize = u64(cd, f); f += 8 }
                    if localOffset == 0xFFFF_FFFF, f + 8 <= x + 4 + len { localOffset = u64(cd, f) }
                }
                x += 4 + len
            }
            let day = dosDate & 0x1F
            let month = (dosDate >> 5) & 0x0F
            let year = 1980 + (dosDate >> 9)
            entries.append(
                ZipEntry(
                    name: name, compressedSize: csize, uncompressedSize: usize, method: method, crc32: crc,
                    modified: CivilDate(year: year, month: month, day: day), isEncrypted: flags & 1 != 0, localHeaderOffset: localOffset))
            o = end
        }
        return entries
    }

    /// The entry named exactly `name`.
    public func entry(named name: String) -> ZipEntry? { entries.first { $0.name == name } }

    /// Extracts a member to `destination` (created or replaced), checking its size and CRC-32.
    public func extract(_ entry: ZipEntry, to destination: String) throws {
        func bad(_ reason: String) -> ZipArchiveError { .badMember(archive: path, member: entry.name, reason: reason) }
        guard !entry.isEncrypted else { throw bad("membre chiffré (mot de passe) : non pris en charge") }
        guard entry.method == 0 || entry.method == 8 else {
            throw bad("méthode de compression \(entry.method) non prise en charge (seules « stored » et « deflate » le sont)")
        }
        guard entry.localHeaderOffset >= 0, entry.localHeaderOffset + 30 <= size else { throw bad("en-tête local hors du fichier") }
        let header = try ZipArchive.readBytes(fd: fd, at: entry.localHeaderOffset, count: 30, path: path)
        guard ZipArchive.u32(header, 0) == 0x0403_4B50 else { throw bad("en-tête local introuvable (archive endommagée)") }
        let dataStart = entry.localHeaderOffset + 30 + ZipArchive.u16(header, 26) + ZipArchive.u16(header, 28)
        guard entry.compressedSize >= 0, dataStart + entry.compressedSize <= size else { throw bad("données tronquées (archive incomplète ?)") }

        guard
            let out = FileHandle(forWritingAtPath: destination)
                ?? {
                    _ = FileManager.default.createFile(atPath: destination, contents: nil)
                    return FileHandle(forWritingAtPath: destination)
                }()
        else {
            throw bad("écriture impossible de \(destination)")
        }
        defer { try? out.close() }
        try out.truncate(atOffset: 0)

        var crc = crc32(0, nil, 0)
        var written = 0
        let chunk = 1 << 18
        func emit(_ bytes: UnsafeRawBufferPointer) throws {
            guard !bytes.isEmpty else { return }
            written += bytes.count
            guard written <= entry.uncompressedSize else { throw bad("plus long que la taille annoncée (\(entry.uncompressedSize) octets)") }
            crc = crc32(crc, bytes.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(bytes.count))
            out.write(Data(bytes))
        }
        var remaining = entry.compressedSize
        var offset = dataStart
        if entry.method == 0 {
            while remaining > 0 {
                let n = min(chunk, remaining)
                let bytes = try ZipArchive.readBytes(fd: fd, at: offset, count: n, path: path)
                try bytes.withUnsafeBytes { try emit($0) }
                offset += n
                remaining -= n
            }
        } else {
            var stream = z_stream()
            guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw bad("initialisation de zlib impossible")
            }
            defer { inflateEnd(&stream) }
            var output = [UInt8](repeating: 0, count: chunk)
            var finished = false
            while !finished {
                guard remaining > 0 else { throw bad("données compressées tronquées (archive incomplète ?)") }
                let n = min(chunk, remaining)
                var input = try ZipArchive.readBytes(fd: fd, at: offset, count: n, path: path)
                offset += n
                remaining -= n
                try input.withUnsafeMutableBufferPointer { inBuf in
                    stream.next_in = inBuf.baseAddress
                    stream.avail_in = uInt(inBuf.count)
                    // Inflate until this input is consumed and the output buffer is not full.
                    while true {
                        let rc = output.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                            stream.next_out = outBuf.baseAddress
                            stream.avail_out = uInt(outBuf.count)
                            return inflate(&stream, Z_NO_FLUSH)
                        }
                        let produced = chunk - Int(stream.avail_out)
                        try output.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
                        if rc == Z_STREAM_END {
                            finished = true
                            return
                        }
                        guard rc == Z_OK || rc == Z_BUF_ERROR else {
                            let message = stream.msg.map { String(cString: $0) } ?? "code \(rc)"
                            throw bad("données compressées illisibles (zlib : \(message))")
                        }
                        if stream.avail_in == 0 && stream.avail_out > 0 { return }
                    }
                }
            }
        }
        guard written == entry.uncompressedSize else { throw bad("\(written) octets extraits au lieu des \(entry.uncompressedSize) annoncés") }
        guard UInt32(crc) == entry.crc32 else { throw bad("somme de contrôle CRC-32 fausse (archive endommagée)") }
    }
}
