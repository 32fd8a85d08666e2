import CloudBilling
import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Pricing

/// OCPI 2.2.1's CDR as this CPO makes it: once per finished session of a partner's driver, with where it was, the
/// periods as measured, the tariff that priced them and the totals from the pricing engine (exactly what the session
/// was billed).
struct OCPICDR: Codable, Sendable {
    var countryCode, partyId, id: String
    var startDateTime, endDateTime: Date
    var sessionId: String
    var cdrToken: OCPISession.CDRToken
    var authMethod: String
    var authorizationReference: String?
    var cdrLocation: CDRLocation
    var currency: String
    var tariffs: [OCPITariff]?
    var chargingPeriods: [ChargingPeriod]
    var totalCost: Price
    var totalFixedCost: Price?
    var totalEnergy: ExactDecimal
    var totalEnergyCost: Price?
    var totalTime: ExactDecimal
    var totalTimeCost: Price?
    var totalParkingTime: ExactDecimal?
    var totalParkingCost: Price?
    /// A credit CDR: the CDR of `creditReferenceId` again, its total cost negated (a billed session was corrected).
    var credit: Bool?
    var creditReferenceId: String?
    var lastUpdated: Date

    struct CDRLocation: Codable, Sendable {
        var id: String
        var name: String?
        var address, city: String
        var postalCode: String?
        var country: String
        var coordinates: OCPILocation.Coordinates
        var evseUid, evseId, connectorId, connectorStandard, connectorFormat, connectorPowerType: String

        enum CodingKeys: String, CodingKey {
            case id, name, address, city, country, coordinates
            case postalCode = "postal_code"
            case evseUid = "evse_uid"
            case evseId = "evse_id"
            case connectorId = "connector_id"
            case connectorStandard = "connector_standard"
            case connectorFormat = "connector_format"
            case connectorPowerType = "connector_power_type"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, currency, tariffs
        case countryCode = "country_code"
        case partyId = "party_id"
        case startDateTime = "start_date_time"
        case endDateTime = "end_date_time"
        case sessionId = "session_id"
        case cdrToken = "cdr_token"
        case authMethod = "auth_method"
        case authorizationReference = "authorization_reference"
        case cdrLocation = "cdr_location"
        case chargingPeriods = "charging_periods"
        case totalCost = "total_cost"
        case totalFixedCost = "total_fixed_cost"
        case totalEnergy = "total_energy"
        case totalEnergyCost = "total_energy_cost"
        case totalTime = "total_time"
        case totalTimeCost = "total_time_cost"
        case totalParkingTime = "total_parking_time"
        case totalParkingCost = "total_parking_cost"
        case credit
        case creditReferenceId = "credit_reference_id"
        case lastUpdated = "last_updated"
    }
}

extension OCPIObjects {
    /// The CDR of a finished session, nil while it runs or when its site is no Location (OCPI requires the address).
    /// Without a tariff it costs nothing, in the currency of the party's country (euro until a setting says otherwise).
    func cdr(_ session: SessionView, token: OCPITokenRecord, now: Date) async throws -> OCPICDR? {
        guard !session.active, let start = session.startTime, let stop = session.stopTime,
            let site = try await repository.site(id: session.site),
            let location = try await location(site, tariffs: TariffsInForce(repository: repository)),
            let breakdown = try await pricer.breakdown(session, now: now)
        else { return nil }
        let authorization = await authorization(of: session)
        let uid = Self.evseUid(session.station, session.connector)
        let evse = location.evses.first { $0.uid == uid }
        let connector = evse?.connectors.first
        var periods = breakdown.periods.chargingPeriods
        var tariffs: [OCPITariff]?
        if let record = breakdown.tariff {
            for index in periods.indices { periods[index].tariffID = record.id }
            tariffs = tariff(record, codes: party.codes(of: session.site)).map { [$0] }
        }
        let energy = breakdown.cost?.totalEnergy ?? Self.kWh(session.energyWh)
        let hours = breakdown.cost?.totalTime ?? Self.hours(from: start, to: stop)
        let zero = Price(exclVAT: .zero, inclVAT: .zero)
        // What the session was billed is the total (the breakdown prices it again the same way).
        let total = session.price.map { Price(exclVAT: $0.exclVat, inclVAT: $0.inclVat) } ?? breakdown.cost?.totalCost ?? zero
        // A total set by hand (a correction) is not the sum of the tariff's parts: those are left out then.
        let parts = breakdown.cost.flatMap { cost in
            cost.totalCost.exclVAT == total.exclVAT && (cost.totalCost.inclVAT ?? cost.totalCost.exclVAT) == total.inclVAT
                ? cost : nil
        }
        return OCPICDR(
            countryCode: location.countryCode, partyId: location.partyId, id: OCPIServer.sessionId(session),
            startDateTime: start,
            endDateTime: stop, sessionId: OCPIServer.sessionId(session),
            cdrToken: .init(
                countryCode: token.countryCode, partyId: token.partyId, uid: token.uid, type: token.type,
                contractId: token.contractId),
            authMethod: authorization.method, authorizationReference: authorization.reference,
            cdrLocation: .init(
                id: location.id, name: location.name, address: location.address, city: location.city,
                postalCode: location.postalCode, country: location.country, coordinates: location.coordinates, evseUid: uid,
                evseId: evse?.evseId ?? Self.evseId(party.codes(of: session.site), session.station, session.connector),
                connectorId: "1",
                connectorStandard: connector?.standard ?? "IEC_62196_T2", connectorFormat: connector?.format ?? "SOCKET",
                connectorPowerType: connector?.powerType ?? "AC_3_PHASE"),
            currency: session.price?.currency ?? breakdown.price?.currency ?? "EUR", tariffs: tariffs,
            chargingPeriods: periods.isEmpty
                ? [ChargingPeriod(startDateTime: start, dimensions: [CdrDimension(.energy, energy)])] : periods,
            totalCost: total, totalFixedCost: parts?.totalFixedCost, totalEnergy: energy,
            totalEnergyCost: parts?.totalEnergyCost, totalTime: hours, totalTimeCost: parts?.totalTimeCost,
            totalParkingTime: breakdown.cost?.totalParkingTime, totalParkingCost: parts?.totalParkingCost,
            lastUpdated: now)
    }

