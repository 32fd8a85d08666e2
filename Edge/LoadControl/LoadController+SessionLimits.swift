import CentralSystem
public import Foundation
import LoadManagement
import Logging
public import SyncContract
import Synchronization

/// Why a session limit from the cloud is not taken, in words for the operator.
public struct SessionLimitRefused: Error, CustomStringConvertible, Sendable {
    public let description: String
}

extension LoadController {
    /// Sets (or, without periods, clears) a running session's limit: from the next cycle the load manager gives the
    /// car at most that, never more than its share of the site. Answers what is now in force.
    public func setSessionLimit(
        station: String, _ limit: SessionLimit, now: Date = Date()
    ) throws(SessionLimitRefused) -> SessionLimitState {
        let key = ConnectorKey(stationId: station, connectorId: limit.connectorId)
        try checkSession(key, transactionId: limit.transactionId)
        guard limit.problems.isEmpty else { throw SessionLimitRefused(description: limit.problems.joined(separator: "; ")) }
        if stations.withLock({ $0[station]?.capabilities.takesProfiles }) == false {
            throw SessionLimitRefused(description: "charger \(station) does not take charging profiles")
        }
        var kept = limit
        // OCPI: a profile without a start runs from the start of charging.
        kept.startsAt = limit.startsAt ?? central.live.snapshot[station]?[limit.connectorId]?.transactionStartedAt ?? now
        // One per connector: a later session's replaces an ended one's (those kept from before a restart stay until
        // then, whether or not their charger has reported since).
        let applied = sessionLimits.withLock { limits -> Bool in
            if limits[key]?.transactionId == limit.transactionId, let issued = limit.issuedAt, let before = limits[key]?.issuedAt,
                issued < before
            {
                return false
            }
            // A clear is kept too (without periods, it limits nothing), so an older change cannot overtake it.
            limits[key] = kept
            return true
        }
        guard applied else {
            logger.notice(
                "session limit older than the one in force; not applied",
                metadata: ["station": "\(station)", "connector": "\(limit.connectorId)"])
            return state(key, transactionId: limit.transactionId, now: now)
        }
        logger.notice(
            limit.clears ? "session limit cleared" : "session limit set",
            metadata: [
                "station": "\(station)", "connector": "\(limit.connectorId)", "transaction": "\(limit.transactionId)",
                "unit": "\(limit.unit ?? "-")", "periods": "\(limit.periods?.count ?? 0)",
            ])
        return state(key, transactionId: limit.transactionId, now: now)
    }

    /// The limits kept from before a restart: each in force again while its session runs.
    public func restoreSessionLimits(_ kept: [(station: String, limit: SessionLimit)]) {
        sessionLimits.withLock { limits in
            for (station, limit) in kept {
                limits[ConnectorKey(stationId: station, connectorId: limit.connectorId)] = limit
            }
        }
    }

    /// The limit kept for a connector (as set, with its start), for the store.
    public func keptSessionLimit(station: String, connectorId: Int) -> SessionLimit? {
        sessionLimits.withLock { $0[ConnectorKey(stationId: station, connectorId: connectorId)] }
    }

    /// A running session's limit and what its car gets now.
    public func sessionLimit(
        station: String, connectorId: Int, transactionId: Int, now: Date = Date()
    ) throws(SessionLimitRefused) -> SessionLimitState {
        let key = ConnectorKey(stationId: station, connectorId: connectorId)
        try checkSession(key, transactionId: transactionId)
        return state(key, transactionId: transactionId, now: now)
    }

    /// The requested limit of the session running at `key` now, if it has one.
    func requestedLimit(_ key: ConnectorKey, transactionId: Int?, at now: Date) -> RequestedLimit? {
        guard let transactionId, let limit = sessionLimits.withLock({ $0[key] }), limit.transactionId == transactionId,
            let value = limit.limit(at: now)
        else { return nil }
        return limit.unit == "W" ? .watts(value) : .amperes(value)
    }

    private func checkSession(_ key: ConnectorKey, transactionId: Int) throws(SessionLimitRefused) {
        guard settings.mode != .off else {
            throw SessionLimitRefused(description: "load management is off at this site: no limit can be honoured")
        }
        guard isRunning(key, transactionId: transactionId) else {
            throw SessionLimitRefused(
                description: "transaction \(transactionId) is not running at \(key.stationId) connector \(key.connectorId)")
        }
    }

    private func isRunning(_ key: ConnectorKey, transactionId: Int) -> Bool {
        central.live.snapshot[key.stationId]?[key.connectorId]?.transactionId == transactionId
    }

    private func state(_ key: ConnectorKey, transactionId: Int, now: Date) -> SessionLimitState {
        let decision = latest.withLock { $0?.connectors.first { $0.key == key } }
        let phases = decision?.carPhases ?? 3
        return SessionLimitState(
            connectorId: key.connectorId, transactionId: transactionId,
            limit: sessionLimits.withLock { $0[key] }.flatMap { $0.clears || $0.transactionId != transactionId ? nil : $0 },
            requestedA: requestedLimit(key, transactionId: transactionId, at: now)?
                .current(phases: phases, voltage: grid?.voltage ?? 230),
            allocatedA: decision?.allocated, sentA: decision?.sent, carPhases: decision?.carPhases)
    }
}
