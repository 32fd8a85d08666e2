import CloudCore
import CloudStore
import Foundation
import HTTPTypes
import ServerSupport
import SiteModel
import SyncContract
import Synchronization
import Testing

/// Sites made, given new broker passwords and retired, over a real store; the broker's accounts are a recording
/// stand-in here (the interop test keeps them on a real mosquitto's dynamic-security plugin).
@Suite struct SiteOnboardingTests {
    let directory = TemporaryDirectory()
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)
    static let admin = APIIdentity(tokenId: "t", name: "ada", role: .admin, user: "ada")

    final class Accounts: BrokerAccounts {
        let changes = Mutex<[String]>([])
        func provision(site: String) async throws -> String {
            changes.withLock { $0.append("provision \(site)") }
            return "made-\(site)"
        }
        func rotate(site: String) async throws -> String {
            changes.withLock { $0.append("rotate \(site)") }
            return "rotated-\(site)"
        }
        func revoke(site: String) async throws { changes.withLock { $0.append("revoke \(site)") } }
    }

    @Test func aSiteIsMadeWithItsAccountAndRetiredWithItsHistoryKept() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        let accounts = Accounts()
        let onboarding = SiteOnboarding(repository: store, accounts: accounts, siteBroker: "mqtts://broker.example.com:8883")
        let made = try await onboarding.create(
            SiteCreation(id: "depot", name: " Depot ", timeZone: "Europe/Berlin"), by: Self.admin, at: Self.t0)
        #expect(made.managed && made.password == "made-depot" && made.site.name == "Depot")
        #expect(made.site.timeZone == "Europe/Berlin" && made.instructions == nil)
        #expect(
            made.edgeConfiguration
                == "site:\n  id: depot\ncloud:\n  broker: mqtts://broker.example.com:8883\n  username: depot\n  password: 'made-depot'\n"
        )
        for (input, field, status) in [
            (SiteCreation(id: "depot"), "id", 409), (SiteCreation(id: "a/b"), "id", 400),
            (SiteCreation(id: "x", timeZone: "Mars/Olympus"), "timeZone", 400),
            (SiteCreation(id: "x", latitude: 91, longitude: 0), "latitude", 400),
        ] {
            do {
                _ = try await onboarding.create(input, by: Self.admin, at: Self.t0)
                Issue.record("accepted \(input)")
            } catch let problem as Problem {
                #expect(problem.status == status && problem.detail.hasPrefix(field), "\(problem.detail)")
            }
        }
        let operatorIdentity = APIIdentity(tokenId: "o", name: "otto", role: .operator)
        await #expect(throws: Problem.self) {
            try await onboarding.create(SiteCreation(id: "y"), by: operatorIdentity, at: Self.t0)
        }
        #expect(try await onboarding.rotate(site: "depot", by: Self.admin).password == "rotated-depot")

        // Online, it is retired only when confirmed; then it is listed nowhere and its id stays taken.
        try await store.setPresence(site: "depot", online: true, at: Self.t0)
        do {
            try await onboarding.retire(site: "depot", confirmed: false, by: Self.admin, at: Self.t0)
            Issue.record("retired an online site unconfirmed")
        } catch let problem as Problem {
            #expect(problem.status == 409 && problem.detail.hasPrefix("confirm"))
        }
        try await onboarding.retire(site: "depot", confirmed: true, by: Self.admin, at: Self.t0)
        #expect(accounts.changes.withLock { $0 } == ["provision depot", "rotate depot", "revoke depot"])
        let listed = try await store.sites(in: nil)
        let found = try await store.site(id: "depot")
        #expect(listed.isEmpty && found == nil)
        #expect(try await store.siteSummaries(in: nil).isEmpty)
        await #expect(throws: Problem.self) { try await onboarding.rotate(site: "depot", by: Self.admin) }
        await #expect(throws: Problem.self) {
            try await onboarding.create(SiteCreation(id: "depot"), by: Self.admin, at: Self.t0)
        }
    }

    @Test func withoutABrokerToKeepAccountsTheCredentialsSayHowToMakeOne() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        let onboarding = SiteOnboarding(repository: store, accounts: nil, siteBroker: "mqtts://broker.example.com:8883")
        let made = try await onboarding.create(SiteCreation(id: "yard"), by: Self.admin, at: Self.t0)
        #expect(!made.managed && made.password.count == 24)
        #expect(made.instructions?.contains("mosquitto_passwd -b /etc/mosquitto/gridside.passwd yard '\(made.password)'") == true)
        try await onboarding.retire(site: "yard", confirmed: false, by: Self.admin, at: Self.t0)
        #expect(try await store.sites(in: nil).isEmpty)
    }
}

