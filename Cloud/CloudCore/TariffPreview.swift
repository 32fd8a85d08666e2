public import Foundation
public import Pricing
import ServerSupport

/// `POST /api/v1/tariffs/price`'s body: a tariff and a session to price with it, as in an OCPI 2.2.1 CDR, and the
/// time zone its times of day are read in. The dashboard's tariff editor previews a tariff the same way.
public struct PriceRequest: Decodable, Sendable {
    public var tariff: Tariff
    public var cdr: Session

    /// A CDR's times and charging periods, and the IANA time zone of its site (UTC when not given).
    public struct Session: Decodable, Sendable {
        public var session: PricingSession
        public var timeZone: String?

        enum CodingKeys: String, CodingKey { case timeZone = "time_zone" }

        public init(from decoder: any Decoder) throws {
            session = try PricingSession(from: decoder)
            timeZone = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .timeZone)
        }

        public init(session: PricingSession, timeZone: String?) {
            self.session = session
            self.timeZone = timeZone
        }
    }

    public init(tariff: Tariff, cdr: Session) {
        self.tariff = tariff
        self.cdr = cdr
    }

    /// The cost, as a CDR carries it (OCPI's four decimals); a problem names the field at fault (400).
    public func price() throws -> SessionCost {
        let zoneName = cdr.timeZone ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw Problem(status: 400, detail: "cdr.time_zone: '\(zoneName)' is not an IANA time zone such as Europe/Berlin")
        }
        do {
            try Pricing.check(tariff)
        } catch {
            throw Problem(status: 400, detail: "tariff.\(error)")
        }
        do {
            return try Pricing.price(tariff, session: cdr.session, timeZone: zone, rounding: .ocpi)
        } catch {
            throw Problem(status: 400, detail: "cdr.\(error)")
        }
    }
}
