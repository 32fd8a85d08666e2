import CloudCore
import CloudNotify
import CloudStore
import Foundation
import HTTPTypes
import Logging
import ServerSupport
import SiteModel
import SyncContract
import Synchronization
import Testing

/// The notifier over a real SQLite store: history into notifications (a flapping charger's quiet period counted on
/// one), lasting states held back and cleared, back online told only after offline was, deliveries retried with
/// backoff and then failed, each notification made once by two instances, and a client organization's rule never
/// about another's station. The webhook channel is a recording stand-in here; the interop test sends real ones.
@Suite struct NotifierTests {
    let directory = TemporaryDirectory()
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    /// What the stand-in webhook was sent, and what it answers.
    final class Hook: WebhookSending {
        let sent = Mutex<[NotificationRecord]>([])
        let failure: String?
        init(failure: String? = nil) { self.failure = failure }

        func send(
            _ notification: NotificationRecord, delivery: DeliveryRecord, to hook: NotificationRule.Webhook
        ) async
            -> String?
        {
            sent.withLock { $0.append(notification) }
            return failure
        }
    }

    final class Feed {
        let store: SQLiteRepository
        var seq: Int64 = 0
        init(_ store: SQLiteRepository) { self.store = store }

        func status(
            _ site: String, _ station: String, _ status: ConnectorStatus, at time: Date, code: String = "NoError"
        )
            async throws
        {
            seq += 1
            let change = ConnectorStatusChange(
                station: station, connector: 1, status: .known(status), errorCode: code, info: nil, vendorId: "ACME",
                vendorErrorCode: status == .faulted ? "E42" : nil, time: time)
            _ = try await store.apply(
                [UpEnvelope(site: site, epoch: "e", seq: seq, timestamp: time, message: .connectorStatus(change))],
                receivedAt: time)
        }
    }

    func store() async throws -> SQLiteRepository {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        for site in ["s1", "s2"] { _ = try await store.addSite(id: site, name: site, at: Self.t0) }
        return store
    }

    static func rule(_ id: String, _ events: [NotificationEvent], organization: String? = nil, after: Int = 0) -> NotificationRule
    {
        NotificationRule(
            id: id, name: id, events: events, afterMinutes: after, quietMinutes: 15,
            webhook: .init(url: "https://hooks.example/\(id)", secret: "s"), organization: organization, createdAt: t0)
    }

