// `OrderedBatchRunner`: the parallel engine of every batch — chunks read on the calling thread, processed on
// worker threads that each build their own state (GEOS/PROJ: one per thread), delivered back in input order
// with a bounded number in flight. What a row becomes is the caller's job.

import Dispatch
import Foundation
import Synchronization

/// Runs a streaming job over chunks of items on several worker threads and hands the results back in input
/// order on the calling thread.
///
/// - Each worker thread builds its own state with `makeWorker` *on that thread* (GEOS and PROJ contexts and
///   prepared geometries are not thread-safe: one per thread).
/// - Memory is bounded: at most `maxInFlight` chunks are read ahead of the last delivered one, whatever the
///   input size.
/// - `next` and `deliver` run on the calling thread only (reading and writing files need no locks).
public final class OrderedBatchRunner<Item: Sendable, Output: Sendable> {
    public let workers: Int
    public let maxInFlight: Int

    public init(workers: Int = ProcessInfo.processInfo.activeProcessorCount, maxInFlight: Int? = nil) {
        self.workers = max(1, workers)
        self.maxInFlight = maxInFlight ?? max(4, 3 * max(1, workers))
    }

    /// - Parameters:
    ///   - next: returns the next chunk of items, or nil at the end.
    ///   - makeWorker: builds one worker's state, called once on each worker thread.
    ///   - process: processes one chunk with the worker's state. Per-item problems belong in `Output`.
    ///   - deliver: receives outputs in input order.
    public func run<Worker: AnyObject>(
        next: () throws -> [Item]?,
        makeWorker: @escaping @Sendable () throws -> Worker,
        process: @escaping @Sendable (Worker, [Item]) -> Output,
        deliver: (Output) throws -> Void
    ) throws {
        let state = SharedState<Item, Output>()
        let jobsAvailable = DispatchSemaphore(value: 0)
        let resultReady = DispatchSemaphore(value: 0)
        let group = DispatchGroup()

        for _ in 0..<workers {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                let worker: Worker
                do {
                    worker = try makeWorker()
                } catch {
                    state.fail(error)
                    resultReady.signal()
                    // Keep draining jobs so the producer never waits forever.
                    while true {
                        jobsAvailable.wait()
                        guard let job = state.popJob() else { return }
                        state.abandon(job.index)
                        resultReady.signal()
                    }
                }
                while true {
                    jobsAvailable.wait()
                    guard let job = state.popJob() else { return }
                    if state.hasFailed {
                        state.abandon(job.index)
                    } else {
                        let out = process(worker, job.items)
                        state.store(job.index, out)
                    }
                    resultReady.signal()
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }

        var produced = 0
        var delivered = 0
        var failure: Error?

        func drain() throws {
            while let out = state.take(delivered) {
                delivered += 1
                if let out { try deliver(out) }
            }
        }

        do {
            while true {
                if let error = state.failure { throw error }
                while produced - delivered >= maxInFlight {
                    resultReady.wait()
                    if let error = state.failure { throw error }
                    try drain()
                }
                guard let items = try next() else { break }
                state.pushJob(index: produced, items: items)
                produced += 1
                jobsAvailable.signal()
                try drain()
            }
            while delivered < produced {
                resultReady.wait()
                if let error = state.failure { throw error }
                try drain()
            }
        } catch {
            failure = error
            state.fail(error)
        }
        state.finish()
        for _ in 0..<workers { jobsAvailable.signal() }
        // Wake workers stuck on jobs that will never come, then wait for them.
        while group.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            jobsAvailable.signal()
        }
        if let failure { throw failure }
    }
}

/// Jobs and results shared between the producer and the workers, behind one mutex.
private final class SharedState<Item: Sendable, Output: Sendable>: Sendable {
    struct Job: Sendable {
        var index: Int
        var items: [Item]
    }
    struct Inner {
        var jobs: [Job] = []
        var jobHead = 0
        var finished = false
        var results: [Int: Output?] = [:]
        var failure: (any Error)?
    }
    private let inner = Mutex(Inner())

    func pushJob(index: Int, items: [Item]) {
        inner.withLock { s in
            if s.jobHead > 64 && s.jobHead * 2 > s.jobs.count {
                s.jobs.removeFirst(s.jobHead)
                s.jobHead = 0
            }
            s.jobs.append(Job(index: index, items: items))
        }
    }

    func popJob() -> Job? {
        inner.withLock { s in
            guard s.jobHead < s.jobs.count else { return nil }
            let job = s.jobs[s.jobHead]
            s.jobs[s.jobHead].items = []
            s.jobHead += 1
            return job
        }
    }

    func store(_ index: Int, _ out: Output) { inner.withLock { $0.results[index] = .some(out) } }
    func abandon(_ index: Int) { inner.withLock { $0.results[index] = .some(nil) } }

    /// The result at `index` if ready: `.some(output)`, `.some(nil)` for an abandoned job, nil if not ready.
    func take(_ index: Int) -> Output?? {
        inner.withLock { s in s.results.removeValue(forKey: index) }
    }

    func fail(_ error: any Error) { inner.withLock { s in if s.failure == nil { s.failure = error } } }
    var failure: (any Error)? { inner.withLock { $0.failure } }
    var hasFailed: Bool { inner.withLock { $0.failure != nil } }
    func finish() { inner.withLock { $0.finished = true } }
}
