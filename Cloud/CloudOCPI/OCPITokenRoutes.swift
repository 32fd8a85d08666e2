public import CloudCore
import CloudStore
import Foundation
public import Hummingbird

/// A driver's token as an eMSP sends it (OCPI 2.2.1's Token object; what authorization reads, the rest kept as sent).
struct OCPIToken: Codable, Sendable {
    var countryCode, partyId, uid, type, contractId, issuer, whitelist: String
    var valid: Bool
    var groupId: String?
    var lastUpdated: Date

    enum CodingKeys: String, CodingKey {
        case uid, type, issuer, valid, whitelist
        case countryCode = "country_code"
        case partyId = "party_id"
        case contractId = "contract_id"
        case groupId = "group_id"
        case lastUpdated = "last_updated"
    }

    static let types: Set = ["AD_HOC_USER", "APP_USER", "OTHER", "RFID"]
    static let whitelists: Set = ["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"]

    /// What is wrong with it, naming the field; nil when nothing.
    var problem: String? {
        if countryCode.count != 2 { return "country_code: two letters" }
        if partyId.count != 3 { return "party_id: three characters" }
        if uid.isEmpty || uid.count > 36 { return "uid: 1 to 36 characters" }
        if !Self.types.contains(type) { return "type: one of \(Self.types.sorted().joined(separator: ", "))" }
        if contractId.isEmpty || contractId.count > 36 { return "contract_id: 1 to 36 characters" }
        if issuer.isEmpty || issuer.count > 64 { return "issuer: 1 to 64 characters" }
        if !Self.whitelists.contains(whitelist) { return "whitelist: one of \(Self.whitelists.sorted().joined(separator: ", "))" }
        return nil
    }
}

extension OCPIServer {
    /// The tokens module as its receiver (`/ocpi/2.2.1/tokens/{country_code}/{party_id}/{token_uid}[?type=]`): an
    /// eMSP puts, patches and reads its own drivers' tokens (those of its own roles' country code and party id); a
    /// change reaches the token lists of the sites published to it, so the edges take its valid, whitelisted tokens
    /// even offline.
    func addTokenRoutes(to router: Router<APIRequestContext>) {
        let path = "/ocpi/\(Self.version)/tokens/:country/:party/:uid"
        router.get(RouterPath(path)) { request, context in
            await answer(request) { caller -> OCPIToken? in
                let stored = try await token(request, context, for: caller)
                return try OCPIJSON.decoder().decode(OCPIToken.self, from: Data(stored.body.utf8))
            }
        }
        router.put(RouterPath(path)) { request, context in
            await answer(request) { caller -> String? in
                let (key, body) = try await read(request, context, for: caller)
                try await save(body, key: key, for: caller)
                return nil
            }
        }
        router.patch(RouterPath(path)) { request, context in
            await answer(request) { caller -> String? in
                let stored = try await token(request, context, for: caller)
                let (key, changes) = try await read(request, context, for: caller)
                guard changes["last_updated"] != nil else {
                    throw OCPIError(http: 200, code: OCPIStatus.invalidParameters, "last_updated: required in a PATCH")
                }
                var merged = (try? JSONSerialization.jsonObject(with: Data(stored.body.utf8)) as? [String: Any]) ?? [:]
                merged.merge(changes) { _, new in new }
                try await save(merged, key: key, for: caller)
                return nil
            }
        }
    }

    /// The token the path names, from the path and `?type=` (RFID when absent).
    struct Key: Equatable {
        let country, party, uid, type: String
    }

    private func key(_ request: Request, _ context: APIRequestContext) -> Key {
        Key(
            country: context.parameters.get("country") ?? "", party: context.parameters.get("party") ?? "",
            uid: context.parameters.get("uid") ?? "",
            type: request.uri.queryParameters["type"].map(String.init) ?? "RFID")
    }

    /// A registered partner's own party: tokens of another are not its to send (a hub's are: it forwards its members'
    /// tokens, each under the member's own codes).
    private func requireOwn(_ key: Key, _ caller: Caller) throws {
        try caller.requireRegistered()
        guard caller.speaks(for: key.country, key.party) else {
            throw OCPIError(
                http: 200, code: OCPIStatus.invalidParameters, "\(key.country)*\(key.party) is not one of your parties")
        }
    }

    private func token(_ request: Request, _ context: APIRequestContext, for caller: Caller) async throws -> OCPITokenRecord {
        let key = key(request, context)
        try requireOwn(key, caller)
        guard
            let stored = try await repository.ocpiToken(
                countryCode: key.country, partyId: key.party, uid: key.uid, type: key.type)
        else { throw OCPIError(http: 404, code: OCPIStatus.unknownToken, "no token '\(key.uid)' of type \(key.type)") }
        // Another partner's token is none of this one's business, whatever party it claims.
        guard stored.partner == caller.partner.id else {
            throw OCPIError(http: 404, code: OCPIStatus.unknownToken, "no token '\(key.uid)' of type \(key.type)")
        }
        return stored
    }

    private func read(
        _ request: Request, _ context: APIRequestContext, for caller: Caller
    ) async throws -> (Key, [String: Any]) {
        let key = key(request, context)
        try requireOwn(key, caller)
        return (key, try await Self.jsonObject(request))
    }

    /// Checks the token against the path and the spec, keeps it, and renews the token lists it is in.
    func save(_ object: [String: Any], key: Key, for caller: Caller, announce: Bool = true) async throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let token: OCPIToken
        do {
            token = try OCPIJSON.decoder().decode(OCPIToken.self, from: data)
        } catch {
            throw OCPIError(http: 200, code: OCPIStatus.invalidParameters, "the token is not valid: \(error)")
        }
        if let problem = token.problem { throw OCPIError(http: 200, code: OCPIStatus.invalidParameters, problem) }
        if let held = try await repository.ocpiToken(
            countryCode: key.country, partyId: key.party, uid: key.uid, type: key.type), held.partner != caller.partner.id
        {
            throw OCPIError(http: 200, code: OCPIStatus.invalidParameters, "this token is held by another partner")
        }
        // A uid names one driver: sessions and CDRs are told to the partner whose token it is, so it is one partner's.
        if try await repository.ocpiTokens(uid: key.uid).contains(where: { $0.partner != caller.partner.id }) {
            throw OCPIError(
                http: 200, code: OCPIStatus.invalidParameters, "uid \(key.uid) is held by another partner's token")
        }
        guard token.countryCode == key.country, token.partyId == key.party, token.uid == key.uid, token.type == key.type
        else {
            throw OCPIError(
                http: 200, code: OCPIStatus.invalidParameters,
                "the token's country_code, party_id, uid and type must be the path's")
        }
        try await repository.saveOCPIToken(
            OCPITokenRecord(
                partner: caller.partner.id, countryCode: token.countryCode, partyId: token.partyId, uid: token.uid,
                type: token.type, contractId: token.contractId, whitelist: token.whitelist, valid: token.valid,
                groupId: token.groupId, lastUpdated: token.lastUpdated, body: String(decoding: data, as: UTF8.self)))
        if announce { for site in caller.partner.sites { await tokenListChanged(site) } }
    }
}
