public import Synchronization

/// Callers waiting for replies by id, each for at most its timeout: the edge's questions to the cloud about tokens,
/// the cloud's commands to edges. A reply that arrives before its caller starts waiting is kept for it; one that
/// arrives after the timeout, or for an id nobody asked about, finds nobody and is refused.
///
/// The wait is structured: the timeout is a child task of the waiting caller, so nothing outlives it, and a caller
/// that is cancelled stops waiting (with no reply).
public final class PendingReplies<ID: Hashable & Sendable, Reply: Sendable>: Sendable {
    private enum Slot {
        case asked
        case waiting(CheckedContinuation<Reply?, Never>)
        case answered(Reply)
    }

    private struct Entry {
        var slot: Slot
        let accepts: @Sendable (Reply) -> Bool
    }

    private let entries = Mutex<[ID: Entry]>([:])

    public init() {}

    /// How many callers wait now.
    public var count: Int { entries.withLock { $0.count } }

    /// Registers `id`, then runs `send` (so no reply can come before anyone expects it), then waits for the reply at
    /// most `timeout`. Nil when `send` throws, no reply came in time, or the caller was cancelled. Only a reply that
    /// `accepts` is taken (e.g. only from the site the question went to).
    public func reply(
        to id: ID, within timeout: Duration, accepting accepts: @escaping @Sendable (Reply) -> Bool = { _ in true },
        send: () async throws -> Void
    ) async -> Reply? {
        entries.withLock { $0[id] = Entry(slot: .asked, accepts: accepts) }
        do {
            try await send()
        } catch {
            finish(id, with: nil)
            return nil
        }
        return await withTaskGroup(of: Reply?.self) { group in
            group.addTask { await self.park(id) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.finish(id, with: nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Hands `reply` to whoever waits for `id`; false when nobody does or the waiter does not accept it.
    @discardableResult
    public func resolve(_ id: ID, with reply: Reply) -> Bool {
        let continuation = entries.withLock { entries -> CheckedContinuation<Reply?, Never>?? in
            guard let entry = entries[id], entry.accepts(reply) else { return nil }
            switch entry.slot {
            case .asked:
                entries[id]?.slot = .answered(reply)
                return .some(nil)
            case .waiting(let continuation):
                entries[id] = nil
                return .some(continuation)
            case .answered:
                return nil  // the first reply counts
            }
        }
        guard let continuation else { return false }
        continuation?.resume(returning: reply)
        return true
    }

    /// Waits for the reply to `id`, unless it came already or the wait is over.
    private func park(_ id: ID) async -> Reply? {
        await withCheckedContinuation { continuation in
            let now: Reply?? = entries.withLock { entries in
                guard let entry = entries[id] else { return .some(nil) }
                switch entry.slot {
                case .answered(let reply):
                    entries[id] = nil
                    return .some(reply)
                case .asked, .waiting:
                    entries[id]?.slot = .waiting(continuation)
                    return nil
                }
            }
            if let now { continuation.resume(returning: now) }
        }
    }

    /// Ends the wait for `id` with `reply` (nil: none came).
    private func finish(_ id: ID, with reply: Reply?) {
        let continuation = entries.withLock { entries -> CheckedContinuation<Reply?, Never>? in
            guard case .waiting(let continuation) = entries.removeValue(forKey: id)?.slot else { return nil }
            return continuation
        }
        continuation?.resume(returning: reply)
    }
}
