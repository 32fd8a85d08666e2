import CloudBilling
public import CloudCore
import CloudStore
import Foundation
import HTTPTypes
public import Hummingbird
import Pricing

/// A roaming driver's charging session as OCPI 2.2.1's sessions module sends it.
struct OCPISession: Codable, Sendable {
    var countryCode, partyId, id: String
    var startDateTime: Date
    var endDateTime: Date?
    var kwh: Double
    var cdrToken: CDRToken
    var authMethod: String
    var authorizationReference: String?
    var locationId, evseUid, connectorId: String
    var currency: String
    var chargingPeriods: [ChargingPeriod]?
    var totalCost: Price?
    var status: String
    var lastUpdated: Date

    struct CDRToken: Codable, Sendable {
        var countryCode, partyId, uid, type, contractId: String

        enum CodingKeys: String, CodingKey {
            case uid, type
            case countryCode = "country_code"
            case partyId = "party_id"
            case contractId = "contract_id"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, kwh, currency, status
        case countryCode = "country_code"
        case partyId = "party_id"
        case startDateTime = "start_date_time"
        case endDateTime = "end_date_time"
        case cdrToken = "cdr_token"
        case authMethod = "auth_method"
        case authorizationReference = "authorization_reference"
        case locationId = "location_id"
        case evseUid = "evse_uid"
        case connectorId = "connector_id"
        case chargingPeriods = "charging_periods"
        case totalCost = "total_cost"
        case lastUpdated = "last_updated"
    }
}

extension OCPIServer {
    /// The sessions module as its sender (`GET /ocpi/2.2.1/sessions`): the sessions of the partner's drivers (its
    /// tokens) at the sites published to it, running and finished, with their energy and their cost from the pricing
    /// engine (so far, or as billed), paged like the locations.
    func addSessionRoutes(to router: Router<APIRequestContext>) {
        router.get("/ocpi/\(Self.version)/sessions") { request, _ in
            await answer(
                request,
                paged: { caller in
                    try page(try await sessions(for: caller), request, module: "sessions", updated: \.lastUpdated, id: \.id)
                })
        }
    }

    /// `<site>-<transaction>`, or its SHA-256's first 36 hex digits when that is longer than OCPI's 36 characters.
    static func sessionId(_ session: SessionView) -> String {
        let id = "\(session.site)-\(session.transactionId)"
        return id.count <= 36 ? id : String(OCPITokens.hash(id).prefix(36))
    }

    /// The running session `id` names, when it is one of the partner's drivers'.
    func runningSession(_ id: String, of caller: Caller) async throws -> SessionView? {
        try caller.requireRegistered()
        let tokens = try await objects.tokens(of: caller.partner)
        for (session, _) in try await repository.ocpiOpenSessions(pricedSince: Date()) where session.active {
            if Self.sessionId(session) == id,
                try await objects.token(of: session, partner: caller.partner, tokens: tokens) != nil
            {
                return session
            }
        }
        return nil
    }

    private func sessions(for caller: Caller) async throws -> [OCPISession] {
        try caller.requireRegistered()
        let tokens = try await objects.tokens(of: caller.partner)
        var sessions: [OCPISession] = []
        for uid in tokens.keys.sorted() {
            for site in caller.partner.sites {
                let found = try await repository.sessions(SessionFilter(site: site, idTag: uid, limit: 1000)).items
                for session in found {
                    guard let token = try await objects.token(of: session, partner: caller.partner, tokens: tokens),
                        let object = await objects.session(session, token: token)
                    else { continue }
                    sessions.append(object)
                }
            }
        }
        return sessions
    }
}
