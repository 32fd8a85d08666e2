import Foundation
import Pricing
import Testing

/// The worked examples of OCPI 2.2.1's tariff and CDR modules, recomputed here, and the cases the spec leaves to the
/// implementer (README, "Pricing and reports").
@Suite struct TariffExampleTests {
    static let complex = """
        {"currency": "EUR", "elements": [
          {"price_components": [{"type": "FLAT", "price": 2.50, "vat": 15.0, "step_size": 1}]},
          {"price_components": [{"type": "TIME", "price": 1.00, "vat": 20.0, "step_size": 900}],
           "restrictions": {"max_current": 32.00}},
          {"price_components": [{"type": "TIME", "price": 2.00, "vat": 20.0, "step_size": 600}],
           "restrictions": {"min_current": 32.00, "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]}},
          {"price_components": [{"type": "TIME", "price": 1.25, "vat": 20.0, "step_size": 600}],
           "restrictions": {"min_current": 32.00, "day_of_week": ["SATURDAY", "SUNDAY"]}},
          {"price_components": [{"type": "PARKING_TIME", "price": 5.00, "vat": 10.0, "step_size": 300}],
           "restrictions": {"start_time": "09:00", "end_time": "18:00",
                            "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]}},
          {"price_components": [{"type": "PARKING_TIME", "price": 6.00, "vat": 10.0, "step_size": 300}],
           "restrictions": {"start_time": "10:00", "end_time": "17:00", "day_of_week": ["SATURDAY"]}}
        ]}
        """

    /// Monday 09:30, 165 minutes at 16 A, 42 minutes parked: 2.50 + 2.75 + 3.75 (45 minutes) = 9.00 / 10.30.
    @Test func complexTariffOnAMonday() throws {
        let cost = try Build.price(
            Build.tariff(Self.complex),
            Build.session(
                "2015-06-29T09:30:00Z", "2015-06-29T12:57:00Z",
                [
                    Build.period("2015-06-29T09:30:00Z", [(.time, "2.75"), (.current, "16")]),
                    Build.period("2015-06-29T12:15:00Z", [(.parkingTime, "0.7")]),
                ]))
        #expect(cost.totalCost == Build.money("9", "10.3"))
        #expect(cost.totalTimeCost == Build.money("2.75", "3.3"))
        #expect(cost.totalParkingCost == Build.money("3.75", "4.125"))
        #expect(cost.totalFixedCost == Build.money("2.5", "2.875"))
    }

    /// Saturday 13:30, 114 minutes at 43 A, 71 minutes parked. The spec's table says 12.28 / 13.861, pricing the
    /// 114 minutes at 1.20 an hour; at the tariff's 1.25 they cost 2.375, so 12.375 / 13.975 (ocpi/ocpi#579).
    @Test func complexTariffOnASaturdayCorrectsTheSpecsTable() throws {
        let cost = try Build.price(
            Build.tariff(Self.complex),
            Build.session(
                "2015-07-04T13:30:00Z", "2015-07-04T16:35:00Z",
                [
                    Build.period("2015-07-04T13:30:00Z", [(.time, "1.9"), (.current, "43")]),
                    Build.period("2015-07-04T15:24:00Z", [(.parkingTime, "1.1833")]),
                ]))
        #expect(cost.totalTimeCost == Build.money("2.375", "2.85"))
        #expect(cost.totalParkingCost == Build.money("7.5", "8.25"))
        #expect(cost.totalCost == Build.money("12.375", "13.975"))
    }

    static let startFeeAndEnergy = """
        {"currency": "EUR", "elements": [{"price_components": [
          {"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1},
          {"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1},
          {"type": "PARKING_TIME", "price": 2.00, "vat": 20.0, "step_size": 900}]}]}
        """

    /// 20 kWh, then 40 minutes parked at 2.00 an hour billed per 15 minutes: 45 minutes, 7.00 / 7.90.
    @Test func parkingIsBilledInWholeSteps() throws {
        let cost = try Build.price(
            Build.tariff(Self.startFeeAndEnergy),
            Build.session(
                "2022-01-13T14:30:00Z", "2022-01-13T16:10:00Z",
                [
                    Build.period("2022-01-13T14:30:00Z", [(.energy, "20"), (.time, "1")]),
                    Build.period("2022-01-13T15:30:00Z", [(.parkingTime, "0.6667")]),
                ]), rounding: cents)
        #expect(cost.totalParkingCost == Build.money("1.5", "1.8"))
        #expect(cost.totalCost == Build.money("7", "7.9"))
        #expect(cost.totalParkingTime == Build.number("0.6667"))
    }

