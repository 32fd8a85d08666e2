public import CloudCore
import CloudStore
import Foundation
public import Hummingbird

/// OCPI's ChargingProfileResponse and ChargingPreferencesResponse, as this CPO answers them.
struct OCPIProfileAnswer: Codable, Sendable {
    var result: String
    var timeout: Int
}

extension OCPIServer {
    /// The chargingprofiles module as its receiver (`/ocpi/2.2.1/chargingprofiles/{session_id}`: PUT to set, GET the
    /// active profile, DELETE to clear), and the sessions module's `PUT …/sessions/{session_id}/charging_preferences`.
    ///
    /// A partner's profile is not relayed to the charger: the edge's load manager sets every charger's current under
    /// the site's fuse, and a profile sent past it could raise what the load manager lowered. Honouring it needs a
    /// per-session limit in the load manager (not built), so each is answered NOT_SUPPORTED (preferences:
    /// NOT_POSSIBLE) for the partner's own running sessions, and UNKNOWN_SESSION (preferences: 404, 2001) otherwise.
    func addSmartChargingRoutes(to router: Router<APIRequestContext>) {
        let profiles = "/ocpi/\(Self.version)/chargingprofiles/:session"
        for method in [HTTPRequest.Method.put, .get, .delete] {
            router.on(RouterPath(profiles), method: method) { request, context in
                await answer(request) { caller -> OCPIProfileAnswer? in
                    let known = try await runningSession(context.parameters.get("session") ?? "", of: caller) != nil
                    return OCPIProfileAnswer(result: known ? "NOT_SUPPORTED" : "UNKNOWN_SESSION", timeout: 0)
                }
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
}
