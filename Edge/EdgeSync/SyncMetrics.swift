public import CoreMetrics

/// The cloud link's metrics: connection, outbox size, messages published, acknowledged, resent, thinned,
/// and down messages received or rejected.
final class SyncMetrics: Sendable {
    private let factory: any MetricsFactory
    let connected: Gauge
    let outboxEntries: Gauge
    let published: Counter
    let acknowledged: Counter
    let rewinds: Counter
    let thinned: Counter
    /// The edge's clock minus the cloud's, in seconds, as the acks tell it.
    let clockSkew: Gauge

    init(factory: any MetricsFactory) {
        self.factory = factory
        connected = Gauge(label: "sync_connected", factory: factory)
        outboxEntries = Gauge(label: "sync_outbox_entries", factory: factory)
        published = Counter(label: "sync_published_total", factory: factory)
        acknowledged = Counter(label: "sync_acknowledged_total", factory: factory)
        rewinds = Counter(label: "sync_resends_total", factory: factory)
        thinned = Counter(label: "sync_outbox_thinned_total", factory: factory)
        clockSkew = Gauge(label: "sync_clock_skew_seconds", factory: factory)
    }

    func received(type: String) {
        Counter(label: "sync_down_messages_total", dimensions: [("type", type)], factory: factory).increment()
    }

    func rejected(reason: String) {
        Counter(label: "sync_down_rejected_total", dimensions: [("reason", reason)], factory: factory).increment()
    }
}
