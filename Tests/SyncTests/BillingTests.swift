import CloudBilling
import CloudStore
import Foundation
import Logging
import Pricing
import SiteModel
import SyncContract
import Testing

/// A session's charging periods built from what the cloud receives, the tariff that prices it, and every finished
/// session billed once, on a real SQLite store.
@Suite struct BillingTests {
    let directory = TemporaryDirectory()
    /// 2026-01-13 (a Tuesday) 20:00 UTC, 21:00 in Berlin.
    static let t0 = Date(timeIntervalSince1970: 1_768_334_400)

    static func session(stop: Bool) -> SessionView {
        SessionView(
            site: "s1", transactionId: 1, station: "CP1", connector: 1, idTag: "T", authStatus: "Accepted", startTime: t0,
            stopTime: stop ? t0 + 3600 : nil, stopReason: nil, meterStartWh: 1000, meterStopWh: stop ? 6000 : nil,
            energyWh: 5000, powerW: nil, currentA: nil, soc: nil, updatedAt: nil, active: !stop)
    }

    static let samples = [
        SessionSamplePoint(time: t0 + 900, energyWh: 3500, powerW: 10_000, soc: nil, currentA: 16),
        SessionSamplePoint(time: t0 + 1800, energyWh: 6000, powerW: 10_000, soc: nil, currentA: 16),
        SessionSamplePoint(time: t0 + 2700, energyWh: 6000, powerW: 0, soc: nil, currentA: 0),
        SessionSamplePoint(time: t0 + 3300, energyWh: 6000.01, powerW: 0, soc: nil, currentA: 0),
    ]

    @Test func periodsAreChargingWhileEnergyFlowsThenOneParkingStretch() throws {
        let built = try #require(ChargingPeriods.session(of: Self.session(stop: true), samples: Self.samples, now: Self.t0))
        #expect(built.startDateTime == Self.t0 && built.endDateTime == Self.t0 + 3600)
        #expect(built.chargingPeriods.map(\.startDateTime) == [Self.t0, Self.t0 + 900, Self.t0 + 1800])
        #expect(built.chargingPeriods[0].volume(.energy) == ExactDecimal("2.5"))
        #expect(built.chargingPeriods[0].volume(.time) == ExactDecimal("0.25"))
        #expect(built.chargingPeriods[1].volume(.current) == 16)
        #expect(built.chargingPeriods[2].volume(.parkingTime) == ExactDecimal("0.5"), "idle after the car stopped drawing")
        #expect(built.chargingPeriods[2].volume(.energy) == nil)
    }

