// `ChunkChannel`: the bounded channel that carries a batch's output chunks from its producer thread to the
// async response writer (back-pressure on a slow client, cancellation when the client leaves).

import Foundation

/// Chunks from a producer thread to the async response writer. `send` blocks the producer while more than
/// `limit` bytes wait (the client reads slowly); `cancel` (the client left) makes `send` throw, which stops
/// the batch.
final class ChunkChannel: @unchecked Sendable {
    struct Cancelled: Error {}
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var queuedBytes = 0
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var waiter: CheckedContinuation<[UInt8]?, any Error>?
    let limit = 1 << 20

    func send(_ bytes: [UInt8]) throws {
        condition.lock()
        while queuedBytes > limit && !cancelled { condition.wait() }
        if cancelled {
            condition.unlock()
            throw Cancelled()
        }
        if let w = waiter {
            waiter = nil
            condition.unlock()
            w.resume(returning: bytes)
            return
        }
        queue.append(bytes)
        queuedBytes += bytes.count
        condition.unlock()
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        let w = waiter
        waiter = nil
        condition.unlock()
        if let w {
            if let error { w.resume(throwing: error) } else { w.resume(returning: nil) }
        }
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    func next() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<[UInt8]?, any Error>) in
            condition.lock()
            if !queue.isEmpty {
                let b = queue.removeFirst()
                queuedBytes -= b.count
                condition.signal()
                condition.unlock()
                c.resume(returning: b)
            } else if finished {
                let f = failure
                condition.unlock()
                if let f { c.resume(throwing: f) } else { c.resume(returning: nil) }
            } else {
                waiter = c
                condition.unlock()
            }
        }
    }
}
