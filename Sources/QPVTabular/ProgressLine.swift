// Batch progress: `BatchProgressHandler` (the callback libraries report through), `BatchProgress` (counts rows
// delivered, not read ahead) and `ProgressLine`, the stderr line that only the CLI draws.

import Foundation
import QPVCore

/// The progress callback of a batch: rows delivered so far, and the fraction of the input they represent
/// (nil when the size is unknown). Libraries call it; the command line draws it (`ProgressLine`).
public typealias BatchProgressHandler = @Sendable (_ rows: Int, _ fraction: Double?) -> Void

/// Progress of a batch counted on the rows delivered, not on what the reader has read ahead: it remembers
/// how far into the file the reader was when each chunk was read, and reports that position when the chunk
/// is delivered (chunks are delivered in reading order).
public final class BatchProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var offsets: [Int] = []
    private var head = 0
    private let reader: CSVReader
    private let handler: BatchProgressHandler?
    public private(set) var rows = 0

    public init(reader: CSVReader, handler: BatchProgressHandler?) {
        self.reader = reader
        self.handler = handler
    }

    /// Call on the reading thread right after a chunk was read.
    public func chunkRead() {
        guard handler != nil else { return }
        let consumed = reader.progress.consumed
        lock.lock()
        offsets.append(consumed)
        lock.unlock()
    }

    /// Call when a chunk of `count` rows was delivered (written).
    public func chunkDelivered(rows count: Int) {
        rows += count
        guard let handler else { return }
        lock.lock()
        let offset = head < offsets.count ? offsets[head] : reader.progress.consumed
        head += 1
        if head > 1024 { offsets.removeFirst(head); head = 0 }
        lock.unlock()
        handler(rows, reader.progress.total.map { min(1, Double(offset) / Double(max($0, 1))) })
    }
}

/// A one-line progress report on standard error (rows, rows/s, percentage and remaining time), redrawn at
/// most five times a second, and only when standard error is a terminal (logs and pipes stay clean). Drawn
/// by the command line from a batch's `BatchProgressHandler`.
public final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let label: String
    private let startTime = Date()
    private var lastDraw = Date.distantPast
    private var drewSomething = false
    private let lock = NSLock()

    /// The handler to give a batch: draws this line.
    public var handler: BatchProgressHandler { { [self] rows, fraction in update(rows: rows, fraction: fraction) } }

    public init(label: String, enabled: Bool? = nil) {
        self.label = label
        self.enabled = enabled ?? (isatty(2) != 0)
    }

    /// Elapsed seconds since creation.
    public var elapsed: Double { Date().timeIntervalSince(startTime) }

    /// Updates the line. `fraction` (0…1) comes from bytes read over file size when known.
    public func update(rows: Int, fraction: Double?) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let t = max(now.timeIntervalSince(startTime), 1e-3)
        let rate = Double(rows) / t
        var text = "\r\(label) : \(FrenchFormat.integer(rows)) lignes · \(FrenchFormat.integer(Int(rate))) lignes/s"
        if let fraction, fraction > 0.001 {
            let remaining = t / fraction - t
            text += String(format: " · %3.0f %% · reste %@", min(fraction, 1) * 100, Self.duration(remaining))
        }
        text += "   "
        FileHandle.standardError.write(Data(text.utf8))
        drewSomething = true
    }

    /// Clears the line (call before printing the summary).
    public func finish() {
        guard enabled, drewSomething else { return }
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: 100) + "\r").utf8))
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \(s % 3600 / 60) min"
    }
}
