import Foundation
import Logging
import Meters

/// Reads the meters of one bus, blocking; used only on that bus's thread (see `MeterBus`).
final class MeterReader {
    private struct MeterState {
        var settings: MeterSettings
        var profile: MeterProfile?
        var plan: [ReadBlock] = []
        var nextPoll = ContinuousClock.now
        var backoff: Duration = .zero
        var previous: MeterMeasurement?
        /// Readings in a row whose energy counter went back.
        var energyRegressions = 0
    }

    private let link: ModbusLink
    private var meters: [MeterState]
    private let plausibility: Plausibility
    private let logger: Logger
    static let maxBackoff: Duration = .seconds(30)

    init(address: ModbusAddress, meters: [MeterSettings], plausibility: Plausibility, logger: Logger) {
        link = ModbusLink(address: address, timeout: meters.map(\.timeout).max() ?? .milliseconds(500))
        self.meters = meters.map { settings in
            var state = MeterState(settings: settings)
            if case .profile(let profile) = settings.kind {
                state.profile = profile
                state.plan = profile.readPlan()
            }
            return state
        }
        self.plausibility = plausibility
        self.logger = logger
    }

    /// The earliest time a meter is due.
    var nextDue: ContinuousClock.Instant { meters.map(\.nextPoll).min() ?? .now + .seconds(1) }

    /// Reads every meter that is due, recording results on `board`.
    func pollDue(board: MeterBoard) {
        for index in meters.indices where meters[index].nextPoll <= .now {
            let name = meters[index].settings.name
            do {
                let (measurement, profile) = try readOnce(index)
                meters[index].previous = measurement
                meters[index].backoff = .zero
                meters[index].nextPoll += meters[index].settings.pollInterval
                if meters[index].nextPoll < .now { meters[index].nextPoll = .now + meters[index].settings.pollInterval }
                board.record(measurement, meter: name, profile: profile)
            } catch {
                board.failed(error, meter: name, at: Date())
                if case .implausible = error {
                    logger.warning("meter reading rejected", metadata: ["meter": "\(name)", "reason": "\(error)"])
                    meters[index].nextPoll = .now + meters[index].settings.pollInterval
                    continue
                }
                let backoff = min(Self.maxBackoff, max(meters[index].settings.pollInterval, meters[index].backoff * 2))
                if meters[index].backoff == .zero {
                    logger.warning("meter unreadable", metadata: ["meter": "\(name)", "error": "\(error)"])
                }
                meters[index].backoff = backoff
                meters[index].nextPoll = .now + backoff
            }
        }
    }

    /// Reads one meter now; throws what went wrong. For `gridside-edge check`.
    func probe() -> [Result<(MeterMeasurement, String), MeterError>] {
        meters.indices.map { index in Result { () throws(MeterError) in try readOnce(index) } }
    }

    private func readOnce(_ index: Int) throws(MeterError) -> (MeterMeasurement, String) {
        let settings = meters[index].settings
        try link.connect(meter: settings.name)
        if meters[index].profile == nil {
            let profile = try discoverSunSpec(settings)
            meters[index].profile = profile
            meters[index].plan = profile.readPlan()
            logger.notice("SunSpec meter found", metadata: ["meter": "\(settings.name)", "model": "\(profile.name)"])
        }
        var registers: [RegisterTable: [Int: UInt16]] = [:]
        for block in meters[index].plan {
            let words = try link.read(
                meter: settings.name, unit: settings.unit, table: block.table, start: block.address, count: block.count)
            for (offset, word) in words.enumerated() { registers[block.table, default: [:]][block.address + offset] = word }
        }
        let measurement = meters[index].profile!.measurement(from: registers, at: Date())
        if let problem = plausibility.problem(with: measurement, after: meters[index].previous) {
            // A counter that keeps reading lower was reset or replaced (or the reading it is compared with was
            // a bad one): after a few in a row, take the new counter rather than reject the meter for ever.
            let regressed = plausibility.problem(with: measurement, after: nil) == nil
            meters[index].energyRegressions = regressed ? meters[index].energyRegressions + 1 : 0
            if regressed, meters[index].energyRegressions >= 3 {
                logger.warning(
                    "meter energy counter went back in several readings in a row; taking it as reset",
                    metadata: ["meter": "\(settings.name)", "import_wh": "\(measurement.importEnergy ?? 0)"])
                meters[index].energyRegressions = 0
                return (measurement, meters[index].profile!.name)
            }
            throw .implausible(meter: settings.name, reason: problem)
        }
        meters[index].energyRegressions = 0
        return (measurement, meters[index].profile!.name)
    }

    private func discoverSunSpec(_ settings: MeterSettings) throws(MeterError) -> MeterProfile {
        for base in SunSpec.baseAddresses {
            let marker: [UInt16]
            do {
                marker = try link.read(meter: settings.name, unit: settings.unit, table: .holding, start: base, count: 2)
            } catch .timeout(let meter, let register) {
                throw .timeout(meter: meter, register: register)
            } catch {
                try link.connect(meter: settings.name)
                continue
            }
            guard marker == SunSpec.marker else { continue }
            let found = try SunSpec.findMeter(base: base) { (address: Int) throws(MeterError) -> [UInt16] in
                try link.read(meter: settings.name, unit: settings.unit, table: .holding, start: address, count: 2)
            }
            if let found { return SunSpec.profile(model: found.model, modelAddress: found.address) }
        }
        throw .notSunSpec(meter: settings.name)
    }

    func close() { link.free() }
}
