import CloudAPI
import CloudCore
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServerSupport
import Testing

/// Customers' billing details: cleaned and checked naming the field, kept apart from the grants, managed by the fleet's
/// administrators only, through the API.
@Suite struct BillingTests {
    let directory = TemporaryDirectory()

    @Test func detailsAreCleanedAndBadOnesRefusedNamingTheField() throws {
        let details = try Billing.details(
            BillingInput(
                address: "\n  ACME GmbH \r\nHafenstraße 1\n20457 Hamburg\n\n", vatId: "de 123.456-789",
                emails: ["accounts@acme.example, Fleet@acme.example; accounts@ACME.example"]))
        #expect(details.address == "ACME GmbH\nHafenstraße 1\n20457 Hamburg")
        #expect(details.vatId == "DE123456789")
        #expect(details.emails == ["accounts@acme.example", "Fleet@acme.example"], "split, and each address once")
        #expect(try Billing.details(BillingInput(vatId: "CHE-123.456.789")).vatId == "CHE123456789")
        #expect(try Billing.details(BillingInput(address: " ", vatId: "", emails: [])) == BillingDetails())
        let refused: [(BillingInput, String)] = [
            (BillingInput(vatId: "123456789"), "billing.vatId"), (BillingInput(vatId: "DE1"), "billing.vatId"),
            (BillingInput(vatId: "DE12345678901234"), "billing.vatId"), (BillingInput(vatId: "DE12#45"), "billing.vatId"),
            (BillingInput(emails: ["not an address"]), "billing.emails: 'not'"),
            (BillingInput(emails: ["a@b"]), "billing.emails: 'a@b'"),
            (BillingInput(emails: ["a@b..example"]), "billing.emails"),
            (BillingInput(emails: (0...10).map { "u\($0)@acme.example" }), "at most 10"),
            (BillingInput(address: String(repeating: "x", count: 301)), "billing.address"),
            (BillingInput(address: (0...8).map(String.init).joined(separator: "\n")), "billing.address"),
            (BillingInput(address: "a\u{7}b"), "billing.address: control"),
        ]
        for (input, named) in refused {
            #expect(throws: Problem.self, "\(input)") { try Billing.details(input) }
            do { _ = try Billing.details(input) } catch let problem as Problem {
                #expect(problem.status == 400 && problem.detail.contains(named), "\(problem.detail)")
            }
        }
    }

    @Test func theAPISetsKeepsAndShowsThemToAdministratorsOnly() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s1", name: "Site 1", at: Date())
        let (admin, adminToken) = APITokens.create(name: "admin", role: .admin, at: Date())
        try await store.addAPIToken(admin)
        try await store.addOrganization(id: "acme", name: "ACME", at: Date())
        try await store.addUser(
            UserRecord(id: "paula", name: "Paula", passwordHash: "x", role: "admin", organization: "acme", createdAt: Date()))
        let (created, partnerToken) = APITokens.create(name: "paula", role: .admin, at: Date())
        var partner = created
        partner.user = "paula"
        try await store.addAPIToken(partner)
        let app = Application(router: CloudAPITests.api(store).router())
        try await app.test(.router) { client in
            func put(_ body: String, token: String = adminToken) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/api/v1/organizations/acme", method: .put,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: ByteBuffer(string: body)
                ) { ($0.status, String(buffer: $0.body)) }
            }
            let (status, body) = try await put(
                #"{"name": "ACME", "sites": ["s1"], "billing": {"address": "Hafenstraße 1\n20457 Hamburg", "vatId": "DE 123456789", "emails": ["a@acme.example"]}}"#
            )
            #expect(status == .ok, "\(body)")
            #expect(body.contains(#""vatId":"DE123456789""#), "\(body)")
            // Without billing the details stay; a bad one is refused and nothing changes.
            #expect(try await put(#"{"name": "ACME AG", "sites": ["s1"]}"#).0 == .ok)
            let (refused, problem) = try await put(#"{"name": "ACME", "billing": {"emails": ["nobody"]}}"#)
            #expect(refused == .badRequest && problem.contains("billing.emails"), "\(problem)")
            let kept = try await store.organization(id: "acme")
            #expect(kept?.name == "ACME AG" && kept?.sites == ["s1"])
            #expect(
                kept?.billing
                    == BillingDetails(address: "Hafenstraße 1\n20457 Hamburg", vatId: "DE123456789", emails: ["a@acme.example"]))
            // A customer's own administrator neither reads nor changes them.
            #expect(try await put(#"{"name": "ACME", "billing": {}}"#, token: partnerToken).0 == .forbidden)
            try await client.execute(
                uri: "/api/v1/organizations", method: .get, headers: [.authorization: "Bearer \(partnerToken)"]
            ) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/api/v1/organizations", method: .get, headers: [.authorization: "Bearer \(adminToken)"]
            ) { response in
                #expect(String(buffer: response.body).contains("20457 Hamburg"))
            }
        }
    }
}
