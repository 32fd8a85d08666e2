import CloudBilling
public import CloudCore
import CloudStore
import Foundation
import HTTPTypes
public import Hummingbird
import Pricing

extension OCPIServer {
    /// The locations module as its sender (`/ocpi/2.2.1/locations`): the sites chosen for the calling partner, paged
    /// (`offset`, `limit` at most 100, `date_from` inclusive and `date_to` exclusive on `last_updated`, oldest first,
    /// `Link: <…>; rel="next"`, `X-Total-Count`, `X-Limit`), and one Location, EVSE or connector by its ids (404 with
    /// 2003 for one it does not have). For registered partners only.
    func addLocationRoutes(to router: Router<APIRequestContext>) {
        let base = "/ocpi/\(Self.version)/locations"
        router.get(RouterPath(base)) { request, _ in
            await answer(
                request,
                paged: { caller in
                    try page(
                        try await locations(for: caller), request, module: "locations", updated: \.lastUpdated, id: \.id)
                })
        }
        router.get("/ocpi/\(Self.version)/tariffs") { request, _ in
            await answer(
                request,
                paged: { caller in
                    try page(try await tariffs(for: caller), request, module: "tariffs", updated: \.lastUpdated, id: \.key)
                })
        }
        router.get("\(base)/:location") { request, context in
            await answer(request) { caller in try await location(context, for: caller) }
        }
        router.get("\(base)/:location/:evse") { request, context in
            await answer(request) { caller in try await evse(context, for: caller) }
        }
        router.get("\(base)/:location/:evse/:connector") { request, context in
            await answer(request) { caller -> OCPILocation.Connector? in
                let evse = try await evse(context, for: caller)
                guard let connector = evse.connectors.first(where: { $0.id == context.parameters.get("connector") }) else {
                    throw OCPIError(http: 404, code: OCPIStatus.unknownLocation, "no such connector")
                }
                return connector
            }
        }
    }

    static let maxLimit = 100

    /// A page of a module's objects as OCPI pages them: `offset`, `limit` (at most ``maxLimit``), `date_from`
    /// inclusive and `date_to` exclusive on `last_updated`, in the order of their ids (stable: an object updated while
    /// a partner pages through does not move to another page); `X-Total-Count`, `X-Limit`, and `Link: <…>;
    /// rel="next"` while more follow.
    func page<Object>(
        _ objects: [Object], _ request: Request, module: String, updated: KeyPath<Object, Date>, id: KeyPath<Object, String>
    ) throws -> ([Object], HTTPFields) {
        let query = request.uri.queryParameters
        func integer(_ name: String, default value: Int) throws -> Int {
            guard let text = query[name[...]].map(String.init) else { return value }
            guard let number = Int(text), number >= 0 else {
                throw OCPIError(http: 400, code: OCPIStatus.invalidParameters, "\(name): a whole number of 0 or more")
            }
            return number
        }
        func date(_ name: String) throws -> Date? {
            guard let text = query[name[...]].map(String.init) else { return nil }
            guard let date = OCPIJSON.date(text) else {
                throw OCPIError(http: 400, code: OCPIStatus.invalidParameters, "\(name): an RFC 3339 date, got '\(text)'")
            }
            return date
        }
        let offset = try integer("offset", default: 0)
        let limit = min(max(try integer("limit", default: 50), 1), Self.maxLimit)
        let from = try date("date_from")
        let to = try date("date_to")
        let all = objects.filter { object in
            (from.map { object[keyPath: updated] >= $0 } ?? true) && (to.map { object[keyPath: updated] < $0 } ?? true)
        }.sorted { $0[keyPath: id] < $1[keyPath: id] }
        let slice = Array(all.dropFirst(offset).prefix(limit))
        var headers: HTTPFields = [
            HTTPField.Name("X-Total-Count")!: "\(all.count)", HTTPField.Name("X-Limit")!: "\(limit)",
        ]
        if offset + slice.count < all.count {
            var next = URLComponents(string: "\(party.baseURL)/\(Self.version)/\(module)")!
            next.queryItems =
                [URLQueryItem(name: "offset", value: "\(offset + slice.count)"), URLQueryItem(name: "limit", value: "\(limit)")]
                + [("date_from", from), ("date_to", to)].compactMap { name, value in
                    value.map { URLQueryItem(name: name, value: OCPIJSON.format($0)) }
                }
            headers[HTTPField.Name("Link")!] = "<\(next.string ?? "")>; rel=\"next\""
        }
        return (slice, headers)
    }

