// `AnnotatingBatch`: the scaffold every CSV batch that keeps the input rows and appends columns shares — the
// header (input columns named like an appended one renamed `…_input`), chunks read on the calling thread and
// annotated on `OrderedBatchRunner` workers, written back in input order, the atomic close, the progress
// callback. What a row becomes (its appended cells) is the capability's per-chunk function.

import Foundation

/// Runs a batch that copies every input row and appends columns to it: `qpv locate --input`, `qpv eligibility
/// tfpb` and `run-batch`, `qpv carreaux classify` (and, without an output, the carreaux scans).
public struct AnnotatingBatch {
    /// Worker threads.
    public let workers: Int
    /// Called after each chunk is delivered (rows so far, fraction of the file).
    public let progress: BatchProgressHandler?

    /// A batch on `workers` threads reporting to `progress`.
    public init(workers: Int, progress: BatchProgressHandler? = nil) {
        self.workers = workers
        self.progress = progress
    }

    /// The output header: the input's columns, each named like an appended one (case ignored) renamed with
    /// "_input" (a file processed twice keeps its old columns), then the appended columns.
    public static func header(_ input: [String], appending appended: [String]) -> [String] {
        input.map { appended.contains($0.lowercased()) ? $0 + "_input" : $0 } + appended
    }

    /// A record's fields aligned on the header's `width`: padded with empty fields, or the extra ones joined
    /// into the last with `separator`.
    public static func aligned(_ fields: [String], width: Int, separator: UInt8) -> [String] {
        if fields.count < width { return fields + Array(repeating: "", count: width - fields.count) }
        guard fields.count > width else { return fields }
        let extra = fields[(width - 1)...].joined(separator: String(UnicodeScalar(separator)))
        return Array(fields[..<(width - 1)]) + [extra]
    }

    /// The next chunk of `reader`'s records (at most `count`), nil at the end: the usual `read` of `run`.
    public static func records(_ reader: CSVReader, _ count: Int) throws -> [CSVRecord]? {
        let batch = try reader.nextBatch(count)
        return batch.isEmpty ? nil : batch
    }

    /// Runs the batch and returns its duration in seconds.
    ///
    /// - Parameters:
    ///   - output: the writer and the header row written first; closed (atomically) at the end. Nil for a scan
    ///     that writes no rows.
    ///   - read: the next chunk of the reader, nil at the end (calling thread).
    ///   - makeWorker: one worker's state, built on its thread (GEOS/PROJ state: one per thread).
    ///   - annotate: one chunk on a worker: its output rows' bytes, the counts the capability needs.
    ///   - deliver: each chunk's output in input order on the calling thread: merges its counts and returns the
    ///     bytes to write (usually the annotated ones) and how many input rows they stand for (progress).
    public func run<Chunk: Sendable, Output: Sendable, Worker: AnyObject>(
        reader: CSVReader,
        output: (writer: CSVWriter, header: [String])?,
        read: () throws -> Chunk?,
        makeWorker: @escaping @Sendable () throws -> Worker,
        annotate: @escaping @Sendable (Worker, Chunk) -> Output,
        deliver: (Output) throws -> (bytes: [UInt8], rows: Int)
    ) throws -> Double {
        if let output { try output.writer.writeRow(output.header) }
        let started = Date()
        let progress = BatchProgress(reader: reader, handler: self.progress)
        let runner = OrderedBatchRunner<Chunk, Output>(workers: workers)
        try runner.run(
            next: {
                guard let chunk = try read() else { return nil }
                progress.chunkRead()
                return [chunk]
            },
            makeWorker: makeWorker,
            process: { worker, chunks in annotate(worker, chunks[0]) },
            deliver: { out in
                let (bytes, rows) = try deliver(out)
                if let output { try output.writer.write(encoded: bytes) }
                progress.chunkDelivered(rows: rows)
            })
        try output?.writer.close()
        return Date().timeIntervalSince(started)
    }
}
