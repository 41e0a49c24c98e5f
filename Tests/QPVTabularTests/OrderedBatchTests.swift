// Unit tests of `OrderedBatchRunner`: every chunk once and in order with one worker state per thread, and
// delivery or worker start failures stopping the run.

import Foundation
import QPVTabular
import Synchronization
import Testing

final class CountingWorker {
    let id: Int
    init(id: Int) { self.id = id }
}

@Suite struct OrderedBatchTests {
    @Test func deliversEveryChunkOnceInOrderWithOneWorkerStatePerThread() throws {
        let runner = OrderedBatchRunner<Int, [Int]>(workers: 3, maxInFlight: 5)
        var chunks = (0..<200).map { c in Array((c * 10)..<(c * 10 + 10)) }.makeIterator()
        let made = Mutex(0)
        var got: [Int] = []
        try runner.run(
            next: { chunks.next() },
            makeWorker: {
                CountingWorker(
                    id: made.withLock {
                        $0 += 1; return $0
                    })
            },
            process: { _, items in
                if items[0] % 70 == 0 { usleep(2000) }  // uneven work reorders completion
                return items.map { $0 * 2 }
            },
            deliver: { got.append(contentsOf: $0) })
        #expect(got == (0..<2000).map { $0 * 2 })
        #expect(made.withLock { $0 } == 3)
    }

    @Test func aDeliveryErrorStopsTheRunAndIsRethrown() {
        struct Boom: Error {}
        let runner = OrderedBatchRunner<Int, Int>(workers: 2)
        var n = 0
        #expect(throws: Boom.self) {
            try runner.run(
                next: {
                    n += 1; return n < 1000 ? [n] : nil
                },
                makeWorker: { CountingWorker(id: 0) },
                process: { _, items in items[0] },
                deliver: { if $0 == 10 { throw Boom() } })
        }
    }

    @Test func aWorkerThatCannotStartFailsTheRun() {
        struct NoContext: Error {}
        let runner = OrderedBatchRunner<Int, Int>(workers: 2)
        var n = 0
        #expect(throws: NoContext.self) {
            try runner.run(
                next: {
                    n += 1; return n < 100 ? [n] : nil
                },
                makeWorker: { () throws -> CountingWorker in throw NoContext() },
                process: { _, items in items[0] },
                deliver: { _ in })
        }
    }
}