    /// The Locations of the sites chosen for the partner (registered partners only).
    private func locations(for caller: Caller) async throws -> [OCPILocation] {
        try caller.requireRegistered()
        let chosen = Set(caller.partner.sites)
        let tariffs = try await TariffsInForce(repository: repository)
        var locations: [OCPILocation] = []
        for site in try await repository.sites(in: nil) where chosen.contains(site.id) {
            if let location = try await objects.location(site, tariffs: tariffs) { locations.append(location) }
        }
        return locations
    }

    /// The tariffs the partner's Locations name, each at its current version, under the codes of the Locations that
    /// name it (OCPI's Tariff).
    private func tariffs(for caller: Caller) async throws -> [OCPITariff] {
        let named = Plan.tariffsNamed(by: try await locations(for: caller))
        var tariffs: [OCPITariff] = []
        for pair in named {
            guard let record = try await repository.tariff(id: pair.id, version: nil),
                let tariff = objects.tariff(record, codes: pair.codes)
            else { continue }
            tariffs.append(tariff)
        }
        return tariffs
    }

    private func location(_ context: APIRequestContext, for caller: Caller) async throws -> OCPILocation {
        let id = context.parameters.get("location") ?? ""
        guard let location = try await locations(for: caller).first(where: { $0.id == id }) else {
            throw OCPIError(http: 404, code: OCPIStatus.unknownLocation, "no location '\(id)'")
        }
        return location
    }

    private func evse(_ context: APIRequestContext, for caller: Caller) async throws -> OCPILocation.EVSE {
        let uid = context.parameters.get("evse") ?? ""
        guard let evse = try await location(context, for: caller).evses.first(where: { $0.uid == uid }) else {
            throw OCPIError(http: 404, code: OCPIStatus.unknownLocation, "no EVSE '\(uid)'")
        }
        return evse
    }
}

/// A tariff as OCPI's tariffs module sends it.
struct OCPITariff: Codable, Sendable {
    let tariff: Tariff
    var id: String { tariff.id ?? "" }
    var lastUpdated: Date { tariff.lastUpdated ?? .distantPast }
    /// Its id and codes: one tariff may be sent under several parties' codes.
    var key: String { "\(tariff.id ?? "")/\(tariff.countryCode ?? "")*\(tariff.partyID ?? "")" }

    func encode(to encoder: any Encoder) throws { try tariff.encode(to: encoder) }
    init(tariff: Tariff) { self.tariff = tariff }
    init(from decoder: any Decoder) throws { tariff = try Tariff(from: decoder) }
}

/// Which tariff prices each station now (for drivers of no token group: a roaming partner's), as the pricing engine
/// chooses it.
struct TariffsInForce {
    let assignments: [TariffAssignment]
    /// The groups of each station (built once: a fleet-wide group of thousands is not searched per station).
    let groups: [StationKey: Set<String>]
    let now = Date()

    init(repository: any CloudRepository) async throws {
        assignments = try await repository.tariffAssignments()
        var groups: [StationKey: Set<String>] = [:]
        for group in try await repository.groups(in: nil) {
            for station in group.stations { groups[station, default: []].insert(group.id) }
        }
        self.groups = groups
    }

    /// The tariff that prices a station now, and since when its assignment holds.
    func ids(_ station: StationKey) -> ([String], Date?) {
        let memberOf = groups[station] ?? []
        guard
            let assignment = TariffChoice.assignment(
                among: assignments, station: station, groups: memberOf, tokenGroup: nil, at: now),
            assignment.tariff.count <= 36
        else { return ([], nil) }
        return ([assignment.tariff], assignment.validFrom)
    }
}
