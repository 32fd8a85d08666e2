import CloudAPI
import CloudBilling
import CloudCore
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Pricing
import SiteModel
import SyncContract
import Testing

/// Drivers' cards through the API: kept, exported and imported as CSV (a bad line named), read by an organization's
/// users only for their own, and their token group choosing the tariff.
@Suite struct CardTests {
    let directory = TemporaryDirectory()

    @Test func cardsRoundTripThroughCSVAndBadLinesAreNamed() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s1", name: "Depot", at: Date())
        try await store.addOrganization(id: "acme", name: "ACME", at: Date())
        let (staff, staffToken) = APITokens.create(name: "ops", role: .operator, at: Date())
        try await store.addAPIToken(staff)
        let partnerToken = try await CloudAPITests.organizationToken(store, user: "paula", role: .operator, organization: "acme")
        let app = Application(router: CloudAPITests.api(store).router())
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(staffToken)", .contentType: "application/json"]
            for (tag, body) in [
                ("DANA", #"{"holder":"Dana, driver","organization":"acme","tokenGroup":"staff","sites":["s1"]}"#),
                ("EVE", #"{"holder":"=cmd","blocked":true}"#),
            ] {
                try await client.execute(
                    uri: "/api/v1/cards/\(tag)", method: .put, headers: headers, body: ByteBuffer(string: body)
                ) {
                    #expect($0.status == .ok)
                }
            }
            var exported = ""
            try await client.execute(uri: "/api/v1/cards?format=csv", method: .get, headers: headers) { response in
                exported = String(buffer: response.body)
            }
            #expect(exported.contains("\"Dana, driver\"") && exported.contains("'=cmd"))
            // The export read back (a formula's guard quote kept as text) replaces both, unchanged but the holder.
            try await client.execute(
                uri: "/api/v1/cards/import", method: .post, headers: headers, body: ByteBuffer(string: exported)
            ) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
            #expect(try await store.card(idTag: "DANA")?.holder == "Dana, driver")
            #expect(try await store.card(idTag: "EVE")?.blocked == true)
            try await client.execute(
                uri: "/api/v1/cards/import", method: .post, headers: headers,
                body: ByteBuffer(string: "idTag,sites\r\nOK-1,s1\r\nBAD,nowhere\r\n")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("line 3: sites: no site 'nowhere'"))
            }
            #expect(try await store.card(idTag: "OK-1") == nil, "nothing kept when a line is refused")
            let partnerHeaders: HTTPFields = [.authorization: "Bearer \(partnerToken)", .contentType: "application/json"]
            try await client.execute(uri: "/api/v1/cards", method: .get, headers: partnerHeaders) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("DANA") && !text.contains("EVE"), "an organization reads its own cards")
            }
            try await client.execute(
                uri: "/api/v1/cards/ZED", method: .put, headers: partnerHeaders, body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .forbidden)
            }
        }
        #expect(try await store.edgeTokens(site: "s1", at: Date()).tokens.map(\.idTag) == ["DANA", "EVE"])
    }

    @Test func aCardsTokenGroupChoosesItsTariff() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        let t0 = Date(timeIntervalSince1970: 1_768_334_400)
        _ = try await store.addSite(id: "s1", name: "Depot", at: t0 - 86_400)
        for (id, price) in [("public", "0.50"), ("staff", "0.00")] {
            _ = try await store.saveTariff(
                TariffRecord(
                    id: id, version: 0, name: id, currency: "EUR",
                    body:
                        #"{"currency":"EUR","elements":[{"price_components":[{"type":"ENERGY","price":\#(price),"step_size":1}]}]}"#,
                    validFrom: t0 - 86_400, createdBy: nil))
        }
        try await store.addTariffAssignment(
            TariffAssignment(
                id: "a", tariff: "public", site: "s1", group: nil, station: "CP1", tokenGroup: nil, validFrom: t0 - 3600))
        try await store.addTariffAssignment(
            TariffAssignment(
                id: "b", tariff: "staff", site: "s1", group: nil, station: nil, tokenGroup: "staff", validFrom: t0 - 3600))
        _ = try await store.saveCards([CardRecord(idTag: "DANA", tokenGroup: "staff", updatedAt: t0)])
        let pricer = SessionPricer(repository: store)
        for (tag, expected) in [("DANA", "staff"), ("VISITOR", "public")] {
            let session = SessionView(
                site: "s1", transactionId: 1, station: "CP1", connector: 1, idTag: tag, authStatus: "Accepted", startTime: t0,
                stopTime: t0 + 3600, stopReason: nil, meterStartWh: 0, meterStopWh: 10_000, energyWh: 10_000, powerW: nil,
                currentA: nil, soc: nil, updatedAt: nil, active: false)
            #expect(try await pricer.tariff(for: session)?.id == expected, "\(tag)")
        }
    }
}
