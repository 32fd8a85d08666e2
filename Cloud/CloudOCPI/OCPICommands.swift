public import CloudCore
public import CloudStore
import Foundation
public import Hummingbird
import Logging
import SyncContract

/// Relays an OCPP action to a station through its edge and waits for its answer: the result as kept, its outcome
/// `.timeout` when the station never answered in time, `.notConnected` when the site or the broker could not be reached.
public typealias OCPIRelay =
    @Sendable (_ site: String, _ station: String, _ action: String, _ payload: String, _ user: String) async ->
    CommandResultRecord

/// OCPI's CommandResponse, answered at once: its `timeout` (seconds the result may take) is required, 0 for a refusal.
struct OCPICommandAnswer: Codable, Sendable, Error {
    var result: String
    var timeout: Int
    var message: [OCPIText]?

    init(_ result: String, timeout: Int = 0, _ why: String? = nil) {
        self.result = result
        self.timeout = timeout
        message = why.map { [OCPIText(text: $0)] }
    }
}

/// OCPI's CommandResult, POSTed to the partner's `response_url` once the charger answered (or did not).
struct OCPICommandResult: Codable, Sendable {
    var result: String
    var message: [OCPIText]?
}

/// OCPI's DisplayText.
struct OCPIText: Codable, Sendable {
    var language = "en"
    var text: String
}

/// What a command comes to on the charger: an OCPP action for one station of a site.
struct OCPIRelayed: Sendable {
    var command: String
    var site, station: String
    var action: String
    var payload: [String: any Sendable]
    /// START_SESSION's driver and connector: a session they start after a TIMEOUT is stopped.
    var idTag: String?
    var connector: Int?
    /// The eMSP's `authorization_reference`, repeated in the session and CDR.
    var reference: String?
}

extension OCPIServer {
    /// The commands module as its receiver (`POST /ocpi/2.2.1/commands/{command}`): START_SESSION, STOP_SESSION,
    /// RESERVE_NOW, CANCEL_RESERVATION and UNLOCK_CONNECTOR at the partner's Locations, relayed to the edge and the
    /// charger. The CommandResponse comes at once (REJECTED, UNKNOWN_SESSION or NOT_SUPPORTED naming why, or ACCEPTED
    /// with how long the result may take); the CommandResult is POSTed to `response_url` once the charger answered,
    /// TIMEOUT when it did not (a session it starts for that driver after all is stopped).
    func addCommandRoutes(to router: Router<APIRequestContext>) {
        router.post("/ocpi/\(Self.version)/commands/:command") { request, context in
            await answer(request) { caller -> OCPICommandAnswer? in
                try caller.requireRegistered()
                let object = try await Self.jsonObject(request)
                let responseURL = try Self.responseURL(object["response_url"] as? String, of: caller)
                guard let relay else { return OCPICommandAnswer("NOT_SUPPORTED", "commands are not relayed here") }
                let command = context.parameters.get("command") ?? ""
                switch try await relayed(command, object, caller) {
                case .failure(let refusal):
                    return refusal
                case .success(let relayed):
                    let partner = caller.partner
                    Task { await carry(relayed, relay: relay, responseURL: responseURL, partner: partner) }
                    return OCPICommandAnswer("ACCEPTED", timeout: Int(commandTimeout.components.seconds) + 5)
                }
            }
        }
    }

    /// The OCPP action a command comes to, or the CommandResponse refusing it.
    private func relayed(
        _ command: String, _ object: [String: Any], _ caller: Caller
    ) async throws -> Result<OCPIRelayed, OCPICommandAnswer> {
        func refuse(_ why: String, _ result: String = "REJECTED") -> Result<OCPIRelayed, OCPICommandAnswer> {
            .failure(OCPICommandAnswer(result, why))
        }
        switch command {
        case "START_SESSION", "RESERVE_NOW":
            return try await driverCommand(command, object, caller)
        case "STOP_SESSION":
            guard let id = object["session_id"] as? String else { return refuse("session_id: required") }
            guard let session = try await runningSession(id, of: caller) else {
                return refuse("no running session '\(id)' of yours", "UNKNOWN_SESSION")
            }
            return .success(
                OCPIRelayed(
                    command: command, site: session.site, station: session.station, action: "RemoteStopTransaction",
                    payload: ["transactionId": session.transactionId]))
        case "CANCEL_RESERVATION":
            guard let id = object["reservation_id"] as? String else { return refuse("reservation_id: required") }
            let number = Self.reservationNumber(id, partner: caller.partner.id)
            let made = try await repository.commands(actions: ["ReserveNow"], since: Date().addingTimeInterval(-86_400))
            // Its own reservations only: made for it (the command's user), accepted, that number.
            guard
                let reserved = made.last(where: {
                    $0.outcome == .accepted && $0.user == Self.user(caller.partner)
                        && ((try? JSONSerialization.jsonObject(with: Data($0.payload.utf8))) as? [String: Any])?[
                            "reservationId"] as? Int == number
                })
            else { return refuse("no reservation '\(id)' of yours") }
            return .success(
                OCPIRelayed(
                    command: command, site: reserved.site, station: reserved.station, action: "CancelReservation",
                    payload: ["reservationId": number]))
        case "UNLOCK_CONNECTOR":
            guard let (site, station, connector) = try await evse(object, caller) else {
                return refuse("location_id and evse_uid: an EVSE of a Location published to you")
            }
            return .success(
                OCPIRelayed(
                    command: command, site: site, station: station, action: "UnlockConnector",
                    payload: ["connectorId": connector]))
        default:
            return refuse("no command '\(command)'", "NOT_SUPPORTED")
        }
    }

