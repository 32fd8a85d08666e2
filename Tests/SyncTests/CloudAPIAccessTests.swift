import CloudAPI
import CloudCore
import CloudIngest
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MQTT
import Metrics
import ServerSupport
import SyncContract
import Testing

/// Users, organizations and API tokens, managed through the API.
extension CloudAPITests {
    /// Expects `body` to throw a problem of `status` whose detail names `text`.
    static func problem(_ status: Int, _ text: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected \(status) naming '\(text)'")
        } catch let error as Problem {
            #expect(error.status == status && error.detail.contains(text), "\(error.detail)")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// A store with site s1 and its first user, the administrator Ada (and her identity).
    func storeWithOneAdministrator() async throws -> (SQLiteRepository, APIIdentity) {
        let store = try SQLiteRepository(path: directory.file("access.sqlite"))
        _ = try await store.addSite(id: "s1", name: "Site 1", at: Date())
        let admin = APIIdentity(tokenId: "t", name: "ada", role: .admin, user: "ada")
        _ = try await Users.add(
            UserInput(id: "ada", name: "Ada", role: "admin", organization: nil, language: nil, password: "a long password"),
            by: nil, repository: store, cost: 4)
        return (store, admin)
    }

    @Test func aNewUserIsRefusedNamingWhatWasWrong() async throws {
        let (store, admin) = try await storeWithOneAdministrator()
        for (input, status, text) in [
            (
                UserInput(id: "bad id", name: nil, role: "viewer", organization: nil, language: nil, password: "a long password"),
                400, "login name"
            ),
            (
                UserInput(id: "x", name: nil, role: "owner", organization: nil, language: nil, password: "a long password"), 400,
                "role"
            ),
            (
                UserInput(id: "x", name: nil, role: "partner", organization: nil, language: nil, password: "a long password"),
                400, "organization"
            ),
            (
                UserInput(id: "x", name: nil, role: "viewer", organization: nil, language: "it", password: "a long password"),
                400, "language"
            ),
            (
                UserInput(id: "x", name: nil, role: "viewer", organization: nil, language: nil, password: "short"), 400,
                "10 characters"
            ),
            (
                UserInput(id: "x", name: nil, role: "partner", organization: "nope", language: nil, password: "a long password"),
                404, "nope"
            ),
            (
                UserInput(id: "ada", name: nil, role: "viewer", organization: nil, language: nil, password: "a long password"),
                409, "ada"
            ),
        ] {
            await Self.problem(status, text) { _ = try await Users.add(input, by: admin, repository: store, cost: 4) }
        }
    }

    @Test func accessIsManagedByTheFleetsAdministratorsAndOneAlwaysRemains() async throws {
        let (store, admin) = try await storeWithOneAdministrator()
        // The last administrator can be neither demoted nor removed.
        await Self.problem(409, "last administrator") {
            _ = try await Users.change(id: "ada", UserChange(role: "viewer"), by: admin, repository: store, cost: 4)
        }
        await Self.problem(409, "last administrator") { try await Users.delete(id: "ada", by: admin, repository: store) }
        // Organizations: grants checked, replaced whole; one with users stays.
        await Self.problem(404, "station 'NOPE'") {
            _ = try await Users.saveOrganization(
                id: "acme", OrganizationInput(name: "ACME", stations: ["NOPE"]), by: admin, repository: store)
        }
        #expect(try await store.organization(id: "acme") == nil, "nothing saved of a refused organization")
        let acme = try await Users.saveOrganization(
            id: "acme", OrganizationInput(name: "ACME", sites: ["s1"]), by: admin, repository: store)
        #expect(acme.sites == ["s1"] && acme.stations.isEmpty)
        let paula = try await Users.add(
            UserInput(
                id: "paula", name: "Paula", role: "partner", organization: "acme", language: "de", password: "a long password"),
            by: admin, repository: store, cost: 4)
        #expect(paula.organization == "acme" && paula.language == "de")
        await Self.problem(409, "1 user") { try await Users.deleteOrganization(id: "acme", by: admin, repository: store) }
        // An administrator of a client organization manages nothing.
        let organizationAdmin = APIIdentity(tokenId: "t", name: "x", role: .admin, user: "x", organization: "acme")
        await Self.problem(403, "fleet's own administrators") {
            try await Users.delete(id: "paula", by: organizationAdmin, repository: store)
        }
        // A new password signs the user's browsers out and lifts a lock.
        try await store.addWebSession(
            WebSessionRecord(idHash: "h", user: "paula", csrf: "c", createdAt: Date(), expiresAt: Date().addingTimeInterval(60)))
        try await store.recordLogin(user: "paula", succeeded: false, lockUntil: Date().addingTimeInterval(900))
        let changed = try await Users.change(
            id: "paula", UserChange(password: "another long one"), by: admin, repository: store, cost: 4)
        #expect(changed.lockedUntil == nil)
        #expect(try await store.webSession(idHash: "h") == nil)
        // Staff again: an empty organization.
        #expect(
            try await Users.change(
                id: "paula", UserChange(role: "viewer", organization: ""), by: admin, repository: store, cost: 4
            ).organization == nil)
        try await Users.delete(id: "paula", by: admin, repository: store)
        try await Users.deleteOrganization(id: "acme", by: admin, repository: store)
        #expect(try await store.users().map(\.id) == ["ada"])
    }

    @Test func tokensAreCheckedAgainstTheirHash() async throws {
        let (record, token) = APITokens.create(name: "x", role: .viewer, at: Date())
        #expect(!record.secretHash.contains(String(token.split(separator: "_").last!)), "only the hash is stored")
        #expect(token.hasPrefix("gst_\(record.id)_"))
        let (app, tokens) = try await makeApp()
        let good = tokens[.viewer]!
        // The same id with one character of the secret changed: the record is found, the hash does not match.
        let forged = String(good.dropLast()) + (good.last == "A" ? "B" : "A")
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/sites", method: .get, headers: [.authorization: "Bearer \(good)"]
            ) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(
                uri: "/api/v1/sites", method: .get, headers: [.authorization: "Bearer \(forged)"]
            ) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}