    /// max_price 10.00 / 11.00: 50 kWh would cost 13.00, so 10.00 / 11.00; 30 kWh stay 8.00 / 8.85.
    @Test func maxPriceCapsTheTotal() throws {
        let tariff = try Build.tariff(
            """
            {"currency": "EUR", "max_price": {"excl_vat": 10.00, "incl_vat": 11.00}, "elements": [{"price_components": [
              {"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1},
              {"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1}]}]}
            """)
        func charge(_ kWh: String) throws -> SessionCost {
            try Build.price(
                tariff,
                Build.session(
                    "2022-01-13T14:30:00Z", "2022-01-13T16:30:00Z",
                    [Build.period("2022-01-13T14:30:00Z", [(.energy, kWh)])]), rounding: cents)
        }
        let large = try charge("50")
        #expect(large.totalCost == Build.money("10", "11"))
        #expect(large.totalBeforeLimit == Build.money("13", "14.35"))
        #expect(large.totalEnergyCost == Build.money("12.5", "13.75"))
        let small = try charge("30")
        #expect(small.totalCost == Build.money("8", "8.85"))
        #expect(small.totalBeforeLimit == nil)
    }

    /// min_price given without VAT: the total with VAT rises in proportion.
    @Test func minPriceWithoutVATRaisesTheTotalWithVATInProportion() throws {
        let tariff = try Build.tariff(
            """
            {"currency": "EUR", "min_price": {"excl_vat": 1.00}, "elements": [{"price_components": [
              {"type": "ENERGY", "price": 0.25, "vat": 20.0, "step_size": 1}]}]}
            """)
        let cost = try Build.price(
            tariff,
            Build.session(
                "2022-01-13T14:30:00Z", "2022-01-13T15:30:00Z", [Build.period("2022-01-13T14:30:00Z", [(.energy, "2")])]))
        #expect(cost.totalCost == Build.money("1", "1.2"))
    }

    /// 2 h 30 at 1.90 an hour billed per 5 minutes, 5.2 % VAT: 4.75 / 5.00 in cents (4.997 exactly).
    @Test func timeWithVATRoundedToCents() throws {
        let tariff = try Build.tariff(
            """
            {"currency": "EUR", "elements": [{"price_components": [
              {"type": "TIME", "price": 1.90, "vat": 5.2, "step_size": 300}]}]}
            """)
        let session = Build.session(
            "2022-01-13T14:30:00Z", "2022-01-13T17:00:00Z", [Build.period("2022-01-13T14:30:00Z", [(.time, "2.5")])])
        #expect(try Build.price(tariff, session, rounding: cents).totalCost == Build.money("4.75", "5"))
        #expect(try Build.price(tariff, session).totalCost == Build.money("4.75", "4.997"))
    }

    /// 20.45 kWh billed per 100 Wh: 20.5 kWh, so 0.50 + 5.125 = 5.63 / 6.24 in cents.
    @Test func energyIsBilledInWholeSteps() throws {
        let tariff = try Build.tariff(
            """
            {"currency": "EUR", "elements": [{"price_components": [
              {"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1},
              {"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 100}]}]}
            """)
        let cost = try Build.price(
            tariff,
            Build.session(
                "2022-01-13T14:30:00Z", "2022-01-13T15:30:00Z", [Build.period("2022-01-13T14:30:00Z", [(.energy, "20.45")])]),
            rounding: cents)
        #expect(cost.totalCost == Build.money("5.63", "6.24"))
        #expect(cost.totalEnergy == Build.number("20.45"))
        #expect(cost.pricedPeriods.first?.components.first?.volume == Build.number("20.5"))
    }

    static let byPower = """
        {"currency": "EUR", "elements": [
          {"price_components": [{"type": "ENERGY", "price": 0.20, "vat": 20.0, "step_size": 1}], "restrictions": {"max_power": 16.00}},
          {"price_components": [{"type": "ENERGY", "price": 0.35, "vat": 20.0, "step_size": 1}], "restrictions": {"max_power": 32.00}},
          {"price_components": [{"type": "ENERGY", "price": 0.50, "vat": 20.0, "step_size": 1}]}
        ]}
        """