    /// START_SESSION and RESERVE_NOW: a driver of the partner's at an EVSE of its Locations.
    private func driverCommand(
        _ command: String, _ object: [String: Any], _ caller: Caller
    ) async throws -> Result<OCPIRelayed, OCPICommandAnswer> {
        func refuse(_ why: String) -> Result<OCPIRelayed, OCPICommandAnswer> { .failure(OCPICommandAnswer("REJECTED", why)) }
        guard let token = object["token"] as? [String: Any], let uid = token["uid"] as? String,
            let country = token["country_code"] as? String, let party = token["party_id"] as? String
        else { return refuse("token: required, with uid, country_code and party_id") }
        guard caller.speaks(for: country, party) else { return refuse("the token is not of your parties") }
        guard uid.count <= 20 else { return refuse("token uid: at most 20 characters (OCPP 1.6's idTag)") }
        guard let (site, station, connector) = try await evse(object, caller) else {
            return refuse("location_id and evse_uid: an EVSE of a Location published to you")
        }
        // Another partner's driver is not this one's to start or reserve for.
        if try await repository.ocpiTokens(uid: uid).contains(where: { $0.partner != caller.partner.id }) {
            return refuse("the token uid is held by another partner")
        }
        // A driver the eMSP vouches for: kept (if new) so that the edge takes it.
        let type = token["type"] as? String ?? "RFID"
        if try await repository.ocpiToken(countryCode: country, partyId: party, uid: uid, type: type) == nil {
            try await save(token, key: Key(country: country, party: party, uid: uid, type: type), for: caller)
        }
        if command == "START_SESSION" {
            return .success(
                OCPIRelayed(
                    command: command, site: site, station: station, action: "RemoteStartTransaction",
                    payload: ["connectorId": connector, "idTag": uid], idTag: uid, connector: connector,
                    reference: object["authorization_reference"] as? String))
        }
        guard let reservation = object["reservation_id"] as? String, let expiry = object["expiry_date"] as? String,
            OCPIJSON.date(expiry) != nil
        else { return refuse("reservation_id and expiry_date: required") }
        return .success(
            OCPIRelayed(
                command: command, site: site, station: station, action: "ReserveNow",
                payload: [
                    "connectorId": connector, "expiryDate": expiry, "idTag": uid,
                    "reservationId": Self.reservationNumber(reservation, partner: caller.partner.id),
                ]))
    }

    /// The site, station and connector of the command's `location_id` and `evse_uid`, when the Location is published
    /// to the partner and the station is one of its site's.
    private func evse(_ object: [String: Any], _ caller: Caller) async throws -> (String, String, Int)? {
        guard let site = object["location_id"] as? String, caller.partner.sites.contains(site),
            let uid = object["evse_uid"] as? String, let star = uid.lastIndex(of: "*"),
            let connector = Int(uid[uid.index(after: star)...]), connector > 0
        else { return nil }
        let station = String(uid[..<star])
        guard try await repository.stations(site: site, in: nil).contains(where: { $0.id == station }) else { return nil }
        return (site, station, connector)
    }

    /// OCPP's reservation ids are numbers, and one station's: a partner's OCPI id becomes a number of 28 bits from
    /// the SHA-256 of the partner and the id, so that two partners' "1" are not the same reservation.
    static func reservationNumber(_ id: String, partner: String) -> Int {
        Int(OCPITokens.hash("\(partner)/\(id)").prefix(7), radix: 16) ?? 0
    }

