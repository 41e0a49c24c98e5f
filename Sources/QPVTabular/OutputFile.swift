// `OutputFile`: every file qpv writes is atomic (temporary file, fsync, rename; abandoned on error, SIGINT or
// SIGTERM) and never one of the open inputs (`OpenInputs`, `FileIdentity`, `TemporaryFiles`).

import Foundation
import Synchronization

/// An output file written atomically: bytes go to a temporary file in the destination folder, which is
/// synced and renamed over the destination by `commit()`. Until then the destination (and any older file
/// there) is untouched; `abandon()`, a thrown error that drops the object, SIGINT or SIGTERM remove the
/// temporary file. `-` is standard output, streamed as it comes (nothing to commit).
///
/// A destination that is one of the inputs currently open (`OpenInputs`: same device and inode, whatever
/// the spelling: relative path, symbolic or hard link) is refused before anything is written.
///
/// Every file writer of the project sits on this type (`CSVWriter(path:)`, `OutputFile.write(path:bytes:)`).
public final class OutputFile {
    /// The destination as given by the user (for messages).
    public let path: String
    private var fd: Int32
    /// Temporary file beside the destination; nil for standard output.
    private let temporary: String?
    /// Where the temporary file is renamed to (the destination, symbolic links resolved).
    private let destination: String?
    private var finished = false

    public init(path: String) throws {
        self.path = path
        if path == "-" {
            fd = 1
            temporary = nil
            destination = nil
            finished = true
            return
        }
        try OpenInputs.refuseOverwrite(output: path)
        // A symbolic link keeps pointing where it did: the file it names is replaced.
        let resolved =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { target in
                target.hasPrefix("/") ? target : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(target)
            } ?? path
        let url = URL(fileURLWithPath: resolved)
        let folder = url.deletingLastPathComponent().path
        var template = Array((folder + "/." + url.lastPathComponent + ".qpv-tmp-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw TabularError.cannotCreate(file: path, reason: String(cString: strerror(errno)))
        }
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o666 & ~mask)
        self.fd = fd
        self.temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        self.destination = resolved
        TemporaryFiles.add(temporary!)
    }

    /// Writes every byte (retrying on EINTR).
    public func write(_ raw: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw TabularError.writeFailed(file: path, reason: "fichier déjà fermé") }
        var offset = 0
        while offset < raw.count {
            let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw TabularError.writeFailed(file: path, reason: String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Makes the output visible: fsync, rename over the destination, fsync of the folder. On failure the
    /// temporary file is removed and the error thrown.
    public func commit() throws {
        guard let temporary, let destination, !finished else { return }
        do {
            if fsync(fd) != 0 && errno != EINVAL {
                throw TabularError.writeFailed(file: path, reason: String(cString: strerror(errno)))
            }
            if Foundation.close(fd) != 0 {
                fd = -1
                throw TabularError.writeFailed(file: path, reason: String(cString: strerror(errno)))
            }
            fd = -1
            try OpenInputs.refuseOverwrite(output: path)
            if rename(temporary, destination) != 0 {
                throw TabularError.writeFailed(file: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            abandon()
            throw error
        }
        finished = true
        TemporaryFiles.remove(temporary)
        let folder = (destination as NSString).deletingLastPathComponent
        let dfd = open(folder.isEmpty ? "." : folder, O_RDONLY)
        if dfd >= 0 {
            fsync(dfd)
            Foundation.close(dfd)
        }
    }

    /// Drops the output: the temporary file is removed, the destination keeps what it had.
    public func abandon() {
        guard !finished, let temporary else { return }
        finished = true
        if fd >= 0 { Foundation.close(fd) }
        fd = -1
        unlink(temporary)
        TemporaryFiles.remove(temporary)
    }

    deinit { abandon() }

    /// Writes a whole file atomically (`-`: standard output).
    public static func write(path: String, bytes: [UInt8]) throws {
        let out = try OutputFile(path: path)
        try out.write(bytes)
        try out.commit()
    }
}

/// Identity of a file: device and inode (what `stat` says, symbolic links followed).
public struct FileIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64

    public init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }

    public init?(fileDescriptor: Int32) {
        var st = stat()
        guard fstat(fileDescriptor, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}

/// The input files open in this process (registered by the byte sources while they are open), so an output
/// can never be one of them. An open file's inode cannot be reused, so a match is always the same file.
public enum OpenInputs {
    private static let open = Mutex<[FileIdentity: (name: String, count: Int)]>([:])

    /// Registers an open input; give the identity back to `unregister` when it is closed.
    public static func register(_ identity: FileIdentity?, name: String) {
        guard let identity else { return }
        open.withLock { table in
            let c = table[identity]?.count ?? 0
            table[identity] = (name, c + 1)
        }
    }

    public static func unregister(_ identity: FileIdentity?) {
        guard let identity else { return }
        open.withLock { table in
            guard let e = table[identity] else { return }
            if e.count <= 1 { table[identity] = nil } else { table[identity] = (e.name, e.count - 1) }
        }
    }

    /// The open input that `path` designates, if any.
    public static func input(sameAs path: String) -> String? {
        guard let id = FileIdentity(path: path) else { return nil }
        return open.withLock { $0[id]?.name }
    }

    /// Throws `outputIsInput` when `output` is an open input.
    public static func refuseOverwrite(output: String) throws {
        if let input = input(sameAs: output) { throw TabularError.outputIsInput(output: output, input: input) }
    }
}

/// Temporary output files still open, removed if the process is stopped by SIGINT or SIGTERM (the handler
/// is installed with the first one, only where no other handler was set).
enum TemporaryFiles {
    static let capacity = 64
    // A fixed table of C strings the signal handler can walk without allocating.
    nonisolated(unsafe) static let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    static let lock = Mutex<Bool>(false)

    static func add(_ path: String) {
        lock.withLock { installed in
            if !installed {
                installed = true
                slots.initialize(repeating: nil, count: capacity)
                for sig in [SIGINT, SIGTERM] { installHandler(sig) }
            }
            for k in 0..<capacity where slots[k] == nil {
                slots[k] = strdup(path)
                return
            }
        }
    }

    static func remove(_ path: String) {
        lock.withLock { installed in
            guard installed else { return }
            for k in 0..<capacity {
                if let p = slots[k], String(cString: p) == path {
                    slots[k] = nil
                    free(p)
                    return
                }
            }
        }
    }

    private static func installHandler(_ sig: Int32) {
        var old = sigaction()
        guard sigaction(sig, nil, &old) == 0 else { return }
        // Keep whatever the program (a server, a test runner) already set up (SIG_DFL is a null handler).
        #if os(Linux)
        guard old.__sigaction_handler.sa_handler == nil else { return }
        #else
        guard old.__sigaction_u.__sa_handler == nil else { return }
        #endif
        signal(sig) { received in
            for k in 0..<TemporaryFiles.capacity {
                if let p = TemporaryFiles.slots[k] { unlink(p) }
            }
            signal(received, SIG_DFL)
            raise(received)
        }
    }
}