    /// 1 kWh at 6 kW, 40 kWh at 48 kW, 0.5 kWh at 4 kW: 0.20 + 20.00 + 0.10 = 20.30; the price follows the power.
    @Test func powerRestrictionsSwitchMidSession() throws {
        let cost = try Build.price(
            Build.tariff(Self.byPower),
            Build.session(
                "2022-01-13T14:00:00Z", "2022-01-13T15:07:30Z",
                [
                    Build.period("2022-01-13T14:00:00Z", [(.energy, "1"), (.power, "6")]),
                    Build.period("2022-01-13T14:10:00Z", [(.energy, "40"), (.power, "48")]),
                    Build.period("2022-01-13T15:00:00Z", [(.energy, "0.5"), (.power, "4")]),
                ]))
        #expect(cost.totalCost.exclVAT == Build.number("20.3"))
        #expect(cost.pricedPeriods.map { $0.components.first?.element } == [0, 2, 0])
    }

    /// Without a reported power, a period's average power (its energy over its length) decides.
    @Test func averagePowerDecidesWhenNoneIsReported() throws {
        let cost = try Build.price(
            Build.tariff(Self.byPower),
            Build.session(
                "2022-01-13T14:00:00Z", "2022-01-13T15:00:00Z",
                [
                    Build.period("2022-01-13T14:00:00Z", [(.energy, "5")]),  // 10 kW over 30 minutes
                    Build.period("2022-01-13T14:30:00Z", [(.energy, "10")]),  // 20 kW
                ]))
        #expect(cost.totalCost.exclVAT == Build.number("4.5"))
    }

    static let freeFirstHalfHour = """
        {"currency": "EUR", "elements": [
          {"price_components": [{"type": "ENERGY", "price": 0.00, "vat": 20.0, "step_size": 1}], "restrictions": {"max_duration": 1800}},
          {"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 20.0, "step_size": 1}], "restrictions": {"max_duration": 3600}},
          {"price_components": [{"type": "ENERGY", "price": 0.40, "vat": 20.0, "step_size": 1}]}
        ]}
        """

    /// 5 kWh in the first 30 minutes, 1.2 kWh in the next 10: 0.00 + 0.30.
    @Test func durationRestrictionsCountFromTheSessionStart() throws {
        let cost = try Build.price(
            Build.tariff(Self.freeFirstHalfHour),
            Build.session(
                "2022-01-13T14:00:00Z", "2022-01-13T14:40:00Z",
                [
                    Build.period("2022-01-13T14:00:00Z", [(.energy, "5")]),
                    Build.period("2022-01-13T14:30:00Z", [(.energy, "1.2")]),
                ]))
        #expect(cost.totalCost.exclVAT == Build.number("0.3"))
    }

    /// One period across the 30-minute mark is split there, its energy pro rata: 6 kWh over 40 minutes is 4.5 kWh
    /// free and 1.5 kWh at 0.25.
    @Test func aPeriodAcrossABoundaryIsSplitProRata() throws {
        let cost = try Build.price(
            Build.tariff(Self.freeFirstHalfHour),
            Build.session(
                "2022-01-13T14:00:00Z", "2022-01-13T14:40:00Z", [Build.period("2022-01-13T14:00:00Z", [(.energy, "6")])]))
        #expect(cost.totalCost.exclVAT == Build.number("0.375"))
        #expect(cost.pricedPeriods.count == 2)
        #expect(cost.pricedPeriods[1].startDateTime == Build.date("2022-01-13T14:30:00Z"))
    }

    /// 5.00 an hour before 17:00 and 7.00 after, both per 10 minutes: 6 + 22 minutes are billed as 30, the 2 extra
    /// after 17:00 (CDR module, step_size).
    @Test func timeIsRoundedOnceForTheSessionAtTheLastPrice() throws {
        let tariff = try Build.tariff(
            """
            {"currency": "EUR", "elements": [
              {"price_components": [{"type": "TIME", "price": 5.00, "step_size": 600}], "restrictions": {"end_time": "17:00"}},
              {"price_components": [{"type": "TIME", "price": 7.00, "step_size": 600}]}
            ]}
            """)
        let cost = try Build.price(
            tariff,
            Build.session(
                "2022-01-13T16:54:00Z", "2022-01-13T17:22:00Z", [Build.period("2022-01-13T16:54:00Z", [(.energy, "3")])]))
        #expect(cost.totalTimeCost == Build.money("3.3", "3.3"))
        #expect(cost.pricedPeriods.last?.components.last?.volume == Build.number("0.4"))
    }

