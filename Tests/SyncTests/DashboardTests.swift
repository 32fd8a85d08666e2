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

/// The dashboard through its router (no sockets): who may see and do what, partner isolation, form tokens,
/// sessions, the sign-in lock.
@Suite struct DashboardTests {
    let directory = TemporaryDirectory()
    static let password = "correct horse battery"

    /// Two sites with a station and a session each; staff users of every role, and two partners whose organizations
    /// are granted one site each.
    func makeApp(
        liveRecheck: Duration = LiveStreams.recheck, signInsPerMinute: Double = 1000
    ) async throws
        -> (some ApplicationProtocol, SQLiteRepository)
    {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        for (site, station, transaction) in [("s1", "CP1", 7), ("s2", "CP2", 8)] {
            _ = try await store.addSite(id: site, name: "Site \(site)", at: Date())
            let now = Date()
            let status = ConnectorStatusChange(
                station: station, connector: 1, status: "Charging", errorCode: "NoError", info: nil, vendorId: nil,
                vendorErrorCode: nil, time: now)
            let start = SessionStarted(
                station: station, connector: 1, transactionId: transaction, idTag: "TAG-\(site)", authStatus: "Accepted",
                meterStartWh: 0, startTime: now)
            _ = try await store.apply(
                [
                    UpEnvelope(site: site, seq: 1, timestamp: now, message: .connectorStatus(status)),
                    UpEnvelope(site: site, seq: 2, timestamp: now, message: .sessionStart(start)),
                ], receivedAt: now)
        }
        try await store.addOrganization(id: "acme", name: "ACME", at: Date())
        try await store.grant(organization: "acme", .site("s1"))
        try await store.addOrganization(id: "globex", name: "Globex", at: Date())
        try await store.grant(organization: "globex", .site("s2"))
        // A low bcrypt cost keeps the test fast; the cost is read back from each hash.
        let hash = try await Users.hashPassword(Self.password, cost: 4)
        for (id, role, organization) in [
            ("admin", "admin", nil), ("operator", "operator", nil), ("viewer", "viewer", nil),
            ("acme", "partner", "acme"), ("globex", "partner", "globex"),
        ] as [(String, String, String?)] {
            try await store.addUser(
                UserRecord(id: id, name: id, passwordHash: hash, role: role, organization: organization, createdAt: Date()))
        }
        // Never started: commands find the broker unavailable, which is all these tests need.
        let client = MQTTClient(
            configuration: MQTTConfiguration(broker: MQTTBroker(host: "127.0.0.1", port: 1, tls: false), clientId: "test"),
            logger: Logger(label: "test"))
        let relay = CommandRelay(repository: store, client: client)
        let api = CloudAPI(
            repository: store, relay: relay, commandTimeout: .seconds(1),
            metrics: APIMetrics(factory: NOOPMetricsHandler.instance), prometheus: { [] }, tokenListChanged: { _ in })
        let router = api.router()
        try Dashboard(
            repository: store, relay: relay, live: LiveFeed(), commandTimeout: .seconds(1), logger: Logger(label: "test"),
            metricsFactory: NOOPMetricsHandler.instance, liveRecheck: liveRecheck, signInsPerMinute: signInsPerMinute
        ).addRoutes(to: router)
        return (Application(router: router), store)
    }

    /// A signed-in browser: its cookie and its form token.
    struct Browser {
        let cookie: String
        let csrf: String
        var headers: HTTPFields { [.cookie: "\(WebAuth.cookieName)=\(cookie)"] }
    }

    static func signIn(
        _ client: some TestClientProtocol, user: String, password: String = Self.password
    ) async throws
        -> Browser?
    {
        let cookie = try await client.execute(
            uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "user=\(user)&password=\(password.replacingOccurrences(of: " ", with: "+"))&next=/")
        ) { response -> String? in
            #expect(response.status == .seeOther)
            guard let header = response.headers[.setCookie], header.hasPrefix(WebAuth.cookieName + "=") else { return nil }
            #expect(header.contains("HttpOnly") && header.contains("Secure") && header.contains("SameSite=Strict"))
            return String(header.dropFirst(WebAuth.cookieName.count + 1).prefix { $0 != ";" })
        }
        guard let cookie else { return nil }
        let csrf = try await client.execute(
            uri: "/", method: .get, headers: [.cookie: "\(WebAuth.cookieName)=\(cookie)"]
        ) { response -> String in
            let html = String(buffer: response.body)
            guard let range = html.range(of: #"name="csrf-token" content=""#) else { return "" }
            return String(html[range.upperBound...].prefix { $0 != "\"" })
        }
        return Browser(cookie: cookie, csrf: csrf)
    }