    static func kWh(_ wh: Double?) -> ExactDecimal { ExactDecimal(Int64(max(0, wh ?? 0).rounded()), over: 1000) }

    static func hours(from start: Date, to stop: Date) -> ExactDecimal {
        ExactDecimal(Int64(max(0, stop.timeIntervalSince(start)).rounded()), over: 3600)
    }
}

extension OCPIServer {
    /// The cdrs module as its sender (`GET /ocpi/2.2.1/cdrs`): the CDRs made for the partner, as they were made, paged
    /// by when they were made; and one by its id.
    func addCDRRoutes(to router: Router<APIRequestContext>) {
        router.get("/ocpi/\(Self.version)/cdrs") { request, _ in
            await answer(
                request,
                paged: { caller in
                    try page(try await cdrs(for: caller), request, module: "cdrs", updated: \.lastUpdated, id: \.id)
                })
        }
        router.get("/ocpi/\(Self.version)/cdrs/:id") { request, context in
            await answer(request) { caller -> OCPICDR? in
                let id = context.parameters.get("id") ?? ""
                guard let cdr = try await cdrs(for: caller).first(where: { $0.id == id }) else {
                    throw OCPIError(http: 404, code: OCPIStatus.clientError, "no CDR '\(id)'")
                }
                return cdr
            }
        }
    }

    private func cdrs(for caller: Caller) async throws -> [OCPICDR] {
        try caller.requireRegistered()
        return try await repository.ocpiCDRs(partner: caller.partner.id, unsentOnly: false).compactMap {
            try? OCPIJSON.decoder().decode(OCPICDR.self, from: Data($0.body.utf8))
        }
    }
}
