import CloudAPI
import CloudBilling
import CloudCore
import CloudReports
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Pricing
import ServerSupport
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
            // The export read back replaces both, unchanged: a formula's guard quote is dropped again.
            try await client.execute(
                uri: "/api/v1/cards/import", method: .post, headers: headers, body: ByteBuffer(string: exported)
            ) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
            #expect(try await store.card(idTag: "DANA")?.holder == "Dana, driver")
            let eve = try await store.card(idTag: "EVE")
            #expect(eve?.blocked == true && eve?.holder == "=cmd")
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

    @Test func aNewSiteListsTheCardsForEverySiteAndNoListOutgrowsOneMessage() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s1", name: "Depot", at: Date())
        _ = try await Cards.save([CardRecord(idTag: "ALL", sites: [], updatedAt: Date())], repository: store, at: Date())
        // A site added afterwards has a list from the start, with the card on it.
        let added = try await store.addSite(id: "s2", name: "Yard", at: Date())
        #expect(added.tokenListVersion == 1)
        #expect(try await store.edgeTokens(site: "s2", at: Date()).version == 1)
        #expect(try await store.edgeTokens(site: "s2", at: Date()).tokens.map(\.idTag) == ["ALL"])
        // A site's own list near the limit: a card for every site that would push it over is refused, naming it.
        let own = (0..<5_200).map { SiteToken(idTag: String(format: "OWN-%05d", $0), status: .known(.accepted)) }
        _ = try await store.replaceSiteTokens(site: "s2", with: own)
        let bytes = try Cards.tokenListBytes(site: "s2", own: own, cards: try await store.cards(), at: Date())
        #expect(bytes <= Cards.maxTokenListBytes && bytes > 200_000, "\(bytes)")
        let many = (0..<2_000).map { CardRecord(idTag: String(format: "CARD-%04d", $0), sites: [], updatedAt: Date()) }
        let more = try Cards.tokenListBytes(site: "s2", own: own, cards: try await store.cards() + many, at: Date())
        #expect(more > Cards.maxTokenListBytes, "\(more)")
        do {
            _ = try await Cards.save(many, repository: store, at: Date())
            Issue.record("a list over the limit was accepted")
        } catch let problem as Problem {
            #expect(problem.status == 413 && problem.detail.contains("site 's2'"), "\(problem.detail)")
        }
        #expect(try await store.cards().map(\.idTag) == ["ALL"], "nothing kept")
        #expect(try await Cards.save(Array(many.prefix(3)), repository: store, at: Date()) == ["s1", "s2"])
    }
}

extension CardTests {
    /// Whatever a cell holds, the export's formula guard read back gives it again: `=x`, `'=x` and `''x` included.
    @Test func csvCellsReadBackAsTheyWereWhateverTheyStartWith() throws {
        // The last: a cell of 100,000 quotes (an import may be megabytes) is counted, not recursed into.
        for value in [
            "=x", "'=x", "''=x", "'abc", "''abc", "-1", "-x", "@a", "+1", "plain", "'", "", "a,b", "\"q\"",
            "-2+3+cmd|' /C calc'!A0", "'-2+3", "-1.5",
            String(repeating: "'", count: 100_000) + "=x",
        ] {
            let rows = try CSVReader.rows(CSVWriter.line([value]))
            #expect(rows.first.map { $0.map(CSVWriter.undefused) } == [value], "\(value.prefix(20))")
        }
    }
}
