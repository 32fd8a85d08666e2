public import CoreMetrics
import Foundation
import LoadManagement
import Synchronization

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
    private let freeCapacity: [Gauge]
    /// Each connector's gauges and the reason last published, so a cycle (up to one per meter reading) touches
    /// the registry only when a connector first appears or its reason changes.
    private let connectors = Mutex<[ConnectorKey: ConnectorGauges]>([:])

    private struct ConnectorGauges {
        let allocated: Gauge
        let reasons: [ConnectorReason: Gauge]
        var reason: ConnectorReason
    }

    public init(factory: any MetricsFactory) {
        self.factory = factory
        reactionTimer = CoreMetrics.Timer(label: "load_reaction_seconds", factory: factory)
        sent = Counter(label: "load_limits_sent_total", dimensions: [("kind", "change")], factory: factory)
        renewed = Counter(label: "load_limits_sent_total", dimensions: [("kind", "renewal")], factory: factory)
        refused = Counter(label: "load_limits_refused_total", factory: factory)
        failsafe = Gauge(label: "load_failsafe", factory: factory)
        meterAge = Gauge(label: "load_meter_age_seconds", factory: factory)
        freeCapacity = (1...3).map {
            Gauge(label: "load_free_capacity_amperes", dimensions: [("phase", "L\($0)")], factory: factory)
        }
    }

    func reaction(_ seconds: TimeInterval) { reactionTimer.recordNanoseconds(Int64(seconds * 1e9)) }
    func limitSent(renewal: Bool) { (renewal ? renewed : sent).increment() }
    func limitRefused() { refused.increment() }

    func cycle(_ plan: CyclePlan, meterAge age: Double?) {
        failsafe.record(plan.failsafe ? 1 : 0)
        meterAge.record(age ?? -1)
        for (phase, free) in plan.freeCapacity.enumerated() where phase < freeCapacity.count {
            freeCapacity[phase].record(free)
        }
        connectors.withLock { connectors in
            for decision in plan.decisions {
                guard var gauges = connectors[decision.key] else {
                    // First seen: one series per reason, 1 for the current one, so none goes stale when it changes.
                    let dimensions = [
                        ("station", decision.key.stationId), ("connector", "\(decision.key.connectorId)"),
                    ]
                    let gauges = ConnectorGauges(
                        allocated: Gauge(label: "load_allocated_amperes", dimensions: dimensions, factory: factory),
                        reasons: Dictionary(
                            uniqueKeysWithValues: ConnectorReason.allCases.map {
                                (
                                    $0,
                                    Gauge(
                                        label: "load_connector_reason", dimensions: dimensions + [("reason", $0.rawValue)],
                                        factory: factory)
                                )
                            }),
                        reason: decision.reason)
                    for (reason, gauge) in gauges.reasons { gauge.record(reason == decision.reason ? 1 : 0) }
                    gauges.allocated.record(decision.allocated)
                    connectors[decision.key] = gauges
                    continue
                }
                gauges.allocated.record(decision.allocated)
                if gauges.reason != decision.reason {
                    gauges.reasons[gauges.reason]?.record(0)
                    gauges.reasons[decision.reason]?.record(1)
                    gauges.reason = decision.reason
                    connectors[decision.key] = gauges
                }
            }
        }
    }
}
