import CloudStore
import Foundation
import SiteModel
import SyncContract
import Testing

/// The contracts of what the sites report and the fleet does: ingest, stations, sessions and events, commands,
/// users, firmware. Written against the protocols only (see ``RepositoryContracts``).
extension RepositoryContracts {
    static func envelope(_ site: String, _ seq: Int64, _ message: UpMessage, epoch: String? = "e1") -> UpEnvelope {
        UpEnvelope(site: site, epoch: epoch, seq: seq, timestamp: time, message: message)
    }

    static func status(
        _ station: String, _ connector: Int, _ status: ConnectorStatus, at offset: TimeInterval = 0
    )
        -> UpMessage
    {
        .connectorStatus(
            ConnectorStatusChange(
                station: station, connector: connector, status: .known(status), errorCode: "NoError", info: nil,
                vendorId: nil, vendorErrorCode: nil, time: time.addingTimeInterval(offset)))
    }

    /// Ingest: each (site, epoch, seq) applied once, acknowledged every time; a batch's messages all durable together.
    static func ingest(_ repository: some IngestRepository & SiteRepository & StationRepository) async throws {
        _ = try await repository.addSite(id: "s1", name: "Depot", at: time)
        let batch = [envelope("s1", 1, status("CP1", 1, .charging)), envelope("s1", 2, status("CP1", 2, .available))]
        let first = try await repository.apply(batch, receivedAt: time)
        #expect(first.applied == 2 && first.duplicates == 0 && first.acknowledged["s1"]?.sorted() == [1, 2])
        let again = try await repository.apply(batch, receivedAt: time)
        #expect(again.applied == 0 && again.duplicates == 2 && again.acknowledged["s1"]?.sorted() == [1, 2])
        // An older state that arrives late does not replace a newer one.
        _ = try await repository.apply([envelope("s1", 4, status("CP1", 1, .finishing, at: 10))], receivedAt: time)
        _ = try await repository.apply([envelope("s1", 3, status("CP1", 1, .preparing, at: 5))], receivedAt: time)
        let station = try #require(try await repository.station(site: "s1", id: "CP1"))
        #expect(station.connectors.map(\.status) == ["Finishing", "Available"])
    }

