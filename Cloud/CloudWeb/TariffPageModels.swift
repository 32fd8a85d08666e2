import Foundation
import Pricing
import ServerSupport

/// Every tariff and where it applies (`tariffs.mustache`).
struct TariffsPage: PageModel {
    struct Row {
        let id, name, currency: String
        let version: Int
        let places: String
    }

    let tariffs: [Row]
    let hasTariffs, canEdit: Bool
}

/// One tariff: its OCPI JSON in an editor, where it applies, and a preview on an example session (`tariff.mustache`).
struct TariffPage: PageModel {
    struct Assignment {
        let tariff, id, place: String
        let tokenGroup: String?
        let from: String
        let to: String?
    }

    /// The example session the preview prices: a start on the wall clock of `timeZone`, energy charged over some
    /// hours, then minutes parked.
    struct Example {
        var start = "2026-01-13T17:30"
        var energy = "22"
        var hours = "2"
        var parkingMinutes = "30"
        var timeZone = "Europe/Berlin"

        init() {}

        init(_ form: Form) {
            start = form.text("exampleStart") ?? start
            energy = form.text("exampleEnergy") ?? energy
            hours = form.text("exampleHours") ?? hours
            parkingMinutes = form.text("exampleParking") ?? parkingMinutes
            timeZone = form.text("exampleZone") ?? timeZone
        }

        /// The session as OCPI charging periods; a 400 names the field that is not what it must be.
        func session() throws -> PricingSession {
            guard let zone = TimeZone(identifier: timeZone) else {
                throw Problem(status: 400, detail: "exampleZone: '\(timeZone)' is not an IANA time zone")
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let parts = start.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
            guard parts.count == 5, (1970...2200).contains(parts[0]),
                let begin = calendar.date(
                    from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4]))
            else { throw Problem(status: 400, detail: "exampleStart: '\(start)' is not a date and time YYYY-MM-DDTHH:MM") }
            func number(_ text: String, _ field: String) throws -> ExactDecimal {
                guard let value = ExactDecimal(text.replacingOccurrences(of: ",", with: ".")), value >= .zero,
                    value <= 10_000
                else { throw Problem(status: 400, detail: "\(field): '\(text)' is not a number from 0 to 10000") }
                return value
            }
            let kWh = try number(energy, "exampleEnergy")
            let charging = try number(hours, "exampleHours")
            let parking = try number(parkingMinutes, "exampleParking")
            let chargingSeconds =
                Double(charging.scaled(by: 3600, over: 1).rounded(toFractionDigits: 0, .halfUp).description) ?? 0
            let parkingSeconds = Double(parking.scaled(by: 60, over: 1).rounded(toFractionDigits: 0, .halfUp).description) ?? 0
            var periods: [ChargingPeriod] = []
            if chargingSeconds > 0 || parkingSeconds == 0 {
                periods.append(
                    ChargingPeriod(
                        startDateTime: begin, dimensions: [CdrDimension(.energy, kWh), CdrDimension(.time, charging)]))
            }
            if parkingSeconds > 0 {
                periods.append(
                    ChargingPeriod(
                        startDateTime: begin + chargingSeconds,
                        dimensions: [CdrDimension(.parkingTime, parking.scaled(by: 1, over: 60))]))
            }
            return PricingSession(
                startDateTime: begin, endDateTime: begin + chargingSeconds + parkingSeconds, chargingPeriods: periods)
        }
    }

    struct Preview {
        struct Period {
            let from, to, parts: String
        }

        let total, energy, time, parking, fixed: String
        let periods: [Period]
    }

    let id, name, json: String
    let isNew: Bool
    let version: Int?
    let canEdit: Bool
    let assignments: [Assignment]
    let places: [Option]
    let example: Example
    let preview: Preview?
    let error: String?
}
