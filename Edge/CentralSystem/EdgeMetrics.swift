public import CoreMetrics
import Metrics
import OCPP
import Synchronization

/// The edge's counters and timers, created from one factory so tests and the daemon each have their own.
public final class EdgeMetrics: Sendable {
    private let factory: any MetricsFactory
    /// Counters and timers by label and dimension values.
    private let metrics = Mutex<[String: any AnyObject & Sendable]>([:])
    private let connectedStations: Meter
    private let diskFree: Gauge
    let storeCommitSize: Recorder
    let storeCommitDuration: Timer

    public init(factory: any MetricsFactory) {
        self.factory = factory
        connectedStations = Meter(label: "ocpp_connected_stations", factory: factory)
        diskFree = Gauge(label: "store_disk_free_bytes", factory: factory)
        storeCommitSize = Recorder(label: "store_commit_batch_size", factory: factory)
        storeCommitDuration = Timer(label: "store_commit_duration_seconds", factory: factory)
    }

    /// Counts one OCPP message of `action` in `direction` (`in` from a station, `out` to it).
    public func message(action: String, direction: String) {
        counter("ocpp_messages_total", ["action": Self.label(action: action), "direction": direction]).increment()
    }

    /// Counts one CALLERROR sent (`out`) or received (`in`).
    public func callError(code: String, direction: String) {
        let known = OCPPErrorCode(rawValue: code) != nil ? code : "other"
        counter("ocpp_callerrors_total", ["code": known, "direction": direction]).increment()
    }

    /// Labels come from what chargers send: anything that is not an OCPP 1.6 action is counted as `other`,
    /// so a peer cannot create metric series (and memory) without end.
    static func label(action: String) -> String {
        knownActions.contains(action) ? action : "other"
    }

    private static let knownActions = Set((OCPP16.stationInitiated + OCPP16.csmsInitiated).map { $0.action })

    /// Counts a station connection opened.
    public func stationConnected() { connectedStations.increment() }
    /// Counts a station connection closed.
    public func stationDisconnected() { connectedStations.decrement() }

    /// Counts a call refused because its station used its share of writes for now (security review, finding 7).
    public func rateLimited(action: String) {
        counter("ocpp_rate_limited_total", ["action": Self.label(action: action)]).increment()
    }

    /// The bytes free where the store is.
    public func diskFree(bytes: Int64) { diskFree.record(bytes) }

    /// Counts a refused connection attempt.
    public func authFailure(reason: String) {
        counter("ocpp_auth_failures_total", ["reason": reason]).increment()
    }

    /// Counts a connection the edge closed itself (`silent`, `replaced`).
    public func stationDropped(reason: String) {
        counter("ocpp_dropped_connections_total", ["reason": reason]).increment()
    }

    /// Counts a local HTTP request answered with an error status.
    public func httpError(status: Int) {
        counter("http_errors_total", ["status": String(status)]).increment()
    }

    /// Counts a frame that could not be decoded at all.
    public func badFrame(reason: String) {
        counter("ocpp_bad_frames_total", ["reason": reason]).increment()
    }

    /// Times the handling of an incoming CALL, from frame to durable answer.
    public func handled(action: String, duration: Duration) {
        timer("ocpp_incoming_call_duration_seconds", ["action": Self.label(action: action)]).record(duration: duration)
    }

    /// Times a CALL sent to a station, until its answer.
    public func outgoing(action: String, duration: Duration) {
        timer("ocpp_outgoing_call_duration_seconds", ["action": action]).record(duration: duration)
    }

    /// Records one group commit: how many writes it carried and how long it took.
    public func storeCommitted(batch: Int, duration: Duration) {
        storeCommitSize.record(batch)
        storeCommitDuration.record(duration: duration)
    }

    private func counter(_ label: String, _ dimensions: KeyValuePairs<String, String>) -> Counter {
        cached(label, dimensions) { Counter(label: label, dimensions: $0, factory: factory) }
    }

    private func timer(_ label: String, _ dimensions: KeyValuePairs<String, String>) -> Timer {
        cached(label, dimensions) { Timer(label: label, dimensions: $0, factory: factory) }
    }

    /// The metric with this label and dimension values, made once. Runs for every message, so the key is
    /// built without intermediate arrays.
    private func cached<Metric: AnyObject & Sendable>(
        _ label: String, _ dimensions: KeyValuePairs<String, String>, make: ([(String, String)]) -> Metric
    ) -> Metric {
        var key = label
        for (_, value) in dimensions {
            key += "|"
            key += value
        }
        return metrics.withLock { cache in
            if let metric = cache[key] as? Metric { return metric }
            let metric = make(dimensions.map { ($0.key, $0.value) })
            cache[key] = metric
            return metric
        }
    }
}
