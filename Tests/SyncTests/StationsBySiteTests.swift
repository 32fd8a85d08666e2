import Foundation
import GRDB
import SiteModel
import SyncContract
import Testing

@testable import CloudStore

/// Security review, finding 1: a station is (site, id) in the cloud. Two sites whose chargers have the same identity
/// have two stations; a site's messages change only its own; grants, groups and firmware targets name the site.
@Suite struct StationsBySiteTests {
    let directory = TemporaryDirectory()
    static let t0 = Date(timeIntervalSince1970: 1_795_600_000)

    static func boot(_ site: String, seq: Int64, station: String = "CP001", vendor: String) -> UpEnvelope {
        UpEnvelope(
            site: site, seq: seq, timestamp: t0,
            message: .stationBoot(
                StationBoot(
                    station: station, vendor: vendor, model: "M", serialNumber: nil, firmwareVersion: nil, approval: "accepted",
                    time: t0 + Double(seq))))
    }

    static func status(_ site: String, seq: Int64, station: String = "CP001", _ status: String) -> UpEnvelope {
        UpEnvelope(
            site: site, seq: seq, timestamp: t0,
            message: .connectorStatus(
                ConnectorStatusChange(
                    station: station, connector: 1, status: OpenEnum(rawValue: status), errorCode: "NoError", info: nil,
                    vendorId: nil,
                    vendorErrorCode: nil, time: t0 + Double(seq))))
    }

    func twoSites() async throws -> SQLiteRepository {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        for site in ["a", "b"] { _ = try await store.addSite(id: site, name: site, at: Self.t0) }
        _ = try await store.apply(
            [Self.boot("a", seq: 1, vendor: "Alfa"), Self.status("a", seq: 2, "Charging")], receivedAt: Self.t0)
        _ = try await store.apply(
            [Self.boot("b", seq: 1, vendor: "Bravo"), Self.status("b", seq: 2, "Available")], receivedAt: Self.t0)
        return store
    }