    /// Stations: listed by site and scope, found by id at each site, moved to another site with their identity.
    static func stations(_ repository: some IngestRepository & SiteRepository & StationRepository) async throws {
        for site in ["s1", "s2"] { _ = try await repository.addSite(id: site, name: site, at: time) }
        _ = try await repository.apply(
            [
                envelope("s1", 1, status("CP1", 1, .available)), envelope("s1", 2, status("CP2", 1, .charging)),
                envelope("s2", 1, status("CP1", 1, .faulted)),
            ], receivedAt: time)
        #expect(try await repository.stations(site: "s1", in: nil).map(\.id).sorted() == ["CP1", "CP2"])
        #expect(
            try await repository.stations(site: nil, in: Scope(sites: ["s2"])).map(\.key) == [
                StationKey(site: "s2", station: "CP1")
            ])
        #expect(try await repository.stations(id: "CP1", in: nil).map(\.site).sorted() == ["s1", "s2"])
        #expect(try await repository.stations(id: "CP1", in: Scope(sites: ["s1"])).map(\.site) == ["s1"])
        #expect(try await repository.station(site: "s2", id: "CP2") == nil)
        #expect(try await repository.moveStation(StationKey(site: "s1", station: "CP2"), to: "s2"))
        #expect(try await repository.station(site: "s2", id: "CP2") != nil)
        #expect(try await repository.station(site: "s1", id: "CP2") == nil)
        #expect(try await repository.moveStation(StationKey(site: "s1", station: "NOPE"), to: "s2") == false)
    }

    /// Sessions: a start, progress and stop make one session in any order; lists are scoped, filtered and paged.
    static func sessions(_ repository: some IngestRepository & SiteRepository & SessionRepository) async throws {
        for site in ["s1", "s2"] { _ = try await repository.addSite(id: site, name: site, at: time) }
        func start(_ site: String, _ seq: Int64, transaction: Int, at offset: TimeInterval) -> UpEnvelope {
            envelope(
                site, seq,
                .sessionStart(
                    SessionStarted(
                        station: "CP-\(site)", connector: 1, transactionId: transaction, idTag: "CARD-\(transaction)",
                        authStatus: .known(.accepted), meterStartWh: 1000, startTime: time.addingTimeInterval(offset))))
        }
        let stop = envelope(
            "s1", 9,
            .sessionStop(
                SessionStopped(
                    station: "CP-s1", connector: 1, transactionId: 1, idTag: "CARD-1", meterStartWh: 1000, startTime: time,
                    meterStopWh: 4000, stopTime: time.addingTimeInterval(3600), reason: "EVDisconnected")))
        let progress = envelope(
            "s1", 5,
            .sessionUpdate(
                SessionProgress(
                    station: "CP-s1", connector: 1, transactionId: 1, time: time.addingTimeInterval(600), energyWh: 2500,
                    powerW: 7000, currentA: 10, soc: 50)))
        // The stop before the start and its progress: still one whole session.
        _ = try await repository.apply([stop, progress], receivedAt: time)
        _ = try await repository.apply(
            [
                start("s1", 1, transaction: 1, at: 0), start("s1", 2, transaction: 2, at: 60),
                start("s2", 1, transaction: 7, at: 30),
            ],
            receivedAt: time)
        let one = try #require(try await repository.session(site: "s1", transactionId: 1))
        #expect(!one.active && one.meterStartWh == 1000 && one.meterStopWh == 4000 && one.stopReason == "EVDisconnected")
        #expect(one.startTime == time && one.idTag == "CARD-1" && one.authStatus == "Accepted")
        #expect(try await repository.sessionSamples(site: "s1", transactionId: 1, limit: 10).count == 1)
        let all = try await repository.sessions(SessionFilter())
        #expect(all.items.map(\.transactionId) == [2, 7, 1], "newest first")
        #expect(try await repository.sessions(SessionFilter(scope: Scope(sites: ["s2"]))).items.map(\.site) == ["s2"])
        #expect(try await repository.sessions(SessionFilter(active: true)).items.map(\.transactionId).sorted() == [2, 7])
        #expect(try await repository.sessions(SessionFilter(idTag: "CARD-7")).items.map(\.transactionId) == [7])
        let page = try await repository.sessions(SessionFilter(limit: 2))
        #expect(page.items.count == 2 && page.next != nil)
    }

    /// Events: each message's line of history, scoped and filtered by kind and severity.
    static func events(_ repository: some IngestRepository & SiteRepository & SessionRepository) async throws {
        for site in ["s1", "s2"] { _ = try await repository.addSite(id: site, name: site, at: time) }
        _ = try await repository.apply(
            [envelope("s1", 1, status("CP1", 1, .faulted)), envelope("s2", 1, status("CP9", 1, .available))],
            receivedAt: time)
        #expect(try await repository.events(EventFilter(site: "s1")).map(\.severity) == ["error"])
        #expect(try await repository.events(EventFilter(severity: "error")).map(\.site) == ["s1"])
        #expect(try await repository.events(EventFilter(scope: Scope(sites: ["s2"]))).map(\.station) == ["CP9"])
    }

    /// Commands: kept as sent, answered by the site's result through ingest, listed newest first.
    static func commands(_ repository: some IngestRepository & SiteRepository & CommandRepository) async throws {
        _ = try await repository.addSite(id: "s1", name: "Depot", at: time)
        try await repository.recordCommand(
            id: "c1", site: "s1", station: "CP1", action: "Reset", payload: #"{"type":"Soft"}"#, user: "ada", at: time)
        try await repository.recordCommand(
            id: "c2", site: "s1", station: "CP1", action: "UnlockConnector", payload: #"{"connectorId":1}"#, user: nil,
            at: time.addingTimeInterval(1))
        #expect(try await repository.commandOutcome(id: "c1") == nil, "not answered yet")
        _ = try await repository.apply(
            [
                envelope(
                    "s1", 1,
                    .commandResult(
                        CommandResult(
                            id: "c1", station: "CP1", action: "Reset", outcome: .accepted, response: #"{"status":"Accepted"}"#)))
            ], receivedAt: time)
        #expect(try await repository.commandOutcome(id: "c1")?.outcome == .accepted)
        let c1 = try #require(try await repository.command(id: "c1"))
        #expect(c1.user == "ada" && c1.action == "Reset" && c1.outcome == .accepted)
        #expect(try await repository.commands(EventFilter(site: "s1")).map(\.id) == ["c2", "c1"])
        #expect(try await repository.commands(actions: ["UnlockConnector"], since: time).map(\.id) == ["c2"])
    }

    /// Users: added, changed, removed; failed sign-ins counted and locked, a success clears them.
    static func users(_ repository: some UserRepository) async throws {
        let ada = UserRecord(id: "ada", name: "Ada", passwordHash: "h", role: "admin", createdAt: time)
        try await repository.addUser(ada)
        #expect(try await repository.user(id: "ada")?.name == "Ada")
        var changed = try #require(try await repository.user(id: "ada"))
        changed.name = "Ada L."
        changed.language = "de"
        try await repository.updateUser(changed, endSessions: false)
        #expect(try await repository.user(id: "ada")?.name == "Ada L.")
        let lock = time.addingTimeInterval(900)
        #expect(try await repository.beginLogin(user: "ada", maxFailures: 2, lockUntil: lock, now: time))
        #expect(try await repository.beginLogin(user: "ada", maxFailures: 2, lockUntil: lock, now: time))
        #expect(try await repository.beginLogin(user: "ada", maxFailures: 2, lockUntil: lock, now: time) == false, "locked")
        try await repository.recordLogin(user: "ada", succeeded: true, lockUntil: nil)
        #expect(try await repository.user(id: "ada")?.failedLogins == 0)
        try await repository.setHomeView(user: "ada", HomeView(sites: ["s1"], groups: []))
        #expect(try await repository.homeView(user: "ada").sites == ["s1"])
        #expect(try await repository.users().map(\.id) == ["ada"])
        #expect(try await repository.deleteUser(id: "ada"))
        #expect(try await repository.deleteUser(id: "ada") == false)
    }

    /// Firmware: an image kept in chunks, a campaign whose targets are claimed once each.
    static func firmware(_ repository: some FirmwareRepository) async throws {
        let bytes = Data((0..<(FirmwareImage.chunkBytes + 10)).map { UInt8($0 % 251) })
        try await repository.addFirmwareImage(
            FirmwareImage(
                id: "img", name: "FW", version: "2.0", fileName: "fw.bin", size: bytes.count, sha256: nil, url: nil,
                createdAt: time, createdBy: "ada"), data: bytes)
        #expect(try await repository.firmwareImages().map(\.id) == ["img"])
        var read = Data()
        var index = 0
        while let chunk = try await repository.firmwareChunk(image: "img", index: index) {
            read += chunk
            index += 1
        }
        #expect(read == bytes && index == 2)
        try await repository.addCampaign(
            FirmwareCampaign(
                id: "c", name: "C", image: "img", location: "https://x/fw.bin", startAt: time, ratePerMinute: 10,
                state: "scheduled", createdAt: time, createdBy: "ada"), targets: [("CP1", "s1"), ("CP2", "s1")])
        let key = StationKey(site: "s1", station: "CP1")
        #expect(try await repository.claimTarget(campaign: "c", station: key, at: time))
        #expect(try await repository.claimTarget(campaign: "c", station: key, at: time) == false, "claimed once")
        try await repository.setCampaignState(id: "c", state: "running", at: time)
        #expect(try await repository.campaign(id: "c")?.state == "running")
        #expect(try await repository.releaseStaleClaims(claimedBefore: Date.distantFuture) == 1)
        #expect(try await repository.claimTarget(campaign: "c", station: key, at: time), "a released claim can be taken again")
    }
}

extension RepositoryContracts {
    /// The home page's counts: connectors by state (a fault counted as inoperative and as faulted), everything
    /// inoperative while the site is offline, scoped; and the alerts of what needs attention.
    static func dashboard(_ repository: some IngestRepository & SiteRepository & DashboardReads) async throws {
        for site in ["s1", "s2"] { _ = try await repository.addSite(id: site, name: site, at: time) }
        try await repository.setPresence(site: "s1", online: true, at: time)
        _ = try await repository.apply(
            [
                envelope("s1", 1, status("CP1", 1, .charging)), envelope("s1", 2, status("CP1", 2, .faulted)),
                envelope("s1", 3, status("CP2", 1, .available)), envelope("s2", 1, status("CP9", 1, .charging)),
                envelope(
                    "s1", 4, .stationConnection(StationConnection(station: "CP1", connected: true, time: time))),
                envelope(
                    "s1", 5, .stationConnection(StationConnection(station: "CP2", connected: true, time: time))),
            ], receivedAt: time)
        let summaries = Dictionary(
            uniqueKeysWithValues: try await repository.siteSummaries(in: nil).map { ($0.site, $0) })
        let s1 = try #require(summaries["s1"])
        #expect((s1.inUse, s1.available, s1.inoperative, s1.faulted, s1.stations) == (1, 1, 1, 1, 2))
        let s2 = try #require(summaries["s2"])
        #expect((s2.inUse, s2.inoperative) == (0, 1), "an offline site's connectors are all inoperative")
        #expect(try await repository.siteSummaries(in: Scope(sites: ["s2"])).map(\.site) == ["s2"])
        let alerts = try await repository.alerts(in: nil, limit: 50)
        #expect(alerts.contains { $0.kind == "faulted" && $0.station == "CP1" && $0.connector == 2 })
        #expect(alerts.contains { $0.kind == "siteOffline" && $0.site == "s2" })
        #expect(try await repository.alerts(in: Scope(sites: ["s1"]), limit: 50).allSatisfy { $0.site == "s1" })
    }

    /// Retention: samples and events older than the period go (but the newest history line), sessions stay.
    static func retention(
        _ repository: some IngestRepository & SiteRepository & SessionRepository & RetentionRepository
    ) async throws {
        _ = try await repository.addSite(id: "s1", name: "Depot", at: time)
        _ = try await repository.apply(
            [
                envelope("s1", 1, status("CP1", 1, .faulted)),
                envelope("s1", 3, status("CP1", 1, .available)),
                envelope(
                    "s1", 2,
                    .sessionStart(
                        SessionStarted(
                            station: "CP1", connector: 1, transactionId: 1, idTag: nil, authStatus: nil, meterStartWh: 0,
                            startTime: time))),
            ], receivedAt: time)
        #expect(
            try await repository.prune(appliedBefore: time.addingTimeInterval(1), recordsBefore: time.addingTimeInterval(1)) > 0)
        // The newest line of the history stays, whatever its time: the notifier reads on from it.
        #expect(try await repository.events(EventFilter(site: "s1")).map(\.seq) == [3])
        #expect(try await repository.session(site: "s1", transactionId: 1) != nil, "sessions stay")
    }
}
