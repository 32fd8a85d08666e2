import CloudOCPI
import CloudStore
import Foundation
import Testing

@Suite struct OCPITests {
    let directory = TemporaryDirectory()

    @Test func tokensAreSentInBase64AndKeptNowhere() throws {
        let token = OCPITokens.generate()
        #expect(token.count == 43 && !token.contains("=") && !token.contains("/") && !token.contains("+"))
        #expect(OCPITokens.hash(token).count == 64 && OCPITokens.hash(token) != OCPITokens.hash(OCPITokens.generate()))
        let credentials = #"{"data":{"roles":[],"token":"secret-c","url":"https://x/ocpi/versions"},"status_code":1000}"#
        #expect(OCPITokens.redacted(credentials).contains(#""token":"(not kept)""#))
        #expect(!OCPITokens.redacted(credentials).contains("secret-c"))
    }

    @Test func theEnvelopeIsOCPIs() throws {
        let envelope = OCPIEnvelope(
            data: [OCPIVersion(version: "2.2.1", url: "https://cloud.test/ocpi/2.2.1")],
            timestamp: Date(timeIntervalSince1970: 1_795_600_000))
        let json = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(envelope)) as? [String: Any])
        #expect(Set(json.keys) == ["data", "status_code", "timestamp"], "status_message left out when nil")
        #expect(json["status_code"] as? Int == 1000)
    }

    @Test func aPartnerIsFoundByTheHashOfItsTokenAndAnUnregisteredOneIsNot() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        var partner = OCPIPartnerRecord(id: "p1", name: "Roam", createdAt: Date(timeIntervalSince1970: 1_795_600_000))
        try await store.addOCPIPartner(partner, incomingTokenHash: OCPITokens.hash("token-a"))
        #expect(try await store.ocpiPartner(incomingTokenHash: OCPITokens.hash("token-a"))?.0.name == "Roam")
        partner.state = "registered"
        partner.roles = [OCPIPartyRecord(role: "EMSP", countryCode: "NL", partyId: "EXA", name: "Roam")]
        try await store.updateOCPIPartner(partner, incomingTokenHash: OCPITokens.hash("token-c"), outgoingToken: "token-b")
        #expect(try await store.ocpiPartner(incomingTokenHash: OCPITokens.hash("token-a")) == nil, "token A spent")
        let found = try #require(try await store.ocpiPartner(incomingTokenHash: OCPITokens.hash("token-c")))
        #expect(found.0.roles == partner.roles && found.outgoingToken == "token-b")
        partner.state = "unregistered"
        try await store.updateOCPIPartner(partner, incomingTokenHash: nil, outgoingToken: nil)
        #expect(try await store.ocpiPartner(incomingTokenHash: OCPITokens.hash("token-c")) == nil)
        try await store.logOCPI(
            partner: "p1",
            OCPIMessageRecord(
                direction: "in", method: "GET", url: "/ocpi/versions", status: 200, request: nil, response: "{}", at: Date()))
        #expect(try await store.ocpiMessages(partner: "p1", limit: 10).map(\.url) == ["/ocpi/versions"])
    }
}
