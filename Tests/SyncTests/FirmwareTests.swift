import CloudFirmware
import CloudIngest
import CloudStore
import Foundation
import Logging
import MQTT
import SiteModel
import SyncContract
import Testing

@Suite struct FirmwareTests {
    let directory = TemporaryDirectory()

    /// A roll-out over `store` whose relay's broker is not there: every send fails (and is tried again later).
    static func rollout(_ store: SQLiteRepository) -> FirmwareRollout {
        let client = MQTTClient(
            configuration: MQTTConfiguration(broker: MQTTBroker(host: "127.0.0.1", port: 1, tls: false), clientId: "test"),
            logger: Logger(label: "test"))
        return FirmwareRollout(
            repository: store, relay: CommandRelay(repository: store, client: client), commandTimeout: .seconds(1),
            logger: Logger(label: "test"))
    }

    @Test func theRolloutPaceIsOneAtTheStartThenTheRate() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RolloutPlan.allowedByNow(ratePerMinute: 10, startAt: start, now: start - 1, total: 50) == 0)
        #expect(RolloutPlan.allowedByNow(ratePerMinute: 10, startAt: start, now: start, total: 50) == 1)
        #expect(RolloutPlan.allowedByNow(ratePerMinute: 10, startAt: start, now: start + 59, total: 50) == 10)
        #expect(RolloutPlan.allowedByNow(ratePerMinute: 10, startAt: start, now: start + 60, total: 50) == 11)
        #expect(RolloutPlan.allowedByNow(ratePerMinute: 10, startAt: start, now: start + 3600, total: 50) == 50)
        #expect(RolloutPlan.state(after: "Idle", current: "Downloading") == "Downloading")
        #expect(RolloutPlan.state(after: "Installed", current: "Downloading") == "Installed")
    }

    /// A campaign against a store, with a relay whose broker is not there: every send fails (and is retried later),
    /// so what is tried, when, and what the stations report are all visible in the store.
    @Test func aCampaignSendsAtItsRateRetriesLaterFollowsReportsAndFinishes() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        // Whole seconds: the store keeps milliseconds, and a start rounded up would be after this `now`.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        _ = try await store.addSite(id: "s1", name: "S1", at: now)
        let image = try await FirmwareCatalog.addUpload(
            name: "FW", version: "2.0", fileName: "fw-2.0.bin", data: Data("firmware".utf8), user: "ada", organization: nil,
            repository: store)
        #expect(image.sha256 == "c3bf47ea1f4a4a605470313cacb3a44f4a461f68c6faeab07e737610cb5ac835")
        await #expect(throws: FirmwareError.self) {
            try await FirmwareCatalog.createCampaign(
                CampaignRequest(name: "X", image: image.id, stations: ["NOPE"]), scope: nil, publicBase: "https://c",
                user: "ada", repository: store)
        }
        var seq: Int64 = 0
        for n in 1...5 {
            seq += 1
            _ = try await store.apply(
                [
                    UpEnvelope(
                        site: "s1", seq: seq, timestamp: now,
                        message: .stationConnection(StationConnection(station: "CP\(n)", connected: true, time: now)))
                ], receivedAt: now)
        }
        // Security review, finding 34: without http.public_url an uploaded image's URL would come from a request's Host.
        await #expect(throws: FirmwareError.self) {
            try await FirmwareCatalog.createCampaign(
                CampaignRequest(name: "Roll-out", image: image.id, sites: ["s1"], startAt: now, ratePerMinute: 2),
                scope: nil, publicBase: nil, user: "ada", repository: store, now: now)
        }
        let campaign = try await FirmwareCatalog.createCampaign(
            CampaignRequest(name: "Roll-out", image: image.id, sites: ["s1"], startAt: now, ratePerMinute: 2),
            scope: nil, publicBase: "https://cloud.example", user: "ada", repository: store, now: now)
        #expect(campaign.location == "https://cloud.example/firmware/\(image.id)/fw-2.0.bin")
        #expect(campaign.targets?.count == 5)
        let rollout = Self.rollout(store)
        func tried() async throws -> [String] {
            try await store.campaign(id: campaign.id)!.targets!.filter { $0.detail != nil }.map(\.station)
        }
        try await rollout.step(now: now)
        #expect(try await tried().count == 1, "one at the start")
        #expect(try await store.campaign(id: campaign.id)?.state == "running")
        try await rollout.step(now: now + 30)
        // A send that failed does not count against the rate (nothing was sent), but that station waits a minute.
        #expect(try await tried().count == 3, "by 30 s, 2 allowed: two more; the failed one waits")
        try await rollout.step(now: now + 61)
        #expect(try await tried().count == 5, "by 61 s, 3 allowed: the first again (a minute passed) and the last two")
        // Two stations took the update (as if sent), and report.
        for station in ["CP1", "CP2"] {
            try await store.updateTarget(
                campaign: campaign.id, station: StationKey(site: "s1", station: station), state: "sent", sentAt: now,
                detail: "UpdateFirmware accepted", at: now)
        }
        for (station, status) in [("CP1", "Downloading"), ("CP1", "Installed"), ("CP2", "DownloadFailed")] {
            seq += 1
            _ = try await store.apply(
                [
                    UpEnvelope(
                        site: "s1", seq: seq, timestamp: now,
                        message: .event(
                            SiteEvent(
                                station: station, kind: "firmware_status", severity: "info", detail: #"{"status":"\#(status)"}"#,
                                time: now.addingTimeInterval(Double(seq)))))
                ], receivedAt: now)
        }
        try await rollout.step(now: now + 62)
        let states = Dictionary(
            uniqueKeysWithValues: try await store.campaign(id: campaign.id)!.targets!.map { ($0.station, $0.state) })
        #expect(states["CP1"] == "Installed" && states["CP2"] == "DownloadFailed")
        // Stopped: what was not sent is skipped, and the campaign is over.
        try await store.setCampaignState(id: campaign.id, state: "stopped", at: now + 63)
        let stopped = try #require(try await store.campaign(id: campaign.id))
        #expect(stopped.state == "stopped" && stopped.finishedAt != nil)
        #expect(stopped.targets!.filter { $0.state == "pending" }.isEmpty)
        #expect(stopped.progress["skipped"] == 3)
        try await rollout.step(now: now + 120)
        #expect(try await store.campaign(id: campaign.id)?.state == "stopped")
    }

    @Test func aCampaignFinishesWhenAStationFallsSilentOrAClaimWasAbandoned() async throws {
        // Security review, finding 21: a target claimed by an instance that stopped stayed "sending" for ever, one
        // whose station went silent stayed "sent", and reports were matched by the edge's clock.
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        _ = try await store.addSite(id: "s1", name: "S1", at: now)
        for (n, station) in ["CP1", "CP2"].enumerated() {
            _ = try await store.apply(
                [
                    UpEnvelope(
                        site: "s1", seq: Int64(n + 1), timestamp: now,
                        message: .stationConnection(StationConnection(station: station, connected: true, time: now)))
                ], receivedAt: now)
        }
        let image = try await FirmwareCatalog.addExternal(
            name: "FW", version: "3", url: "https://vendor.example/fw.bin", user: nil, organization: nil, repository: store)
        let campaign = try await FirmwareCatalog.createCampaign(
            CampaignRequest(name: "C", image: image.id, stations: ["s1/CP1", "s1/CP2"], startAt: now, ratePerMinute: 1),
            scope: nil, publicBase: nil, user: nil, repository: store, now: now)
        try await store.setCampaignState(id: campaign.id, state: "running", at: now)
        let cp1 = StationKey(site: "s1", station: "CP1")
        let cp2 = StationKey(site: "s1", station: "CP2")
        #expect(try await store.claimTarget(campaign: campaign.id, station: cp1, at: now), "claimed, and the instance stops")
        try await store.updateTarget(
            campaign: campaign.id, station: cp2, state: "sent", sentAt: now - 7 * 3600, detail: nil, at: now - 7 * 3600)
        // A report the cloud received before it sent the update, stamped by an edge whose clock is ahead.
        _ = try await store.apply(
            [
                UpEnvelope(
                    site: "s1", seq: 3, timestamp: now,
                    message: .event(
                        SiteEvent(
                            station: "CP2", kind: "firmware_status", severity: "info", detail: #"{"status":"Installed"}"#,
                            time: now)))
            ], receivedAt: now - 8 * 3600)
        let rollout = Self.rollout(store)
        try await rollout.step(now: now + 10)
        let states = Dictionary(
            uniqueKeysWithValues: try await store.campaign(id: campaign.id)!.targets!.map { ($0.station, $0.state) })
        #expect(states["CP1"] != "sending", "an abandoned claim is released (and tried again)")
        #expect(states["CP2"] == "timeout", "silent for more than six hours; the early report is not its answer")
        // A station that reported Downloading and then fell silent is given up too (a review of finding 21).
        let cp3 = StationKey(site: "s1", station: "CP3")
        _ = try await store.apply(
            [
                UpEnvelope(
                    site: "s1", seq: 4, timestamp: now,
                    message: .stationConnection(StationConnection(station: "CP3", connected: true, time: now)))
            ], receivedAt: now)
        let later = try await FirmwareCatalog.createCampaign(
            CampaignRequest(name: "D", image: image.id, stations: ["s1/CP3"], startAt: now, ratePerMinute: 1),
            scope: nil, publicBase: nil, user: nil, repository: store, now: now)
        try await store.setCampaignState(id: later.id, state: "running", at: now)
        try await store.updateTarget(
            campaign: later.id, station: cp3, state: "Downloading", sentAt: now - 8 * 3600, detail: nil, at: now - 7 * 3600)
        _ = try await store.apply(
            [
                UpEnvelope(
                    site: "s1", seq: 5, timestamp: now,
                    message: .event(
                        SiteEvent(
                            station: "CP3", kind: "firmware_status", severity: "info", detail: #"{"status":"Downloading"}"#,
                            time: now - 7 * 3600)))
            ], receivedAt: now - 7 * 3600)
        try await rollout.step(now: now + 20)
        #expect(try await store.campaign(id: later.id)?.targets?.first?.state == "timeout")
    }

    @Test func aPlainURLIsRolledOutOnlyWhenItWasAllowedWhenRegistered() async throws {
        // Security review, finding 20, as a second reader found it: images registered with http:// before such URLs
        // needed consent could still be rolled out.
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        _ = try await store.addSite(id: "s1", name: "S1", at: now)
        _ = try await store.apply(
            [
                UpEnvelope(
                    site: "s1", seq: 1, timestamp: now,
                    message: .stationConnection(StationConnection(station: "CP1", connected: true, time: now)))
            ], receivedAt: now)
        let before = FirmwareImage(
            id: "old", name: "Old", version: "1", fileName: nil, size: nil, sha256: nil, url: "http://vendor.example/fw.bin",
            createdAt: now, createdBy: nil)
        try await store.addFirmwareImage(before, data: nil)
        #expect(try await store.firmwareImage(id: "old")?.allowUnencrypted == false)
        let request = { (image: String) in CampaignRequest(name: "C", image: image, sites: ["s1"], startAt: now) }
        let refused = await #expect(throws: FirmwareError.self) {
            try await FirmwareCatalog.createCampaign(
                request("old"), scope: nil, publicBase: nil, user: nil, repository: store, now: now)
        }
        #expect("\(refused.map { "\($0)" } ?? "")".contains("register it again"))
        let again = try await FirmwareCatalog.addExternal(
            name: "Old", version: "1", url: "http://vendor.example/fw.bin", allowUnencrypted: true, user: nil,
            organization: nil, repository: store)
        #expect(try await store.firmwareImage(id: again.id)?.allowUnencrypted == true)
        let campaign = try await FirmwareCatalog.createCampaign(
            request(again.id), scope: nil, publicBase: nil, user: nil, repository: store, now: now)
        #expect(campaign.location == "http://vendor.example/fw.bin")
    }
}
