import ArgumentParser
import Foundation
import Pricing

extension CloudBench {
    /// Times pricing one session: 100 charging periods under a 10-element tariff that changes with the time of day,
    /// the day of the week, the energy so far and the power, in Europe/Berlin.
    struct PricingRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pricing", abstract: "Time pricing a session of 100 periods under a 10-element tariff.")

        @Option(help: "Sessions priced per measurement.") var iterations = 2_000
        @Option(help: "Measurements; the median is reported.") var rounds = 7

        func run() throws {
            let tariff = Self.tariff
            let session = Self.session(periods: 100)
            let zone = TimeZone(identifier: "Europe/Berlin")!
            let cost = try Pricing.price(tariff, session: session, timeZone: zone, rounding: .ocpi)
            let clock = ContinuousClock()
            var samples: [Double] = []
            for _ in 0..<rounds {
                let started = clock.now
                for _ in 0..<iterations {
                    _ = try Pricing.price(tariff, session: session, timeZone: zone, rounding: .ocpi)
                }
                let elapsed = clock.now - started
                samples.append(
                    (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12)
                        / Double(iterations))
            }
            samples.sort()
            print(
                String(
                    format: "pricing: 100 periods, 10 elements, %d pieces: median %.1f µs a session (min %.1f, max %.1f)",
                    cost.pricedPeriods.count, samples[samples.count / 2], samples[0], samples[samples.count - 1]))
            print("total_cost \(cost.totalCost.exclVAT) excl. VAT, \(cost.totalCost.inclVAT ?? .zero) incl. VAT")
        }

        static var tariff: Tariff {
            func element(
                _ type: TariffDimension, _ price: String, _ restrictions: TariffRestrictions? = nil
            ) -> TariffElement {
                TariffElement(
                    priceComponents: [PriceComponent(type: type, price: ExactDecimal(price)!, vat: 19, stepSize: 1)],
                    restrictions: restrictions)
            }
            let weekdays: [DayOfWeek] = [.monday, .tuesday, .wednesday, .thursday, .friday]
            return Tariff(
                currency: "EUR",
                elements: [
                    element(.flat, "0.50"),
                    element(.energy, "0.19", TariffRestrictions(startTime: "22:00", endTime: "06:00")),
                    element(.energy, "0.45", TariffRestrictions(minPower: 50)),
                    element(.energy, "0.29", TariffRestrictions(startTime: "06:00", endTime: "18:00", dayOfWeek: weekdays)),
                    element(.energy, "0.25", TariffRestrictions(minKWh: 40)),
                    element(.energy, "0.33"),
                    element(.time, "0.00", TariffRestrictions(maxDuration: 14_400)),
                    element(.time, "1.20", TariffRestrictions(startTime: "08:00", endTime: "20:00")),
                    element(.parkingTime, "0.00", TariffRestrictions(startTime: "20:00", endTime: "08:00")),
                    element(.parkingTime, "6.00"),
                ])
        }

        /// Periods of 6 minutes: mostly charging at 3.7 – 22 kW, with a stretch of parking after every ninth.
        static func session(periods: Int) -> PricingSession {
            let start = Date(timeIntervalSince1970: 1_795_000_000)
            let chargingPeriods = (0..<periods).map { index in
                let kW = ExactDecimal(Int64(37 + (index * 37) % 183), over: 10)
                let dimensions =
                    index % 9 == 8
                    ? [CdrDimension(.parkingTime, ExactDecimal("0.1")!)]
                    : [
                        CdrDimension(.energy, kW * ExactDecimal("0.1")!), CdrDimension(.time, ExactDecimal("0.1")!),
                        CdrDimension(.power, kW), CdrDimension(.current, 16),
                    ]
                return ChargingPeriod(startDateTime: start + Double(index * 360), dimensions: dimensions)
            }
            return PricingSession(
                startDateTime: start, endDateTime: start + Double(periods * 360), chargingPeriods: chargingPeriods)
        }
    }
}