    /// ocpi/ocpi#494: 2.00 per kWh under 20 A, 5.00 from 20 A, both per 10 kWh; 3 + 3 + 3 kWh at 10, 40 and 10 A
    /// are billed 10 kWh, the extra one in the last period: 3 × 2 + 3 × 5 + 4 × 2 = 29.
    @Test func energyIsRoundedOnceForTheSessionInTheLastPeriod() throws {
        let tariff = try Build.tariff(
            """
            {"currency": "EUR", "elements": [
              {"price_components": [{"type": "ENERGY", "price": 2, "step_size": 10000}], "restrictions": {"max_current": 20}},
              {"price_components": [{"type": "ENERGY", "price": 5, "step_size": 10000}], "restrictions": {"min_current": 20}}
            ]}
            """)
        let cost = try Build.price(
            tariff,
            Build.session(
                "2022-01-13T10:00:00Z", "2022-01-13T13:00:00Z",
                [
                    Build.period("2022-01-13T10:00:00Z", [(.energy, "3"), (.current, "10")]),
                    Build.period("2022-01-13T11:00:00Z", [(.energy, "3"), (.current, "40")]),
                    Build.period("2022-01-13T12:00:00Z", [(.energy, "3"), (.current, "10")]),
                ]))
        #expect(cost.totalCost.exclVAT == 29)
        #expect(cost.totalEnergy == 9)
    }

    static let nightEnergy = """
        {"currency": "EUR", "elements": [
          {"price_components": [{"type": "ENERGY", "price": 0.20, "step_size": 1}],
           "restrictions": {"start_time": "22:00", "end_time": "06:00"}},
          {"price_components": [{"type": "ENERGY", "price": 0.40, "step_size": 1}]}
        ]}
        """

    /// A window from 22:00 to 06:00 wraps past midnight, on either side of it.
    @Test func timeOfDayWrapsPastMidnight() throws {
        let tariff = try Build.tariff(Self.nightEnergy)
        for (start, end) in [("2026-01-13T21:00:00Z", "2026-01-13T23:00:00Z"), ("2026-01-14T05:00:00Z", "2026-01-14T07:00:00Z")] {
            let cost = try Build.price(tariff, Build.session(start, end, [Build.period(start, [(.energy, "10")])]))
            #expect(cost.totalCost.exclVAT == 3, "\(start)")
        }
        let across = try Build.price(
            tariff,
            Build.session(
                "2026-01-13T23:00:00Z", "2026-01-14T01:00:00Z", [Build.period("2026-01-13T23:00:00Z", [(.energy, "10")])]))
        #expect(across.totalCost.exclVAT == 2)
        #expect(across.pricedPeriods.count == 2)
    }

    /// The site's time zone decides: 21:30 UTC is 22:30 in Berlin in winter.
    @Test func timesOfDayAreTheSitesWallClock() throws {
        let tariff = try Build.tariff(Self.nightEnergy)
        let session = Build.session(
            "2026-01-13T21:00:00Z", "2026-01-13T22:00:00Z", [Build.period("2026-01-13T21:00:00Z", [(.energy, "10")])])
        #expect(try Build.price(tariff, session).totalCost.exclVAT == 4)
        #expect(try Build.price(tariff, session, zone: "Europe/Berlin").totalCost.exclVAT == 2)
    }

    /// A wrapping window on FRIDAY holds on Friday evening and Friday's early morning, not Saturday's: the day is
    /// the wall clock's day (ocpi/ocpi#566 leaves it open).
    @Test func dayOfWeekIsTheDayTheWallClockShows() throws {
        let tariff = try Build.tariff(
            """
            {"currency": "EUR", "elements": [
              {"price_components": [{"type": "ENERGY", "price": 0.10, "step_size": 1}],
               "restrictions": {"start_time": "22:00", "end_time": "06:00", "day_of_week": ["FRIDAY"]}},
              {"price_components": [{"type": "ENERGY", "price": 0.30, "step_size": 1}]}
            ]}
            """)
        // Friday 2026-01-16, 23:00 to Saturday 01:00.
        let cost = try Build.price(
            tariff,
            Build.session(
                "2026-01-16T23:00:00Z", "2026-01-17T01:00:00Z", [Build.period("2026-01-16T23:00:00Z", [(.energy, "10")])]))
        #expect(cost.totalCost.exclVAT == 2)
        // Friday 05:00 to 07:00: the first hour at night.
        let morning = try Build.price(
            tariff,
            Build.session(
                "2026-01-16T05:00:00Z", "2026-01-16T07:00:00Z", [Build.period("2026-01-16T05:00:00Z", [(.energy, "10")])]))
        #expect(morning.totalCost.exclVAT == 2)
    }

