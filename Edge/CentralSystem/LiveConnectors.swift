public import Foundation
public import SiteModel
import Synchronization

/// What every connector is doing right now, as its charger last said: the input of load management.
/// Kept in memory and fed by the OCPP handler; the store keeps the history.
public final class LiveConnectors: Sendable {
    /// One connector's live state.
    public struct Connector: Sendable, Equatable {
        public var status: ConnectorStatus?
        /// The running transaction, when there is one.
        public var transactionId: Int?
        public var transactionStartedAt: Date?
        /// The current the car draws on each of the charger's phases (L1, L2, L3 of the charger), in A.
        public var phaseCurrents: [Double]?
        /// When the currents were measured.
        public var measuredAt: Date?
    }

    /// Station id → connector id → state.
    private let state = Mutex<[String: [Int: Connector]]>([:])

    public init() {}

    /// Every connector of every station seen, connector 0 (the whole charger) excluded.
    public var snapshot: [String: [Int: Connector]] { state.withLock { $0 } }

    func status(_ status: ConnectorStatus, station: String, connector: Int) {
        guard connector > 0 else { return }
        state.withLock { $0[station, default: [:]][connector, default: Connector()].status = status }
    }

    func started(transactionId: Int, station: String, connector: Int, at date: Date) {
        state.withLock {
            $0[station, default: [:]][connector, default: Connector()].transactionId = transactionId
            $0[station, default: [:]][connector]?.transactionStartedAt = date
            $0[station, default: [:]][connector]?.phaseCurrents = nil
        }
    }

    func stopped(transactionId: Int, station: String) {
        state.withLock { stations in
            guard let connectors = stations[station] else { return }
            for (id, connector) in connectors where connector.transactionId == transactionId {
                stations[station]?[id]?.transactionId = nil
                stations[station]?[id]?.transactionStartedAt = nil
                stations[station]?[id]?.phaseCurrents = nil
            }
        }
    }

    /// Takes the per-phase currents from a MeterValues sample, and learns of a transaction the edge did not see
    /// start (the edge restarted while it ran).
    func measured(_ sample: MeterSample, transactionId: Int?, station: String, connector: Int, now: Date) {
        guard connector > 0 else { return }
        var phases: [Double] = [0, 0, 0]
        var found = false
        for reading in sample.readings where reading.measurand == Measurand.currentImport {
            guard let value = reading.value else { continue }
            switch reading.phase {
            case "L1", "L1-N": phases[0] = value
            case "L2", "L2-N": phases[1] = value
            case "L3", "L3-N": phases[2] = value
            case nil: phases = [value, value, value]
            default: continue
            }
            found = true
        }
        state.withLock {
            var entry = $0[station, default: [:]][connector, default: Connector()]
            if let transactionId, entry.transactionId == nil {
                entry.transactionId = transactionId
                entry.transactionStartedAt = sample.timestamp
            }
            if found {
                entry.phaseCurrents = phases
                entry.measuredAt = now
            }
            $0[station, default: [:]][connector] = entry
        }
    }

    func disconnected(station: String) {
        state.withLock {
            $0[station] = $0[station]?.mapValues {
                var c = $0; c.phaseCurrents = nil; return c
            }
        }
    }
}
