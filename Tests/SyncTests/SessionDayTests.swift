import CloudStore
import Foundation
import GRDB
import Pricing
import SeededRandom
import SiteModel
import SyncContract
import Testing

/// The store's day sums (`session_day`, kept by triggers) answer a report by site exactly as the sessions themselves
/// do: random sessions across a clock change, started, stopped, priced and updated after their stop, some running, some
/// with bad energy; random ranges with edges inside days; after the report clock changes too.
@Suite struct SessionDayTests {
    let directory = TemporaryDirectory()
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    /// 2026-03-01T00:00 in Berlin; the clocks go forward on the 29th.
    static let march = Date(timeIntervalSince1970: 1_772_319_600)

    /// A cell's sums, keyed by site, period and currency; energy in mWh as the day sums keep it.
    struct Sums: Equatable, CustomStringConvertible {
        var sessions = 0, flagged = 0, energyMWh: Int64 = 0, durationMs: Int64 = 0, idleMs: Int64 = 0, excl: Int64 = 0,
            incl: Int64 = 0
        var description: String { "\(sessions)/\(flagged)/\(energyMWh)/\(durationMs)/\(idleMs)/\(excl)/\(incl)" }
    }

    static func sums(_ cells: [ReportCell]) -> [String: Sums] {
        var found: [String: Sums] = [:]
        for cell in cells {
            var sums = found["\(cell.site ?? "") \(cell.bucket) \(cell.currency ?? "")", default: Sums()]
            sums.sessions += cell.sessions
            sums.flagged += cell.flagged
            sums.energyMWh += Int64((cell.energyWh * 1000).rounded())
            sums.durationMs += cell.durationMs
            sums.idleMs += cell.idleMs
            sums.excl += cell.revenueExclE4
            sums.incl += cell.revenueInclE4
            found["\(cell.site ?? "") \(cell.bucket) \(cell.currency ?? "")"] = sums.sessions == 0 ? nil : sums
        }
        return found
    }

    /// Sessions of whole Wh at three sites over sixty days; every fifth still running, every seventh with a register
    /// that went back, every fourth priced, every sixth with a meter value after its stop.
    static func fill(_ store: SQLiteRepository, seed: UInt64) async throws -> Int {
        var random = SplitMix(seed: seed)
        var seq: Int64 = 0
        func apply(_ site: String, _ message: UpMessage, at time: Date) async throws {
            seq += 1
            _ = try await store.apply(
                [UpEnvelope(site: site, epoch: "e", seq: seq, timestamp: time, message: message)], receivedAt: time)
        }
        for site in ["s1", "s2", "s3"] { _ = try await store.addSite(id: site, name: site, at: march) }
        let count = 300
        for transaction in 1...count {
            let site = ["s1", "s2", "s3"][Int.random(in: 0..<3, using: &random)]
            let start = march + Double(Int.random(in: 0..<(60 * 96), using: &random)) * 900
            let stop = start + Double(Int.random(in: 1...40, using: &random)) * 600
            let startWh = Double(Int.random(in: 0...5_000, using: &random))
            let stopWh = transaction % 7 == 0 ? startWh - 10 : startWh + Double(Int.random(in: 0...60_000, using: &random))
            try await apply(
                site,
                .sessionStart(
                    SessionStarted(
                        station: "CP\(transaction % 4)", connector: 1, transactionId: transaction, idTag: "T",
                        authStatus: "Accepted",
                        meterStartWh: startWh, startTime: start)), at: start)
            guard transaction % 5 != 0 else { continue }
            try await apply(
                site,
                .sessionStop(
                    SessionStopped(
                        station: "CP\(transaction % 4)", connector: 1, transactionId: transaction, idTag: "T",
                        meterStartWh: startWh, startTime: start, meterStopWh: stopWh, stopTime: stop, reason: nil)), at: stop)
            if transaction % 4 == 0 {
                let excl = ExactDecimal(units: Int128(Int.random(in: 0...99_999, using: &random)) * 100_000_000)
                try await store.setSessionPrice(
                    site: site, transactionId: transaction,
                    price: SessionPrice(
                        currency: transaction % 8 == 0 ? "EUR" : "CHF", exclVat: excl, inclVat: excl + excl, tariff: "t",
                        tariffVersion: 1, final: true), idle: .seconds(Int.random(in: 0...3600, using: &random)), at: stop)
            }
            if transaction % 6 == 0 {
                try await apply(
                    site,
                    .sessionUpdate(
                        SessionProgress(
                            station: "CP\(transaction % 4)", connector: 1, transactionId: transaction, time: stop + 60,
                            energyWh: stopWh + 5, powerW: 0, currentA: nil, soc: nil)), at: stop + 60)
            }
        }
        return count
    }

