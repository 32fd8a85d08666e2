import EdgeConfig
import Foundation
import LoadControl
import LoadManagement
import MeterIO
import Meters
import SyncContract

/// The site's periodic messages for the cloud: what the meters read and what load management decided.
struct SiteSamples: Sendable {
    let configuration: EdgeConfiguration
    let board: MeterBoard
    let load: LoadController

    func messages(at now: Date) -> [UpMessage] {
        var messages: [UpMessage] = []
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
                        gridCurrentA: status.gridCurrents, allocatedA: allocated, charging: charging, waiting: waiting)))
        }
        return messages
    }
}
