import Foundation
import Pricing
import WireJSON

/// Small builders so a test reads like the example it recomputes.
enum Build {
    static let decoder = WireCoders.decoder(dates: RFC3339.parse, refusal: { "not an RFC 3339 date: \($0)" })

    static func tariff(_ json: String) throws -> Tariff {
        try decoder.decode(Tariff.self, from: Data(json.utf8))
    }

    static func date(_ text: String) -> Date { RFC3339.parse(text)! }

    static func number(_ text: String) -> ExactDecimal { ExactDecimal(text)! }

    static func period(_ start: String, _ dimensions: [(CdrDimensionType, String)]) -> ChargingPeriod {
        ChargingPeriod(startDateTime: date(start), dimensions: dimensions.map { CdrDimension($0.0, number($0.1)) })
    }

    static func session(_ start: String, _ end: String, _ periods: [ChargingPeriod]) -> PricingSession {
        PricingSession(startDateTime: date(start), endDateTime: date(end), chargingPeriods: periods)
    }

    static func price(
        _ tariff: Tariff, _ session: PricingSession, zone: String = "UTC", rounding: MoneyRounding = .ocpi
    ) throws -> SessionCost {
        try Pricing.price(tariff, session: session, timeZone: TimeZone(identifier: zone)!, rounding: rounding)
    }

    static func money(_ excl: String, _ incl: String) -> Price { Price(exclVAT: number(excl), inclVAT: number(incl)) }
}

/// Euro cents, a half rounded up: how the examples state their totals.
let cents = MoneyRounding(fractionDigits: 2, rule: .halfUp)
