public import CloudStore
public import Foundation
public import Pricing
import WireJSON

/// Prices sessions as the fleet has set its tariffs: the tariff assigned to the session's station (and its token's
/// group) at the session's start, in the version in force then, in the site's time zone, rounded to its currency.
public struct SessionPricer: Sendable {
    public let repository: any CloudRepository
    public let rounding: CurrencyRounding

    public init(repository: any CloudRepository, rounding: CurrencyRounding = CurrencyRounding()) {
        self.repository = repository
        self.rounding = rounding
    }

    /// Why a session could not be priced: its tariff's stored body no longer reads, or pricing refused its periods.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The tariff version that prices `session`, nil when none is assigned to it.
    public func tariff(for session: SessionView) async throws -> TariffRecord? {
        guard let start = session.startTime else { return nil }
        let key = StationKey(site: session.site, station: session.station)
        let groups = try await repository.groups(in: nil).filter { $0.stations.contains(key) }.map(\.id)
        guard
            let assignment = TariffChoice.assignment(
                among: try await repository.tariffAssignments(), station: key, groups: Set(groups),
                tokenGroup: try await tokenGroup(of: session.idTag), at: start)
        else { return nil }
        return try await repository.tariff(id: assignment.tariff, at: start)
    }

    /// The token group of a driver's card.
    func tokenGroup(of idTag: String?) async throws -> String? {
        guard let idTag else { return nil }
        return try await repository.card(idTag: idTag)?.tokenGroup
    }

    /// What `session` costs: billed once it has ended (and priced), or so far while it runs; nil without a tariff.
    /// Under `tariff` when given, else the one assigned to it at its start.
    public func price(
        _ session: SessionView, tariff: TariffRecord? = nil, now: Date = Date()
    ) async throws -> (SessionPrice, SessionCost)? {
        guard let breakdown = try await breakdown(session, tariff: tariff, now: now), let price = breakdown.price,
            let cost = breakdown.cost
        else { return nil }
        return (price, cost)
    }

    /// A session as it is priced: its periods as measured (OCPI's charging periods), and with a tariff assigned, the
    /// tariff version, what it costs and how; nil when its samples give no periods (it has not started).
    public struct Breakdown: Sendable {
        public var periods: PricingSession
        public var tariff: TariffRecord?
        public var price: SessionPrice?
        public var cost: SessionCost?
    }

    /// ``price(_:now:)`` with the periods measured and the tariff that priced them.
    public func breakdown(
        _ session: SessionView, tariff given: TariffRecord? = nil, now: Date = Date()
    ) async throws
        -> Breakdown?
    {
        let samples = try await repository.sessionSamples(
            site: session.site, transactionId: session.transactionId, limit: 100_000)
        guard let periods = ChargingPeriods.session(of: session, samples: samples, now: now) else { return nil }
        var record = given
        if record == nil { record = try await tariff(for: session) }
        guard let record else { return Breakdown(periods: periods) }
        let tariff: Tariff
        do {
            tariff = try Self.decoder.decode(Tariff.self, from: Data(record.body.utf8))
        } catch {
            throw Failure(description: "tariff \(record.id) version \(record.version) no longer reads: \(error)")
        }
        let zone = try await repository.site(id: session.site)?.timeZone.flatMap(TimeZone.init(identifier:)) ?? .gmt
        let cost: SessionCost
        do {
            cost = try Pricing.price(tariff, session: periods, timeZone: zone, rounding: rounding(tariff.currency))
        } catch {
            throw Failure(description: "session \(session.site)/\(session.transactionId) cannot be priced: \(error)")
        }
        let price = SessionPrice(
            currency: tariff.currency, exclVat: cost.totalCost.exclVAT, inclVat: cost.totalCost.inclVAT ?? cost.totalCost.exclVAT,
            tariff: record.id, tariffVersion: record.version, final: !session.active)
        return Breakdown(periods: periods, tariff: record, price: price, cost: cost)
    }

    /// `session` with its running cost filled in while it runs (a finished one carries what it was billed).
    public func withPrice(_ session: SessionView, now: Date = Date()) async -> SessionView {
        guard session.active, session.price == nil else { return session }
        var priced = session
        priced.price = (try? await price(session, now: now))?.0
        return priced
    }

    public static let decoder = WireCoders.decoder(dates: RFC3339.parse, refusal: { "not an RFC 3339 date: \($0)" })
}
