import CloudCore
import CloudReports
import CloudStore
import Foundation
import ServerSupport
import SiteModel
import SyncContract
import Testing

/// The fleet list over a real SQLite store: each station's state from its connection, its site's edge and its
/// connectors; every filter, both orders of every column, pages that add up, the reader's scope, and the CSV the
/// same stations as the pages.
@Suite struct FleetTests {
    let directory = TemporaryDirectory()
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    /// Two sites (s2's edge went offline an hour ago) and six stations, one of each state.
    func store() async throws -> SQLiteRepository {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        var seq: [String: Int64] = [:]
        func send(_ site: String, _ message: UpMessage, at time: Date = Self.t0) async throws {
            seq[site, default: 0] += 1
            _ = try await store.apply(
                [UpEnvelope(site: site, epoch: "e", seq: seq[site]!, timestamp: time, message: message)], receivedAt: time)
        }
        for site in ["s1", "s2"] { _ = try await store.addSite(id: site, name: site == "s1" ? "Depot" : "Yard", at: Self.t0) }
        let stations: [(String, String, String, String, ConnectorStatus?)] = [
            ("s1", "A1", "ACME", "1.0", .available), ("s1", "A2", "ACME", "1.1", .faulted),
            ("s1", "B1", "Other", "2.0", .charging), ("s1", "B2", "Other", "2.0", nil),
            ("s1", "U1", "Other", "2.0", .unavailable),
            ("s2", "A1", "ACME", "1.0", .available),
        ]
        for (site, id, vendor, firmware, status) in stations {
            let model = vendor == "ACME" ? "Wallbox" : "Pro"
            try await send(
                site,
                .stationBoot(
                    StationBoot(
                        station: id, vendor: vendor, model: model, serialNumber: "SN-\(site)-\(id)", firmwareVersion: firmware,
                        approval: .known(.accepted), time: Self.t0 - 7200)))
            try await send(
                site,
                .stationConnection(StationConnection(station: id, connected: true, time: Self.t0 - 7200, protocol: "ocpp1.6")))
            if let status {
                try await send(
                    site,
                    .connectorStatus(
                        ConnectorStatusChange(
                            station: id, connector: 1, status: .known(status), errorCode: nil, info: nil, vendorId: nil,
                            vendorErrorCode: nil, time: Self.t0 - 3600)))
            }
        }
        try await send("s1", .stationConnection(StationConnection(station: "B2", connected: false, time: Self.t0 - 3 * 3600)))
        try await store.setPresence(site: "s1", online: true, at: Self.t0 - 7200)
        try await store.setPresence(site: "s2", online: false, at: Self.t0 - 3600)
        try await store.saveGroup(
            id: "north", name: "North", stations: [StationKey(site: "s1", station: "A1"), StationKey(site: "s2", station: "A1")])
        return store
    }

    func ids(_ page: FleetPage) -> [String] { page.items.map { "\($0.site)/\($0.id)" } }

    @Test func eachStationHasItsStateAndEveryFilterKeepsItsOwn() async throws {
        let store = try await store()
        let all = try await store.fleet(FleetFilter())
        #expect(all.total == 6)
        #expect(ids(all) == ["s1/A1", "s2/A1", "s1/A2", "s1/B1", "s1/B2", "s1/U1"], "by id, then site")
        let states = Dictionary(uniqueKeysWithValues: all.items.map { ("\($0.site)/\($0.id)", $0.state) })
        #expect(
            states == [
                "s1/A1": .available, "s2/A1": .offline, "s1/A2": .faulted, "s1/B1": .inUse, "s1/B2": .offline,
                "s1/U1": .unavailable,
            ])
        let yard = try #require(all.items.first { $0.site == "s2" })
        #expect(yard.lastContact == Self.t0 - 3600 && yard.siteName == "Yard", "its edge's last contact")
        #expect(all.items.first { $0.id == "B2" }?.lastContact == Self.t0 - 3 * 3600)
        #expect(all.items.first { $0.id == "B1" }?.lastContact == nil, "connected now")
        #expect(all.items.allSatisfy { $0.protocol == "ocpp1.6" })
        #expect(all.items.first { $0.site == "s1" && $0.id == "A1" }?.groups == ["north"])

