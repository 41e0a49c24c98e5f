import Foundation
import QPVCore

/// A one-line progress report on standard error (rows, rows/s, percentage and remaining time), redrawn at
/// most five times a second, and only when standard error is a terminal (logs and pipes stay clean).
public final class ProgressLine {
    private let enabled: Bool
    private let label: String
    private let startTime = Date()
    private var lastDraw = Date.distantPast
    private var drewSomething = false

    public init(label: String, enabled: Bool? = nil) {
        self.label = label
        self.enabled = enabled ?? (isatty(2) != 0)
    }

    /// Elapsed seconds since creation.
    public var elapsed: Double { Date().timeIntervalSince(startTime) }

    /// Updates the line. `fraction` (0…1) comes from bytes read over file size when known.
    public func update(rows: Int, fraction: Double?) {
        guard enabled else { return }
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