    @Test func energyOfASessionOfNoDurationIsStillBilled() throws {
        var session = Self.session(stop: true)
        session.stopTime = Self.t0
        let built = try #require(
            ChargingPeriods.session(
                of: session, samples: [SessionSamplePoint(time: Self.t0, energyWh: 3000, powerW: nil, soc: nil)], now: Self.t0))
        #expect(built.chargingPeriods.count == 1)
        #expect(built.chargingPeriods[0].volume(.energy) == 5, "1000 to 6000 Wh within the same second")
    }

    @Test func aRunningSessionIsPricedUpToNow() throws {
        let built = try #require(
            ChargingPeriods.session(of: Self.session(stop: false), samples: Array(Self.samples.prefix(2)), now: Self.t0 + 2400))
        #expect(built.endDateTime == Self.t0 + 2400)
        #expect(built.chargingPeriods.last?.volume(.parkingTime) == ExactDecimal(Int64(600), over: 3600))
    }

    @Test func theMostSpecificAssignmentInForceWinsAndATokenGroupsBeatsEverybodys() {
        func assignment(
            _ id: String, site: String? = nil, group: String? = nil, station: String? = nil, tokens: String? = nil,
            from: TimeInterval = 0, to: TimeInterval? = nil
        ) -> TariffAssignment {
            TariffAssignment(
                id: id, tariff: id, site: site, group: group, station: station, tokenGroup: tokens, validFrom: Self.t0 + from,
                validTo: to.map { Self.t0 + $0 })
        }
        let key = StationKey(site: "s1", station: "CP1")
        let all = [
            assignment("site", site: "s1"), assignment("group", group: "north"),
            assignment("station", site: "s1", station: "CP1"),
            assignment("staff", site: "s1", tokens: "staff"), assignment("ended", site: "s1", station: "CP1", from: 1, to: 10),
            assignment("other", site: "s2", station: "CP1"), assignment("later", site: "s1", station: "CP1", from: 3600),
        ]
        func choose(
            _ assignments: [TariffAssignment], groups: Set<String> = ["north"], tokens: String? = nil, at: TimeInterval = 60
        ) -> String? {
            TariffChoice.assignment(among: assignments, station: key, groups: groups, tokenGroup: tokens, at: Self.t0 + at)?.id
        }
        #expect(choose(all) == "station")
        #expect(choose(all.filter { $0.id != "station" }) == "group")
        #expect(choose(all.filter { $0.id != "station" }, groups: []) == "site")
        #expect(choose(all, tokens: "staff") == "staff", "employees' tariff at the site beats the station's public one")
        #expect(choose(all, at: 5) == "ended")
        #expect(choose(all, at: 7200) == "later", "the newest of equals")
        #expect(choose(all.filter { $0.site == "s2" }) == nil)
    }

    static let nightTariff = """
        {"currency": "EUR", "elements": [
          {"price_components": [{"type": "ENERGY", "price": 0.20, "vat": 19, "step_size": 1}],
           "restrictions": {"start_time": "22:00", "end_time": "06:00"}},
          {"price_components": [{"type": "ENERGY", "price": 0.40, "vat": 19, "step_size": 1},
                                {"type": "PARKING_TIME", "price": 6.00, "vat": 19, "step_size": 60}]}
        ]}
        """

    /// A store with site s1 in Berlin, the night tariff on it, and session 1 of CP1 (started 21:00 Berlin time).
    func store(stopped: Bool) async throws -> SQLiteRepository {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s1", name: "Depot", at: Self.t0 - 86_400)
        try await store.updateSite(
            id: "s1", name: nil, address: nil, latitude: nil, longitude: nil, timeZone: "Europe/Berlin")
        _ = try await store.saveTariff(
            TariffRecord(
                id: "night", version: 0, name: "Night", currency: "EUR", body: Self.nightTariff, validFrom: Self.t0 - 86_400,
                createdBy: nil))
        try await store.addTariffAssignment(
            TariffAssignment(
                id: "a", tariff: "night", site: "s1", group: nil, station: nil, tokenGroup: nil, validFrom: Self.t0 - 86_400))
        var messages: [UpMessage] = [
            .sessionStart(
                SessionStarted(
                    station: "CP1", connector: 1, transactionId: 1, idTag: "T", authStatus: "Accepted", meterStartWh: 1000,
                    startTime: Self.t0))
        ]
        for sample in Self.samples {
            messages.append(
                .sessionUpdate(
                    SessionProgress(
                        station: "CP1", connector: 1, transactionId: 1, time: sample.time, energyWh: sample.energyWh,
                        powerW: sample.powerW, currentA: sample.currentA, soc: nil)))
        }
        if stopped {
            messages.append(
                .sessionStop(
                    SessionStopped(
                        station: "CP1", connector: 1, transactionId: 1, idTag: "T", meterStartWh: 1000, startTime: Self.t0,
                        meterStopWh: 6000, stopTime: Self.t0 + 3600, reason: "EVDisconnected")))
        }
        _ = try await store.apply(
            messages.enumerated().map { UpEnvelope(site: "s1", epoch: "e", seq: Int64($0 + 1), timestamp: Self.t0, message: $1) },
            receivedAt: Self.t0 + 3600)
        return store
    }

    /// 21:00 – 22:00 Berlin: 5 kWh before 22:00 at 0.40 (2.00), then 30 minutes parked at 6.00 an hour (3.00): 5.00,
    /// 5.95 with VAT, kept once.
    @Test func aFinishedSessionIsBilledOnceAtTheTariffInForceAtItsStart() async throws {
        let store = try await store(stopped: true)
        let costing = SessionCosting(pricer: SessionPricer(repository: store), repository: store, logger: Logger(label: "test"))
        // A new version after the start does not change what the session is billed.
        _ = try await store.saveTariff(
            TariffRecord(
                id: "night", version: 0, name: "Night", currency: "EUR",
                body: Self.nightTariff.replacingOccurrences(of: "0.40", with: "0.90"), validFrom: Self.t0 + 60, createdBy: nil))
        #expect(try await costing.priceFinished(now: Self.t0 + 4000) == 1)
        let price = try #require(try await store.session(site: "s1", transactionId: 1)?.price)
        #expect(price.exclVat == 5 && price.inclVat == ExactDecimal("5.95") && price.final)
        #expect(price.tariff == "night" && price.tariffVersion == 1)
        #expect(try await costing.priceFinished(now: Self.t0 + 5000) == 0)
    }

    @Test func aRunningSessionShowsWhatItCostsSoFar() async throws {
        let store = try await store(stopped: false)
        let pricer = SessionPricer(repository: store)
        let session = try #require(try await store.session(site: "s1", transactionId: 1))
        // At 21:50 Berlin: 5 kWh at 0.40, 20 minutes parked (0.5 × 6 … 2.00): 4.00.
        let priced = await pricer.withPrice(session, now: Self.t0 + 3000)
        #expect(priced.price?.exclVat == 4 && priced.price?.final == false)
        #expect(try await store.unpricedSessions(limit: 5).isEmpty, "running sessions are not billed")
    }
}
