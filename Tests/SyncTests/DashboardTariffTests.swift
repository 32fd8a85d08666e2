import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Pricing
import SiteModel
import SyncContract
import Testing

/// The tariff editor: a preview of unsaved JSON on an example session, saving, applying to a site, refusals naming
/// the field, and the running cost of a session on its page and its station's.
extension DashboardTests {
    static func form(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
    }

    static let dayTariff = """
        {"currency": "EUR", "elements": [{"price_components": [
          {"type": "FLAT", "price": 1.00, "vat": 19, "step_size": 1},
          {"type": "ENERGY", "price": 0.40, "vat": 19, "step_size": 1}]}]}
        """

    @Test func anOperatorPreviewsSavesAndAppliesATariffAndPagesShowTheRunningCost() async throws {
        let (app, store) = try await makeApp()
        try await app.test(.router) { client in
            let browser = try #require(try await Self.signIn(client, user: "operator"))
            var headers = browser.headers
            headers[.contentType] = "application/x-www-form-urlencoded"
            // 22 kWh at 0.40 and the 1.00 start fee: 9.80 without VAT, 11.66 with.
            let fields = [
                ("id", "day"), ("name", "Day"), ("tariff", Self.dayTariff), ("exampleStart", "2026-01-13T17:30"),
                ("exampleZone", "Europe/Berlin"), ("exampleEnergy", "22"), ("exampleHours", "2"), ("exampleParking", "0"),
                ("_csrf", browser.csrf),
            ]
            try await client.execute(
                uri: "/tariffs", method: .post, headers: headers,
                body: ByteBuffer(string: Self.form(fields + [("preview", "1")]))
            ) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(html.contains("id=\"preview-total\">€11.66 (€9.80)</dd>"), "\(html)")
            }
            #expect(try await store.tariffs().isEmpty, "a preview saves nothing")
            let broken = fields.map {
                $0.0 == "tariff" ? ($0.0, Self.dayTariff.replacingOccurrences(of: "0.40", with: "-1")) : $0
            }
            try await client.execute(
                uri: "/tariffs", method: .post, headers: headers, body: ByteBuffer(string: Self.form(broken))
            ) {
                response in
                #expect(response.status == .badRequest)
                #expect(
                    String(buffer: response.body).contains("tariff.elements[0].price_components[1].price: must not be negative"))
            }
            try await client.execute(
                uri: "/tariffs", method: .post, headers: headers, body: ByteBuffer(string: Self.form(fields))
            ) {
                response in
                #expect(response.status == .seeOther && response.headers[.location] == "/tariffs/day")
            }
            try await client.execute(
                uri: "/tariffs/day/assignments", method: .post, headers: headers,
                body: ByteBuffer(string: "place=site%3As1&_csrf=\(browser.csrf)")
            ) { response in
                #expect(response.status == .seeOther)
            }
            #expect(try await store.tariffAssignments().map(\.site) == ["s1"])
            // Session 7 began before the tariff applied: it stays unpriced. Session 9 begins now, nothing charged
            // yet: the start fee so far.
            try await client.execute(uri: "/sessions/s1/7", method: .get, headers: browser.headers) { response in
                #expect(!String(buffer: response.body).contains("€"))
            }
            _ = try await store.apply(
                [
                    UpEnvelope(
                        site: "s1", seq: 3, timestamp: Date(),
                        message: .sessionStart(
                            SessionStarted(
                                station: "CP1", connector: 2, transactionId: 9, idTag: "TAG-s1", authStatus: "Accepted",
                                meterStartWh: 0, startTime: Date() + 1)))
                ], receivedAt: Date())
            for path in ["/sessions/s1/9", "/sites/s1/stations/CP1"] {
                try await client.execute(uri: path, method: .get, headers: browser.headers) { response in
                    #expect(String(buffer: response.body).contains("€1.19 (€1.00 excl. VAT)"), "\(path)")
                }
            }
            try await client.execute(uri: "/sessions/s2/8", method: .get, headers: browser.headers) { response in
                #expect(!String(buffer: response.body).contains("€"), "no tariff at s2")
            }
        }
    }

    @Test func partnersSeeTariffsButNeverChangeThem() async throws {
        let (app, store) = try await makeApp()
        _ = try await store.saveTariff(
            TariffRecord(
                id: "day", version: 0, name: "Day", currency: "EUR", body: Self.dayTariff, validFrom: Date(), createdBy: nil))
        try await store.addTariffAssignment(
            TariffAssignment(id: "a2", tariff: "day", site: "s2", group: nil, station: nil, tokenGroup: nil, validFrom: Date()))
        try await app.test(.router) { client in
            let browser = try #require(try await Self.signIn(client, user: "acme"))
            try await client.execute(uri: "/tariffs/day", method: .get, headers: browser.headers) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(!html.contains("s2"), "where a tariff applies at another organization's site is not shown")
                #expect(!html.contains("id=\"tariff-save\""))
            }
            var headers = browser.headers
            headers[.contentType] = "application/x-www-form-urlencoded"
            try await client.execute(
                uri: "/tariffs/day/delete", method: .post, headers: headers, body: ByteBuffer(string: "_csrf=\(browser.csrf)")
            ) { response in
                #expect(response.status == .forbidden)
            }
        }
        #expect(try await store.tariffs().count == 1)
    }
}

