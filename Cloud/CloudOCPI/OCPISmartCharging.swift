public import CloudCore
import CloudStore
import Foundation
public import Hummingbird
import Logging
import SyncContract

/// OCPI's ChargingProfileResponse (and ChargingPreferencesResponse's result), answered at once.
struct OCPIProfileAnswer: Codable, Sendable {
    var result: String
    var timeout: Int
}

/// OCPI's ChargingProfile: a schedule in W or A.
struct OCPIChargingProfile: Codable, Sendable {
    struct Period: Codable, Sendable {
        var startPeriod: Int
        var limit: Double

        enum CodingKeys: String, CodingKey {
            case startPeriod = "start_period"
            case limit
        }
    }

    var startDateTime: Date?
    var duration: Int?
    var chargingRateUnit: String
    var minChargingRate: Double?
    var chargingProfilePeriod: [Period]?

    enum CodingKeys: String, CodingKey {
        case startDateTime = "start_date_time"
        case duration
        case chargingRateUnit = "charging_rate_unit"
        case minChargingRate = "min_charging_rate"
        case chargingProfilePeriod = "charging_profile_period"
    }
}

/// OCPI's ChargingProfileResult, ClearProfileResult and ActiveChargingProfileResult, POSTed to `response_url`.
struct OCPIProfileResult: Codable, Sendable {
    struct Active: Codable, Sendable {
        var startDateTime: Date
        var chargingProfile: OCPIChargingProfile

        enum CodingKeys: String, CodingKey {
            case startDateTime = "start_date_time"
            case chargingProfile = "charging_profile"
        }
    }

    var result: String
    var profile: Active?
}

extension OCPIServer {
    /// The chargingprofiles module as its receiver (`/ocpi/2.2.1/chargingprofiles/{session_id}`: PUT to set, GET the
    /// active profile, DELETE to clear), and the sessions module's `PUT …/sessions/{session_id}/charging_preferences`.
    ///
    /// A partner's profile is honoured through the edge's load manager, never past it: it becomes the session's
    /// requested limit (``SessionLimit``), and the car gets the lower of that and its share of what the site's fuse
    /// leaves. So it can only lower what the car gets. The answer comes at once (ACCEPTED with how long the result may
    /// take, UNKNOWN_SESSION for a session that is not the partner's or not running, NOT_SUPPORTED where nothing is
    /// relayed); the result (ACCEPTED, REJECTED when the edge cannot honour it, UNKNOWN when it did not answer) is
    /// POSTed to `response_url`. GET answers the limit the charger has now. Charging preferences are NOT_POSSIBLE.
    func addSmartChargingRoutes(to router: Router<APIRequestContext>) {
        let profiles = RouterPath("/ocpi/\(Self.version)/chargingprofiles/:session")
        router.put(profiles) { request, context in
            await answer(request) { caller -> OCPIProfileAnswer? in
                let object = try await Self.jsonObject(request)
                let responseURL = try Self.responseURL(object["response_url"] as? String, of: caller)
                let profile: OCPIChargingProfile
                do {
                    let data = try JSONSerialization.data(withJSONObject: object["charging_profile"] ?? NSNull())
                    profile = try OCPIJSON.decoder().decode(OCPIChargingProfile.self, from: data)
                } catch {
                    throw OCPIError(http: 200, code: OCPIStatus.invalidParameters, "charging_profile: \(error)")
                }
                return try await relayProfile(context, caller, responseURL: responseURL, set: profile)
            }
        }
        router.get(profiles) { request, context in
            await answer(request) { caller -> OCPIProfileAnswer? in
                let responseURL = try Self.responseURL(request.uri.queryParameters.get("response_url"), of: caller)
                guard let duration = request.uri.queryParameters.get("duration").flatMap(Int.init), duration > 0 else {
                    throw OCPIError(http: 200, code: OCPIStatus.invalidParameters, "duration: required, seconds, more than 0")
                }
                return try await relayProfile(context, caller, responseURL: responseURL, read: duration)
            }
        }
        router.delete(profiles) { request, context in
            await answer(request) { caller -> OCPIProfileAnswer? in
                let responseURL = try Self.responseURL(request.uri.queryParameters.get("response_url"), of: caller)
                return try await relayProfile(context, caller, responseURL: responseURL)
            }
        }
        router.put("/ocpi/\(Self.version)/sessions/:session/charging_preferences") { request, context in
            await answer(request) { caller -> String? in
                guard try await runningSession(context.parameters.get("session") ?? "", of: caller) != nil else {
                    throw OCPIError(http: 404, code: OCPIStatus.invalidParameters, "no running session of yours by that id")
                }
                return "NOT_POSSIBLE"
            }
        }
    }