    struct Page {
        let path: String
        let needs: Permission
        /// The site the page belongs to (a partner of another organization gets 404), nil for lists.
        let site: String?
        var method: HTTPRequest.Method = .get
        var form: String? = nil
        /// A form that saves and redirects (303) rather than sending a command.
        var redirects = false
    }

    static let pages: [Page] =
        laterPages + [
            Page(path: "/", needs: .read, site: nil),
            Page(path: "/live/summary", needs: .read, site: nil),
            Page(path: "/sessions", needs: .read, site: nil),
            Page(path: "/events", needs: .read, site: nil),
            Page(path: "/fleet", needs: .read, site: nil),
            Page(path: "/sites/new", needs: .admin, site: nil),
            Page(path: "/topology", needs: .read, site: nil),
            Page(path: "/fleet.csv", needs: .read, site: nil),
            Page(path: "/sites/s1", needs: .read, site: "s1"),
            Page(path: "/sites/s2", needs: .read, site: "s2"),
            Page(path: "/sites/s1/stations/CP1", needs: .read, site: "s1"),
            Page(path: "/sites/s2/stations/CP2", needs: .read, site: "s2"),
            Page(path: "/sessions/s1/7", needs: .read, site: "s1"),
            Page(path: "/sessions/s2/8", needs: .read, site: "s2"),
            Page(path: "/sites/s1/stations/CP1/actions", needs: .control, site: "s1", method: .post, form: "action=softReset"),
            Page(path: "/sites/s2/stations/CP2/actions", needs: .control, site: "s2", method: .post, form: "action=softReset"),
            // Reading a configuration asks the station; without a broker the page says why (200, the reason shown).
            Page(path: "/sites/s1/stations/CP1/configuration", needs: .configure, site: "s1"),
            Page(path: "/sites/s2/stations/CP2/configuration", needs: .configure, site: "s2"),
            Page(
                path: "/sites/s1/stations/CP1/configuration", needs: .configure, site: "s1", method: .post,
                form: "key=HeartbeatInterval&value=60"),
            Page(path: "/sites/s1/load-management", needs: .configure, site: "s1"),
            Page(path: "/sites/s2/load-management", needs: .configure, site: "s2"),
            Page(path: "/sites/s1/load-management", needs: .configure, site: "s1", method: .post, form: "strategy=fifo"),
            Page(path: "/firmware", needs: .configure, site: nil),
            Page(
                path: "/sites/s1/details", needs: .configure, site: "s1", method: .post, form: "timeZone=Europe/Paris",
                redirects: true),
            Page(
                path: "/sites/s1/stations", needs: .configure, site: "s1", method: .post, form: "id=CP-NEW&phases=1&rotation=L2"),
            Page(
                path: "/sites/s1/stations/CP1/approval", needs: .configure, site: "s1", method: .post, form: "approval=accepted"),
            Page(path: "/vehicles", needs: .read, site: nil),
            Page(path: "/groups", needs: .read, site: nil),
            Page(path: "/tariffs", needs: .read, site: nil),
            Page(path: "/statements", needs: .read, site: nil),
            Page(path: "/notifications", needs: .read, site: nil),
            Page(path: "/notifications/unread", needs: .read, site: nil),
            Page(path: "/push/key", needs: .read, site: nil),
            Page(path: "/events.csv?order=oldest", needs: .read, site: nil),
            Page(path: "/notification-rules", needs: .configure, site: nil),
            Page(
                path: "/notification-rules", needs: .configure, site: nil, method: .post,
                form: "id=faults&name=Faults&events=station_faulted&events=site_offline&quietMinutes=15&enabled=1",
                redirects: true),
            Page(path: "/cards", needs: .read, site: nil),
            Page(path: "/cards.csv", needs: .read, site: nil),
            Page(path: "/cards", needs: .configure, site: nil, method: .post, form: "idTag=CARD-9&holder=Ann", redirects: true),
            Page(path: "/reports/availability", needs: .read, site: nil),
            Page(path: "/reports/availability.csv", needs: .read, site: nil),
            Page(path: "/reports?groupBy=station&period=day", needs: .read, site: nil),
            Page(path: "/reports/sessions.csv", needs: .read, site: nil),
            Page(path: "/reports/energy.csv?groupBy=customer", needs: .read, site: nil),
            Page(
                path: "/tariffs", needs: .configure, site: nil, method: .post,
                form:
                    "id=day&name=Day&tariff=%7B%22currency%22%3A%22EUR%22%2C%22elements%22%3A%5B%7B%22price_components%22%3A%5B%7B%22type%22%3A%22ENERGY%22%2C%22price%22%3A0.3%2C%22step_size%22%3A1%7D%5D%7D%5D%7D",
                redirects: true),
            Page(path: "/home/sites", needs: .read, site: nil),
            Page(
                path: "/groups", needs: .configure, site: nil, method: .post, form: "id=g1&name=G&stations=CP1", redirects: true),
            Page(path: "/access", needs: .admin, site: nil),
            Page(path: "/account/two-factor", needs: .read, site: nil),
            // No ocpi: section here: the page says how; adding a partner is refused (409).
            Page(path: "/roaming", needs: .admin, site: nil),
            Page(path: "/roaming", needs: .admin, site: nil, method: .post, form: "name=Roam"),
            Page(path: "/access/two-factor", needs: .admin, site: nil, method: .post, form: "roles=", redirects: true),
            Page(
                path: "/access/users/viewer/two-factor/reset", needs: .admin, site: nil, method: .post, form: "go=1",
                redirects: true),
            Page(path: "/access/users/viewer", needs: .admin, site: nil),
            Page(path: "/access/organizations/acme", needs: .admin, site: nil),
            Page(
                path: "/access/users", needs: .admin, site: nil, method: .post,
                form: "id=newbie&role=viewer&organization=&password=a+long+password", redirects: true),
            Page(
                path: "/access/organizations/acme", needs: .admin, site: nil, method: .post, form: "name=ACME&sites=s1",
                redirects: true),
        ]

