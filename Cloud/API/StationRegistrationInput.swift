public import Foundation
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

    public init(id: String, password: String?, maxCurrentA: Double?, phases: Int?, rotation: String?, priority: Int?) {
        self.id = id
        self.password = password
        self.maxCurrentA = maxCurrentA
        self.phases = phases
        self.rotation = rotation
        self.priority = priority
    }

    /// The registration to send, after every check (each refusal names the field); `hash` makes the password's
    /// bcrypt hash.
    public func registration(hash: (String) async throws -> String) async throws -> StationRegistration {
        guard !id.isEmpty, id.count <= 48, !id.contains("/") else {
            throw Problem(status: 400, detail: "id must have 1 to 48 characters and no '/'")
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
        if let password { registration.passwordHash = try await hash(password) }
        return registration
    }
}
