/// Which outbox messages the link sends next: at most `size` unacknowledged at a time, in seq order, and
/// everything again from the oldest when the cloud has acknowledged nothing for `ackTimeout` (a broker that
/// dropped a queue, a cloud that restarted) or the connection came back.
struct OutboxWindow {
    let size: Int
    let ackTimeout: Duration
    /// The last seq sent; the next read starts after it.
    private(set) var cursor: Int64 = 0
    private(set) var inflight: Set<Int64> = []
    private var lastProgress: ContinuousClock.Instant

    init(size: Int, ackTimeout: Duration, now: ContinuousClock.Instant) {
        self.size = size
        self.ackTimeout = ackTimeout
        lastProgress = now
    }

    /// How many more may be sent now.
    var room: Int { max(0, size - inflight.count) }

    /// Start again from the oldest unacknowledged message.
    mutating func rewind(now: ContinuousClock.Instant) {
        cursor = 0
        inflight.removeAll()
        lastProgress = now
    }

    mutating func sent(_ seqs: [Int64], now: ContinuousClock.Instant) {
        if inflight.isEmpty { lastProgress = now }
        inflight.formUnion(seqs)
        if let last = seqs.max() { cursor = max(cursor, last) }
    }

    mutating func acknowledged(_ seqs: [Int64], now: ContinuousClock.Instant) {
        let before = inflight.count
        inflight.subtract(seqs)
        if inflight.count < before { lastProgress = now }
    }

    /// Messages are out and the cloud has acknowledged none of them for too long.
    func isStalled(now: ContinuousClock.Instant) -> Bool {
        !inflight.isEmpty && now - lastProgress > ackTimeout
    }
}
