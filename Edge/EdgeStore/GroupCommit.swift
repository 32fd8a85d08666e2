import BatchTransaction
import GRDB
import Synchronization

/// Batches writes from many tasks into shared SQLite transactions ("group commit"): while one batch commits,
/// the next gathers, so a thousand chargers waiting for durability share a handful of fsyncs per second.
///
/// A write that fails fails only its caller (``BatchTransaction``: one transaction, and when a write throws, again with
/// each write in a savepoint of its own).
final class GroupCommitWriter: Sendable {
    typealias Operation = @Sendable (Database) throws -> any Sendable

    typealias Completion = @Sendable (Result<any Sendable, any Error>) -> Void

    private struct Pending {
        let operation: Operation
        /// Called once the batch is committed (or failed), from the committing task.
        let complete: Completion
    }

    private struct State {
        var queue: [Pending] = []
        var flushing = false
    }

    private let writer: any DatabaseWriter
    private let state = Mutex(State())
    private let maxBatch: Int
    private let onBatch: @Sendable (_ size: Int, _ duration: Duration) -> Void

    init(writer: any DatabaseWriter, maxBatch: Int = 2000, onBatch: @escaping @Sendable (Int, Duration) -> Void) {
        self.writer = writer
        self.maxBatch = maxBatch
        self.onBatch = onBatch
    }

    /// Runs `operation` in the next batch and returns once that batch is committed to disk.
    func write<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            submit({ try operation($0) }, completion: { continuation.resume(with: $0) })
        }
        return result as! T
    }

    /// Runs `operation` in the next batch and calls `completion` once that batch is committed to disk, from the
    /// committing task: for callers that are not tasks (a channel handler on its event loop).
    func submit(_ operation: @escaping Operation, completion: @escaping Completion) {
        let startFlush = state.withLock { state in
            state.queue.append(Pending(operation: operation, complete: completion))
            if state.flushing { return false }
            state.flushing = true
            return true
        }
        if startFlush {
            Task { await self.flushUntilEmpty() }
        }
    }

    /// Waits until every write submitted so far is committed.
    func drain() async {
        while state.withLock({ $0.flushing || !$0.queue.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func flushUntilEmpty() async {
        while true {
            let batch: [Pending] = state.withLock { state in
                let count = min(state.queue.count, maxBatch)
                let taken = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                if taken.isEmpty { state.flushing = false }
                return taken
            }
            if batch.isEmpty { return }
            await commit(batch)
        }
    }

    private func commit(_ batch: [Pending]) async {
        let clock = ContinuousClock()
        let started = clock.now
        let operations = batch.map(\.operation)
        do {
            let results = try await BatchTransaction.write(to: writer) { db, writes in
                try operations.map { operation in try writes.run(db) { try operation(db) } }
            }
            onBatch(batch.count, clock.now - started)
            for (pending, result) in zip(batch, results) {
                pending.complete(result)
            }
        } catch {
            // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
            for pending in batch { pending.complete(.failure(error)) }
        }
    }
}
