import CloudCore
import CloudNotify
import CloudStore
import Crypto
import Foundation
import Logging
import ServerSupport
import SiteModel
import SyncContract
import Synchronization
import Testing

/// Users as a rule's recipients, over a real SQLite store: each mailed in the user's own language, only of what the
/// user sees, never once muted; an address's unsubscribe link holds for its own rule and recipient only; Web Push
/// encrypted as RFC 8291's own example says, signed with the cloud's VAPID key, and a browser its push service
/// forgot is forgotten. The mail server and push service are stand-ins here; the interop tests use real peers.
@Suite struct NotificationRecipientTests {
    let directory = TemporaryDirectory()
    static let t0 = NotifierTests.t0

    /// A push service's stand-in: the endpoints it was sent to; those under `/gone` are forgotten (410).
    final class PushService: PushSending {
        let pushed = Mutex<[(String, Data)]>([])

        func push(_ message: Data, to subscription: PushSubscriptionRecord) async -> PushOutcome {
            if subscription.endpoint.contains("/gone") { return .gone }
            pushed.withLock { $0.append((subscription.endpoint, message)) }
            return .sent
        }
    }

    func store() async throws -> SQLiteRepository {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        for site in ["s1", "s2"] { _ = try await store.addSite(id: site, name: site, at: Self.t0) }
        try await store.addOrganization(id: "acme", name: "ACME", at: Self.t0)
        try await store.grant(organization: "acme", .site("s1"))
        let users = [
            UserRecord(
                id: "otto", name: "Otto", passwordHash: "-", role: "operator", language: "de", email: "otto@fleet.test",
                createdAt: Self.t0),
            UserRecord(
                id: "paula", name: "Paula", passwordHash: "-", role: "partner", organization: "acme", language: "fr",
                email: "paula@acme.test", createdAt: Self.t0),
            UserRecord(id: "nomail", name: "No Mail", passwordHash: "-", role: "viewer", createdAt: Self.t0),
        ]
        for user in users { try await store.addUser(user) }
        return store
    }

    func identity(_ user: String, _ store: SQLiteRepository) async throws -> APIIdentity {
        let record = try #require(try await store.user(id: user))
        return try #require(try await Access.identity(of: record, repository: store))
    }

    @Test func usersAreMailedInTheirLanguageOfWhatTheySeeAndNeverOnceMutedOrUnsubscribed() async throws {
        let store = try await store()
        let staff = APIIdentity(tokenId: "t", name: "ops", role: .operator)
        let rule = try await NotificationRules.save(
            id: "faults",
            NotificationRuleInput(
                name: "Faults", events: ["station_faulted"], quietMinutes: 0, emails: ["Ops@Fleet.test"],
                users: ["otto", "paula", "nomail"]), by: staff, repository: store, at: Self.t0)
        #expect(rule.users == ["otto", "paula", "nomail"])
        let mailbox = NotifierTests.Mailbox()
        let pushes = PushService()
        try await store.savePushSubscription(
            PushSubscriptionRecord(
                endpoint: "https://push.test/nomail", user: "nomail", p256dh: "k", auth: "a", createdAt: Self.t0))
        try await store.savePushSubscription(
            PushSubscriptionRecord(endpoint: "https://push.test/gone", user: "nomail", p256dh: "k", auth: "a", createdAt: Self.t0)
        )
        let notifier = Notifier(
            repository: store, settings: NotifierSettings(linkBase: "https://cloud.test"), webhooks: NotifierTests.Hook(),
            mailer: mailbox, pusher: pushes, logger: Logger(label: "test"))
        let feed = NotifierTests.Feed(store)
        try await feed.status("s1", "CP1", .faulted, at: Self.t0)
        try await feed.status("s2", "CP2", .faulted, at: Self.t0 + 1)
        try await notifier.tick(now: Self.t0 + 2)
        // Paula, of the client organization, hears only of its site; each in the user's language.
        #expect(
            mailbox.taken.withLock { $0.sorted() } == [
                "Ops@Fleet.test", "Ops@Fleet.test", "otto@fleet.test", "otto@fleet.test", "paula@acme.test",
            ])
        #expect(mailbox.languages.withLock { $0 } == ["Ops@Fleet.test": "en", "otto@fleet.test": "de", "paula@acme.test": "fr"])
        // The user without an address is pushed to; the browser its push service forgot is forgotten.
        #expect(pushes.pushed.withLock { $0.map(\.0) } == ["https://push.test/nomail", "https://push.test/nomail"])
        #expect(try await store.pushSubscriptions(user: "nomail").map(\.endpoint) == ["https://push.test/nomail"])
        let message = try #require(pushes.pushed.withLock { $0.first?.1 })
        let pushed = try #require(try JSONSerialization.jsonObject(with: message) as? [String: Any])
        #expect(pushed["title"] as? String == "Station faulted" && pushed["site"] as? String == "s1")
        // Paula lists the fleet's rule's notification of her site, not the other.
        let paula = try await identity("paula", store)
        #expect(try await NotificationRules.listed(by: paula, repository: store, limit: 10).map(\.site) == ["s1"])