    @Test func afterSigningInTheBrowserGoesOnlyToAPathOfThisSite() async throws {
        // Security review, finding 9: a tab (%09) or line break lets `/<TAB>/evil.example` through a check for "//",
        // and browsers drop it, which leaves `//evil.example`.
        let (app, _) = try await makeApp()
        let cases: [(next: String, goesTo: String)] = [
            ("/sessions%3Factive%3Dtrue", "/sessions?active=true"), ("/sites/s1/stations/CP1", "/sites/s1/stations/CP1"),
            ("/%09/evil.example/", "/"), ("/%0A/evil.example", "/"), ("/%0D%0A/evil.example", "/"),
            ("//evil.example", "/"), ("/%5Cevil.example", "/"), ("https://evil.example/", "/"),
            ("/%20/evil.example", "/"), ("evil.example", "/"),
        ]
        try await app.test(.router) { client in
            for (next, goesTo) in cases {
                try await client.execute(
                    uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(
                        string: "user=viewer&password=\(Self.password.replacingOccurrences(of: " ", with: "+"))&next=\(next)")
                ) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == goesTo, "next=\(next)")
                }
            }
        }
    }

    @Test func everyPageAnswersEveryRoleAndPartnersSeeOnlyTheirOwnSites() async throws {
        let (app, _) = try await makeApp()
        try await app.test(.router) { client in
            for page in Self.pages {
                try await client.execute(uri: page.path, method: page.method, body: page.form.map { ByteBuffer(string: $0) }) {
                    response in
                    #expect(response.status == .seeOther, "\(page.path) signed out")
                    #expect(response.headers[.location]?.hasPrefix("/login") == true, "\(page.path) signed out")
                }
            }
            let grants = ["acme": "s1", "globex": "s2"]
            for user in ["admin", "operator", "viewer", "acme", "globex"] {
                let browser = try #require(try await Self.signIn(client, user: user), "\(user) signs in")
                let role = Role(rawValue: user == "acme" || user == "globex" ? "partner" : user)!
                for page in Self.pages {
                    var headers = browser.headers
                    var body: ByteBuffer?
                    if let form = page.form {
                        headers[.contentType] = "application/x-www-form-urlencoded"
                        body = ByteBuffer(string: form + "&_csrf=\(browser.csrf)")
                    }
                    let expected: HTTPResponse.Status =
                        if !role.permits(page.needs) {
                            .forbidden
                        } else if let site = page.site, let granted = grants[user], granted != site {
                            .notFound
                        } else if page.redirects {
                            .seeOther
                        } else if page.method == .post {
                            // Allowed through; with no broker the command cannot be sent, and the page says so.
                            .conflict
                        } else {
                            .ok
                        }
                    try await client.execute(uri: page.path, method: page.method, headers: headers, body: body) { response in
                        #expect(response.status == expected, "\(user) \(page.method) \(page.path)")
                    }
                }
                // Lists show only what the user may see.
                try await client.execute(uri: "/", method: .get, headers: browser.headers) { response in
                    let html = String(buffer: response.body)
                    #expect(html.contains("Site s1") == (grants[user] ?? "s1" == "s1"), "\(user) home")
                    #expect(html.contains("Site s2") == (grants[user] ?? "s2" == "s2"), "\(user) home")
                }
                try await client.execute(uri: "/sessions", method: .get, headers: browser.headers) { response in
                    let html = String(buffer: response.body)
                    #expect(html.contains("TAG-s1") == (grants[user] ?? "s1" == "s1"), "\(user) sessions")
                    #expect(html.contains("TAG-s2") == (grants[user] ?? "s2" == "s2"), "\(user) sessions")
                }
                try await client.execute(uri: "/events?site=s2", method: .get, headers: browser.headers) { response in
                    #expect(String(buffer: response.body).contains("CP2") == (grants[user] ?? "s2" == "s2"), "\(user) events")
                }
            }
        }
    }

    @Test func aUsersAPITokenActsWithTheUsersRoleAndOrganization() async throws {
        let (app, store) = try await makeApp()
        var (record, created) = APITokens.create(name: "acme-integration", role: .admin, at: Date())
        record.user = "acme"
        let token = created
        try await store.addAPIToken(record)
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(token)"]
            try await client.execute(uri: "/api/v1/stations", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("CP1") && !body.contains("CP2"))
            }
            try await client.execute(uri: "/api/v1/stations/CP2", method: .get, headers: headers) { response in
                #expect(response.status == .notFound)
            }
            // The token said admin; the user is a partner, and the user's role applies.
            try await client.execute(
                uri: "/api/v1/stations/CP1/commands/Reset", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"type":"Soft"}"#)
            ) { response in
                #expect(response.status == .forbidden)
            }
        }
    }

    /// A firmware signing certificate made for these tests (openssl, P-256, valid to 2036).
    static let signingCertificate = """
        -----BEGIN CERTIFICATE-----
        MIIBxzCCAW2gAwIBAgIUaKI9KkbsNhJ/SVeD+xuOHhU12O8wCgYIKoZIzj0EAwIw
        OTEeMBwGA1UEAwwVVGVzdCBGaXJtd2FyZSBTaWduaW5nMRcwFQYDVQQKDA5Hcmlk
        c2lkZSB0ZXN0czAeFw0yNjEyMDYwNzMzMzRaFw0zNjEyMDMwNzMzMzRaMDkxHjAc
        BgNVBAMMFVRlc3QgRmlybXdhcmUgU2lnbmluZzEXMBUGA1UECgwOR3JpZHNpZGUg
        dGVzdHMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASF00xnQ6oVHKLdReU6HV1f
        sIhY/zEWHoLnrwLkK3higAn9DYY57qldUjUyvOx7PrROs2t+b6g4fVkCd32SxBj2
        o1MwUTAdBgNVHQ4EFgQUHDOCZGLspr5LJpVrsqcw+UKx8EEwHwYDVR0jBBgwFoAU
        HDOCZGLspr5LJpVrsqcw+UKx8EEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
        AgNIADBFAiEA2gcmNSlsoRaKnZoAb0I+1/cqLyouRDPXa6AKw1gBlTACIBDhx5zP
        twg4yJrpXsEvax8GObjQouHe4dh9ebCM1hAc
        -----END CERTIFICATE-----
        """

    /// Initech is granted station s2/CP3 (its operator Ina, with an API token returned here); Hooli the group
    /// "north" (s1/CP1; its partner Hal). A second station at s2 has a session of its own.
    static func grantOrganizations(_ store: SQLiteRepository) async throws -> String {
        // A second station at s2, with a session of its own.
        let now = Date()
        _ = try await store.apply(
            [
                UpEnvelope(
                    site: "s2", seq: 3, timestamp: now,
                    message: .connectorStatus(
                        ConnectorStatusChange(
                            station: "CP3", connector: 1, status: "Charging", errorCode: "NoError", info: nil, vendorId: nil,
                            vendorErrorCode: nil, time: now))),
                UpEnvelope(
                    site: "s2", seq: 4, timestamp: now,
                    message: .sessionStart(
                        SessionStarted(
                            station: "CP3", connector: 1, transactionId: 9, idTag: "TAG-CP3", authStatus: "Accepted",
                            meterStartWh: 0, startTime: now))),
            ], receivedAt: now)
        try await store.saveGroup(id: "north", name: "North bays", stations: [StationKey(site: "s1", station: "CP1")])
        try await store.addOrganization(id: "initech", name: "Initech", at: now)
        try await store.grant(organization: "initech", .station(StationKey(site: "s2", station: "CP3")))
        try await store.addOrganization(id: "hooli", name: "Hooli", at: now)
        try await store.grant(organization: "hooli", .group("north"))
        await #expect(throws: CloudStoreError.unknownStation("s2/NOPE")) {
            try await store.grant(organization: "initech", .station(StationKey(site: "s2", station: "NOPE")))
        }
        await #expect(throws: CloudStoreError.unknownGroup("nope")) {
            try await store.grant(organization: "hooli", .group("nope"))
        }
        #expect(try await store.scope(ofOrganization: "initech") == Scope(stations: [StationKey(site: "s2", station: "CP3")]))
        let hash = try await Users.hashPassword(Self.password, cost: 4)
        // An operator of the client organization: may control its station, not the site it stands at.
        try await store.addUser(
            UserRecord(id: "ina", name: "Ina", passwordHash: hash, role: "operator", organization: "initech", createdAt: now))
        try await store.addUser(
            UserRecord(id: "hal", name: "Hal", passwordHash: hash, role: "partner", organization: "hooli", createdAt: now))
        var (record, created) = APITokens.create(name: "initech-integration", role: .viewer, at: now)
        record.user = "ina"
        let token = created
        try await store.addAPIToken(record)
        return token
    }

    @Test func anOrganizationGrantedAStationSeesThatStationOnly() async throws {
        let (app, store) = try await makeApp()
        let token = try await Self.grantOrganizations(store)
        try await app.test(.router) { client in
            let ina = try #require(try await Self.signIn(client, user: "ina"))
            var form = ina.headers
            form[.contentType] = "application/x-www-form-urlencoded"
            for (path, method, body, status) in [
                ("/sites/s2/stations/CP3", HTTPRequest.Method.get, nil, HTTPResponse.Status.ok),
                ("/sites/s2/stations/CP2", .get, nil, .notFound),
                ("/sites/s1/stations/CP1", .get, nil, .notFound), ("/sites/s2", .get, nil, .ok),
                ("/sites/s1", .get, nil, .notFound),
                ("/sessions/s2/9", .get, nil, .ok), ("/sessions/s2/8", .get, nil, .notFound),
                ("/sites/s2/load-management", .get, nil, .notFound),
                ("/sites/s2/stations", .post, "id=CP-NEW&phases=1", .notFound),
                // Allowed through; with no broker the command cannot be sent, and the page says so.
                ("/sites/s2/stations/CP3/actions", .post, "action=softReset", .conflict),
                ("/sites/s2/stations/CP2/actions", .post, "action=softReset", .notFound),
            ] as [(String, HTTPRequest.Method, String?, HTTPResponse.Status)] {
                try await client.execute(
                    uri: path, method: method, headers: body == nil ? ina.headers : form,
                    body: body.map { ByteBuffer(string: $0 + "&_csrf=\(ina.csrf)") }
                ) { response in
                    #expect(response.status == status, "ina \(method) \(path)")
                }
            }
            try await client.execute(uri: "/sites/s2", method: .get, headers: ina.headers) { response in
                let html = String(buffer: response.body)
                #expect(
                    html.contains("/sites/s2/stations/CP3") && !html.contains("/sites/s2/stations/CP2"),
                    "only the granted station")
                #expect(!html.contains("/sites/s2/load-management"), "no settings of a site seen through one station")
            }
            try await client.execute(uri: "/", method: .get, headers: ina.headers) { response in
                let html = String(buffer: response.body)
                #expect(html.contains(#"data-site="s2""#) && !html.contains(#"data-site="s1""#))
            }
            try await client.execute(uri: "/sessions", method: .get, headers: ina.headers) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("TAG-CP3") && !html.contains("TAG-s2") && !html.contains("TAG-s1"))
            }
            try await client.execute(uri: "/events", method: .get, headers: ina.headers) { response in
                let html = String(buffer: response.body)
                #expect(!html.contains("CP2") && !html.contains("CP1"))
            }
            try await client.execute(
                uri: "/api/v1/stations", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("CP3") && !body.contains("CP2") && !body.contains("CP1"))
            }
            try await client.execute(
                uri: "/api/v1/sites/s2/meters", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) { response in
                #expect(response.status == .notFound, "a site's meters belong to those who see it whole")
            }
            // A grant taken back applies at the next request, to the signed-in browser too.
            #expect(try await store.revoke(organization: "initech", .station(StationKey(site: "s2", station: "CP3"))))
            try await client.execute(uri: "/sites/s2/stations/CP3", method: .get, headers: ina.headers) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func anOrganizationGrantedAGroupSeesItsStationsAsTheyAreAtEachRequest() async throws {
        let (app, store) = try await makeApp()
        _ = try await Self.grantOrganizations(store)
        try await app.test(.router) { client in
            // A group: its stations as they are at each request, and the group itself.
            let hal = try #require(try await Self.signIn(client, user: "hal"))
            for (path, status) in [
                ("/sites/s1/stations/CP1", HTTPResponse.Status.ok), ("/sites/s2/stations/CP2", .notFound), ("/groups/north", .ok),
                ("/sites/s1", .ok), ("/sites/s2", .notFound),
            ] {
                try await client.execute(uri: path, method: .get, headers: hal.headers) { response in
                    #expect(response.status == status, "hal \(path)")
                }
            }
            try await client.execute(uri: "/", method: .get, headers: hal.headers) { response in
                #expect(String(buffer: response.body).contains(#"data-group="north""#))
            }
            try await store.saveGroup(
                id: "north", name: "North bays",
                stations: [StationKey(site: "s1", station: "CP1"), StationKey(site: "s2", station: "CP2")])
            try await client.execute(uri: "/sites/s2/stations/CP2", method: .get, headers: hal.headers) { response in
                #expect(response.status == .ok, "a station added to the group is seen at once")
            }
        }
    }

    @Test func vehiclesOfAnOrganizationAreSeenOnlyByItAndTheFleetsStaff() async throws {
        let (app, store) = try await makeApp()
        for (name, organization, token) in [("Fleet van", nil, "T-FLEET"), ("ACME truck", "acme", "T-ACME")]
            as [(String, String?, String)]
        {
            try await store.addVehicle(
                VehicleRecord(
                    id: name, name: name, plate: nil, fleet: nil, organization: organization, tokens: [token], createdAt: Date()))
        }
        var tokens: [String: String] = [:]
        for user in ["acme", "globex", "admin"] {
            var (record, created) = APITokens.create(name: user, role: .viewer, at: Date())
            record.user = user
            try await store.addAPIToken(record)
            tokens[user] = created
        }
        let seen = tokens
        try await app.test(.router) { client in
            for (user, expected) in [("acme", ["ACME truck"]), ("globex", []), ("admin", ["ACME truck", "Fleet van"])] {
                try await client.execute(
                    uri: "/api/v1/vehicles", method: .get, headers: [.authorization: "Bearer \(seen[user]!)"]
                ) { response in
                    let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                    let names = (body?["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }.sorted()
                    #expect(names == expected, "\(user)")
                }
            }
            // A partner reads; adding needs the configure permission.
            try await client.execute(
                uri: "/api/v1/vehicles", method: .post,
                headers: [.authorization: "Bearer \(seen["acme"]!)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"X","tokens":["T-X"]}"#)
            ) { response in
                #expect(response.status == .forbidden)
            }
        }
    }
}
