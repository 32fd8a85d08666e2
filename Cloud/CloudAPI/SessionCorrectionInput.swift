import CloudBilling
import CloudCore
import CloudStore
import Foundation
import Pricing
import ServerSupport

/// `POST /sessions/{site}/{transaction}/corrections`'s body: why, and either the amounts it is billed now (decimal
/// strings, exact: `"2.50"`) or `reprice` to price it again from its measurements with the tariff it started under.
struct SessionCorrectionInput: Decodable {
    let reason: String
    let reprice: Bool?
    let exclVat: String?
    let inclVat: String?
    /// With amounts for a session that had no price: its currency (ISO 4217).
    let currency: String?

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
            var price = try await pricer.price(session)?.0
            price?.final = true
            return price
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