    @Test func aFaultIsToldOnceAndAFlappingChargerCountsOnItsNotification() async throws {
        let store = try await store()
        try await store.saveRule(Self.rule("faults", [.stationFaulted]))
        let hook = Hook()
        let notifier = Notifier(repository: store, webhooks: hook, logger: Logger(label: "test"))
        let feed = Feed(store)
        try await feed.status("s1", "CP1", .faulted, at: Self.t0, code: "GroundFailure")
        try await notifier.tick(now: Self.t0 + 1)
        for minute in 1...5 {
            try await feed.status("s1", "CP1", .available, at: Self.t0 + Double(minute) * 60 - 30)
            try await feed.status("s1", "CP1", .faulted, at: Self.t0 + Double(minute) * 60, code: "GroundFailure")
            try await notifier.tick(now: Self.t0 + Double(minute) * 60 + 1)
        }
        let notifications = try await store.notifications(in: nil, organization: nil, alsoRules: [], before: nil, limit: 10)
        #expect(notifications.count == 1)
        #expect(notifications.first?.count == 6, "the first and five more in its quiet period")
        #expect(notifications.first?.summary == "CP1 connector 1: Faulted, GroundFailure, vendor code E42")
        #expect(hook.sent.withLock { $0.count } == 1)
        // After the quiet period, the next fault is told again.
        try await feed.status("s1", "CP1", .faulted, at: Self.t0 + 30 * 60, code: "GroundFailure")
        try await notifier.tick(now: Self.t0 + 30 * 60 + 1)
        #expect(hook.sent.withLock { $0.count } == 2)
        let deliveries = try await store.deliveries(notification: try #require(notifications.first).id)
        #expect(deliveries.map(\.status) == ["sent"])
    }

    @Test func aRuleOfAGroupHearsOfTheStationsInItWhenTheEventHappens() async throws {
        let store = try await store()
        var rule = Self.rule("depot", [.stationFaulted])
        rule.groups = ["depot"]
        try await store.saveRule(rule)
        try await store.saveGroup(id: "depot", name: "Depot", stations: [StationKey(site: "s1", station: "CP1")])
        let hook = Hook()
        let notifier = Notifier(repository: store, webhooks: hook, logger: Logger(label: "test"))
        let feed = Feed(store)
        try await feed.status("s1", "CP2", .faulted, at: Self.t0, code: "GroundFailure")
        try await notifier.tick(now: Self.t0 + 1)
        #expect(hook.sent.withLock { $0.count } == 0, "CP2 is in no group of the rule")
        try await feed.status("s1", "CP1", .faulted, at: Self.t0 + 2, code: "GroundFailure")
        try await notifier.tick(now: Self.t0 + 3)
        #expect(hook.sent.withLock { $0.count } == 1)
        // A station added to the group later is heard of from then on.
        _ = try await store.addToGroup(group: "depot", station: StationKey(site: "s1", station: "CP2"))
        try await feed.status("s1", "CP2", .faulted, at: Self.t0 + 4, code: "GroundFailure")
        try await notifier.tick(now: Self.t0 + 5)
        #expect(hook.sent.withLock { $0.count } == 2)
    }

    @Test func aFailedDeliveryIsRetriedWithBackoffThenFailedForGood() async throws {
        let store = try await store()
        try await store.saveRule(Self.rule("faults", [.stationFaulted]))
        let hook = Hook(failure: "HTTP 500")
        let notifier = Notifier(
            repository: store, settings: NotifierSettings(retryBase: .seconds(10), maxAttempts: 3), webhooks: hook,
            logger: Logger(label: "test"))
        try await Feed(store).status("s1", "CP1", .faulted, at: Self.t0)
        try await notifier.tick(now: Self.t0)
        let id = try #require(
            try await store.notifications(in: nil, organization: nil, alsoRules: [], before: nil, limit: 1).first
        ).id
        var delivery = try #require(try await store.deliveries(notification: id).first)
        #expect(delivery.status == "pending" && delivery.attempts == 1 && delivery.lastError == "HTTP 500")
        #expect(delivery.nextAt == Self.t0 + 10)
        try await notifier.tick(now: Self.t0 + 5)
        #expect(hook.sent.withLock { $0.count } == 1, "not before its time")
        try await notifier.tick(now: Self.t0 + 10)
        delivery = try #require(try await store.deliveries(notification: id).first)
        #expect(delivery.attempts == 2 && delivery.nextAt == Self.t0 + 30, "10 s, then 20 s")
        try await notifier.tick(now: Self.t0 + 30)
        delivery = try #require(try await store.deliveries(notification: id).first)
        #expect(delivery.status == "failed" && delivery.attempts == 3)
        try await notifier.tick(now: Self.t0 + 3600)
        #expect(hook.sent.withLock { $0.count } == 3)
    }

    @Test func aLastingStateIsToldOnlyIfItLastsAndBackOnlineOnlyAfterOfflineWasTold() async throws {
        let store = try await store()
        try await store.saveRule(Self.rule("sites", [.siteOffline, .siteOnline], after: 10))
        let hook = Hook()
        let notifier = Notifier(repository: store, webhooks: hook, logger: Logger(label: "test"))
        try await store.setPresence(site: "s1", online: true, at: Self.t0)
        // A blip of five minutes: neither offline nor back online is told.
        try await store.setPresence(site: "s1", online: false, at: Self.t0 + 60)
        try await notifier.tick(now: Self.t0 + 61)
        try await store.setPresence(site: "s1", online: true, at: Self.t0 + 360)
        try await notifier.tick(now: Self.t0 + 361)
        try await notifier.tick(now: Self.t0 + 700)
        #expect(hook.sent.withLock { $0.count } == 0)
        // Gone for good: told ten minutes on, and back online told when it comes back.
        try await store.setPresence(site: "s1", online: false, at: Self.t0 + 3600)
        try await notifier.tick(now: Self.t0 + 3601)
        #expect(hook.sent.withLock { $0.count } == 0)
        try await notifier.tick(now: Self.t0 + 3600 + 601)
        #expect(hook.sent.withLock { $0.map(\.event) } == [.siteOffline])
        try await store.setPresence(site: "s1", online: true, at: Self.t0 + 7200)
        try await notifier.tick(now: Self.t0 + 7201)
        #expect(hook.sent.withLock { $0.map(\.event) } == [.siteOffline, .siteOnline])
    }