    /// The same question asked by site (answered by the day sums where it can) and by station (always from the
    /// sessions), summed by site.
    static func compare(_ store: SQLiteRepository, seed: UInt64, clock: TimeZone) async throws {
        var random = SplitMix(seed: seed)
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = clock
        var compared = 0
        defer { #expect(compared > 100) }
        for round in 0..<24 {
            // Ranges from a midnight or from any quarter hour, over a few days to the whole two months.
            let from = march + Double(Int.random(in: -200...(40 * 96), using: &random)) * 900
            let to = from + Double(Int.random(in: 1...(70 * 96), using: &random)) * 900
            let start = round % 2 == 0 ? calendar.startOfDay(for: from) : from
            for period in ["day", "week", "month", "all"] {
                let component: Calendar.Component = period == "day" ? .day : period == "week" ? .weekOfYear : .month
                var boundaries = [start]
                if period != "all" {
                    var next = calendar.dateInterval(of: component, for: start)!.end
                    while next < to {
                        boundaries.append(next)
                        next = calendar.date(byAdding: component, value: 1, to: next)!
                    }
                }
                boundaries.append(to)
                var filter = ReportFilter(scope: nil, from: start, to: to)
                if round % 3 == 1 { filter.sites = ["s1", "s3"] }
                if round % 3 == 2 { filter.scope = Scope(sites: ["s2"]) }
                let bySite = sums(try await store.reportCells(filter, grouping: .site, boundaries: boundaries))
                let byStation = sums(try await store.reportCells(filter, grouping: .station, boundaries: boundaries))
                let differing = Set(bySite.keys).union(byStation.keys).sorted().filter { bySite[$0] != byStation[$0] }
                #expect(
                    differing.isEmpty,
                    """
                    round \(round), \(period) from \(start) to \(to) on \(clock.identifier): \(differing.prefix(3).map {
                        "\($0): day sums \(bySite[$0].map(String.init(describing:)) ?? "none"), sessions \(byStation[$0].map(String.init(describing:)) ?? "none")"
                    })
                    """)
                compared += bySite.count
            }
        }
    }

    @Test func daySumsAnswerAsTheSessionsDo() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"), reportClock: Self.berlin)
        let count = try await Self.fill(store, seed: 15)
        let all = try await store.reportCells(
            ReportFilter(scope: nil, from: Self.march - 86_400, to: Self.march + 90 * 86_400), grouping: .site,
            boundaries: [Self.march - 86_400, Self.march + 90 * 86_400])
        #expect(all.reduce(0) { $0 + $1.sessions } == count)
        try await Self.compare(store, seed: 1, clock: Self.berlin)
        // And the day sums were what answered: changed behind the store's back, the report by site follows them.
        let filter = ReportFilter(scope: nil, from: Self.march, to: Self.march + 31 * 86_400)
        let boundaries = [filter.from, filter.to]
        let before = try await store.reportCells(filter, grouping: .site, boundaries: boundaries)
        let queue = try DatabaseQueue(path: directory.file("cloud.sqlite"))
        try await queue.write { try $0.execute(sql: "UPDATE session_day SET sessions = sessions + 1") }
        let after = try await store.reportCells(filter, grouping: .site, boundaries: boundaries)
        #expect(after.reduce(0) { $0 + $1.sessions } > before.reduce(0) { $0 + $1.sessions })
    }

    @Test func aNewReportClockRebuildsTheSums() async throws {
        let path = directory.file("cloud.sqlite")
        var store = try SQLiteRepository(path: path)
        _ = try await Self.fill(store, seed: 16)
        try store.close()
        store = try SQLiteRepository(path: path, reportClock: Self.berlin)
        try await Self.compare(store, seed: 2, clock: Self.berlin)
        try store.close()
        let newYork = TimeZone(identifier: "America/New_York")!
        store = try SQLiteRepository(path: path, reportClock: newYork)
        try await Self.compare(store, seed: 3, clock: newYork)
    }
}
