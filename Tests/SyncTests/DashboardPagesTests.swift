import CloudAPI
import CloudCore
import CloudIngest
import CloudStore
import CloudWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MQTT
import Metrics
import SiteModel
import SyncContract
import Testing

/// Pages and forms: firmware signatures, the home page's sites and groups, a station of one site.
extension DashboardTests {
    @Test func anOperatorGivesAnImageItsSignatureAndAViewerCannot() async throws {
        // Security review, finding 20: signed firmware updates from the dashboard too.
        let (app, store) = try await makeApp()
        let image = FirmwareImage(
            id: "img1", name: "GC", version: "3.0", fileName: nil, size: nil, sha256: nil, url: "https://vendor.example/gc.bin",
            createdAt: Date(), createdBy: nil)
        try await store.addFirmwareImage(image, data: nil)
        let certificate = Self.signingCertificate.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        // "+" and "/" of Base64 as a browser sends them.
        let form = "image=img1&signature=MEUC%2BIQ%2F&signingCertificate=\(certificate)"
        try await app.test(.router) { client in
            for (user, expected) in [("viewer", HTTPResponse.Status.forbidden), ("operator", .seeOther)] {
                let browser = try #require(try await Self.signIn(client, user: user))
                var headers = browser.headers
                headers[.contentType] = "application/x-www-form-urlencoded"
                try await client.execute(
                    uri: "/firmware/signature", method: .post, headers: headers,
                    body: ByteBuffer(string: form + "&_csrf=\(browser.csrf)")
                ) { response in
                    #expect(response.status == expected, "\(user)")
                }
                if user == "operator" {
                    try await client.execute(
                        uri: "/firmware/signature", method: .post, headers: headers,
                        body: ByteBuffer(string: "image=img1&signature=MEUC&signingCertificate=nope&_csrf=\(browser.csrf)")
                    ) { response in
                        #expect(response.status == .badRequest && String(buffer: response.body).contains("PEM"))
                    }
                    try await client.execute(uri: "/firmware", method: .get, headers: browser.headers) { response in
                        #expect(String(buffer: response.body).contains("signed (chargers verify it)"))
                    }
                }
            }
        }
        let signed = try #require(try await store.firmwareImage(id: "img1"))
        #expect(signed.signature == "MEUC+IQ/" && signed.signingCertificate == Self.signingCertificate)
    }

    @Test func aUserChoosesTheSitesOnTheirHomePageAndOperatorsSetASitesLocation() async throws {
        let (app, store) = try await makeApp()
        try await app.test(.router) { client in
            let browser = try #require(try await Self.signIn(client, user: "operator"))
            var headers = browser.headers
            headers[.contentType] = "application/x-www-form-urlencoded"
            try await client.execute(
                uri: "/home/sites", method: .post, headers: headers, body: ByteBuffer(string: "sites=s2&_csrf=\(browser.csrf)")
            ) { response in
                #expect(response.status == .seeOther)
            }
            for (path, s1, s2) in [("/", false, true), ("/?all=1", true, true)] {
                try await client.execute(uri: path, method: .get, headers: browser.headers) { response in
                    let html = String(buffer: response.body)
                    #expect(html.contains(#"data-site="s1""#) == s1 && html.contains(#"data-site="s2""#) == s2, "\(path)")
                }
            }
            for (form, problem) in [
                ("latitude=95&longitude=10", "latitude"), ("latitude=52", "together"), ("timeZone=Mars/Olympus", "timeZone"),
            ] {
                try await client.execute(
                    uri: "/sites/s1/details", method: .post, headers: headers,
                    body: ByteBuffer(string: form + "&_csrf=\(browser.csrf)")
                ) { response in
                    #expect(response.status == .badRequest && String(buffer: response.body).contains(problem), "\(form)")
                }
            }
            try await client.execute(
                uri: "/sites/s1/details", method: .post, headers: headers,
                body: ByteBuffer(
                    string: "address=1+Grid+Street&latitude=52,52&longitude=13.40&timeZone=Europe/Berlin&_csrf=\(browser.csrf)")
            ) { response in
                #expect(response.status == .seeOther)
            }
        }
        let site = try #require(try await store.site(id: "s1"))
        #expect(site.address == "1 Grid Street" && site.latitude == 52.52 && site.longitude == 13.4)
        #expect(site.timeZone == "Europe/Berlin" && site.name == "Site s1")
    }

