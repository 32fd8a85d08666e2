import CloudStore
import Foundation
import Pricing
import SyncContract
import Testing

extension RepositoryContracts {
    /// Tariffs: each save a new version, the version in force at a time found, deleted ones gone from the list with
    /// their versions kept; assignments ended, never deleted; finished sessions priced once.
    static func tariffs(
        _ repository: some TariffRepository & IngestRepository & SiteRepository & SessionRepository
    )
        async throws
    {
        let first = try await repository.saveTariff(
            TariffRecord(id: "day", version: 0, name: "Day", currency: "EUR", body: "{}", validFrom: time, createdBy: "ada"))
        #expect(first.version == 1)
        let second = try await repository.saveTariff(
            TariffRecord(
                id: "day", version: 0, name: "Day rate", currency: "EUR", body: "{\"v\":2}", validFrom: time + 3600,
                createdBy: nil))
        #expect(second.version == 2)
        #expect(try await repository.tariffs().map(\.name) == ["Day rate"])
        #expect(try await repository.tariff(id: "day", version: 1) == first)
        #expect(try await repository.tariff(id: "day", version: nil) == second)
        #expect(try await repository.tariff(id: "day", at: time + 60) == first)
        #expect(try await repository.tariff(id: "day", at: time + 7200) == second)
        #expect(try await repository.tariff(id: "day", at: time - 1) == nil)

        let site = TariffAssignment(
            id: "a1", tariff: "day", site: "s1", group: nil, station: nil, tokenGroup: nil, validFrom: time)
        try await repository.addTariffAssignment(site)
        #expect(try await repository.endTariffAssignment(id: "a1", at: time + 100))
        #expect(try await !repository.endTariffAssignment(id: "a1", at: time + 200), "ended already")
        #expect(try await repository.tariffAssignments().map(\.validTo) == [time + 100])

        try await repository.addTariffAssignment(
            TariffAssignment(
                id: "a2", tariff: "day", site: nil, group: "north", station: nil, tokenGroup: "staff", validFrom: time))
        #expect(try await repository.deleteTariff(id: "day", at: time + 500))
        #expect(try await !repository.deleteTariff(id: "day", at: time + 600))
        #expect(try await repository.tariffs().isEmpty)
        #expect(try await repository.tariff(id: "day", version: nil) == nil)
        #expect(try await repository.tariff(id: "day", version: 2) == second, "versions stay for what they priced")
        #expect(try await repository.tariffAssignments().first { $0.id == "a2" }?.validTo == time + 500)

        _ = try await repository.addSite(id: "s1", name: "Depot", at: time)
        _ = try await repository.apply(
            [
                envelope(
                    "s1", 1,
                    .sessionStart(
                        SessionStarted(
                            station: "CP1", connector: 1, transactionId: 7, idTag: "T", authStatus: nil, meterStartWh: 0,
                            startTime: time))),
                envelope(
                    "s1", 2,
                    .sessionStop(
                        SessionStopped(
                            station: "CP1", connector: 1, transactionId: 7, idTag: "T", meterStartWh: 0, startTime: time,
                            meterStopWh: 5000, stopTime: time + 3600, reason: nil))),
            ], receivedAt: time + 3600)
        #expect(try await repository.unpricedSessions(limit: 10).map(\.transactionId) == [7])
        let price = SessionPrice(
            currency: "EUR", exclVat: ExactDecimal("1.5")!, inclVat: ExactDecimal("1.785")!, tariff: "day", tariffVersion: 2,
            final: true)
        try await repository.setSessionPrice(site: "s1", transactionId: 7, price: price, idle: .seconds(600), at: time + 3700)
        #expect(try await repository.unpricedSessions(limit: 10).isEmpty)
        #expect(try await repository.session(site: "s1", transactionId: 7)?.price == price)
        try await repository.setSessionPrice(site: "s1", transactionId: 7, price: nil, idle: nil, at: time + 3800)
        #expect(try await repository.session(site: "s1", transactionId: 7)?.price == price, "priced once")
    }
}
