public import CloudStore
import Foundation
import Logging

extension OCPIServer {
    /// Reads a partner's whole token list (its tokens module as sender, page after page) and keeps each token as a PUT
    /// of it would (the same checks; one refused is logged and skipped), then sends the lists of its sites again once.
    /// Done after each registration, so a partner's drivers charge without waiting for their tokens one by one. The
    /// list not read at all is `failure`, saying why.
    @discardableResult
    public func syncTokens(_ partner: OCPIPartnerRecord) async -> (kept: Int, refused: Int, failure: String?) {
        guard let url = partner.endpoint("tokens", role: "SENDER") else {
            return (0, 0, "it sends no tokens module")
        }
        guard let secret = try? await repository.ocpiOutgoingToken(partner: partner.id) else {
            return (0, 0, "there is no token to call it with: it is not registered")
        }
        let objects: [[String: Any]]
        do {
            objects = try await client.list(url, token: secret, partner: partner, repository: repository)
        } catch {
            logger.warning(
                "an OCPI partner's token list could not be read", metadata: ["partner": "\(partner.id)", "error": "\(error)"])
            return (0, 0, "its token list could not be read: \(error)")
        }
        let caller = Caller(partner: partner, token: "")
        var (kept, refused) = (0, 0)
        for object in objects {
            let key = Key(
                country: object["country_code"] as? String ?? "", party: object["party_id"] as? String ?? "",
                uid: object["uid"] as? String ?? "", type: object["type"] as? String ?? "RFID")
            do {
                guard caller.speaks(for: key.country, key.party) else {
                    throw OCPIError(
                        http: 200, code: OCPIStatus.invalidParameters, "\(key.country)*\(key.party) is not one of its parties")
                }
                try await save(object, key: key, for: caller, announce: false)
                kept += 1
            } catch {
                refused += 1
                logger.warning(
                    "a token of an OCPI partner's list was refused",
                    metadata: ["partner": "\(partner.id)", "uid": "\(key.uid.prefix(36))", "error": "\(error)"])
            }
        }
        for site in partner.sites { await tokenListChanged(site) }
        logger.notice(
            "an OCPI partner's token list read",
            metadata: ["partner": "\(partner.id)", "kept": "\(kept)", "refused": "\(refused)"])
        return (kept, refused, nil)
    }
}
