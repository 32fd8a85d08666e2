public import CloudBilling
public import CloudStore
import Foundation
import Pricing
import ServerSupport

/// A correction of a billed session (`POST /sessions/{site}/{transaction}/corrections`'s body, and the session page's
/// form): why, and either the amounts it is billed now (decimal strings, exact: `"2.50"`) or `reprice` to price it
/// again from its measurements with the tariff it started under.
public struct SessionCorrectionInput: Decodable, Sendable {
    public var reason: String
    public var reprice: Bool?
    public var exclVat: String?
    public var inclVat: String?
    /// With amounts for a session that had no price: its currency (ISO 4217).
    public var currency: String?

    public init(reason: String, reprice: Bool? = nil, exclVat: String? = nil, inclVat: String? = nil, currency: String? = nil) {
        self.reason = reason
        self.reprice = reprice
        self.exclVat = exclVat
        self.inclVat = inclVat
        self.currency = currency
    }

    /// The most a session can be billed by hand.
    static let largest = ExactDecimal(1_000_000_000)

    /// Checks it, prices the session anew and keeps the correction: the session as billed now, and the correction.
    /// 400 naming what is wrong, 403 for a client organization's user (money is the fleet staff's), 404 for no such
    /// session, 409 for one not billed yet or a price it has already.
    public func apply(
        site: String, transactionId: Int, by identity: APIIdentity, repository: any CloudRepository, pricer: SessionPricer
    ) async throws -> (session: SessionView, correction: SessionCorrection) {
        guard identity.organization == nil else {
            throw Problem(status: 403, detail: "what sessions are billed is corrected by the fleet's own staff")
        }
        let user = identity.user
        guard let session = try await repository.session(site: site, transactionId: transactionId) else {
            throw Problem(status: 404, detail: "no session \(transactionId) at site '\(site)'")
        }
        guard !session.active, session.price?.final ?? true else {
            throw Problem(status: 409, detail: "session \(transactionId) has not ended and been billed yet")
        }
        let price = try await price(for: session, pricer: pricer)
        do {
            let correction = try await repository.correctSessionPrice(
                site: site, transactionId: transactionId, price: price, reason: try checkedReason(), user: user, at: Date())
            guard let corrected = try await repository.session(site: site, transactionId: transactionId) else {
                throw Problem(status: 404, detail: "no session \(transactionId) at site '\(site)'")
            }
            return (corrected, correction)
        } catch SessionCorrectionRefusal.notBilled {
            throw Problem(status: 409, detail: "session \(transactionId) has not ended and been billed yet")
        } catch SessionCorrectionRefusal.unchanged {
            throw Problem(status: 409, detail: "that is the price it has: nothing to correct")
        } catch SessionCorrectionRefusal.tooLarge {
            throw Problem(status: 400, detail: "the amount is too large to keep")
        }
    }

    func checkedReason() throws -> String {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(reason.count) else {
            throw Problem(status: 400, detail: "reason must be 1 to 200 characters: why the session is corrected")
        }
        return reason
    }

    /// The session's new price (nil: it costs nothing, repriced without a tariff), or a 400 naming what is wrong.
    func price(for session: SessionView, pricer: SessionPricer) async throws -> SessionPrice? {
        _ = try checkedReason()
        let amounts = exclVat != nil || inclVat != nil
        guard (reprice == true) != amounts else {
            throw Problem(status: 400, detail: "give either reprice: true or both exclVat and inclVat")
        }
        if reprice == true {
            // The tariff version it was billed under, when it had one; else the one assigned to it at its start.
            var billed: TariffRecord?
            if let price = session.price, !price.tariff.isEmpty {
                billed = try await pricer.repository.tariff(id: price.tariff, version: price.tariffVersion)
            }
            var price = try await pricer.price(session, tariff: billed)?.0
            price?.final = true
            return price
        }
        if let had = session.price?.currency, let currency, currency != had {
            throw Problem(status: 400, detail: "currency: the session was billed in \(had); a correction keeps it")
        }
        guard let currency = currency ?? session.price?.currency else {
            throw Problem(status: 400, detail: "currency: required for a session that had no price (ISO 4217, such as EUR)")
        }
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw Problem(status: 400, detail: "currency must be three capital letters (ISO 4217), got '\(currency)'")
        }
        let digits = pricer.rounding(currency).fractionDigits
        func amount(_ name: String, _ text: String?) throws -> ExactDecimal {
            guard let text, let value = ExactDecimal(text), value >= .zero else {
                throw Problem(
                    status: 400, detail: "\(name) must be an amount of 0 or more written as a string, such as \"2.50\"")
            }
            guard value.rounded(toFractionDigits: digits, .halfUp) == value else {
                throw Problem(status: 400, detail: "\(name): \(currency) has \(digits) decimals, got \(text)")
            }
            guard value <= Self.largest else { throw Problem(status: 400, detail: "\(name): at most 1000000000, got \(text)") }
            return value
        }
        let excl = try amount("exclVat", exclVat)
        let incl = try amount("inclVat", inclVat)
        guard incl >= excl else { throw Problem(status: 400, detail: "inclVat must be at least exclVat") }
        return SessionPrice(
            currency: currency, exclVat: excl, inclVat: incl, tariff: session.price?.tariff ?? "",
            tariffVersion: session.price?.tariffVersion ?? 0, final: true)
    }
}