        // Otto mutes the rule; the address follows its link (its own rule and recipient only).
        let otto = try await identity("otto", store)
        try await NotificationRules.mute(id: "faults", muted: true, by: otto, repository: store, at: Self.t0)
        let link = try #require(mailbox.links.withLock { $0["Ops@Fleet.test"] })
        #expect(link.hasPrefix("https://cloud.test/unsubscribe?rule=faults&to=ops@fleet.test&t="))
        let token = String(try #require(link.split(separator: "&t=").last))
        await #expect(throws: Problem.self) {
            try await Unsubscribe.apply(
                rule: "faults", recipient: "otto@fleet.test", token: token, repository: store, at: Self.t0)
        }
        _ = try await Unsubscribe.apply(rule: "faults", recipient: "ops@fleet.test", token: token, repository: store, at: Self.t0)
        mailbox.taken.withLock { $0 = [] }
        try await feed.status("s1", "CP3", .faulted, at: Self.t0 + 3)
        try await notifier.tick(now: Self.t0 + 4)
        #expect(mailbox.taken.withLock { $0 } == ["paula@acme.test"])
    }

    @Test func rulesNameUsersTheirOwnerMayNameAndSubscriptionsAreChecked() async throws {
        let store = try await store()
        let paula = try await identity("paula", store)
        do {
            _ = try await NotificationRules.save(
                id: "ours", NotificationRuleInput(name: "x", events: ["station_faulted"], users: ["paula", "otto"]),
                by: paula, repository: store, at: Self.t0)
            Issue.record("a client's rule named the fleet's user")
        } catch let problem as Problem {
            #expect(problem.detail.hasPrefix("users[1]"), "\(problem.detail)")
        }
        let refused: [(PushSubscriptionInput, String)] =
            [
                (.init(endpoint: "http://127.0.0.1:9/push", keys: .init(p256dh: Self.browserKey, auth: Self.auth)), "endpoint"),
                (.init(endpoint: "https://push.test/x", keys: .init(p256dh: "AAAA", auth: Self.auth)), "keys.p256dh"),
                (.init(endpoint: "https://push.test/x", keys: .init(p256dh: Self.browserKey, auth: "AAAA")), "keys.auth"),
                // 65 bytes starting with 4, but no point of the curve.
                (
                    .init(
                        endpoint: "https://push.test/x",
                        keys: .init(p256dh: Data([4] + Array(repeating: 1, count: 64)).base64URL, auth: Self.auth)),
                    "keys.p256dh"
                ),
            ]
            + [
                "https://127.0.0.1/p", "https://10.1.2.3/p", "https://[::1]/p", "https://localhost:8443/p",
                "https://192.168.0.9/p", "https://127.1/p", "https://2130706433/p", "https://0x7f.0.0.1/p",
                "https://0177.0.0.1/p", "https://[0:0:0:0:0:0:0:1]/p", "https://[::ffff:10.0.0.1]/p", "https://[fd00::1]/p",
                "https://[fe80::1]/p", "https://printer.local/p", "https://198.18.0.1/p",
            ].map {
                (.init(endpoint: $0, keys: .init(p256dh: Self.browserKey, auth: Self.auth)), "endpoint")
            }
        for (input, field) in refused {
            do {
                _ = try await PushSubscriptions.save(input, by: paula, repository: store, at: Self.t0)
                Issue.record("accepted: \(field)")
            } catch let problem as Problem {
                #expect(problem.status == 400 && problem.detail.hasPrefix(field), "\(problem.detail)")
            }
        }
        let saved = try await PushSubscriptions.save(
            .init(endpoint: "https://push.test/x", keys: .init(p256dh: Self.browserKey, auth: Self.auth)), by: paula,
            repository: store, at: Self.t0)
        #expect(saved.user == "paula")
        // Ten browsers a user; the same one again is a change, not an eleventh.
        for index in 1..<PushSubscriptions.maxPerUser {
            _ = try await PushSubscriptions.save(
                .init(endpoint: "https://push.test/\(index)", keys: .init(p256dh: Self.browserKey, auth: Self.auth)), by: paula,
                repository: store, at: Self.t0)
        }
        _ = try await PushSubscriptions.save(
            .init(endpoint: "https://push.test/x", keys: .init(p256dh: Self.browserKey, auth: Self.auth)), by: paula,
            repository: store, at: Self.t0)
        await #expect(throws: Problem.self) {
            try await PushSubscriptions.save(
                .init(endpoint: "https://push.test/11", keys: .init(p256dh: Self.browserKey, auth: Self.auth)), by: paula,
                repository: store, at: Self.t0)
        }
    }

    @Test func pushServicesAreOnTheInternet() {
        for host in ["fcm.googleapis.com", "updates.push.services.mozilla.com", "8.8.8.8", "[2001:db8::1]", "172.32.0.1"] {
            #expect(PushSubscriptions.endpointProblem("https://\(host)/send/x", staff: false) == nil, "\(host)")
        }
    }

    static let browserKey = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
    static let auth = "BTBZMqHH6r4Tts7J_aSIgg"

    /// RFC 8291, appendix A: the same keys and salt give the same message, byte for byte.
    @Test func webPushMessagesAreEncryptedAsRFC8291Says() throws {
        let serverKey = try P256.KeyAgreement.PrivateKey(
            rawRepresentation: try #require(Data(base64URL: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")))
        let body = try WebPushCrypto.encrypt(
            Data("When I grow up, I want to be a watermelon".utf8), p256dh: try #require(Data(base64URL: Self.browserKey)),
            auth: try #require(Data(base64URL: Self.auth)), salt: try #require(Data(base64URL: "DGv6ra1nlYgDCS1FRnbzlw")),
            serverKey: serverKey)
        #expect(
            body.base64URL
                == "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        )
        #expect(throws: WebPushCrypto.Failure.self) {
            try WebPushCrypto.encrypt(Data("x".utf8), p256dh: Data([4, 1, 2]), auth: Data(count: 16))
        }
    }

    @Test func theVAPIDKeyIsMadeOnceAndSignsForThePushServicesOrigin() async throws {
        let store = try await store()
        let key = try await VAPIDKey.load(store, subject: "https://cloud.test")
        #expect(try await VAPIDKey.load(store, subject: "https://cloud.test").publicKey == key.publicKey, "kept")
        let header = try key.authorization(for: try #require(URL(string: "https://push.test:8443/p/1")), at: Self.t0)
        let parts = header.split(separator: ", k=")
        #expect(parts.count == 2 && String(parts[1]) == key.publicKey)
        let jwt = String(parts[0].dropFirst("vapid t=".count)).split(separator: ".").map(String.init)
        let claimsJSON = try #require(Data(base64URL: jwt[1]))
        let claims = try #require(try JSONSerialization.jsonObject(with: claimsJSON) as? [String: Any])
        #expect(claims["aud"] as? String == "https://push.test:8443" && claims["sub"] as? String == "https://cloud.test")
        let publicKey = try P256.Signing.PublicKey(x963Representation: try #require(Data(base64URL: key.publicKey)))
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: try #require(Data(base64URL: jwt[2])))
        #expect(publicKey.isValidSignature(signature, for: Data("\(jwt[0]).\(jwt[1])".utf8)))
    }
}
