import Foundation
import Pricing
import SeededRandom
import Testing

/// Properties over seeded random tariffs and sessions, the same on every run.
@Suite struct PricingPropertyTests {
    static let zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]

    /// A random tariff of 1 – 10 elements; `volumeRestrictions` false leaves out what a period's own volumes decide
    /// (energy so far, power), for the monotonicity checks.
    static func tariff(_ random: inout SplitMix, volumeRestrictions: Bool = true) -> Tariff {
        func amount(_ limit: Int) -> ExactDecimal {
            ExactDecimal(units: Int128(Int.random(in: 0...limit, using: &random)) * 100_000_000)
        }
        let elements = (0..<Int.random(in: 1...10, using: &random)).map { _ in
            let components = TariffDimension.allCases.shuffled(using: &random).prefix(Int.random(in: 1...3, using: &random))
                .map { type in
                    PriceComponent(
                        type: type, price: amount(50_000), vat: Bool.random(using: &random) ? amount(2_500) : nil,
                        stepSize: [0, 1, 60, 300, 900, 1000, 5000].randomElement(using: &random)!)
                }
            var restrictions = TariffRestrictions()
            if Int.random(in: 0..<3, using: &random) == 0 {
                restrictions.startTime = String(format: "%02d:%02d", Int.random(in: 0..<24, using: &random), 0)
                restrictions.endTime = String(format: "%02d:30", Int.random(in: 0..<24, using: &random))
            }
            if Int.random(in: 0..<4, using: &random) == 0 {
                restrictions.dayOfWeek = Array(DayOfWeek.allCases.shuffled(using: &random).prefix(3))
            }
            if Int.random(in: 0..<4, using: &random) == 0 { restrictions.minDuration = Int.random(in: 0...7200, using: &random) }
            if Int.random(in: 0..<4, using: &random) == 0 {
                restrictions.maxDuration = Int.random(in: 600...14400, using: &random)
            }
            if volumeRestrictions && Int.random(in: 0..<4, using: &random) == 0 { restrictions.minKWh = amount(300) }
            if volumeRestrictions && Int.random(in: 0..<4, using: &random) == 0 { restrictions.maxPower = amount(500) }
            if Int.random(in: 0..<5, using: &random) == 0 { restrictions.maxCurrent = amount(400) }
            return TariffElement(priceComponents: Array(components), restrictions: restrictions)
        }
        var tariff = Tariff(currency: "EUR", elements: elements)
        if Int.random(in: 0..<5, using: &random) == 0 { tariff.minPrice = Price(exclVAT: amount(500), inclVAT: nil) }
        return tariff
    }

    /// A random session of 1 – 20 periods over up to a day and a half, charging then sometimes parking.
    static func session(_ random: inout SplitMix) -> PricingSession {
        let start = Date(timeIntervalSince1970: Double(Int.random(in: 1_700_000_000...1_800_000_000, using: &random)))
        var instant = start
        var periods: [ChargingPeriod] = []
        for _ in 0..<Int.random(in: 1...20, using: &random) {
            let minutes = Int.random(in: 1...180, using: &random)
            let hours = ExactDecimal(Int64(minutes), over: 60)
            let parking = Int.random(in: 0..<4, using: &random) == 0
            let power = ExactDecimal(units: Int128(Int.random(in: 0...22_000, using: &random)) * 1_000_000_000)
            periods.append(
                ChargingPeriod(
                    startDateTime: instant,
                    dimensions: parking
                        ? [CdrDimension(.parkingTime, hours), CdrDimension(.power, 0)]
                        : [
                            CdrDimension(.energy, power * hours), CdrDimension(.time, hours), CdrDimension(.power, power),
                            CdrDimension(.current, ExactDecimal(Int.random(in: 6...64, using: &random))),
                        ]))
            instant += Double(minutes * 60)
        }
        return PricingSession(startDateTime: start, endDateTime: instant, chargingPeriods: periods)
    }

    static func price(_ tariff: Tariff, _ session: PricingSession, _ zone: String) throws -> SessionCost {
        try Pricing.price(tariff, session: session, timeZone: TimeZone(identifier: zone)!, rounding: .exact)
    }

    static func close(_ a: ExactDecimal, _ b: ExactDecimal) -> Bool {
        (a - b).units.magnitude <= 10_000  // 10⁻⁸
    }

    @Test func costIsNeverNegativeAndVATNeverLowersIt() throws {
        var random = SplitMix(seed: 15)
        for _ in 0..<300 {
            let zone = Self.zones.randomElement(using: &random)!
            let cost = try Self.price(Self.tariff(&random), Self.session(&random), zone)
            #expect(cost.totalCost.exclVAT >= .zero)
            #expect(cost.totalCost.inclVAT! >= cost.totalCost.exclVAT)
            for price in [cost.totalEnergyCost, cost.totalTimeCost, cost.totalParkingCost, cost.totalFixedCost] {
                #expect(price.exclVAT >= .zero)
            }
        }
    }

    @Test func splittingAPeriodInTwoNeverChangesTheCost() throws {
        var random = SplitMix(seed: 1515)
        for _ in 0..<300 {
            let zone = Self.zones.randomElement(using: &random)!
            let tariff = Self.tariff(&random)
            let session = Self.session(&random)
            let index = Int.random(in: 0..<session.chargingPeriods.count, using: &random)
            let period = session.chargingPeriods[index]
            let end =
                index + 1 < session.chargingPeriods.count
                ? session.chargingPeriods[index + 1].startDateTime : session.endDateTime
            let seconds = Int64(end.timeIntervalSince(period.startDateTime))
            guard seconds > 1 else { continue }
            let cut = Int64.random(in: 1..<seconds, using: &random)
            let shared: Set<CdrDimensionType> = [.energy, .time, .parkingTime]
            let first = ChargingPeriod(
                startDateTime: period.startDateTime,
                dimensions: period.dimensions.map {
                    shared.contains($0.type) ? CdrDimension($0.type, $0.volume.scaled(by: cut, over: seconds)) : $0
                })
            let second = ChargingPeriod(
                startDateTime: period.startDateTime + Double(cut),
                dimensions: zip(period.dimensions, first.dimensions).map {
                    shared.contains($0.type) ? CdrDimension($0.type, $0.volume - $1.volume) : $0
                })
            var split = session
            split.chargingPeriods.replaceSubrange(index...index, with: [first, second])
            let whole = try Self.price(tariff, session, zone)
            let parts = try Self.price(tariff, split, zone)
            #expect(Self.close(whole.totalCost.exclVAT, parts.totalCost.exclVAT), "\(tariff) \(session) at \(cut)")
            #expect(Self.close(whole.totalCost.inclVAT!, parts.totalCost.inclVAT!))
            #expect(whole.totalEnergy == parts.totalEnergy)
        }
    }

    @Test func moreEnergyOrTimeNeverCostsLess() throws {
        var random = SplitMix(seed: 151_515)
        for _ in 0..<300 {
            let zone = Self.zones.randomElement(using: &random)!
            let tariff = Self.tariff(&random, volumeRestrictions: false)
            let session = Self.session(&random)
            let index = Int.random(in: 0..<session.chargingPeriods.count, using: &random)
            let factor = ExactDecimal(Int64.random(in: 101...300, using: &random), over: 100)
            var more = session
            more.chargingPeriods[index].dimensions = session.chargingPeriods[index].dimensions.map {
                [.energy, .time, .parkingTime].contains($0.type) ? CdrDimension($0.type, $0.volume * factor) : $0
            }
            let before = try Self.price(tariff, session, zone)
            let after = try Self.price(tariff, more, zone)
            // Up to the 10⁻¹² a pro-rata share is rounded to.
            #expect(
                after.totalCost.exclVAT - before.totalCost.exclVAT >= ExactDecimal("-0.00000001")!,
                "\(tariff) \(session) period \(index) × \(factor)")
        }
    }

    @Test func exactDecimalReadsAndWritesNumbersExactly() {
        for text in ["0", "0.25", "-12.5", "1000000", "0.000000000001", "123456789.123456789"] {
            #expect(ExactDecimal(text)?.description == text)
        }
        #expect(ExactDecimal("3e-2") == ExactDecimal("0.03"))
        #expect(ExactDecimal("2.4000000000000001") == ExactDecimal("2.4"))
        #expect(ExactDecimal("0.0000000000005") == .zero)  // half to even
        #expect(ExactDecimal("0.0000000000015") == ExactDecimal("0.000000000002"))
        for bad in ["", "-", "1.2.3", "1e", "abc", "1e99", "1e-9223372036854775808", "0.00000000001e-40", "1e12345"] {
            #expect(ExactDecimal(bad) == nil, "\(bad)")
        }
        let value = ExactDecimal("2.345")!
        #expect(value.rounded(toFractionDigits: 2, .halfUp) == ExactDecimal("2.35"))
        #expect(value.rounded(toFractionDigits: 2, .halfEven) == ExactDecimal("2.34"))
        #expect(value.rounded(toFractionDigits: 2, .down) == ExactDecimal("2.34"))
        #expect(value.rounded(toFractionDigits: 2, .up) == ExactDecimal("2.35"))
        #expect((-value).rounded(toFractionDigits: 2, .halfUp) == ExactDecimal("-2.35"))
        #expect(ExactDecimal("0.1")! * ExactDecimal("0.2")! == ExactDecimal("0.02"))
        #expect(ExactDecimal(1).divided(by: 3) == ExactDecimal("0.333333333333"))
    }
}
