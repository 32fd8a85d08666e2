public import CloudStore
import Foundation
import SyncContract

/// A group's new name and stations (the API's body; the dashboard's form makes the same).
public struct GroupInput: Decodable, Sendable {
    public var name: String
    public var stations: [String]

    public init(name: String, stations: [String]) {
        self.name = name
        self.stations = stations
    }

    /// Checks and saves group `id`; groups are the fleet's own staff's (a client organization's users get 403).
    public func save(id: String, by identity: APIIdentity, repository: any CloudRepository) async throws -> StationGroup {
        guard identity.organization == nil else {
            throw Problem(status: 403, detail: "groups are managed by the fleet's own staff")
        }
        guard SyncTopic.isValidSiteId(id) else {
            throw Problem(status: 400, detail: "the group id must be 1 to 64 letters, digits, '-', '_' or '.', got '\(id)'")
        }
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw Problem(status: 400, detail: "name must be 1 to 100 characters") }
        let stations = stations.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for station in stations where try await repository.station(id: station) == nil {
            throw Problem(status: 404, detail: "stations: no station '\(station)'")
        }
        try await repository.saveGroup(id: id, name: name, stations: stations)
        guard let group = try await repository.groups(in: nil).first(where: { $0.id == id }) else {
            throw Problem(status: 500, detail: "the group was not kept")
        }
        return group
    }

    /// The groups `identity` sees: all for the fleet's staff, those granted for a client organization's users.
    public static func visible(to identity: APIIdentity, repository: any CloudRepository) async throws -> [StationGroup] {
        try await repository.groups(in: identity.scope)
    }
}
