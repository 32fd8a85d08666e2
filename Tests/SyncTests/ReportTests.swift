import CloudReports
import CloudStore
import Foundation
import Pricing
import SiteModel
import SyncContract
import Testing

/// Reports over a real SQLite store: totals are the sum of their rows, implausible energy is flagged and not summed,
/// periods follow the wall clock, and a partner sees only its own rows.
@Suite struct ReportTests {
    let directory = TemporaryDirectory()
    /// 2026-01-01T00:00 in Berlin.
    static let january = Date(timeIntervalSince1970: 1_767_222_000)
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    /// Sites s1 (granted to acme) and s2; sessions in January and February, one of each kind of bad energy.
    func store() async throws -> SQLiteRepository {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        for site in ["s1", "s2"] { _ = try await store.addSite(id: site, name: "Site \(site)", at: Self.january - 86_400) }
        try await store.addOrganization(id: "acme", name: "ACME", at: Self.january)
        try await store.grant(organization: "acme", .site("s1"))
        try await store.addVehicle(
            VehicleRecord(
                id: "van", name: "Van", plate: nil, fleet: nil, organization: "acme", tokens: ["VAN"], createdAt: Self.january))
        // (site, transaction, start offset in days, hours, start Wh, stop Wh, token)
        let sessions: [(String, Int, Double, Double, Double?, Double, String)] = [
            ("s1", 1, 0.5, 1, 0, 10_000, "VAN"), ("s1", 2, 3, 2, 1000, 23_000, "CARD"),
            ("s1", 3, 35, 1, 0, 7_000, "VAN"), ("s2", 4, 1, 1, 0, 5_000, "OTHER"),
            ("s2", 5, 2, 1, 0, 900_000, "OTHER"),  // 900 kWh in an hour: implausible
            ("s2", 6, 2.5, 1, 5_000, 4_000, "OTHER"),  // the register went back
            ("s1", 7, 4, 1, nil, 4_000, "CARD"),  // no start reading
        ]
        var seq: Int64 = 0
        for (site, transaction, day, hours, start, stop, token) in sessions {
            let startTime = Self.january + day * 86_400
            let messages: [UpMessage] = [
                .sessionStart(
                    SessionStarted(
                        station: "CP-\(site)", connector: 1, transactionId: transaction, idTag: token, authStatus: "Accepted",
                        meterStartWh: start, startTime: startTime)),
                .sessionStop(
                    SessionStopped(
                        station: "CP-\(site)", connector: 1, transactionId: transaction, idTag: token, meterStartWh: start,
                        startTime: startTime, meterStopWh: stop, stopTime: startTime + hours * 3600, reason: nil)),
            ]
            for message in messages {
                seq += 1
                _ = try await store.apply(
                    [UpEnvelope(site: site, epoch: "e", seq: seq, timestamp: startTime, message: message)], receivedAt: startTime)
            }
        }
        return store
    }

    func request(_ groupBy: ReportDimension, _ period: ReportPeriod) -> ReportRequest {
        ReportRequest(
            from: Self.january, to: Self.january + 59 * 86_400, groupBy: groupBy, period: period, timeZone: Self.berlin)
    }

