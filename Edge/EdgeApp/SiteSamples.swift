import EdgeConfig
import Foundation
import LoadControl
import LoadManagement
import MeterIO
import Meters
import SiteModel
import SyncContract
import Synchronization

/// The site's periodic messages for the cloud: what the meters read and what load management decided, and when a
/// meter stops answering (or answers again) an event the cloud's rules hear of.
final class SiteSamples: Sendable {
    let configuration: EdgeConfiguration
    let board: MeterBoard
    let load: LoadController
    /// The meters last told unreadable.
    let unreadable = Mutex<Set<String>>([])

    init(configuration: EdgeConfiguration, board: MeterBoard, load: LoadController) {
        self.configuration = configuration
        self.board = board
        self.load = load
    }

    func messages(at now: Date) -> [UpMessage] {
        var messages = meterChanges(at: now)
        let fresh = board.meters.compactMap { entry -> SiteMeterSample.Reading? in
            // A reading older than a minute says nothing about now; the meter's failures show in events.
            guard let measurement = entry.measurement, now.timeIntervalSince(measurement.takenAt) < 60 else { return nil }
            return SiteMeterSample.Reading(
                name: entry.settings.name, role: entry.settings.role.rawValue, currentA: measurement.phaseCurrents,
                powerW: measurement.totalPower, energyImportWh: measurement.importEnergy)
        }
        if !fresh.isEmpty { messages.append(.siteMeter(SiteMeterSample(time: now, meters: fresh))) }
        if let status = load.status, status.mode != "off" {
            var allocated = 0.0
            var charging = 0
            var waiting = 0
            for decision in status.connectors where decision.reason != .idle && decision.reason != .unmanaged {
                if decision.allocated > 0 {
                    charging += 1
                    allocated += decision.allocated
                } else {
                    waiting += 1
                }
            }
            messages.append(
                .loadSummary(
                    LoadSummary(
                        time: now, mode: status.mode, failsafe: status.failsafe, gridLimitA: load.activeSettings.grid?.limit,
                        gridCurrentA: status.gridCurrents, allocatedA: allocated, charging: charging, waiting: waiting,
                        buildingLoadA: status.buildingLoad.map(Self.tenth),
                        connectors: status.connectors.map {
                            LoadSummary.ConnectorShare(
                                station: $0.key.stationId, connector: $0.key.connectorId, allocatedA: Self.tenth($0.allocated),
                                limitA: $0.sent, reason: $0.reason.rawValue, drawingA: $0.drawing.map(Self.tenth))
                        })))
        }
        return messages
    }

    /// Amperes to a tenth, as `/status` shows them.
    static func tenth(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    /// A meter is unreadable once its latest plausible reading is older than load management's meter timeout (or it
    /// never gave one and failed): told once when it becomes so, and once when it reads again.
    func meterChanges(at now: Date) -> [UpMessage] {
        let timeout = configuration.loadManagement.meterTimeout
        let limit = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        var changes: [UpMessage] = []
        for entry in board.meters {
            let name = entry.settings.name
            let stale = entry.measurement.map { now.timeIntervalSince($0.takenAt) > limit } ?? (entry.failures > 0)
            let told = unreadable.withLock { told in
                stale ? told.insert(name).inserted : told.remove(name) != nil
            }
            guard told else { continue }
            var fields = ["meter": name]
            if stale { fields["error"] = entry.lastError ?? "no reading" }
            let detail =
                (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            changes.append(
                .event(
                    SiteEvent(
                        station: nil, kind: stale ? "meter_unreadable" : "meter_readable",
                        severity: .known(stale ? .warning : .info), detail: detail, time: now)))
        }
        return changes
    }
}
