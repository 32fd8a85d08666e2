public import CloudStore
import Foundation
import ServerSupport
import SyncContract

/// A group's new name and stations (the API's body; the dashboard's form makes the same).
public struct GroupInput: Decodable, Sendable {
    public var name: String
    public var stations: [String]

    public init(name: String, stations: [String]) {
        self.name = name
        self.stations = stations
    }

    /// Checks and saves group `id`; groups are the fleet's own staff's (a client organization's users get 403), and
    /// the members of a group granted to an organization are changed by an admin only (security review, finding 10).
    /// A station is `site/station`, or a bare id that names one station only.
    public func save(id: String, by identity: APIIdentity, repository: any CloudRepository) async throws -> StationGroup {
        guard SyncTopic.isValidSiteId(id) else {
            throw Problem(status: 400, detail: "the group id must be 1 to 64 letters, digits, '-', '_' or '.', got '\(id)'")
        }
        try await Self.requireMayChangeMembers(of: id, by: identity, repository: repository)
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw Problem(status: 400, detail: "name must be 1 to 100 characters") }
        var members: [StationKey] = []
        for reference in stations.map({ $0.trimmingCharacters(in: .whitespaces) }) where !reference.isEmpty {
            do {
                members.append(try await repository.resolveStation(reference, in: nil).key)
            } catch let error as StationLookupError {
                switch error {
                case .notFound: throw Problem(status: 404, detail: "stations: \(error)")
                case .ambiguous: throw Problem(status: 400, detail: "stations: \(error)")
                }
            }
        }
        try await repository.saveGroup(id: id, name: name, stations: members)
        guard let group = try await repository.groups(in: nil).first(where: { $0.id == id }) else {
            throw Problem(status: 500, detail: "the group was not kept")
        }
        return group
    }

    /// Refuses a change of group `id`'s members that `identity` may not make: any, for a client organization's users
    /// (groups are the fleet staff's, and which exist is not revealed); one of a group granted to an organization, for
    /// staff below admin (it changes what the organization sees, as a grant does).
    public static func requireMayChangeMembers(
        of id: String, by identity: APIIdentity, repository: any CloudRepository
    ) async throws {
        guard identity.organization == nil else {
            throw Problem(status: 403, detail: "groups are managed by the fleet's own staff")
        }
        guard !identity.role.permits(.admin) else { return }
        if try await repository.organizations().contains(where: { $0.groups.contains(id) }) {
            throw Problem(
                status: 403,
                detail: "group '\(id)' is granted to a client organization: changing its stations changes what the "
                    + "organization sees, which needs the admin role")
        }
    }

    /// The groups `identity` sees: all for the fleet's staff, those granted for a client organization's users.
    public static func visible(to identity: APIIdentity, repository: any CloudRepository) async throws -> [StationGroup] {
        try await repository.groups(in: identity.scope)
    }
}
