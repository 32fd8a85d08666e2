public import CloudStore
public import Foundation
import ServerSupport
import SiteModel
public import SyncContract

/// A station to add to a site ahead of its first connection (the API's body; the dashboard's form makes the same).
/// Only the password's bcrypt hash leaves the cloud.
public struct StationRegistrationInput: Decodable, Sendable {
    public var id: String
    /// The station's Basic auth password (OCPP security profiles 1 and 2): 16 to 40 characters; absent: none.
    public var password: String?
    public var maxCurrentA: Double?
    public var phases: Int?
    public var rotation: String?
    public var priority: Int?
    /// A group the station joins at once, in the cloud (groups are the cloud's, not the edge's).
    public var group: String?
    /// True: the station connects without Basic auth from now on. Without it, a station registered again with no
    /// password keeps the one it has.
    public var removePassword: Bool?

    public init(
        id: String, password: String?, maxCurrentA: Double?, phases: Int?, rotation: String?, priority: Int?,
        group: String? = nil
    ) {
        self.id = id
        self.group = group
        self.password = password
        self.maxCurrentA = maxCurrentA
        self.phases = phases
        self.rotation = rotation
        self.priority = priority
    }

    /// The `RegisterStation` payload for the station at `site`, after every check: a field out of bounds 400, a group
    /// the caller may not change 403, an unknown group 404 (each naming what was wrong; nothing is sent then). The same
    /// id at another site is another station. The station joins its group here, before the payload is sent, so it is
    /// in the group from its first connection.
    public func payload(site: String, by identity: APIIdentity, repository: any CloudRepository) async throws -> String {
        // Cost 10: the edge checks it at every connection of the station.
        let registration = try await registration(hash: { try await Users.hashPassword($0, cost: 10) })
        try await joinGroup(site: site, by: identity, repository: repository)
        return String(decoding: try SyncJSON.encoder().encode(registration), as: UTF8.self)
    }

    private func joinGroup(site: String, by identity: APIIdentity, repository: any CloudRepository) async throws {
        guard let group = group.flatMap({ $0.isEmpty ? nil : $0 }) else { return }
        try await GroupInput.requireMayChangeMembers(of: group, by: identity, repository: repository)
        guard try await repository.addToGroup(group: group, station: StationKey(site: site, station: id)) else {
            throw Problem(status: 404, detail: "group: no group '\(group)'")
        }
    }

    /// The registration to send, after every check (each refusal names the field); `hash` makes the password's
    /// bcrypt hash.
    func registration(hash: (String) async throws -> String) async throws -> StationRegistration {
        if let problem = StationIdentity.problem(id) {
            throw Problem(status: 400, detail: "id \(problem)")
        }
        if let password, !(16...40).contains(password.count) {
            throw Problem(status: 400, detail: "password must be 16 to 40 characters (OCPP security profiles 1 and 2)")
        }
        let phases = self.phases ?? 3
        var registration = StationRegistration(
            passwordHash: nil, maxCurrentA: maxCurrentA ?? 32, phases: phases,
            rotation: rotation.flatMap { $0.isEmpty ? nil : $0 } ?? (phases == 1 ? "L1" : "L1L2L3"), priority: priority ?? 0)
        let problems = registration.problems
        guard problems.isEmpty else { throw Problem(status: 400, detail: problems.joined(separator: "; ")) }
        if removePassword == true, password != nil {
            throw Problem(status: 400, detail: "removePassword: give either a password or removePassword, not both")
        }
        if let password { registration.passwordHash = try await hash(password) }
        registration.removePassword = removePassword == true ? true : nil
        return registration
    }
}
