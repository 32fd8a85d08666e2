import CloudBilling
public import CloudStore
import Foundation
import Pricing

/// The objects this CPO gives partners (Locations, Tariffs, Sessions, CDRs), made the same way for a partner's GET
/// and for what is pushed to it.
struct OCPIObjects: Sendable {
    let repository: any CloudRepository
    let party: OCPIParty
    let pricer: SessionPricer

    /// A site as a Location with its stations' connectors as EVSEs (nil when it lacks what OCPI requires).
    func location(_ site: SiteRecord, tariffs: TariffsInForce) async throws -> OCPILocation? {
        OCPILocation.of(
            site, stations: try await repository.stations(site: site.id, in: nil), party: party, tariffs: tariffs.ids)
    }

    /// A tariff version as OCPI's Tariff, under a party's codes (this platform's own by default); nil when its body no
    /// longer reads.
    func tariff(_ record: TariffRecord, codes: OCPICodes? = nil) -> OCPITariff? {
        guard var tariff = try? SessionPricer.decoder.decode(Tariff.self, from: Data(record.body.utf8)) else { return nil }
        tariff.countryCode = (codes ?? party.codes).countryCode
        tariff.partyID = (codes ?? party.codes).partyId
        tariff.id = record.id
        tariff.lastUpdated = record.validFrom
        return OCPITariff(tariff: tariff)
    }

    /// An EVSE's uid: a station's connector (`<station>*<connector>`).
    static func evseUid(_ station: String, _ connector: Int) -> String { "\(station)*\(connector)" }

    /// An EVSE's id in eMI3's form (`DE*GRS*E<station>*<connector>`, letters and digits of the station's id).
    static func evseId(_ codes: OCPICodes, _ station: String, _ connector: Int) -> String {
        let outlet = String(station.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(32))
        return "\(codes.countryCode)*\(codes.partyId)*E\(outlet)*\(connector)"
    }

    /// The partner's token a session was charged with, nil when the session is not its driver's: at a site not
    /// published to it, or under a uid that is also the fleet's own card or one of the site's tokens.
    func token(
        of session: SessionView, partner: OCPIPartnerRecord, tokens: [String: OCPITokenRecord]
    ) async throws
        -> OCPITokenRecord?
    {
        guard let uid = session.idTag, let token = tokens[uid], partner.sites.contains(session.site) else { return nil }
        guard try await repository.card(idTag: uid) == nil,
            try await repository.siteToken(site: session.site, idTag: uid) == nil
        else { return nil }
        return token
    }

    /// How a session's driver was let charge: by a START_SESSION (`COMMAND`) or the partner's real-time answer
    /// (`AUTH_REQUEST`) noted within ten minutes before its start (five seconds after, for clocks apart) and not taken
    /// by another session, with the partner's reference; else from the edges' lists (`WHITELIST`).
    func authorization(of session: SessionView) async -> (method: String, reference: String?) {
        guard let idTag = session.idTag, let start = session.startTime,
            let noted = try? await repository.claimOCPIAuthorization(
                site: session.site, idTag: idTag, transactionId: session.transactionId, from: start.addingTimeInterval(-600),
                to: start.addingTimeInterval(5))
        else { return ("WHITELIST", nil) }
        return noted
    }

    /// A partner's tokens by uid (the first of a uid kept under several types).
    func tokens(of partner: OCPIPartnerRecord) async throws -> [String: OCPITokenRecord] {
        var byUid: [String: OCPITokenRecord] = [:]
        for token in try await repository.ocpiTokens(partner: partner.id) where token.uid.count <= 20 {
            if byUid[token.uid] == nil { byUid[token.uid] = token }
        }
        return byUid
    }

    /// A session as OCPI's Session: its energy, its periods as measured, and its cost (as billed once it ended, or so
    /// far while it runs).
    func session(_ session: SessionView, token: OCPITokenRecord, now: Date = Date()) async -> OCPISession? {
        guard let start = session.startTime else { return nil }
        let authorization = await authorization(of: session)
        let breakdown = try? await pricer.breakdown(session, now: now)
        let price = session.price ?? breakdown?.price
        var periods = breakdown?.periods.chargingPeriods
        if let tariff = breakdown?.tariff?.id, periods != nil {
            for index in periods!.indices { periods![index].tariffID = tariff }
        }
        return OCPISession(
            countryCode: party.codes(of: session.site).countryCode, partyId: party.codes(of: session.site).partyId,
            id: OCPIServer.sessionId(session),
            startDateTime: start, endDateTime: session.stopTime, kwh: (session.energyWh ?? 0) / 1000,
            cdrToken: .init(
                countryCode: token.countryCode, partyId: token.partyId, uid: token.uid, type: token.type,
                contractId: token.contractId),
            authMethod: authorization.method, authorizationReference: authorization.reference, locationId: session.site,
            evseUid: Self.evseUid(session.station, session.connector), connectorId: "1",
            currency: price?.currency ?? "EUR", chargingPeriods: periods?.isEmpty == false ? periods : nil,
            totalCost: price.map { Price(exclVAT: $0.exclVat, inclVAT: $0.inclVat) },
            status: session.active ? "ACTIVE" : "COMPLETED",
            lastUpdated: session.updatedAt.map { max($0, session.stopTime ?? $0) } ?? session.stopTime ?? start)
    }
}