extension CloudAPITests {
    /// Sites made and retired (the fleet's own administrators; here without a broker to keep accounts on), and the
    /// fleet list, in the API's route table.
    static let onboardingRoutes: [Route] = [
        Route(
            method: .post, path: "/api/v1/sites", documented: "/sites", needs: .admin, body: #"{"id":"no/slash"}"#,
            allowed: [400]),
        Route(
            method: .post, path: "/api/v1/sites/nowhere/broker-credentials", documented: "/sites/{site}/broker-credentials",
            needs: .admin, allowed: [404]),
        Route(
            method: .post, path: "/api/v1/sites/nowhere/retire", documented: "/sites/{site}/retire", needs: .admin,
            body: #"{"confirm":true}"#, allowed: [404], json: false),
        Route(method: .get, path: "/api/v1/fleet?state=offline&sort=last_contact", documented: "/fleet", needs: .read),
        Route(
            method: .post, path: "/api/v1/sites/s1/stations/CP1/retire", documented: "/sites/{site}/stations/{station}/retire",
            needs: .configure, relayed: true),
        // No http.public_url here: asked for, it says it has no URL to give (409).
        Route(
            method: .post, path: "/api/v1/sites/s1/stations/CP1/diagnostics",
            documented: "/sites/{site}/stations/{station}/diagnostics", needs: .configure, relayed: true),
        Route(
            method: .get, path: "/api/v1/sites/s1/stations/CP1/diagnostics",
            documented: "/sites/{site}/stations/{station}/diagnostics", needs: .configure),
        Route(
            method: .get, path: "/api/v1/diagnostics/none/file", documented: "/diagnostics/{id}/file", needs: .configure,
            allowed: [404]),
        Route(method: .get, path: "/api/v1/two-factor", documented: "/two-factor", needs: .admin),
        // No ocpi: section in this cloud: allowed callers are told so.
        Route(method: .get, path: "/api/v1/ocpi/partners", documented: "/ocpi/partners", needs: .admin, allowed: [409]),
        Route(
            method: .post, path: "/api/v1/ocpi/partners", documented: "/ocpi/partners", needs: .admin, body: #"{"name":"x"}"#,
            allowed: [409]),
        Route(
            method: .get, path: "/api/v1/ocpi/partners/p1", documented: "/ocpi/partners/{partner}", needs: .admin,
            allowed: [409]),
        Route(
            method: .get, path: "/api/v1/ocpi/partners/p1/messages", documented: "/ocpi/partners/{partner}/messages",
            needs: .admin, allowed: [409]),
        Route(
            method: .put, path: "/api/v1/ocpi/partners/p1/sites", documented: "/ocpi/partners/{partner}/sites",
            needs: .admin, body: #"{"sites":[]}"#, allowed: [409]),
        Route(
            method: .post, path: "/api/v1/sites/s1/stations/CP1/password",
            documented: "/sites/{site}/stations/{station}/password", needs: .configure, relayed: true),
        Route(method: .put, path: "/api/v1/two-factor", documented: "/two-factor", needs: .admin, body: #"{"roles":[]}"#),
        Route(
            method: .delete, path: "/api/v1/users/nobody/two-factor", documented: "/users/{user}/two-factor", needs: .admin,
            allowed: [404]),
    ]
}
