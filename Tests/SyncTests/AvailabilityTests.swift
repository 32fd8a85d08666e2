import CloudReports
import CloudStore
import Foundation
import Testing

/// Station availability from the status history: shares that sum to 100 % over the range, offline while the station
/// is disconnected, the longest outage.
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
}
