public import CoreMetrics
import Foundation
import LoadManagement

/// Load management's metrics: per-connector allocations with their reason, free capacity per phase, the
/// meter's age, and the reaction time from a meter reading to the limits it caused.
public final class LoadMetrics: Sendable {
    private let factory: any MetricsFactory
    private let reactionTimer: CoreMetrics.Timer
    private let sent: Counter
    private let renewed: Counter
    private let refused: Counter
    private let failsafe: Gauge
    private let meterAge: Gauge

    public init(factory: any MetricsFactory) {
        self.factory = factory
        reactionTimer = CoreMetrics.Timer(label: "load_reaction_seconds", factory: factory)
        sent = Counter(label: "load_limits_sent_total", dimensions: [("kind", "change")], factory: factory)
        renewed = Counter(label: "load_limits_sent_total", dimensions: [("kind", "renewal")], factory: factory)
        refused = Counter(label: "load_limits_refused_total", factory: factory)
        failsafe = Gauge(label: "load_failsafe", factory: factory)
        meterAge = Gauge(label: "load_meter_age_seconds", factory: factory)
    }

    static let reasons = [
        "idle", "unmanaged", "limited_by_charger", "limited_by_grid", "paused", "failsafe", "overdrawing", "not_controllable",
        "offline",
    ]

    func reaction(_ seconds: TimeInterval) { reactionTimer.recordNanoseconds(Int64(seconds * 1e9)) }
    func limitSent(renewal: Bool) { (renewal ? renewed : sent).increment() }
    func limitRefused() { refused.increment() }

    func cycle(_ plan: CyclePlan, meterAge age: Double?) {
        failsafe.record(plan.failsafe ? 1 : 0)
        meterAge.record(age ?? -1)
        for (phase, free) in plan.freeCapacity.enumerated() {
            Gauge(label: "load_free_capacity_amperes", dimensions: [("phase", "L\(phase + 1)")], factory: factory).record(free)
        }
        for decision in plan.decisions {
            let dimensions = [
                ("station", decision.key.stationId), ("connector", "\(decision.key.connectorId)"),
            ]
            Gauge(label: "load_allocated_amperes", dimensions: dimensions, factory: factory).record(decision.allocated)
            // One series per reason, 1 for the connector's current reason: no stale series when it changes.
            for reason in Self.reasons {
                Gauge(label: "load_connector_reason", dimensions: dimensions + [("reason", reason)], factory: factory)
                    .record(reason == decision.reason ? 1 : 0)
            }
        }
    }
}
