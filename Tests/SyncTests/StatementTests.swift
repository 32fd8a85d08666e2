import CloudCore
import CloudReports
import CloudStore
import Foundation
import Logging
import Pricing
import ServerSupport
import Testing

/// Monthly statements over the reports' store: made once two hours into the next month, also when two instances
/// race, listing a customer's vehicles with their kWh, and read only by whom they concern.
extension ReportTests {
    @Test func lastMonthsStatementsAreMadeOnceForEverySiteAndCustomer() async throws {
        let store = try await store()
        let billing = BillingDetails(address: "Hafenstraße 1\n20457 Hamburg", vatId: "DE123456789", emails: ["a@acme.example"])
        #expect(try await store.setBilling(organization: "acme", billing))
        let settings = ReportSettings(timeZone: Self.berlin)
        let first = MonthlyStatements(repository: store, settings: settings, logger: Logger(label: "test"))
        let second = MonthlyStatements(repository: store, settings: settings, logger: Logger(label: "test"))
        let february = Self.january + 31 * 86_400
        #expect(try await first.makeDue(now: february + 3600) == 0, "not before two hours into the month")
        async let one = first.makeDue(now: february + 3 * 3600)
        async let two = second.makeDue(now: february + 3 * 3600)
        #expect(try await one + two == 3, "s1, s2 and ACME, once each")
        #expect(try await first.makeDue(now: february + 4 * 3600) == 0)
        let statements = try await store.statements()
        #expect(statements.map(\.id).sorted() == ["2026-01-customer-acme", "2026-01-site-s1", "2026-01-site-s2"])
        let acme = try #require(try await store.statement(id: "2026-01-customer-acme"))
        let summary = try MonthlyStatements.summary(of: acme)
        #expect(summary.sessions == 1 && summary.energyKWh == 10, "the van charged 10 kWh in January (7 more in February)")
        #expect(summary.lines.map { "\($0.label) \($0.energyKWh)" } == ["Van 10"])
        #expect(acme.csv.split(separator: "\r\n").count == 2)
        // The customer's billing details as they were when it was made, whatever they become.
        #expect(summary.billTo == billing)
        #expect(try await store.setBilling(organization: "acme", BillingDetails(address: "elsewhere")))
        #expect(try MonthlyStatements.summary(of: try #require(try await store.statement(id: acme.id))).billTo == billing)
        let site = try MonthlyStatements.summary(of: try #require(try await store.statement(id: "2026-01-site-s1")))
        #expect(site.sessions == 3 && site.flagged == 1 && site.billTo == nil)
    }

    @Test func aStatementIsReadOnlyByWhomItConcerns() async throws {
        let store = try await store()
        _ = try await MonthlyStatements(
            repository: store, settings: ReportSettings(timeZone: Self.berlin), logger: Logger(label: "test")
        ).makeDue(now: Self.january + 32 * 86_400)
        let partner = APIIdentity(
            tokenId: "t", name: "acme", role: .partner, scope: try await store.scope(ofOrganization: "acme"),
            organization: "acme")
        let staff = APIIdentity(tokenId: "s", name: "viewer", role: .viewer)
        #expect(
            try await Statements.visible(to: partner, repository: store).map(\.id).sorted() == [
                "2026-01-customer-acme", "2026-01-site-s1",
            ])
        #expect(try await Statements.visible(to: staff, repository: store).count == 3)
        await #expect(throws: Problem.self) {
            try await Statements.statement(id: "2026-01-site-s2", for: partner, repository: store)
        }
    }
}