    @Test func aStationBackBeforeItsOfflineWasToldIsNotToldBackOnline() async throws {
        let store = try await store()
        try await store.saveRule(Self.rule("stations", [.stationOffline, .stationOnline], after: 5))
        let hook = Hook()
        let notifier = Notifier(repository: store, webhooks: hook, logger: Logger(label: "test"))
        // Gone and back within one batch of history (an edge uploading what it kept while the cloud was away).
        let changes = [(false, 0.0), (true, 30.0)].enumerated().map { index, change in
            UpEnvelope(
                site: "s1", epoch: "e", seq: Int64(index + 1), timestamp: Self.t0 + change.1,
                message: .stationConnection(StationConnection(station: "CP1", connected: change.0, time: Self.t0 + change.1)))
        }
        _ = try await store.apply(changes, receivedAt: Self.t0 + 30)
        try await notifier.tick(now: Self.t0 + 31)
        try await notifier.tick(now: Self.t0 + 400)
        #expect(hook.sent.withLock { $0.isEmpty }, "\(hook.sent.withLock { $0.map(\.event) })")
    }

    @Test func theFleetsStaffEditingAClientsRuleLeaveItTheClients() async throws {
        let store = try await store()
        try await store.addOrganization(id: "acme", name: "ACME", at: Self.t0)
        try await store.grant(organization: "acme", .site("s1"))
        let partner = APIIdentity(tokenId: "p", name: "p", role: .operator, scope: Scope(sites: ["s1"]), organization: "acme")
        let staff = APIIdentity(tokenId: "t", name: "ops", role: .operator)
        _ = try await NotificationRules.save(
            id: "r", NotificationRuleInput(name: "Ours", events: ["station_faulted"]), by: partner, repository: store,
            at: Self.t0)
        let edited = try await NotificationRules.save(
            id: "r", NotificationRuleInput(name: "Ours, renamed", events: ["station_faulted"]), by: staff,
            repository: store, at: Self.t0)
        #expect(edited.organization == "acme")
        await #expect(throws: Problem.self, "a site the client does not see") {
            _ = try await NotificationRules.save(
                id: "r", NotificationRuleInput(name: "x", events: ["station_faulted"], sites: ["s2"]), by: staff,
                repository: store, at: Self.t0)
        }
        await #expect(throws: Problem.self, "a client's hook never reaches the cloud's own machine") {
            _ = try await NotificationRules.save(
                id: "r", NotificationRuleInput(name: "x", events: ["station_faulted"], webhook: "http://127.0.0.1:9/x"),
                by: partner, repository: store, at: Self.t0)
        }
    }

    @Test func twoInstancesMakeEachNotificationOnceAndAPartnersRuleSeesOnlyItsOwn() async throws {
        let store = try await store()
        try await store.addOrganization(id: "acme", name: "ACME", at: Self.t0)
        try await store.grant(organization: "acme", .site("s1"))
        try await store.saveRule(Self.rule("acme-faults", [.stationFaulted], organization: "acme"))
        try await store.saveRule(Self.rule("staff-faults", [.stationFaulted]))
        let hook = Hook()
        let first = Notifier(repository: store, webhooks: hook, logger: Logger(label: "one"))
        let second = Notifier(repository: store, webhooks: hook, logger: Logger(label: "two"))
        let feed = Feed(store)
        for site in ["s1", "s2"] { try await feed.status(site, "CP1", .faulted, at: Self.t0) }
        async let one: Void = first.tick(now: Self.t0 + 1)
        async let two: Void = second.tick(now: Self.t0 + 1)
        _ = try await (one, two)
        // The lease held by the first that got it: the other takes over once it runs out.
        try await second.tick(now: Self.t0 + 60)
        try await first.tick(now: Self.t0 + 60)
        let sent = hook.sent.withLock { $0.map { "\($0.rule) \($0.site)" }.sorted() }
        #expect(sent == ["acme-faults s1", "staff-faults s1", "staff-faults s2"])
        let acme = Scope(sites: ["s1"])
        let seen = try await store.notifications(in: acme, organization: "acme", alsoRules: [], before: nil, limit: 10)
        #expect(seen.map { "\($0.rule) \($0.site)" } == ["acme-faults s1"], "its own rule's, of its own site")
    }

    /// A mail server's stand-in: refuses one address for good (550), takes the others.
    final class Mailbox: MailSending {
        let taken = Mutex<[String]>([])

        let languages = Mutex<[String: String]>([:])
        let links = Mutex<[String: String]>([:])
        let sent = Mutex<[String: NotificationRecord]>([:])

        func send(
            _ notification: NotificationRecord, rule: NotificationRule, to address: String, language: String,
            unsubscribe: String
        ) async -> DeliveryFailure? {
            guard !address.hasPrefix("gone@") else { return DeliveryFailure("550 no such user", permanent: true) }
            taken.withLock { $0.append(address) }
            languages.withLock { $0[address] = language }
            links.withLock { $0[address] = unsubscribe }
            sent.withLock { $0[address] = notification }
            return nil
        }
    }

    @Test func mailIsSentToEachAddressAndARefusalForGoodIsNotRetried() async throws {
        let store = try await store()
        var rule = Self.rule("mail", [.stationFaulted])
        rule.webhook = nil
        rule.emails = ["ops@fleet.test", "gone@fleet.test"]
        try await store.saveRule(rule)
        let mailbox = Mailbox()
        let notifier = Notifier(repository: store, webhooks: Hook(), mailer: mailbox, logger: Logger(label: "test"))
        try await Feed(store).status("s1", "CP1", .faulted, at: Self.t0)
        try await notifier.tick(now: Self.t0)
        #expect(mailbox.taken.withLock { $0 } == ["ops@fleet.test"])
        let id = try #require(
            try await store.notifications(in: nil, organization: nil, alsoRules: [], before: nil, limit: 1).first
        ).id
        let deliveries = try await store.deliveries(notification: id)
        #expect(
            deliveries.map { "\($0.target) \($0.status) \($0.attempts)" } == [
                "ops@fleet.test sent 1", "gone@fleet.test failed 1",
            ])
        // No mail server configured: the delivery waits, saying why, for one to be.
        let unconfigured = Notifier(repository: store, webhooks: Hook(), logger: Logger(label: "test"))
        try await Feed(store).status("s2", "CP1", .faulted, at: Self.t0)
        try await unconfigured.tick(now: Self.t0 + 60)  // once the first instance's lease has run out
        let second = try #require(
            try await store.notifications(in: nil, organization: nil, alsoRules: [], before: nil, limit: 1).first)
        #expect(second.site == "s2")
        let waiting = try await store.deliveries(notification: second.id)
        #expect(waiting.allSatisfy { $0.status == "pending" && $0.lastError?.contains("smtp:") == true })
        // The message itself: both parts, the subject encoded when not ASCII.
        rule.language = "de"
        let message = MailMessage.compose(
            second, rule: rule, from: "Gridside <noreply@gridside.test>", to: "a@b.test", language: "de",
            unsubscribe: "https://cloud.test/unsubscribe?rule=mail&to=a@b.test&t=x", at: Self.t0)
        #expect(message.contains("Subject: =?UTF-8?B?") && message.contains("Content-Type: text/html; charset=utf-8"))
        #expect(message.contains("List-Unsubscribe: <https://cloud.test/unsubscribe?rule=mail&to=a@b.test&t=x>"))
        #expect(message.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
        #expect(message.contains("Date: Thu, 28 May 2026 20:26:40 +0000"))
    }

    @Test func classificationTellsWhatHappenedInWordsAndRulesKeepToTheirScope() throws {
        func line(_ kind: String, station: String? = "CP1", code: String? = nil, _ detail: String = "{}") -> HistoryEvent {
            HistoryEvent(
                position: 1, site: "s2", at: Self.t0, station: station, connector: station == nil ? nil : 2, kind: kind,
                severity: "error", code: code, detail: detail)
        }
        let fault = try #require(
            Classification.classify(
                line("status", code: "GroundFailure", #"{"status":"Faulted","vendorErrorCode":"E42","vendorId":"ACME"}"#)
            ).first)
        #expect(fault.event == .stationFaulted && fault.summary == "CP1 connector 2: Faulted, GroundFailure, vendor code E42")
        #expect(fault.fields["vendorErrorCode"] == "E42" && fault.fields["errorCode"] == "GroundFailure")
        #expect(Classification.classify(line("status", #"{"status":"Charging"}"#)).isEmpty)
        #expect(
            Classification.classify(line("firmware_status", #"{"status":"InstallationFailed"}"#)).first?.event == .firmwareFailed)
        #expect(Classification.classify(line("firmware_status", #"{"status":"Installed"}"#)).isEmpty)
        #expect(Classification.classify(line("site_offline", station: nil)).first?.event == .siteOffline)
        let rule = Self.rule("r", [.stationFaulted, .siteOffline])
        #expect(Classification.concerns(rule, fault, scope: nil))
        #expect(!Classification.concerns(rule, fault, scope: Scope(sites: ["s1"])), "another customer's station")
        #expect(Classification.concerns(rule, fault, scope: Scope(stations: [StationKey(site: "s2", station: "CP1")])))
        let siteWide = try #require(Classification.classify(line("site_offline", station: nil)).first)
        #expect(
            !Classification.concerns(rule, siteWide, scope: Scope(stations: [StationKey(site: "s2", station: "CP1")])),
            "a site seen through one station only")
        var narrowed = rule
        narrowed.stations = [StationKey(site: "s2", station: "CP9")]
        #expect(!Classification.concerns(narrowed, fault, scope: nil))
        // A group: its stations when the event happens; a group gone (or emptied) concerns nothing, not everything.
        var grouped = rule
        grouped.groups = ["depot"]
        #expect(Classification.concerns(grouped, fault, scope: nil, members: ["depot": [StationKey(site: "s2", station: "CP1")]]))
        #expect(
            !Classification.concerns(grouped, fault, scope: nil, members: ["depot": [StationKey(site: "s1", station: "CP1")]]))
        #expect(!Classification.concerns(grouped, fault, scope: nil, members: [:]))
        #expect(
            !Classification.concerns(grouped, siteWide, scope: nil, members: ["depot": [StationKey(site: "s2", station: "CP1")]]))
    }

    @Test func rulesAreCheckedNamingTheFieldAndWebhooksAreSigned() async throws {
        let store = try await store()
        let staff = APIIdentity(tokenId: "t", name: "ops", role: .operator)
        let refused: [(NotificationRuleInput, String)] = [
            (NotificationRuleInput(name: "", events: ["station_faulted"]), "name"),
            (NotificationRuleInput(name: "x", events: ["station_on_fire"]), "events[0]"),
            (NotificationRuleInput(name: "x", events: []), "events"),
            (NotificationRuleInput(name: "x", events: ["site_offline"], afterMinutes: 9999), "afterMinutes"),
            (NotificationRuleInput(name: "x", events: ["site_offline"], webhook: "http://hooks.example/x"), "webhook"),
            (NotificationRuleInput(name: "x", events: ["site_offline"], webhook: "https://u:p@hooks.example/x"), "webhook"),
            (NotificationRuleInput(name: "x", events: ["site_offline"], sites: ["nowhere"]), "sites"),
            (NotificationRuleInput(name: "x", events: ["site_offline"], groups: ["nowhere"]), "groups"),
            (NotificationRuleInput(name: "x", events: ["site_offline"], stations: Array(repeating: "CP1", count: 201)), "sites"),
        ]
        for (input, field) in refused {
            do {
                _ = try await NotificationRules.save(id: "r", input, by: staff, repository: store, at: Self.t0)
                Issue.record("accepted: \(field)")
            } catch let problem as Problem {
                #expect(problem.detail.hasPrefix(field), "\(problem.detail)")
            }
        }
        let saved = try await NotificationRules.save(
            id: "r", NotificationRuleInput(name: "Faults", events: ["station_faulted"], webhook: "https://hooks.example/x"),
            by: staff, repository: store, at: Self.t0)
        let secret = try #require(saved.webhook?.secret)
        #expect(secret.count == 64)
        let again = try await NotificationRules.save(
            id: "r", NotificationRuleInput(name: "Faults!", events: ["station_faulted"], webhook: "https://hooks.example/x"),
            by: staff, repository: store, at: Self.t0)
        #expect(again.webhook?.secret == secret, "kept while the rule lives")
        let partner = APIIdentity(tokenId: "p", name: "p", role: .operator, scope: Scope(sites: ["s1"]), organization: "acme")
        #expect(try await NotificationRules.visible(to: partner, repository: store).isEmpty)
        try await store.saveGroup(id: "depot", name: "Depot", stations: [StationKey(site: "s1", station: "CP1")])
        let byGroup = try await NotificationRules.save(
            id: "g", NotificationRuleInput(name: "Depot", events: ["station_faulted"], groups: [" depot", "depot"]),
            by: staff, repository: store, at: Self.t0)
        #expect(byGroup.groups == ["depot"])
        #expect(try await store.groupMembers(of: ["depot", "gone"]) == ["depot": [StationKey(site: "s1", station: "CP1")]])
        await #expect(throws: Problem.self, "a group not granted to the organization") {
            try await NotificationRules.save(
                id: "pg", NotificationRuleInput(name: "Depot", events: ["station_faulted"], groups: ["depot"]),
                by: partner, repository: store, at: Self.t0)
        }
        await #expect(throws: Problem.self) { try await NotificationRules.delete(id: "r", by: partner, repository: store) }
        let body = Data(#"{"a":1}"#.utf8)
        let signature = Webhook.signature(body, secret: "secret", at: Date(timeIntervalSince1970: 1_700_000_000))
        // Python's hmac.new(b"secret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
        #expect(signature == "t=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686")
        #expect(
            signature
                != Webhook.signature(Data(#"{"a":2}"#.utf8), secret: "secret", at: Date(timeIntervalSince1970: 1_700_000_000)))
    }
}

extension CloudAPITests {
    /// The notification routes in the API's route table (each role's answer, and the OpenAPI document).
    static let notificationRoutes: [Route] = [
        Route(method: .get, path: "/api/v1/notification-rules", documented: "/notification-rules", needs: .configure),
        Route(
            method: .put, path: "/api/v1/notification-rules/faults", documented: "/notification-rules/{rule}",
            needs: .configure, body: #"{"name":"Faults","events":["station_faulted"],"webhook":"https://hooks.example/x"}"#),
        Route(
            method: .delete, path: "/api/v1/notification-rules/none", documented: "/notification-rules/{rule}",
            needs: .configure, allowed: [404]),
        Route(method: .get, path: "/api/v1/notifications", documented: "/notifications", needs: .read),
        Route(
            method: .get, path: "/api/v1/notifications/1/deliveries", documented: "/notifications/{notification}/deliveries",
            needs: .configure, allowed: [404]),
        // An id at the top of Int64: not found, not a trap.
        Route(
            method: .get, path: "/api/v1/notifications/9223372036854775807/deliveries",
            documented: "/notifications/{notification}/deliveries", needs: .configure, allowed: [404]),
        // Muting and browsers are a user's: a token of no user is told so (user tokens: the interop tests).
        Route(
            method: .put, path: "/api/v1/notification-rules/faults/mute", documented: "/notification-rules/{rule}/mute",
            needs: .read, allowed: [403]),
        Route(
            method: .delete, path: "/api/v1/notification-rules/faults/mute", documented: "/notification-rules/{rule}/mute",
            needs: .read, allowed: [403]),
        Route(method: .get, path: "/api/v1/push/key", documented: "/push/key", needs: .read),
        Route(
            method: .post, path: "/api/v1/push-subscriptions", documented: "/push-subscriptions", needs: .read,
            body: #"{"endpoint":"https://push.example/1","keys":{"p256dh":"x","auth":"y"}}"#, allowed: [403]),
        Route(
            method: .delete, path: "/api/v1/push-subscriptions?endpoint=https%3A%2F%2Fpush.example%2F1",
            documented: "/push-subscriptions", needs: .read, allowed: [404]),
    ]
}