    static let earlyHours = """
        {"currency": "EUR", "elements": [
          {"price_components": [{"type": "ENERGY", "price": 0.10, "step_size": 1}, {"type": "TIME", "price": 1.00, "step_size": 1}],
           "restrictions": {"start_time": "00:00", "end_time": "03:00"}},
          {"price_components": [{"type": "ENERGY", "price": 0.30, "step_size": 1}, {"type": "TIME", "price": 1.00, "step_size": 1}]}
        ]}
        """

    /// Berlin, 2026-03-29: at 02:00 the clock jumps to 03:00. From 00:00 to 04:00 local are 3 hours: 2 of them
    /// before 03:00 on the wall clock, 1 after; time is billed as elapsed, 3 hours.
    @Test func springForwardNightHasThreeHours() throws {
        let cost = try Build.price(
            Build.tariff(Self.earlyHours),
            Build.session(
                "2026-03-28T23:00:00Z", "2026-03-29T02:00:00Z", [Build.period("2026-03-28T23:00:00Z", [(.energy, "30")])]),
            zone: "Europe/Berlin")
        #expect(cost.totalEnergyCost.exclVAT == 5)  // 20 kWh at 0.10, 10 at 0.30
        #expect(cost.totalTimeCost.exclVAT == 3)
        #expect(cost.totalTime == 3)
    }

    /// Berlin, 2026-10-25: at 03:00 the clock goes back to 02:00, so 02:00 – 03:00 happens twice, and both are
    /// priced by what the wall clock shows (ocpi/ocpi#534): from 01:00 to 04:00 local are 4 hours, 3 of them
    /// before 03:00 on the wall clock.
    @Test func fallBackNightPricesTheRepeatedHourTwice() throws {
        let cost = try Build.price(
            Build.tariff(Self.earlyHours),
            Build.session(
                "2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z", [Build.period("2026-10-24T23:00:00Z", [(.energy, "40")])]),
            zone: "Europe/Berlin")
        #expect(cost.totalEnergyCost.exclVAT == 6)  // 30 kWh at 0.10, 10 at 0.30
        #expect(cost.totalTimeCost.exclVAT == 4)
    }

    /// A FLAT fee is billed once a session, in the first piece where its element applies.
    @Test func flatFeeIsBilledOnceWhereItFirstApplies() throws {
        let tariff = try Build.tariff(
            """
            {"currency": "EUR", "elements": [
              {"price_components": [{"type": "FLAT", "price": 3.00, "vat": 19, "step_size": 0}], "restrictions": {"min_duration": 3600}},
              {"price_components": [{"type": "ENERGY", "price": 0.30, "vat": 19, "step_size": 1}]}
            ]}
            """)
        let short = Build.session(
            "2026-01-13T10:00:00Z", "2026-01-13T10:50:00Z", [Build.period("2026-01-13T10:00:00Z", [(.energy, "10")])])
        #expect(try Build.price(tariff, short).totalFixedCost == Build.money("0", "0"))
        let long = Build.session(
            "2026-01-13T10:00:00Z", "2026-01-13T13:00:00Z",
            [
                Build.period("2026-01-13T10:00:00Z", [(.energy, "10")]),
                Build.period("2026-01-13T11:30:00Z", [(.energy, "10")]),
                Build.period("2026-01-13T12:30:00Z", [(.parkingTime, "0.5")]),
            ])
        let cost = try Build.price(tariff, long)
        #expect(cost.totalFixedCost == Build.money("3", "3.57"))
        #expect(cost.totalCost == Build.money("9", "10.71"))
    }

