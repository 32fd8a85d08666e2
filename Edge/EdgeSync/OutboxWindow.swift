/// Which outbox messages the link sends next: at most `size` unacknowledged at a time, in seq order, and
/// everything unacknowledged again from the oldest when the connection came back or when any one message
/// has waited `ackTimeout` for its ack.
///
/// The timeout is per message, not "no ack at all for a while": a message can be lost while the ones after it
/// are acknowledged (a cloud killed while writing a batch the broker had already handed over, a busy cloud
/// refusing it, an ack lost on the way), and it must still be sent again without waiting for a reconnection.
struct OutboxWindow {
    let size: Int
    let ackTimeout: Duration
    /// The last seq sent; the next read starts after it.
    private(set) var cursor: Int64 = 0
    /// Every message sent and not yet acknowledged, with when it was sent.
    private var inflight: [Int64: ContinuousClock.Instant] = [:]
    /// Counts rewinds: a batch read from the outbox before a rewind must not be recorded as sent after it (the
    /// cursor would skip what the rewind is for).
    private(set) var generation = 0

    init(size: Int, ackTimeout: Duration) {
        self.size = size
        self.ackTimeout = ackTimeout
    }

    /// How many more may be sent now.
    var room: Int { max(0, size - inflight.count) }

    /// Start again from the oldest unacknowledged message.
    mutating func rewind() {
        cursor = 0
        inflight.removeAll()
        generation += 1
    }

    /// Records a batch as sent, if no rewind came since it was read (at `generation`); whether it may be sent.
    mutating func sent(_ seqs: [Int64], now: ContinuousClock.Instant, readAt generation: Int) -> Bool {
        guard generation == self.generation else { return false }
        for seq in seqs { inflight[seq] = now }
        if let last = seqs.max() { cursor = max(cursor, last) }
        return true
    }

    /// Acks of messages not in flight (sent before a rewind, or repeats) change nothing.
    mutating func acknowledged(_ seqs: [Int64]) {
        for seq in seqs { inflight[seq] = nil }
    }

    /// Some message has waited longer than `ackTimeout` for its ack.
    func isOverdue(now: ContinuousClock.Instant) -> Bool {
        inflight.values.contains { now - $0 > ackTimeout }
    }
}