    @Test func twoSitesWhoseChargersShareAnIdentityHaveTwoStations() async throws {
        let store = try await twoSites()
        let all = try await store.stations(site: nil, in: nil)
        #expect(all.map(\.key) == [StationKey(site: "a", station: "CP001"), StationKey(site: "b", station: "CP001")])
        #expect(all.map { $0.connectors.map(\.status) } == [["Charging"], ["Available"]], "each its own connectors")
        let b = try #require(try await store.station(site: "b", id: "CP001"))
        #expect(b.vendor == "Bravo")
        // A later boot at site a (the message that moved a station before) changes site a's station only.
        _ = try await store.apply(
            [Self.boot("a", seq: 3, vendor: "Evil"), Self.status("a", seq: 4, "Faulted")], receivedAt: Self.t0)
        #expect(try await store.station(site: "b", id: "CP001")?.vendor == "Bravo")
        #expect(try await store.station(site: "b", id: "CP001")?.connectors.map(\.status) == ["Available"])
        #expect(try await store.station(site: "a", id: "CP001")?.vendor == "Evil")
        // A bare id is one station only where the caller sees one.
        await #expect(throws: StationLookupError.ambiguous("CP001", sites: ["a", "b"])) {
            try await store.resolveStation("CP001", in: nil)
        }
        #expect(try await store.resolveStation("CP001", in: Scope(sites: ["b"])).vendor == "Bravo")
        #expect(try await store.resolveStation("a/CP001", in: nil).vendor == "Evil")
        await #expect(throws: StationLookupError.notFound("a/CP001")) {
            try await store.resolveStation("a/CP001", in: Scope(sites: ["b"]))
        }
    }

    @Test func aStationGrantedAtOneSiteShowsNothingOfTheSameIdAtAnother() async throws {
        let store = try await twoSites()
        let t0 = Self.t0
        // Each site's CP001 charges a card named after its site, with the same transaction id.
        for (site, card) in [("a", "A"), ("b", "B")] {
            let start = SessionStarted(
                station: "CP001", connector: 1, transactionId: 1, idTag: card, authStatus: "Accepted", meterStartWh: 0,
                startTime: t0)
            _ = try await store.apply(
                [UpEnvelope(site: site, seq: 10, timestamp: t0, message: .sessionStart(start))], receivedAt: t0)
        }
        try await store.addOrganization(id: "fleet-b", name: "Fleet B", at: t0)
        try await store.grant(organization: "fleet-b", .station(StationKey(site: "b", station: "CP001")))
        let scope = try await store.scope(ofOrganization: "fleet-b")
        #expect(scope == Scope(stations: [StationKey(site: "b", station: "CP001")]))
        #expect(try await store.stations(site: nil, in: scope).map(\.site) == ["b"])
        #expect(try await store.sessions(SessionFilter(scope: scope)).items.map(\.idTag) == ["B"])
        #expect(try await store.events(EventFilter(scope: scope)).allSatisfy { $0.site == "b" })
        #expect(try await store.siteSummaries(in: scope).map(\.site) == ["b"])
        // Through a group too.
        try await store.saveGroup(id: "bays", name: "Bays", stations: [StationKey(site: "a", station: "CP001")])
        try await store.addOrganization(id: "fleet-a", name: "Fleet A", at: t0)
        try await store.grant(organization: "fleet-a", .group("bays"))
        let groupScope = try await store.scope(ofOrganization: "fleet-a")
        #expect(try await store.sessions(SessionFilter(scope: groupScope)).items.map(\.idTag) == ["A"])
        #expect(try await store.groups(in: groupScope).first?.stations == [StationKey(site: "a", station: "CP001")])
    }

    @Test func movingAStationTakesItsGrantsAndGroupsAndLeavesItsHistory() async throws {
        let store = try await twoSites()
        _ = try await store.addSite(id: "c", name: "c", at: Self.t0)
        let key = StationKey(site: "a", station: "CP001")
        try await store.addOrganization(id: "fleet", name: "Fleet", at: Self.t0)
        try await store.grant(organization: "fleet", .station(key))
        try await store.saveGroup(id: "bays", name: "Bays", stations: [key])
        #expect(try await store.moveStation(key, to: "c"))
        #expect(try await store.station(site: "a", id: "CP001") == nil)
        #expect(try await store.station(site: "c", id: "CP001")?.vendor == "Alfa")
        #expect(try await store.scope(ofOrganization: "fleet").stations == [StationKey(site: "c", station: "CP001")])
        #expect(try await store.groups(in: nil).first?.stations == [StationKey(site: "c", station: "CP001")])
        #expect(try await store.events(EventFilter(site: "a", station: "CP001")).count == 2, "the history stays where it was")
        // Moved onto a site that has already heard of the station: that site's live state is kept.
        #expect(try await store.moveStation(StationKey(site: "c", station: "CP001"), to: "b"))
        #expect(try await store.station(site: "b", id: "CP001")?.vendor == "Bravo")
        #expect(try await store.stations(site: nil, in: nil).count == 1)
        #expect(try await store.moveStation(StationKey(site: "a", station: "CP001"), to: "b") == false)
        await #expect(throws: CloudStoreError.unknownSite("nowhere")) {
            try await store.moveStation(StationKey(site: "b", station: "CP001"), to: "nowhere")
        }
    }

    static func result(_ site: String, seq: Int64, _ action: String, response: String?) -> UpEnvelope {
        UpEnvelope(
            site: site, seq: seq, timestamp: t0,
            message: .commandResult(
                CommandResult(id: "c\(seq)", station: "CP001", action: action, outcome: .accepted, response: response)))
    }

    @Test func aRegistrationIsKeptAsTheEdgeAnsweredAndARetiredStationIsForgottenWithItsHistoryKept() async throws {
        let store = try await twoSites()
        let key = StationKey(site: "a", station: "CP001")
        let answer = #"{"maxCurrentA":16,"passwordHash":"(set)","phases":1,"priority":5,"rotation":"L2"}"#
        _ = try await store.apply([Self.result("a", seq: 3, StationRegistration.action, response: answer)], receivedAt: Self.t0)
        let registration = try #require(try await store.station(site: "a", id: "CP001")?.registration)
        #expect(registration.maxCurrentA == 16 && registration.phases == 1 && registration.rotation == "L2")
        #expect(registration.priority == 5 && registration.hasPassword)
        try await store.addOrganization(id: "fleet", name: "Fleet", at: Self.t0)
        try await store.grant(organization: "fleet", .station(key))
        try await store.saveGroup(id: "bays", name: "Bays", stations: [key])

        _ = try await store.apply([Self.result("a", seq: 4, StationRetirement.action, response: "{}")], receivedAt: Self.t0)
        #expect(try await store.station(site: "a", id: "CP001") == nil)
        #expect(try await store.station(site: "b", id: "CP001") != nil, "the same id at another site is another station")
        #expect(try await store.scope(ofOrganization: "fleet").stations.isEmpty)
        #expect(try await store.groups(in: nil).first?.stations == [])
        #expect(try await store.events(EventFilter(site: "a", station: "CP001")).count == 4, "its history stays")
        // Its connection, closed as the edge forgot it, arrives after the answer and does not bring it back.
        let closed = UpEnvelope(
            site: "a", seq: 5, timestamp: Self.t0,
            message: .stationConnection(StationConnection(station: "CP001", connected: false, time: Self.t0)))
        _ = try await store.apply([closed], receivedAt: Self.t0)
        #expect(try await store.station(site: "a", id: "CP001") == nil)
        // Its id is free: a charger that connects with it is a new station, with nothing of the old one's.
        _ = try await store.apply([Self.boot("a", seq: 6, vendor: "New")], receivedAt: Self.t0)
        let reborn = try #require(try await store.station(site: "a", id: "CP001"))
        #expect(reborn.vendor == "New" && reborn.registration == nil && reborn.connectors.isEmpty)
    }

    @Test func aStoreFromBeforeStationsWereNamedByTheirSiteMigratesWithItsData() async throws {
        let path = directory.file("old.sqlite")
        do {
            let queue = try DatabaseQueue(path: path)
            try CloudSchema.migrator.migrate(queue, upTo: "v8-station-group-grants")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO site (id, name, created_at) VALUES ('a', 'A', 0), ('b', 'B', 0);
                        INSERT INTO station (id, site_id, vendor, connected) VALUES ('CP1', 'a', 'Alfa', TRUE), ('CP2', 'b', 'Bravo', FALSE);
                        INSERT INTO connector (station_id, connector_id, site_id, status, status_at) VALUES ('CP1', 1, 'a', 'Charging', 5);
                        INSERT INTO station_group (id, name, created_at) VALUES ('bays', 'Bays', 0);
                        INSERT INTO station_group_member (group_id, station_id) VALUES ('bays', 'CP1'), ('bays', 'CP-NEW');
                        INSERT INTO command (id, site_id, station_id, action, payload, created_at)
                            VALUES ('c1', 'b', 'CP-NEW', 'RegisterStation', '{}', 1);
                        INSERT INTO organization (id, name, created_at) VALUES ('o', 'O', 0);
                        INSERT INTO organization_station (organization_id, station_id) VALUES ('o', 'CP2');
                        INSERT INTO firmware_campaign (id, name, image_id, location, start_at, rate_per_minute, state, created_at)
                            VALUES ('f', 'F', 'i', 'https://x/fw', 0, 1, 'running', 0);
                        INSERT INTO firmware_target (campaign_id, station_id, site_id, state) VALUES ('f', 'CP1', 'a', 'sent');
                        """)
            }
            try queue.close()
        }
        let store = try SQLiteRepository(path: path)
        #expect(try await store.stations(site: nil, in: nil).map(\.key.description) == ["a/CP1", "b/CP2"])
        #expect(try await store.station(site: "a", id: "CP1")?.connectors.map(\.status) == ["Charging"])
        #expect(
            try await store.groups(in: nil).first?.stations.map(\.description) == ["b/CP-NEW", "a/CP1"],
            "a member never seen takes the site of its registration")
        #expect(try await store.organization(id: "o")?.stations == [StationKey(site: "b", station: "CP2")])
        #expect(try await store.campaign(id: "f")?.targets?.map(\.key.description) == ["a/CP1"])
    }
}
