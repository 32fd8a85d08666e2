import Foundation
import LoadControl
import LoadManagement
import MeterIO
import Meters

/// A meter in `/status`: what it read last, how old that is, and how reading it goes.
struct MeterView: Codable {
    var name: String
    var role: String
    var url: String
    var profile: String?
    var ageSeconds: Double?
    var currentA: [Double?]?
    var voltageV: [Double?]?
    var powerW: Double?
    var importEnergyWh: Double?
    var reads: Int
    var failures: Int
    var rejected: Int
    var lastError: String?

    init(_ entry: MeterBoard.Entry, now: Date) {
        name = entry.settings.name
        role = entry.settings.role.rawValue
        url = "\(entry.settings.address)"
        profile = entry.profileName
        if let measurement = entry.measurement {
            ageSeconds = (now.timeIntervalSince(measurement.takenAt) * 10).rounded() / 10
            currentA = measurement.current
            voltageV = measurement.voltage
            powerW = measurement.totalPower
            importEnergyWh = measurement.importEnergy
        }
        reads = entry.reads
        failures = entry.failures
        rejected = entry.rejected
        lastError = entry.lastError
    }
}

/// Load management in `/status`: the mode, whether the failsafe holds, the capacity per phase, and for every
/// connector its allocation and why.
struct LoadView: Codable {
    struct Connector: Codable {
        var station: String
        var connector: Int
        var allocatedA: Double
        var sentA: Double?
        var reason: String
        var drawingA: Double?
        var reclaimedAtA: Double?
        var overdrawing: Bool
        var carPhases: Int
        /// The session's requested limit now (a roaming partner's charging profile), A per phase.
        var requestedA: Double?
    }
    var mode: String
    var strategy: String
    var failsafe: Bool
    var meter: String?
    var meterAgeSeconds: Double?
    var gridCurrentA: [Double?]?
    var buildingLoadA: [Double]
    var freeCapacityA: [Double]
    var connectors: [Connector]
    /// Milliseconds from a meter reading that called for lower limits to each charger accepting its new one.
    var reactionMs: Reaction?
    var updatedAt: Date

    struct Reaction: Codable {
        var count: Int
        var p50: Double
        var p99: Double
        var max: Double
    }

    init(_ status: LoadStatus) {
        func round(_ value: Double) -> Double { (value * 10).rounded() / 10 }
        mode = status.mode
        strategy = status.strategy
        failsafe = status.failsafe
        meter = status.meter
        meterAgeSeconds = status.meterAgeSeconds.map(round)
        gridCurrentA = status.gridCurrents?.map { $0.map(round) }
        buildingLoadA = status.buildingLoad.map(round)
        freeCapacityA = status.freeCapacity.map(round)
        connectors = status.connectors.map {
            Connector(
                station: $0.key.stationId, connector: $0.key.connectorId, allocatedA: round($0.allocated), sentA: $0.sent,
                reason: $0.reason.rawValue, drawingA: $0.drawing.map(round), reclaimedAtA: $0.reclaimedAt,
                overdrawing: $0.overdrawing, carPhases: $0.carPhases, requestedA: $0.requested.map(round))
        }
        reactionMs = status.reaction.map {
            Reaction(count: $0.count, p50: round($0.p50 * 1000), p99: round($0.p99 * 1000), max: round($0.max * 1000))
        }
        updatedAt = status.updatedAt
    }
}