        #expect(ids(try await store.fleet(FleetFilter(state: .offline))) == ["s2/A1", "s1/B2"])
        #expect(ids(try await store.fleet(FleetFilter(vendor: "ACME", firmware: "1.0"))) == ["s1/A1", "s2/A1"])
        #expect(ids(try await store.fleet(FleetFilter(model: "Pro", protocol: "ocpp1.6"))) == ["s1/B1", "s1/B2", "s1/U1"])
        #expect(ids(try await store.fleet(FleetFilter(group: "north"))) == ["s1/A1", "s2/A1"])
        #expect(ids(try await store.fleet(FleetFilter(site: "s2"))) == ["s2/A1"])
        #expect(ids(try await store.fleet(FleetFilter(silentSince: Self.t0 - 2 * 3600))) == ["s1/B2"])
        #expect(ids(try await store.fleet(FleetFilter(text: "sn-S1-b"))) == ["s1/B1", "s1/B2"], "the serial, any case")
        #expect(try await store.fleet(FleetFilter(text: "%")).total == 0, "a pattern's own characters are text")
        let choices = try await store.fleetChoices(in: nil)
        #expect(choices.vendors == ["ACME", "Other"] && choices.firmwares == ["1.0", "1.1", "2.0"])
        #expect(choices.protocols == ["ocpp1.6"])
    }

    @Test func everyColumnSortsBothWaysAndPagesAddUp() async throws {
        let store = try await store()
        for sort in FleetSort.allCases {
            let up = ids(try await store.fleet(FleetFilter(sort: sort)))
            let down = ids(try await store.fleet(FleetFilter(sort: sort, descending: true)))
            #expect(Set(up).count == 6 && Set(down) == Set(up), "\(sort)")
            var paged: [String] = []
            for offset in stride(from: 0, to: 6, by: 4) {
                paged += ids(try await store.fleet(FleetFilter(sort: sort, limit: 4, offset: offset)))
            }
            #expect(paged == up, "pages of \(sort) add up to the whole list, each station once")
        }
        let byState = try await store.fleet(FleetFilter(sort: .state)).items.map(\.state)
        #expect(byState == [.offline, .offline, .faulted, .unavailable, .inUse, .available])
        let silentFirst = ids(try await store.fleet(FleetFilter(sort: .lastContact)))
        #expect(Array(silentFirst.prefix(2)) == ["s1/B2", "s2/A1"], "the longest silent first, those connected after")
    }

    @Test func aClientSeesOnlyWhatItIsGrantedAndTheCSVIsThePages() async throws {
        let store = try await store()
        let scope = Scope(sites: ["s2"], stations: [StationKey(site: "s1", station: "B1")])
        #expect(ids(try await store.fleet(FleetFilter(scope: scope))) == ["s2/A1", "s1/B1"])
        #expect(try await store.fleet(FleetFilter(scope: Scope())).total == 0)
        #expect(try await store.fleetChoices(in: scope).firmwares == ["1.0", "2.0"])
        var export = FleetExport(repository: store, filter: FleetFilter(sort: .vendor, descending: true))
        export.pageSize = 4
        var text = ""
        let count = try await export.csv { text += $0 }
        let lines = text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(count == 6 && lines.count == 7 && lines[0].first == "site")
        let listed = ids(try await store.fleet(FleetFilter(sort: .vendor, descending: true)))
        #expect(lines.dropFirst().map { "\($0[0])/\($0[2])" } == listed)
    }

    @Test func badFiltersAreRefusedNamingTheParameter() throws {
        for (name, value) in [
            ("state", "burning"), ("sort", "colour"), ("order", "up"), ("limit", "0"), ("limit", "1001"),
            ("offset", "-1"), ("silentHours", "soon"), ("q", String(repeating: "x", count: 101)),
        ] {
            do {
                _ = try Requests.fleetFilter(
                    Query(parameters: [name: value]), scope: nil, now: Self.t0, limit: 100, maxLimit: 1000)
                Issue.record("accepted \(name)=\(value)")
            } catch let problem as Problem {
                #expect(problem.status == 400 && problem.detail.hasPrefix(name), "\(problem.detail)")
            }
        }
        let filter = try Requests.fleetFilter(
            Query(parameters: ["state": "in_use", "silentHours": "2", "sort": "last_contact", "order": "desc"]), scope: nil,
            now: Self.t0, limit: 100, maxLimit: 1000)
        #expect(
            filter.state == .inUse && filter.silentSince == Self.t0 - 7200 && filter.sort == .lastContact && filter.descending)
    }
}