    @Test func totalsAreTheSumOfTheirRowsAndBadEnergyIsFlaggedNotSummed() async throws {
        let store = try await store()
        let reports = Reports(repository: store)
        for dimension in [ReportDimension.site, .station, .token, .vehicle, .customer] {
            for period in ReportPeriod.allCases {
                let report = try await reports.report(request(dimension, period), scope: nil)
                #expect(report.totals.sessions == 7, "\(dimension) \(period)")
                #expect(report.rows.reduce(0) { $0 + $1.sessions } == report.totals.sessions, "\(dimension) \(period)")
                #expect(report.rows.reduce(ExactDecimal.zero) { $0 + $1.energyKWh } == report.totals.energyKWh)
                #expect(report.rows.reduce(ExactDecimal.zero) { $0 + $1.hours } == report.totals.hours)
                #expect(report.totals.flagged == 3)
                #expect(report.totals.energyKWh == 44, "10 + 22 + 7 + 5; the three bad ones not summed")
            }
        }
        let monthly = try await reports.report(request(.site, .month), scope: nil)
        #expect(monthly.periods == [Self.january, Self.january + 31 * 86_400])
        #expect(
            monthly.rows.map { "\($0.key) \($0.periodStart == Self.january ? "jan" : "feb") \($0.sessions)" } == [
                "s1 jan 3", "s1 feb 1", "s2 jan 3",
            ])
        let customers = try await reports.report(request(.customer, .all), scope: nil)
        #expect(customers.rows.map { "\($0.key):\($0.energyKWh)" } == [":27", "acme:17"], "the van's 10 + 7 kWh are ACME's")
    }

    @Test func aPartnerSeesOnlyItsOwnRows() async throws {
        let store = try await store()
        let reports = Reports(repository: store)
        let scope = try await store.scope(ofOrganization: "acme")
        let report = try await reports.report(request(.station, .all), scope: scope)
        #expect(report.rows.map(\.key) == ["s1/CP-s1"])
        #expect(report.totals.sessions == 4)
        var lines: [String] = []
        let export = SessionExport(
            repository: store, filter: try await reports.filter(request(.site, .all), scope: scope), timeZone: Self.berlin)
        #expect(try await export.csv { lines += $0.split(separator: "\r\n").map(String.init) } == 4)
        #expect(lines.count == 5 && lines.dropFirst().allSatisfy { $0.hasPrefix("s1,") })
    }

    @Test func aPartnerReachesOnlyItsOwnVehiclesAndCustomerName() async throws {
        let store = try await store()
        try await store.addOrganization(id: "globex", name: "Globex", at: Self.january)
        try await store.grant(organization: "globex", .site("s1"))
        let reports = Reports(repository: store)
        let scope = try await store.scope(ofOrganization: "globex")
        let customers = try await reports.report(request(.customer, .all), scope: scope, organization: "globex")
        #expect(customers.rows.map(\.label) == [""], "ACME's van and name stay ACME's")
        var asked = request(.site, .all)
        asked.customer = "acme"
        #expect(try await reports.report(asked, scope: scope, organization: "globex").totals.sessions == 0)
        #expect(CSVWriterCheck.line(["=HYPERLINK(1)", "-3", "-x", "a,b"]) == "'=HYPERLINK(1),-3,'-x,\"a,b\"\r\n")
        #expect(CSVWriterCheck.line(["-2+3+cmd", "-0.25"]) == "'-2+3+cmd,-0.25\r\n", "a formula after a digit, a number")
    }

    @Test func theDetailedListFlagsEachBadSessionAndStreamsInPages() async throws {
        let store = try await store()
        var export = SessionExport(
            repository: store,
            filter: try await Reports(repository: store).filter(request(.site, .all), scope: nil), timeZone: Self.berlin)
        export.pageSize = 2
        var text = ""
        #expect(try await export.csv { text += $0 } == 7)
        let rows = text.split(separator: "\r\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        #expect(rows[0] == SessionExport.columns)
        let flags = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[3], $0[9]) })
        #expect(flags == ["1": "", "2": "", "3": "", "4": "", "5": "implausible", "6": "negative", "7": "missing"])
        #expect(rows[1][5] == "2026-01-01T12:00:00+01:00", "times with the report's offset")
        #expect(rows[1][8] == "10")
    }

    @Test func periodsFollowTheWallClockAcrossClockChanges() throws {
        let march = Date(timeIntervalSince1970: 1_772_319_600)  // 2026-03-01T00:00 Berlin
        let april = march + 31 * 86_400 - 3600  // 2026-04-01T00:00 Berlin, summer time
        let days = try #require(ReportPeriod.day.boundaries(from: march, to: april, timeZone: Self.berlin))
        #expect(days.count == 32)
        // 2026-03-29 has 23 hours in Berlin.
        #expect(days[29].timeIntervalSince(days[28]) == 23 * 3600)
        let weeks = try #require(ReportPeriod.week.boundaries(from: march, to: april, timeZone: Self.berlin))
        #expect(weeks[1] == march + 86_400, "2026-03-02 is a Monday")
        #expect(ReportPeriod.day.boundaries(from: march, to: march + 500 * 86_400, timeZone: Self.berlin) == nil)
    }
}

/// The CSV writer as the reports use it.
enum CSVWriterCheck {
    static func line(_ fields: [String]) -> String { CSVWriter.line(fields) }
}