    /// Who the commands relayed for a partner are kept as sent by.
    static func user(_ partner: OCPIPartnerRecord) -> String { "ocpi:\(partner.id)" }

    /// Whether `url` is on a host of the partner's own (its versions URL or an endpoint): a partner cannot make this
    /// cloud post elsewhere.
    static func isPartners(_ url: String, _ partner: OCPIPartnerRecord) -> Bool {
        guard let wanted = OCPIClient.origin(url) else { return false }
        return ([partner.versionsURL].compactMap { $0 } + partner.endpoints.map(\.url)).compactMap(OCPIClient.origin)
            .contains(wanted)
    }

    /// Relays the command, POSTs its CommandResult to the partner, and after a START_SESSION that timed out stops a
    /// session the charger starts for that driver within two minutes.
    private func carry(_ relayed: OCPIRelayed, relay: OCPIRelay, responseURL: String, partner: OCPIPartnerRecord) async {
        let payload = (try? JSONSerialization.data(withJSONObject: relayed.payload, options: [.sortedKeys])) ?? Data()
        let sent = Date()
        let reply = await relay(
            relayed.site, relayed.station, relayed.action, String(decoding: payload, as: UTF8.self), Self.user(partner))
        let result = Self.result(of: reply, command: relayed.command)
        // Noted before anything else, so the session the charger starts says it came from the command.
        if result == "ACCEPTED", let idTag = relayed.idTag {
            try? await repository.noteOCPIAuthorization(
                site: relayed.site, idTag: idTag, method: "COMMAND", reference: relayed.reference, at: sent)
        }
        logger.notice(
            "OCPI command relayed",
            metadata: [
                "partner": "\(partner.id)", "command": "\(relayed.command)", "station": "\(relayed.station)",
                "result": "\(result)",
            ])
        if let token = try? await repository.ocpiOutgoingToken(partner: partner.id) {
            let body = try? OCPIJSON.encoder().encode(
                OCPICommandResult(result: result, message: reply.error.map { [OCPIText(text: String($0.prefix(200)))] }))
            let (_, message) = await client.push("POST", responseURL, token: token, partner: partner, body: body)
            try? await repository.logOCPI(partner: partner.id, message)
        }
        guard result == "TIMEOUT", let idTag = relayed.idTag else { return }
        await stopLateStart(relayed, idTag: idTag, after: sent, relay: relay, partner: partner)
    }

    /// A charger that never answered a remote start may still start it: the partner was told TIMEOUT, so such a
    /// session (that driver, that station, begun after the command) is stopped.
    private func stopLateStart(
        _ relayed: OCPIRelayed, idTag: String, after sent: Date, relay: OCPIRelay, partner: OCPIPartnerRecord
    ) async {
        for _ in 0..<24 {
            try? await Task.sleep(for: .seconds(5))
            let running =
                (try? await repository.sessions(
                    SessionFilter(site: relayed.site, station: relayed.station, idTag: idTag, active: true, limit: 10)
                ).items) ?? []
            guard let late = running.first(where: { ($0.startTime ?? .distantPast) >= sent.addingTimeInterval(-5) }) else {
                continue
            }
            logger.warning(
                "a charger started a session after its remote start timed out; stopping it",
                metadata: ["partner": "\(partner.id)", "station": "\(relayed.station)", "transaction": "\(late.transactionId)"])
            _ = await relay(
                relayed.site, relayed.station, "RemoteStopTransaction", "{\"transactionId\":\(late.transactionId)}",
                Self.user(partner))
            return
        }
    }

    /// The CommandResult of the charger's answer.
    static func result(of reply: CommandResultRecord, command: String) -> String {
        switch reply.outcome {
        case .timeout, .expired: return "TIMEOUT"
        case .rejected: return "REJECTED"
        case .accepted:
            let answer = reply.response.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            switch (command, answer?["status"] as? String) {
            case (_, "Accepted"), ("UNLOCK_CONNECTOR", "Unlocked"): return "ACCEPTED"
            case ("RESERVE_NOW", "Occupied"): return "EVSE_OCCUPIED"
            case ("RESERVE_NOW", "Faulted"), ("RESERVE_NOW", "Unavailable"): return "EVSE_INOPERATIVE"
            case ("UNLOCK_CONNECTOR", "NotSupported"): return "NOT_SUPPORTED"
            case ("CANCEL_RESERVATION", "Rejected"): return "UNKNOWN_RESERVATION"
            case ("UNLOCK_CONNECTOR", _): return "FAILED"
            default: return "REJECTED"
            }
        default: return "FAILED"
        }
    }
}
