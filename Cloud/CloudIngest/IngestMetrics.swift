public import CoreMetrics

/// Ingest's metrics: messages applied, repeated, rejected by reason, batch sizes and durations.
public final class IngestMetrics: Sendable {
    private let factory: any MetricsFactory
    let applied: Counter
    let duplicates: Counter
    /// Sites whose edge began to speak from another store (security review, finding 5).
    let storesReplaced: Counter
    /// Session messages of a replaced store that named a session of its predecessor's, not applied.
    let sessionCollisions: Counter
    let batchSize: Recorder
    let batchDuration: CoreMetrics.Timer

    public init(factory: any MetricsFactory) {
        self.factory = factory
        applied = Counter(label: "ingest_applied_total", factory: factory)
        duplicates = Counter(label: "ingest_duplicates_total", factory: factory)
        storesReplaced = Counter(label: "ingest_store_replaced_total", factory: factory)
        sessionCollisions = Counter(label: "ingest_session_collisions_total", factory: factory)
        batchSize = Recorder(label: "ingest_batch_size", factory: factory)
        batchDuration = CoreMetrics.Timer(label: "ingest_batch_seconds", factory: factory)
    }

    func rejected(reason: String) {
        Counter(label: "ingest_rejected_total", dimensions: [("reason", reason)], factory: factory).increment()
    }
}