    /// `response_url`, when it is on a host of the partner's own.
    static func responseURL(_ url: String?, of caller: Caller) throws -> String {
        guard let url, isPartners(url, caller.partner) else {
            throw OCPIError(
                http: 200, code: OCPIStatus.invalidParameters,
                "response_url: required, a URL on a host of your registered endpoints")
        }
        return url
    }

    /// Sets (`set`), reads (`read`, for that many seconds) or else clears the session's limit at its edge, and POSTs
    /// the result to `responseURL`.
    private func relayProfile(
        _ context: APIRequestContext, _ caller: Caller, responseURL: String, set profile: OCPIChargingProfile? = nil,
        read duration: Int? = nil
    ) async throws -> OCPIProfileAnswer {
        guard let session = try await runningSession(context.parameters.get("session") ?? "", of: caller) else {
            return OCPIProfileAnswer(result: "UNKNOWN_SESSION", timeout: 0)
        }
        guard let relay else { return OCPIProfileAnswer(result: "NOT_SUPPORTED", timeout: 0) }
        var limit = SessionLimit(connectorId: session.connector, transactionId: session.transactionId)
        limit.issuedAt = Date()
        if let profile {
            limit.unit = profile.chargingRateUnit
            limit.startsAt = profile.startDateTime
            limit.durationSeconds = profile.duration
            limit.periods = profile.chargingProfilePeriod?.map { .init(startSeconds: $0.startPeriod, limit: $0.limit) }
            // OCPI allows an empty list; the load manager needs a limit to honour, so a profile has at least one.
            guard limit.periods?.isEmpty == false else {
                throw OCPIError(
                    http: 200, code: OCPIStatus.invalidParameters, "charging_profile_period: at least one period")
            }
            let problems = limit.problems
            guard problems.isEmpty else {
                throw OCPIError(
                    http: 200, code: OCPIStatus.invalidParameters, "charging_profile: \(problems.joined(separator: "; "))")
            }
        }
        let action = duration == nil ? SessionLimit.setAction : SessionLimit.getAction
        let payload = String(decoding: (try? SyncJSON.encoder().encode(limit)) ?? Data(), as: UTF8.self)
        let partner = caller.partner
        Task {
            let reply = await relay(session.site, session.station, action, payload, Self.user(partner))
            let result = Self.profileResult(of: reply, read: duration)
            logger.notice(
                "OCPI charging profile relayed",
                metadata: [
                    "partner": "\(partner.id)", "station": "\(session.station)", "action": "\(action)",
                    "result": "\(result.result)", "error": "\(reply.error ?? "-")",
                ])
            guard let token = try? await repository.ocpiOutgoingToken(partner: partner.id) else { return }
            let (_, message) = await client.push(
                "POST", responseURL, token: token, partner: partner, body: try? OCPIJSON.encoder().encode(result))
            try? await repository.logOCPI(partner: partner.id, message)
        }
        return OCPIProfileAnswer(result: "ACCEPTED", timeout: Int(commandTimeout.components.seconds) + 5)
    }

    /// The result the partner is sent for the edge's answer: ACCEPTED (with the active profile when read), REJECTED
    /// when the edge refused, UNKNOWN when it did not answer.
    static func profileResult(of reply: CommandResultRecord, read duration: Int?) -> OCPIProfileResult {
        switch reply.outcome {
        case .accepted:
            guard let duration else { return OCPIProfileResult(result: "ACCEPTED") }
            let state = reply.response.flatMap { try? SyncJSON.decoder().decode(SessionLimitState.self, from: Data($0.utf8)) }
            // What the charger was last given, or the load manager's newer allocation when lower (it is on its way:
            // decreases are sent at once), per phase; unknown before the load manager's first decision for it.
            guard let state, let given = [state.sentA, state.allocatedA].compactMap({ $0 }).min() else {
                return OCPIProfileResult(result: "UNKNOWN")
            }
            let limit = (given * 10).rounded(.down) / 10
            return OCPIProfileResult(
                result: "ACCEPTED",
                profile: .init(
                    startDateTime: Date(),
                    chargingProfile: OCPIChargingProfile(
                        startDateTime: Date(), duration: duration, chargingRateUnit: "A",
                        chargingProfilePeriod: [.init(startPeriod: 0, limit: limit)])))
        case .rejected, .invalid: return OCPIProfileResult(result: "REJECTED")
        default: return OCPIProfileResult(result: "UNKNOWN")
        }
    }

    /// A request's body as a JSON object; 400 with 2001 when it is not one.
    static func jsonObject(_ request: Request, upTo limit: Int = 1 << 16) async throws -> [String: Any] {
        var request = request
        let body = try await request.collectBody(upTo: limit)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw OCPIError(http: 400, code: OCPIStatus.invalidParameters, "the body is not a JSON object")
        }
        return object
    }
}