    /// No VAT given means none applies: the price with VAT is the price without.
    @Test func aComponentWithoutVATHasNone() throws {
        let tariff = try Build.tariff(
            #"{"currency": "EUR", "elements": [{"price_components": [{"type": "ENERGY", "price": 0.30, "step_size": 1}]}]}"#)
        let cost = try Build.price(
            tariff,
            Build.session(
                "2026-01-13T10:00:00Z", "2026-01-13T11:00:00Z", [Build.period("2026-01-13T10:00:00Z", [(.energy, "10")])]))
        #expect(cost.totalCost == Build.money("3", "3"))
    }

    /// Reservation elements price reservations only: a charging session under them pays the ordinary price.
    @Test func reservationElementsNeverPriceCharging() throws {
        let tariff = try Build.tariff(
            """
            {"currency": "EUR", "elements": [
              {"price_components": [{"type": "TIME", "price": 5.00, "vat": 20.0, "step_size": 60}], "restrictions": {"reservation": "RESERVATION"}},
              {"price_components": [{"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1},
                                    {"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1}]}
            ]}
            """)
        let cost = try Build.price(
            tariff,
            Build.session(
                "2026-01-13T10:00:00Z", "2026-01-13T11:00:00Z", [Build.period("2026-01-13T10:00:00Z", [(.energy, "20")])]))
        #expect(cost.totalCost == Build.money("5.5", "6.1"))
    }

    /// The largest inputs allowed price without overflowing; beyond them the input is refused, never a crash.
    @Test func theLargestInputsPriceAndLargerOnesAreRefused() throws {
        var tariff = try Build.tariff(
            #"{"currency": "EUR", "elements": [{"price_components": [{"type": "ENERGY", "price": 1000000, "vat": 1000, "step_size": 1000000000}]}]}"#
        )
        let session = Build.session(
            "2026-01-13T10:00:00Z", "2026-01-13T11:00:00Z",
            [
                Build.period("2026-01-13T10:00:00Z", [(.energy, "1000000")]),
                Build.period("2026-01-13T10:30:00Z", [(.energy, "500000")]),
            ])
        let cost = try Build.price(tariff, session)
        #expect(cost.totalCost.exclVAT == ExactDecimal("2000000000000"), "1.5 GWh billed in steps of 1 GWh: 2 GWh")
        #expect(cost.totalCost.inclVAT == ExactDecimal("22000000000000"))
        tariff.elements[0].priceComponents[0].vat = 1001
        #expect(throws: PricingError.self) { try Build.price(tariff, session) }
    }

    /// Antarctica/Casey, 2010-03-05: the clock went back from +11 to +08 at 02:00, across midnight.
    @Test func aClockThatGoesBackAcrossMidnightIsPriced() throws {
        let cost = try Build.price(
            Build.tariff(Self.nightEnergy),
            Build.session(
                "2010-03-04T14:59:00Z", "2010-03-04T15:01:00Z", [Build.period("2010-03-04T14:59:00Z", [(.energy, "1")])]),
            zone: "Antarctica/Casey")
        #expect(cost.totalEnergy == 1)
    }

    @Test func badInputNamesTheField() throws {
        let tariff = try Build.tariff(Self.nightEnergy)
        let unordered = Build.session(
            "2026-01-13T10:00:00Z", "2026-01-13T12:00:00Z",
            [
                Build.period("2026-01-13T11:00:00Z", [(.energy, "1")]),
                Build.period("2026-01-13T10:30:00Z", [(.energy, "1")]),
            ])
        #expect(throws: PricingError("charging_periods[1].start_date_time", "must be after the previous period's")) {
            try Build.price(tariff, unordered)
        }
        var badTime = tariff
        badTime.elements[0].restrictions?.startTime = "25:00"
        let fine = Build.session(
            "2026-01-13T10:00:00Z", "2026-01-13T12:00:00Z", [Build.period("2026-01-13T10:00:00Z", [(.energy, "1")])])
        #expect(throws: PricingError("elements[0].restrictions.start_time", "\"25:00\" is not a time of day HH:MM")) {
            try Build.price(badTime, fine)
        }
        var negative = tariff
        negative.elements[1].priceComponents[0].price = -1
        #expect(throws: PricingError("elements[1].price_components[0].price", "must not be negative")) {
            try Build.price(negative, fine)
        }
        let backwards = Build.session(
            "2026-01-13T10:00:00Z", "2026-01-13T09:00:00Z", [Build.period("2026-01-13T10:00:00Z", [(.energy, "1")])])
        #expect(throws: PricingError("end_date_time", "is before start_date_time")) { try Build.price(tariff, backwards) }
    }
}
