import CloudReports
import CloudStore
import Foundation
import Testing

/// Station availability from the status history: shares that sum to 100 % over the range, offline while the station
/// is disconnected or its site's edge is, the longest outage.
@Suite struct AvailabilityTests {
    static let t0 = Date(timeIntervalSince1970: 1_767_222_000)

    static func event(_ hours: Double, _ station: String, _ connector: Int?, _ state: String) -> AvailabilityEvent {
        AvailabilityEvent(time: t0 + hours * 3600, site: "s1", station: station, connector: connector, state: state)
    }

    @Test func sharesSumToAHundredPercentAndOutagesAreTheLongestFirst() {
        let before = [Self.event(-5, "CP1", 1, "Available"), Self.event(-5, "CP1", nil, "connected")]
        let during = [
            Self.event(2, "CP1", 1, "Charging"), Self.event(4, "CP1", 1, "Available"),
            Self.event(5, "CP1", 1, "Faulted"), Self.event(6, "CP1", 1, "Available"),
            Self.event(7, "CP1", nil, "disconnected"), Self.event(10, "CP1", nil, "connected"),
            Self.event(1, "CP2", 1, "Available"),
        ]
        let rows = Availability.fold(before: before, during: during, from: Self.t0, to: Self.t0 + 10 * 3600)
        #expect(rows.map { $0.station ?? "site \($0.site)" } == ["CP1", "CP2", "site s1"])
        for row in rows {
            #expect(abs(row.shares.values.reduce(0, +) - 100) < 1e-9, "\(row)")
        }
        let cp1 = rows[0].shares
        #expect(cp1["available"] == 40 && cp1["charging"] == 20 && cp1["faulted"] == 10 && cp1["offline"] == 30, "\(cp1)")
        #expect(rows[0].longestOutages.map(\.state) == [.offline, .faulted])
        #expect(rows[0].longestOutages.first?.hours == 3)
        let cp2 = rows[1].shares
        #expect(cp2["unknown"] == 10 && cp2["available"] == 90, "before its first report: not reported \(cp2)")
        #expect(rows[2].shares["available"] == 65, "a site's shares are its stations' average")
    }

    @Test func aSiteOfflineTakesEveryStationThereOffline() {
        let before = [
            Self.event(-5, "CP1", 1, "Available"), Self.event(-5, "CP2", 1, "Charging"), Self.event(-5, "", nil, "site_online"),
        ]
        // The edge goes for two hours; CP1 disconnects inside that time and comes back with it.
        let during = [
            Self.event(4, "", nil, "site_offline"), Self.event(5, "CP1", nil, "disconnected"),
            Self.event(6, "CP1", nil, "connected"), Self.event(6, "", nil, "site_online"),
        ]
        let rows = Availability.fold(before: before, during: during, from: Self.t0, to: Self.t0 + 10 * 3600)
        #expect(rows.map { $0.station ?? "site \($0.site)" } == ["CP1", "CP2", "site s1"])
        #expect(rows[0].shares["offline"] == 20 && rows[0].shares["available"] == 80, "\(rows[0].shares)")
        #expect(rows[1].shares["offline"] == 20 && rows[1].shares["charging"] == 80, "\(rows[1].shares)")
        #expect(rows[1].longestOutages.map { "\($0.state) \($0.hours)" } == ["offline 2.0"])
        #expect(rows[0].longestOutages.count == 1, "one outage, however it is made up: \(rows[0].longestOutages)")
    }

    /// The store records a site's presence when it changes (a retained word repeated is not a change) and hands it
    /// to availability with the stations of the sites asked about.
    @Test func theStoreKeepsEachChangeOfASitesPresence() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        for site in ["s1", "s2"] { _ = try await store.addSite(id: site, name: site, at: Self.t0) }
        for (hours, online) in [(1.0, true), (2, true), (3, false), (3.5, false), (4, true)] {
            try await store.setPresence(site: "s1", online: online, at: Self.t0 + hours * 3600)
        }
        try await store.setPresence(site: "s2", online: false, at: Self.t0 + 3600)  // never online: no change
        try await store.setPresence(site: "s2", online: true, at: Self.t0 + 2 * 3600)
        let (before, during) = try await store.availabilityEvents(
            ReportFilter(scope: nil, from: Self.t0 + 1.5 * 3600, to: Self.t0 + 10 * 3600, sites: ["s1"]))
        #expect(before.map { "\($0.site) \($0.state)" } == ["s1 site_online"])
        #expect(
            during.map { "\($0.state) \($0.time.timeIntervalSince(Self.t0) / 3600)" } == ["site_offline 3.0", "site_online 4.0"])
        let partner = ReportFilter(scope: Scope(sites: ["s2"]), from: Self.t0, to: Self.t0 + 10 * 3600)
        #expect(
            try await store.availabilityEvents(partner).during.map { "\($0.site) \($0.state)" } == ["s2 site_online"],
            "only the sites it sees")
    }
}
