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
import SiteModel
import SyncContract
import Testing

@Suite struct CloudAPITests {
    let directory = TemporaryDirectory()

    struct Route {
        let method: HTTPRequest.Method
        let path: String
        let documented: String
        let needs: Permission
        var body: String? = nil
        /// Relayed to an edge: allowed through, it then finds the site offline (nothing is connected here).
        var relayed = false
        /// What an allowed caller gets, when not 200 (or 409 when relayed).
        var allowed: Set<Int>? = nil
        var json = true
    }

    static let routes: [Route] =
        notificationRoutes + onboardingRoutes + connectorTypeRoutes + correctionRoutes + [
            Route(method: .get, path: "/api/v1/sites", documented: "/sites", needs: .read),
            Route(method: .get, path: "/api/v1/sites/s1", documented: "/sites/{site}", needs: .read),
            Route(
                method: .put, path: "/api/v1/sites/s1", documented: "/sites/{site}", needs: .configure,
                body: #"{"address":"1 Grid Street, Berlin","latitude":52.52,"longitude":13.4,"timeZone":"Europe/Berlin"}"#),
            Route(
                method: .post, path: "/api/v1/sites/s1/stations", documented: "/sites/{site}/stations", needs: .configure,
                body: #"{"id":"CP-NEW","maxCurrentA":16,"phases":1,"rotation":"L2"}"#, relayed: true),
            Route(method: .get, path: "/api/v1/sites/s1/meters", documented: "/sites/{site}/meters", needs: .read),
            Route(method: .get, path: "/api/v1/sites/s1/load?hours=24", documented: "/sites/{site}/load", needs: .read),
            Route(method: .get, path: "/api/v1/sites/s1/tokens", documented: "/sites/{site}/tokens", needs: .read),
            Route(
                method: .put, path: "/api/v1/sites/s1/tokens", documented: "/sites/{site}/tokens", needs: .configure,
                body: #"{"tokens":[]}"#),
            Route(
                method: .put, path: "/api/v1/sites/s1/load-management", documented: "/sites/{site}/load-management",
                needs: .configure, body: #"{"strategy":"fifo"}"#, relayed: true),
            Route(method: .get, path: "/api/v1/stations", documented: "/stations", needs: .read),
            Route(
                method: .get, path: "/api/v1/sites/s1/stations/CP1", documented: "/sites/{site}/stations/{station}", needs: .read),
            Route(
                method: .get, path: "/api/v1/sites/s1/stations/CP1/connectors",
                documented: "/sites/{site}/stations/{station}/connectors", needs: .read),
            Route(
                method: .post, path: "/api/v1/sites/s1/stations/CP1/commands/Reset",
                documented: "/sites/{site}/stations/{station}/commands/{action}", needs: .control, body: #"{"type":"Soft"}"#,
                relayed: true),
            Route(
                method: .post, path: "/api/v1/sites/s1/stations/CP1/approval",
                documented: "/sites/{site}/stations/{station}/approval", needs: .configure, body: #"{"approval":"accepted"}"#,
                relayed: true),
            Route(
                method: .post, path: "/api/v1/sites/s1/stations/CP1/move", documented: "/sites/{site}/stations/{station}/move",
                needs: .admin, body: #"{"site":"s1"}"#),
            Route(method: .get, path: "/api/v1/stations/CP1", documented: "/stations/{station}", needs: .read),
            Route(
                method: .get, path: "/api/v1/stations/CP1/connectors", documented: "/stations/{station}/connectors", needs: .read),
            Route(
                method: .post, path: "/api/v1/stations/CP1/commands/Reset", documented: "/stations/{station}/commands/{action}",
                needs: .control, body: #"{"type":"Soft"}"#, relayed: true),
            Route(
                method: .post, path: "/api/v1/stations/CP1/approval", documented: "/stations/{station}/approval",
                needs: .configure, body: #"{"approval":"accepted"}"#, relayed: true),
            Route(method: .get, path: "/api/v1/sessions", documented: "/sessions", needs: .read),
            Route(method: .get, path: "/api/v1/sessions/s1/7", documented: "/sessions/{site}/{transaction}", needs: .read),
            Route(method: .get, path: "/api/v1/events", documented: "/events", needs: .read),
            Route(method: .get, path: "/api/v1/reservations", documented: "/reservations", needs: .read),
            Route(method: .get, path: "/api/v1/groups", documented: "/groups", needs: .read),
            Route(
                method: .put, path: "/api/v1/groups/north", documented: "/groups/{group}", needs: .configure,
                body: #"{"name":"North depot","stations":["CP1"]}"#),
            Route(method: .delete, path: "/api/v1/groups/none", documented: "/groups/{group}", needs: .configure, allowed: [404]),
            Route(method: .get, path: "/api/v1/vehicles", documented: "/vehicles", needs: .read),
            // The first allowed caller adds it; the next are told the token is taken.
            Route(
                method: .post, path: "/api/v1/vehicles", documented: "/vehicles", needs: .configure,
                body: #"{"name":"Van 7","plate":"B-GS 7","tokens":["VAN-7"]}"#, allowed: [201, 409]),
            Route(
                method: .delete, path: "/api/v1/vehicles/none", documented: "/vehicles/{vehicle}", needs: .configure,
                allowed: [404]),
            Route(method: .get, path: "/api/v1/firmware/images", documented: "/firmware/images", needs: .configure),
            Route(
                method: .post, path: "/api/v1/firmware/images", documented: "/firmware/images", needs: .configure,
                body: #"{"name":"FW","version":"2.0","url":"https://firmware.example.com/fw-2.0.bin"}"#, allowed: [201]),
            Route(
                method: .put, path: "/api/v1/firmware/images/img1/signature", documented: "/firmware/images/{image}/signature",
                needs: .configure, body: #"{"signature":null,"signingCertificate":null}"#),
            Route(method: .get, path: "/api/v1/firmware/campaigns", documented: "/firmware/campaigns", needs: .configure),
            Route(
                method: .post, path: "/api/v1/firmware/campaigns", documented: "/firmware/campaigns", needs: .configure,
                body: #"{"name":"Roll-out","image":"img1","stations":["CP1"]}"#, allowed: [201]),
            Route(
                method: .get, path: "/api/v1/firmware/campaigns/c1", documented: "/firmware/campaigns/{campaign}",
                needs: .configure),
            // The first allowed caller stops it; the next are told it is stopped already.
            Route(
                method: .post, path: "/api/v1/firmware/campaigns/c1/stop", documented: "/firmware/campaigns/{campaign}/stop",
                needs: .configure, allowed: [200, 409]),
            Route(method: .get, path: "/api/v1/users", documented: "/users", needs: .admin),
            Route(
                method: .post, path: "/api/v1/users", documented: "/users", needs: .admin,
                body: #"{"id":"vic","role":"viewer","password":"a long password"}"#, allowed: [201]),
            Route(
                method: .put, path: "/api/v1/users/vic", documented: "/users/{user}", needs: .admin,
                body: #"{"name":"Victor","unlock":true}"#),
            Route(method: .delete, path: "/api/v1/users/nobody", documented: "/users/{user}", needs: .admin, allowed: [404]),
            Route(
                method: .post, path: "/api/v1/tariffs/price", documented: "/tariffs/price", needs: .read,
                body: TariffAPITests.simpleRequest),
            Route(method: .get, path: "/api/v1/tariffs", documented: "/tariffs", needs: .read),
            Route(method: .get, path: "/api/v1/statements", documented: "/statements", needs: .read),
            Route(method: .get, path: "/api/v1/cards?format=csv", documented: "/cards", needs: .read),
            Route(
                method: .put, path: "/api/v1/cards/CARD-1", documented: "/cards/{card}", needs: .configure,
                body: #"{"holder":"Dana","tokenGroup":"staff","sites":["s1"]}"#),
            Route(
                method: .post, path: "/api/v1/cards/import", documented: "/cards/import", needs: .configure,
                body: "idTag,holder\r\nCARD-2,Eve\r\n", json: false),
            Route(method: .delete, path: "/api/v1/cards/none", documented: "/cards/{card}", needs: .configure, allowed: [404]),
            Route(
                method: .get, path: "/api/v1/statements/none", documented: "/statements/{statement}", needs: .read,
                allowed: [404]),
            Route(
                method: .get, path: "/api/v1/statements/none/csv", documented: "/statements/{statement}/csv", needs: .read,
                allowed: [404]),
            Route(
                method: .get, path: "/api/v1/reports/energy?groupBy=station&period=day", documented: "/reports/energy",
                needs: .read),
            Route(method: .get, path: "/api/v1/reports/sessions?format=csv", documented: "/reports/sessions", needs: .read),
            Route(method: .get, path: "/api/v1/reports/availability", documented: "/reports/availability", needs: .read),
            Route(
                method: .put, path: "/api/v1/tariffs/day", documented: "/tariffs/{tariff}", needs: .configure,
                body:
                    #"{"name":"Day","tariff":{"currency":"EUR","elements":[{"price_components":[{"type":"ENERGY","price":0.3,"step_size":1}]}]}}"#
            ),
            Route(method: .get, path: "/api/v1/tariffs/day", documented: "/tariffs/{tariff}", needs: .read),
            Route(
                method: .post, path: "/api/v1/tariffs/day/assignments", documented: "/tariffs/{tariff}/assignments",
                needs: .configure, body: #"{"site":"s1"}"#, allowed: [201]),
            Route(
                method: .delete, path: "/api/v1/tariffs/day/assignments/none",
                documented: "/tariffs/{tariff}/assignments/{assignment}", needs: .configure, allowed: [404]),
            // The first allowed caller withdraws it; the next find none.
            Route(
                method: .delete, path: "/api/v1/tariffs/day", documented: "/tariffs/{tariff}", needs: .configure,
                allowed: [204, 404]),
            Route(method: .get, path: "/api/v1/tokens", documented: "/tokens", needs: .admin),
            Route(
                method: .post, path: "/api/v1/tokens", documented: "/tokens", needs: .admin,
                body: #"{"name":"erp","role":"viewer","expiresInDays":7}"#, allowed: [201]),
            Route(method: .delete, path: "/api/v1/tokens/none", documented: "/tokens/{token}", needs: .admin, allowed: [404]),
            Route(method: .get, path: "/api/v1/organizations", documented: "/organizations", needs: .admin),
            Route(
                method: .put, path: "/api/v1/organizations/acme", documented: "/organizations/{organization}", needs: .admin,
                body: #"{"name":"ACME","sites":["s1"]}"#),
            Route(
                method: .delete, path: "/api/v1/organizations/none", documented: "/organizations/{organization}",
                needs: .admin, allowed: [404]),
        ]

    func makeApp() async throws -> (some ApplicationProtocol, [Role: String]) {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s1", name: "Site 1", at: Date())
        let start = SessionStarted(
            station: "CP1", connector: 1, transactionId: 7, idTag: "T", authStatus: "Accepted", meterStartWh: 0, startTime: Date()
        )
        _ = try await store.apply(
            [UpEnvelope(site: "s1", seq: 1, timestamp: Date(), message: .sessionStart(start))], receivedAt: Date())
        try await store.addFirmwareImage(
            FirmwareImage(
                id: "img1", name: "FW", version: "1.0", fileName: "fw.bin", size: 3, sha256: nil, url: nil, createdAt: Date(),
                createdBy: nil), data: Data([1, 2, 3]))
        try await store.addCampaign(
            FirmwareCampaign(
                id: "c1", name: "C", image: "img1", location: "https://x/fw.bin", startAt: Date(), ratePerMinute: 1,
                state: "scheduled", createdAt: Date(), createdBy: nil), targets: [("CP1", "s1")])
        var tokens: [Role: String] = [:]
        for role in Role.allCases {
            let (record, token) = APITokens.create(name: role.rawValue, role: role, at: Date())
            try await store.addAPIToken(record)
            tokens[role] = token
        }
        return (Application(router: Self.api(store).router()), tokens)
    }

    /// The API over `store`, with an MQTT client never started: commands find the broker unavailable, which is all
    /// these tests need.
    static func api(_ store: SQLiteRepository) -> CloudAPI {
        let client = MQTTClient(
            configuration: MQTTConfiguration(broker: MQTTBroker(host: "127.0.0.1", port: 1, tls: false), clientId: "test"),
            logger: Logger(label: "test"))
        return CloudAPI(
            repository: store, relay: CommandRelay(repository: store, client: client), commandTimeout: .seconds(1),
            metrics: APIMetrics(factory: NOOPMetricsHandler.instance), prometheus: { [] }, tokenListChanged: { _ in },
            publicURL: "https://cloud.test")
    }

    @Test func everyRouteAnswersEveryRoleAsItsPermissionSays() async throws {
        let (app, tokens) = try await makeApp()
        try await app.test(.router) { client in
            for route in Self.routes {
                let body = route.body.map { ByteBuffer(string: $0) }
                try await client.execute(uri: route.path, method: route.method, body: body) { response in
                    #expect(response.status == .unauthorized, "\(route.method) \(route.path) without a token")
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                for role in Role.allCases {
                    var headers: HTTPFields = [.authorization: "Bearer \(tokens[role]!)"]
                    if route.body != nil && route.json { headers[.contentType] = "application/json" }
                    try await client.execute(uri: route.path, method: route.method, headers: headers, body: body) { response in
                        if role.permits(route.needs) {
                            let expected: Set<Int> = route.allowed ?? [route.relayed ? 409 : 200]
                            #expect(expected.contains(response.status.code), "\(role) \(route.method) \(route.path)")
                        } else {
                            #expect(response.status == .forbidden, "\(role) \(route.method) \(route.path)")
                        }
                    }
                }
            }
        }
    }

    /// A store with site s1 and its connected station CP1.
    func storeWithStation() async throws -> SQLiteRepository {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s1", name: "Site 1", at: Date())
        _ = try await store.apply(
            [
                UpEnvelope(
                    site: "s1", seq: 1, timestamp: Date(),
                    message: .stationConnection(StationConnection(station: "CP1", connected: true, time: Date())))
            ], receivedAt: Date())
        return store
    }

    /// A token of a user of client organization `organization` with `role`.
    static func organizationToken(
        _ store: SQLiteRepository, user: String, role: Role, organization: String
    ) async throws -> String {
        try await store.addUser(
            UserRecord(
                id: user, name: user, passwordHash: "-", role: role.rawValue, organization: organization, createdAt: Date()))
        var (record, token) = APITokens.create(name: user, role: role, at: Date())
        record.user = user
        try await store.addAPIToken(record)
        return token
    }

    @Test func aClientOrganizationSeesUsesAndStopsOnlyItsOwnFirmware() async throws {
        // Security review, finding 2: an organization's operator listed every image (whose id is the download secret)
        // and every campaign, and could stop another tenant's roll-out.
        let store = try await storeWithStation()
        try await store.addFirmwareImage(
            FirmwareImage(
                id: "staff-image", name: "FW", version: "1.0", fileName: "fw.bin", size: 3, sha256: nil, url: nil,
                createdAt: Date(), createdBy: nil), data: Data([1, 2, 3]))
        try await store.addCampaign(
            FirmwareCampaign(
                id: "staff-campaign", name: "C", image: "staff-image", location: "https://x/fw.bin", startAt: Date(),
                ratePerMinute: 1, state: "scheduled", createdAt: Date(), createdBy: nil), targets: [("CP1", "s1")])
        try await store.addOrganization(id: "initech", name: "Initech", at: Date())
        try await store.grant(organization: "initech", .site("s1"))
        let ina = try await Self.organizationToken(store, user: "ina", role: .admin, organization: "initech")
        let (staffRecord, staff) = APITokens.create(name: "staff", role: .admin, at: Date())
        try await store.addAPIToken(staffRecord)
        let app = Application(router: Self.api(store).router())
        try await app.test(.router) { client in
            func call(
                _ method: HTTPRequest.Method, _ path: String, _ token: String, _ body: String? = nil
            ) async throws
                -> (HTTPResponse.Status, String)
            {
                var headers: HTTPFields = [.authorization: "Bearer \(token)"]
                if body != nil { headers[.contentType] = "application/json" }
                return try await client.execute(
                    uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
                ) { (response: TestResponse) in (response.status, String(buffer: response.body)) }
            }
            #expect(try await call(.get, "/api/v1/firmware/images", ina).1 == #"{"items":[]}"#)
            #expect(try await call(.get, "/api/v1/firmware/campaigns", ina).1 == #"{"items":[]}"#)
            #expect(try await call(.get, "/api/v1/firmware/campaigns/staff-campaign", ina).0 == .notFound)
            #expect(try await call(.post, "/api/v1/firmware/campaigns/staff-campaign/stop", ina).0 == .notFound)
            #expect(try await store.campaign(id: "staff-campaign")?.state == "scheduled", "not stopped")
            let useStaffImage = #"{"name":"Mine","image":"staff-image","sites":["s1"]}"#
            #expect(try await call(.post, "/api/v1/firmware/campaigns", ina, useStaffImage).0 == .notFound)
            let unsign = #"{"signature":null,"signingCertificate":null}"#
            #expect(try await call(.put, "/api/v1/firmware/images/staff-image/signature", ina, unsign).0 == .notFound)
            // Its own image and campaign: seen and stopped by it, and by the fleet's staff.
            let (added, body) = try await call(
                .post, "/api/v1/firmware/images", ina, #"{"name":"Own","version":"2","url":"https://vendor.example/fw"}"#)
            #expect(added == .created)
            let image = try SyncJSON.decoder().decode(FirmwareImage.self, from: Data(body.utf8))
            #expect(image.organization == "initech")
            let (created, campaignBody) = try await call(
                .post, "/api/v1/firmware/campaigns", ina, #"{"name":"Mine","image":"\#(image.id)","sites":["s1"]}"#)
            #expect(created == .created)
            let campaign = try SyncJSON.decoder().decode(FirmwareCampaign.self, from: Data(campaignBody.utf8))
            #expect(try await call(.get, "/api/v1/firmware/images", ina).1.contains(image.id))
            let listed = try await call(.get, "/api/v1/firmware/images", ina).1
            #expect(!listed.contains("staff-image"))
            #expect(try await call(.post, "/api/v1/firmware/campaigns/\(campaign.id)/stop", ina).0 == .ok)
            let everything = try await call(.get, "/api/v1/firmware/campaigns", staff).1
            #expect(everything.contains("staff-campaign") && everything.contains(campaign.id))
        }
    }

    @Test func onlyAnAdminChangesTheStationsOfAGroupGrantedToAnOrganization() async throws {
        // Security review, finding 10: an operator (or, through a station's registration, an organization's user)
        // could put any station into a group granted to an organization, and so show it to that organization.
        let store = try await storeWithStation()
        try await store.saveGroup(id: "acme-bays", name: "ACME bays", stations: [])
        try await store.saveGroup(id: "spare", name: "Spare", stations: [])
        try await store.addOrganization(id: "acme", name: "ACME", at: Date())
        try await store.grant(organization: "acme", .group("acme-bays"))
        try await store.addOrganization(id: "initech", name: "Initech", at: Date())
        try await store.grant(organization: "initech", .site("s1"))
        let app = Application(router: Self.api(store).router())
        var tokens: [String: String] = [:]
        for (name, role) in [("op", Role.operator), ("boss", .admin)] {
            let (record, token) = APITokens.create(name: name, role: role, at: Date())
            try await store.addAPIToken(record)
            tokens[name] = token
        }
        tokens["ina"] = try await Self.organizationToken(store, user: "ina", role: .admin, organization: "initech")
        let (op, boss, ina) = (tokens["op"]!, tokens["boss"]!, tokens["ina"]!)
        try await app.test(.router) { client async throws in
            func put(_ group: String, by token: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/api/v1/groups/\(group)", method: .put,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"name":"G","stations":["s1/CP1"]}"#)
                ) { $0.status }
            }
            func register(group: String, by token: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/api/v1/sites/s1/stations", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"id":"CP-NEW","group":"\#(group)"}"#)
                ) { $0.status }
            }
            #expect(try await put("acme-bays", by: op) == .forbidden)
            #expect(try await put("spare", by: op) == .ok)
            #expect(try await put("acme-bays", by: boss) == .ok)
            #expect(try await register(group: "acme-bays", by: op) == .forbidden)
            #expect(try await register(group: "spare", by: ina) == .forbidden, "groups are the staff's")
            #expect(try await register(group: "nope", by: ina) == .forbidden, "which groups exist is not said")
            #expect(try await store.groups(in: nil).first { $0.id == "acme-bays" }?.stations.map(\.description) == ["s1/CP1"])
        }
    }

    @Test func aTokenExpiresCanBeRevokedAndItsLastUseIsKept() async throws {
        // Security review, finding 14: tokens never expired and could not be listed or revoked.
        let store = try await storeWithStation()
        let app = Application(router: Self.api(store).router())
        let (adminRecord, admin) = APITokens.create(name: "admin", role: .admin, at: Date())
        try await store.addAPIToken(adminRecord)
        let (expiredRecord, expired) = APITokens.create(
            name: "old", role: .viewer, at: Date() - 10, expiresAt: Date() - 1)
        try await store.addAPIToken(expiredRecord)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/sites", method: .get, headers: [.authorization: "Bearer \(expired)"]
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("expired"))
            }
            let created = try await client.execute(
                uri: "/api/v1/tokens", method: .post,
                headers: [.authorization: "Bearer \(admin)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"erp","role":"viewer"}"#)
            ) { response in
                #expect(response.status == .created)
                return String(buffer: response.body)
            }
            let object = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any] ?? [:]
            guard let token = object["token"] as? String, let id = object["id"] as? String,
                let expires = object["expiresAt"] as? String, let expiry = SyncJSON.parse(expires)
            else {
                Issue.record("no token, id or expiry in \(created)")
                return
            }
            #expect(abs(expiry.timeIntervalSinceNow - 365 * 86_400) < 60, "a year by default")
            try await client.execute(uri: "/api/v1/sites", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                #expect($0.status == .ok)
            }
            #expect(try await store.apiToken(id: id)?.lastUsedAt != nil)
            try await client.execute(
                uri: "/api/v1/tokens", method: .get, headers: [.authorization: "Bearer \(admin)"]
            ) { response in
                let listed = String(buffer: response.body)
                #expect(listed.contains(id) && !listed.contains(token), "listed, never with its secret")
            }
            try await client.execute(
                uri: "/api/v1/tokens/\(id)", method: .delete, headers: [.authorization: "Bearer \(admin)"]
            ) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/api/v1/sites", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                #expect($0.status == .unauthorized, "revoked")
            }
        }
    }

    @Test func metricsAreForTheFleetsAdministratorsAndEveryAnswerAsksForHTTPS() async throws {
        // Security review, findings 27 (fleet-wide volumes were readable with .read) and 24 (no HSTS).
        let (app, tokens) = try await makeApp()
        try await app.test(.router) { client in
            for role in Role.allCases {
                try await client.execute(
                    uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(tokens[role]!)"]
                ) { response in
                    #expect(response.status == (role == .admin ? .ok : .forbidden), "\(role)")
                    #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000")
                }
            }
            try await client.execute(uri: "/api/v1/sites", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000")
            }
        }
    }

    @Test func aTokenListTooLargeForTheBrokerIsRefusedNamingItsSize() async throws {
        // Security review, finding 38: the broker drops a retained message over its size limit without an error, and
        // the edge silently kept its old list.
        let (app, tokens) = try await makeApp()
        let many = (0..<8000).map { #"{"idTag":"TAG-\#($0)","status":"Accepted"}"# }.joined(separator: ",")
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/sites/s1/tokens", method: .put,
                headers: [.authorization: "Bearer \(tokens[.admin]!)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"tokens":[\#(many)]}"#)
            ) { response in
                #expect(response.status.code == 413)
                #expect(String(buffer: response.body).contains("at most 261120 bytes"))
            }
        }
    }

    @Test func anInternalErrorIsAnsweredWithAReferenceNotItsText() async throws {
        // Security review, finding 26: a 500 carried the error's text (SQLite messages, file paths).
        let path = directory.file("closed.sqlite")
        let store = try SQLiteRepository(path: path)
        let (record, token) = APITokens.create(name: "admin", role: .admin, at: Date())
        try await store.addAPIToken(record)
        let api = Self.api(store)
        try store.close()
        try await Application(router: api.router()).test(.router) { client in
            try await client.execute(uri: "/api/v1/sites", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                response in
                let body = String(buffer: response.body)
                #expect(response.status == .internalServerError)
                #expect(body.contains("internal error; reference "), "\(body)")
                #expect(!body.lowercased().contains("sqlite") && !body.contains(path) && !body.contains("closed"), "\(body)")
            }
        }
    }

    @Test func theOpenAPIDocumentDescribesExactlyTheseRoutes() async throws {
        let (app, _) = try await makeApp()
        // The router's own table (Hummingbird writes its captures as `{name}`, as the document does): routes are listed
        // once, in the code, and the document must name exactly those.
        let served = Set(
            Self.api(try SQLiteRepository(path: directory.file("routes.sqlite"))).router().routes
                .map { "\($0.method.rawValue) \($0.path)" }
                .filter { $0.contains(" /api/v1/") && !$0.hasSuffix("/openapi.json") }
                .map { $0.replacingOccurrences(of: " /api/v1/", with: " /") })
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                let document = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect(document?["openapi"] as? String == "3.1.0")
                let paths = document?["paths"] as? [String: [String: Any]] ?? [:]
                var documented: Set<String> = []
                for (path, operations) in paths {
                    for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
                }
                #expect(
                    documented == served,
                    "documented, not served: \(documented.subtracting(served)); served, not documented: \(served.subtracting(documented))"
                )
                // Every documented route is exercised by this suite's table (roles, bodies, answers).
                #expect(Set(Self.routes.map { "\($0.method.rawValue) \($0.documented)" }) == documented)
            }
        }
    }
}