extension DashboardTests {
    @Test func aPartnersReportsAndExportsHoldOnlyItsOwnSessions() async throws {
        let (app, _) = try await makeApp()
        let range = "from=\(Self.day(Date() - 30 * 86_400))&to=\(Self.day(Date() + 30 * 86_400))"
        try await app.test(.router) { client in
            for (user, own, other) in [("acme", "s1", "s2"), ("globex", "s2", "s1")] {
                let browser = try #require(try await Self.signIn(client, user: user))
                try await client.execute(
                    uri: "/reports?groupBy=site&period=all&\(range)", method: .get,
                    headers: browser.headers
                ) { response in
                    let html = String(buffer: response.body)
                    #expect(response.status == .ok)
                    #expect(html.contains("Site \(own)") && !html.contains("Site \(other)"), "\(user)")
                }
                try await client.execute(
                    uri: "/reports/sessions.csv?\(range)", method: .get, headers: browser.headers
                ) { response in
                    let lines = String(buffer: response.body).split(separator: "\r\n")
                    #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
                    #expect(lines.count == 2 && lines[1].hasPrefix("\(own),"), "\(user): \(lines)")
                }
            }
        }
    }
}

extension DashboardTests {
    /// `YYYY-MM-DD` of a date in UTC.
    static func day(_ date: Date) -> String {
        String(date.ISO8601Format(.iso8601.year().month().day()))
    }
}

extension DashboardTests {
    @Test func anOperatorAddsAndImportsCardsAndAPartnerReadsOnlyItsOwn() async throws {
        let (app, store) = try await makeApp()
        try await app.test(.router) { client in
            let browser = try #require(try await Self.signIn(client, user: "operator"))
            var headers = browser.headers
            headers[.contentType] = "application/x-www-form-urlencoded"
            for (form, expected) in [
                ("idTag=DANA&holder=Dana&organization=acme&tokenGroup=staff&sites=s1", HTTPResponse.Status.seeOther),
                (Self.form([("csv", "idTag,holder,organization\r\nEVE,Eve,globex\r\nBAD TAG,x,\r\n")]), .badRequest),
                (Self.form([("csv", "idTag,holder,organization\r\nEVE,Eve,globex\r\n")]), .seeOther),
                // An import far over the 64 KB of a small form: 3,000 cards.
                (
                    Self.form([("csv", "idTag,holder\r\n" + (0..<3_000).map { "BULK-\($0),Driver \($0)\r\n" }.joined())]),
                    .seeOther
                ),
            ] {
                try await client.execute(
                    uri: "/cards", method: .post, headers: headers, body: ByteBuffer(string: form + "&_csrf=\(browser.csrf)")
                ) { response in
                    #expect(response.status == expected, "\(form): \(String(buffer: response.body).prefix(300))")
                }
            }
            #expect(try await store.cards().filter { !$0.idTag.hasPrefix("BULK-") }.map(\.idTag) == ["DANA", "EVE"])
            #expect(try await store.cards().count == 3_002)
            let partner = try #require(try await Self.signIn(client, user: "acme"))
            try await client.execute(uri: "/cards", method: .get, headers: partner.headers) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("DANA") && !html.contains("EVE") && !html.contains("id=\"save-card\""))
            }
        }
    }
}