    @Test func groupsAcrossSitesAreCountedOnTheHomePageForStaffOnly() async throws {
        let (app, store) = try await makeApp()
        for (site, station) in [("s1", "CP1"), ("s2", "CP2")] {
            try await store.setPresence(site: site, online: true, at: Date())
            _ = try await store.apply(
                [
                    UpEnvelope(
                        site: site, seq: 10, timestamp: Date(),
                        message: .stationConnection(StationConnection(station: station, connected: true, time: Date())))
                ], receivedAt: Date())
        }
        try await app.test(.router) { client in
            let admin = try #require(try await Self.signIn(client, user: "admin"))
            var headers = admin.headers
            headers[.contentType] = "application/x-www-form-urlencoded"
            for (form, status) in [
                ("id=north&name=North+bays&stations=CP1,+CP2", HTTPResponse.Status.seeOther),
                ("id=bad&name=X&stations=NOPE", .notFound), ("id=bad+id&name=X&stations=CP1", .badRequest),
            ] {
                try await client.execute(
                    uri: "/groups", method: .post, headers: headers, body: ByteBuffer(string: form + "&_csrf=\(admin.csrf)")
                ) { response in
                    #expect(response.status == status, "\(form)")
                }
            }
            // The Charging connector of each site's station: 2 in use, across both sites.
            try await client.execute(uri: "/", method: .get, headers: admin.headers) { response in
                let html = String(buffer: response.body)
                let row = html.components(separatedBy: #"data-group="north""#).dropFirst().first ?? ""
                #expect(row.contains("North bays</a></th><td>2</td><td>2</td><td>0</td><td>0</td><td>0</td>"))
            }
            try await client.execute(uri: "/groups/north", method: .get, headers: admin.headers) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .ok && html.contains("CP1") && html.contains("CP2"))
            }
            // Chosen for the home page: only that group is shown there (all with ?all=1).
            try await store.saveGroup(id: "south", name: "South bays", stations: [StationKey(site: "s2", station: "CP2")])
            try await client.execute(
                uri: "/home/sites", method: .post, headers: headers, body: ByteBuffer(string: "groups=south&_csrf=\(admin.csrf)")
            ) { response in
                #expect(response.status == .seeOther)
            }
            for (path, north) in [("/", false), ("/?all=1", true)] {
                try await client.execute(uri: path, method: .get, headers: admin.headers) { response in
                    let html = String(buffer: response.body)
                    #expect(html.contains(#"data-group="north""#) == north && html.contains(#"data-group="south""#), "\(path)")
                }
            }
            // A partner sees no groups (they may span other organizations' sites).
            let partner = try #require(try await Self.signIn(client, user: "acme"))
            try await client.execute(uri: "/groups/north", method: .get, headers: partner.headers) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/", method: .get, headers: partner.headers) { response in
                #expect(!String(buffer: response.body).contains("North bays"))
            }
        }
    }

    @Test func aStationPageIsOneSitesStationWhenAnotherSiteHasOneOfTheSameId() async throws {
        // Security review, finding 1: the same identity at two sites is two stations, each page its own.
        let (app, store) = try await makeApp()
        let now = Date()
        for (site, vendor, seq) in [("s1", "Alfa", Int64(10)), ("s2", "Bravo", Int64(10))] {
            _ = try await store.apply(
                [
                    UpEnvelope(
                        site: site, seq: seq, timestamp: now,
                        message: .stationBoot(
                            StationBoot(
                                station: "CP001", vendor: vendor, model: "M", serialNumber: nil, firmwareVersion: nil,
                                approval: "accepted", time: now))),
                    UpEnvelope(
                        site: site, seq: seq + 1, timestamp: now,
                        message: .connectorStatus(
                            ConnectorStatusChange(
                                station: "CP001", connector: 1, status: "Faulted", errorCode: "GroundFailure", info: nil,
                                vendorId: nil, vendorErrorCode: "E-\(vendor)", time: now))),
                ], receivedAt: now)
        }
        try await app.test(.router) { client in
            let admin = try #require(try await Self.signIn(client, user: "admin"))
            try await client.execute(uri: "/sites/s1/stations/CP001", method: .get, headers: admin.headers) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .ok && html.contains("Alfa") && html.contains("E-Alfa"))
                #expect(!html.contains("Bravo") && !html.contains("E-Bravo"), "nothing of site s2's CP001")
                #expect(html.contains(#"data-site="s1" data-station="CP001""#), "live updates name the site")
            }
            try await client.execute(uri: "/stations/CP001", method: .get, headers: admin.headers) { response in
                #expect(response.status == .conflict, "the id is at two sites")
            }
            // A partner who sees site s1 only is led to that site's station; s2's is not there for it.
            let acme = try #require(try await Self.signIn(client, user: "acme"))
            try await client.execute(uri: "/stations/CP001", method: .get, headers: acme.headers) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/sites/s1/stations/CP001")
            }
            try await client.execute(uri: "/sites/s2/stations/CP001", method: .get, headers: acme.headers) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
