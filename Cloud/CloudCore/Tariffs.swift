public import CloudStore
public import Foundation
public import Pricing
import ServerSupport
import SyncContract
import WireJSON

/// A tariff as the API and the dashboard show it: its current version, the OCPI object, and where it applies.
public struct TariffView: Sendable, Encodable {
    public var id: String
    public var version: Int
    public var name: String
    public var currency: String
    public var validFrom: Date
    public var tariff: Tariff
    /// The assignments in force or to come, of the places the reader may see.
    public var assignments: [TariffAssignment]
}

/// A tariff's new name and OCPI object (the API's body; the dashboard's editor makes the same).
public struct TariffInput: Decodable, Sendable {
    public var name: String
    public var tariff: Tariff

    public init(name: String, tariff: Tariff) {
        self.name = name
        self.tariff = tariff
    }

    /// Checks and keeps the tariff as `id`'s next version, in force from `time` (sessions started before keep the
    /// version they started under). Tariffs are the fleet staff's: a client organization's users get 403.
    public func save(
        id: String, by identity: APIIdentity, repository: any CloudRepository, at time: Date = Date()
    ) async throws -> TariffView {
        try Tariffs.requireStaff(identity)
        guard Tariffs.isValidId(id) else {
            throw Problem(status: 400, detail: "the tariff id must be 1 to 36 letters, digits, '-', '_' or '.', got '\(id)'")
        }
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw Problem(status: 400, detail: "name must be 1 to 100 characters") }
        var tariff = self.tariff
        tariff.id = id
        tariff.lastUpdated = time
        do {
            try Pricing.check(tariff)
        } catch {
            throw Problem(status: 400, detail: "tariff.\(error)")
        }
        let body = String(decoding: try WireCoders.encoder(sortedKeys: true).encode(tariff), as: UTF8.self)
        let kept = try await repository.saveTariff(
            TariffRecord(
                id: id, version: 0, name: name, currency: tariff.currency, body: body, validFrom: time,
                createdBy: identity.user ?? identity.name))
        return try await Tariffs.view(of: kept, for: identity, repository: repository)
    }
}

/// Where a tariff is to apply (the API's body): a site, a group or a station of a site, optionally for one token
/// group only, from a time (now when not given; never in the past, so billed sessions are never re-priced).
public struct TariffAssignmentInput: Decodable, Sendable {
    public var site: String?
    public var group: String?
    public var station: String?
    public var tokenGroup: String?
    public var validFrom: Date?

    public init(site: String?, group: String?, station: String?, tokenGroup: String?, validFrom: Date? = nil) {
        self.site = site
        self.group = group
        self.station = station
        self.tokenGroup = tokenGroup
        self.validFrom = validFrom
    }

    public func assign(
        tariff: String, by identity: APIIdentity, repository: any CloudRepository, at time: Date = Date()
    ) async throws -> TariffAssignment {
        try Tariffs.requireStaff(identity)
        guard try await repository.tariff(id: tariff, version: nil) != nil else {
            throw Problem(status: 404, detail: "no tariff '\(tariff)'")
        }
        let site = site.nonEmpty
        let group = group.nonEmpty
        let station = station.nonEmpty
        switch (site, group, station) {
        case (let site?, nil, _):
            guard try await repository.site(id: site) != nil else {
                throw Problem(status: 404, detail: "site: no site '\(site)'")
            }
            if let station, try await repository.station(site: site, id: station) == nil {
                throw Problem(status: 404, detail: "station: no station '\(station)' at site '\(site)'")
            }
        case (nil, let group?, nil):
            guard try await repository.groups(in: nil).contains(where: { $0.id == group }) else {
                throw Problem(status: 404, detail: "group: no group '\(group)'")
            }
        default:
            throw Problem(status: 400, detail: "give a site (and optionally a station of it) or a group, not both")
        }
        let tokenGroup = tokenGroup.nonEmpty
        if let tokenGroup, !Tariffs.isValidId(tokenGroup) {
            throw Problem(status: 400, detail: "tokenGroup must be 1 to 36 letters, digits, '-', '_' or '.'")
        }
        let from = validFrom ?? time
        guard from >= time.addingTimeInterval(-60) else {
            throw Problem(status: 400, detail: "validFrom is in the past: sessions already billed are not priced again")
        }
        let assignment = TariffAssignment(
            id: UUID().uuidString.lowercased(), tariff: tariff, site: site, group: group, station: station,
            tokenGroup: tokenGroup, validFrom: from)
        try await repository.addTariffAssignment(assignment)
        return assignment
    }
}

/// The tariff rules the API and the dashboard share.
public enum Tariffs {
    /// Every tariff with the assignments the reader may see.
    public static func list(for identity: APIIdentity, repository: any CloudRepository) async throws -> [TariffView] {
        var views: [TariffView] = []
        for record in try await repository.tariffs() {
            views.append(try await view(of: record, for: identity, repository: repository))
        }
        return views
    }

    public static func view(
        of record: TariffRecord, for identity: APIIdentity, repository: any CloudRepository, at time: Date = Date()
    ) async throws -> TariffView {
        let tariff: Tariff
        do {
            tariff = try decoder.decode(Tariff.self, from: Data(record.body.utf8))
        } catch {
            throw Problem(status: 500, detail: "tariff '\(record.id)' as kept does not read: \(error)")
        }
        let scope = identity.scope
        let assignments = try await repository.tariffAssignments().filter { assignment in
            assignment.tariff == record.id && (assignment.validTo.map { $0 > time } ?? true)
                && (assignment.site.map { site in
                    assignment.station.map { scope.sees(station: $0, site: site) } ?? identity.seesWhole(site: site)
                } ?? (scope?.groups.contains(assignment.group ?? "") ?? true))
        }
        return TariffView(
            id: record.id, version: record.version, name: record.name, currency: record.currency, validFrom: record.validFrom,
            tariff: tariff, assignments: assignments)
    }

    public static func requireStaff(_ identity: APIIdentity) throws {
        guard identity.organization == nil else {
            throw Problem(status: 403, detail: "tariffs are managed by the fleet's own staff")
        }
    }

    /// OCPI's tariff id: a CiString of at most 36 characters; here letters, digits, '-', '_' and '.'.
    public static func isValidId(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 36 && SyncTopic.isValidSiteId(id)
    }

    /// Reads an OCPI tariff's JSON.
    public static func read(_ json: String) throws -> Tariff { try decoder.decode(Tariff.self, from: Data(json.utf8)) }

    static let decoder = WireCoders.decoder(dates: RFC3339.parse, refusal: { "not an RFC 3339 date: \($0)" })
}

extension Optional<String> {
    /// The text trimmed, nil when it is empty.
    var nonEmpty: String? {
        guard let text = self?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }
}
