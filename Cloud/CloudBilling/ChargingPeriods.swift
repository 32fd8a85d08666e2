public import CloudStore
public import Foundation
public import Pricing

/// Builds a session's OCPI charging periods from what the cloud receives of it: the meter at its start and stop and
/// the samples in between (energy register, current). Pure.
///
/// Between two readings, energy flowing at `chargingThresholdW` or more on average is charging time; less is parking
/// (OCPI: "the EV is not charging"), which is how the idle time after a car stops drawing becomes PARKING_TIME. A
/// register that goes backwards counts as no energy (the report checks flag such a session). Parking stretches
/// next to each other are one period; each charging stretch is its own, so its power and current stay its own.
public enum ChargingPeriods {
    /// Average power below which an interval counts as parking (meters show a few watts at rest).
    public static let chargingThresholdW = 50.0

    /// The session as priced: from its start to its stop, or to `now` while it runs.
    public static func session(of session: SessionView, samples: [SessionSamplePoint], now: Date) -> PricingSession? {
        guard let start = session.startTime else { return nil }
        let end = max(session.stopTime ?? now, start)
        var points: [(time: Date, energyWh: Double, currentA: Double?)] = []
        if let meterStart = session.meterStartWh { points.append((start, meterStart, nil)) }
        for sample in samples where sample.time > start && sample.time < end {
            guard let energy = sample.energyWh else { continue }
            points.append((sample.time, energy, sample.currentA))
        }
        if let stop = session.meterStopWh, session.stopTime != nil {
            points.append((end, stop, nil))
        } else if let last = points.last, last.time < end {
            // Running: nothing more is known to have flowed since the last reading.
            points.append((end, last.energyWh, last.currentA))
        }
        var periods: [ChargingPeriod] = []
        var parking = false
        // Energy read between two readings of the same instant (a session of a second, a charger that sends its
        // stop with its last reading's timestamp) goes to the next period, or the last one.
        var carriedWh = 0.0
        for (from, to) in zip(points, points.dropFirst()) {
            let milliseconds = Int64((to.time.timeIntervalSince(from.time) * 1000).rounded())
            guard milliseconds > 0 else {
                carriedWh += max(0, to.energyWh - from.energyWh)
                continue
            }
            let energyWh = max(0, to.energyWh - from.energyWh) + carriedWh
            carriedWh = 0
            let hours = ExactDecimal(milliseconds, over: 3_600_000)
            let charging = energyWh * 3_600_000 / Double(milliseconds) >= chargingThresholdW
            if !charging, parking, let last = periods.indices.last {
                // One parking period for the whole idle stretch.
                periods[last].dimensions = [
                    CdrDimension(.parkingTime, (periods[last].volume(.parkingTime) ?? .zero) + hours)
                ]
                continue
            }
            parking = !charging
            var dimensions =
                charging
                ? [CdrDimension(.energy, kilowattHours(energyWh)), CdrDimension(.time, hours)]
                : [CdrDimension(.parkingTime, hours)]
            if charging, let current = to.currentA, current.isFinite, current >= 0, current < 1e9 {
                dimensions.append(CdrDimension(.current, ExactDecimal(units: Int128((current * 1000).rounded()) * 1_000_000_000)))
            }
            periods.append(ChargingPeriod(startDateTime: from.time, dimensions: dimensions))
        }
        if carriedWh > 0 {
            if let last = periods.indices.last, let energy = periods[last].volume(.energy) {
                periods[last].dimensions[0] = CdrDimension(.energy, energy + kilowattHours(carriedWh))
            } else if let last = periods.indices.last {
                periods[last].dimensions.append(CdrDimension(.energy, kilowattHours(carriedWh)))
            } else {
                periods.append(
                    ChargingPeriod(
                        startDateTime: start,
                        dimensions: [CdrDimension(.energy, kilowattHours(carriedWh)), CdrDimension(.time, .zero)]))
            }
        }
        if periods.isEmpty {
            periods.append(ChargingPeriod(startDateTime: start, dimensions: [CdrDimension(.parkingTime, .zero)]))
        }
        return PricingSession(startDateTime: start, endDateTime: end, chargingPeriods: periods)
    }

    /// How long a finished session stood connected without charging: its parking periods.
    public static func idleTime(of session: SessionView, samples: [SessionSamplePoint]) -> Duration? {
        guard let periods = Self.session(of: session, samples: samples, now: session.stopTime ?? Date()) else { return nil }
        let hours = periods.chargingPeriods.reduce(ExactDecimal.zero) { $0 + ($1.volume(.parkingTime) ?? .zero) }
        let milliseconds = hours.scaled(by: 3_600_000, over: 1).rounded(toFractionDigits: 0, .halfEven)
        return .milliseconds(Int64(milliseconds.units / 1_000_000_000_000))
    }

    /// Wh read by a meter as kWh, to the mWh.
    static func kilowattHours(_ wattHours: Double) -> ExactDecimal {
        guard wattHours.isFinite, wattHours > 0 else { return .zero }
        // A reading beyond any meter (10¹² Wh) is kept that large, which pricing refuses as out of range.
        return ExactDecimal(units: Int128((min(wattHours, 1e12) * 1000).rounded()) * 1_000_000)
    }
}
