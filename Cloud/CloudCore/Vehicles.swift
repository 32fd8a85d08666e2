public import CloudStore
public import Foundation
import ServerSupport

/// A vehicle as the API and the dashboard show it: the registry's record, and the session it is in now.
public struct VehicleView: Sendable, Encodable {
    public var id: String
    public var name: String
    public var plate: String?
    public var fleet: String?
    public var organization: String?
    public var tokens: [String]
    /// The session in progress of one of its tokens, if any: where it charges and how far it got.
    public var charging: SessionView?
}

/// What a new vehicle is given (the API's body; the dashboard's form makes the same).
public struct VehicleInput: Decodable, Sendable {
    public var name: String
    public var plate: String?
    public var fleet: String?
    public var organization: String?
    public var tokens: [String]

    public init(name: String, plate: String?, fleet: String?, organization: String?, tokens: [String]) {
        self.name = name
        self.plate = plate
        self.fleet = fleet
        self.organization = organization
        self.tokens = tokens
    }
}

/// The vehicle registry's rules, shared by the API and the dashboard.
public enum Vehicles {
    /// The vehicles `identity` may see, each with its session in progress (only at a site the caller may see).
    public static func list(for identity: APIIdentity, repository: any CloudRepository) async throws -> [VehicleView] {
        let vehicles = try await repository.vehicles().filter { identity.sees(vehicleOf: $0.organization) }
        let sessions = try await repository.activeSessions(idTags: vehicles.flatMap(\.tokens))
            .filter { identity.sees(station: $0.station, site: $0.site) }
        var byToken: [String: SessionView] = [:]
        for session in sessions {
            guard let tag = session.idTag else { continue }
            if let known = byToken[tag], (known.startTime ?? .distantPast) > (session.startTime ?? .distantPast) { continue }
            byToken[tag] = session
        }
        return vehicles.map { vehicle in
            VehicleView(
                id: vehicle.id, name: vehicle.name, plate: vehicle.plate, fleet: vehicle.fleet,
                organization: vehicle.organization, tokens: vehicle.tokens,
                charging: vehicle.tokens.compactMap { byToken[$0] }.first)
        }
    }

    /// Adds a vehicle after checking it; a user of an organization adds to their own organization only.
    public static func add(
        _ input: VehicleInput, by identity: APIIdentity, repository: any CloudRepository
    ) async throws -> VehicleRecord {
        let name = input.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw Problem(status: 400, detail: "name must be 1 to 100 characters") }
        let tokens = input.tokens.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !tokens.isEmpty else { throw Problem(status: 400, detail: "tokens: give at least one token that identifies it") }
        for token in tokens where token.utf8.count > 20 {
            throw Problem(status: 400, detail: "tokens: '\(token)' is longer than 20 characters (OCPP 1.6 IdToken)")
        }
        guard Set(tokens).count == tokens.count else { throw Problem(status: 400, detail: "tokens: a token is listed twice") }
        for (field, value, limit) in [("plate", input.plate, 20), ("fleet", input.fleet, 100)] {
            if let value, value.count > limit {
                throw Problem(status: 400, detail: "\(field) must be at most \(limit) characters")
            }
        }
        var organization = input.organization.flatMap { $0.isEmpty ? nil : $0 }
        if let own = identity.organization {
            guard organization == nil || organization == own else {
                throw Problem(status: 403, detail: "a vehicle can only be added to your own organization")
            }
            organization = own
        }
        let vehicle = VehicleRecord(
            id: UUID().uuidString.lowercased(), name: name, plate: input.plate.flatMap { $0.isEmpty ? nil : $0 },
            fleet: input.fleet.flatMap { $0.isEmpty ? nil : $0 }, organization: organization, tokens: tokens,
            createdAt: Date())
        do {
            try await repository.addVehicle(vehicle)
        } catch let error as CloudStoreError {
            switch error {
            case .tokenTaken(let idTag, let owner):
                // Tokens are unique per owner, so the vehicle is the caller's own organization's; still, one the caller
                // does not see is never named (security review, finding 36).
                let visible = try await repository.vehicles().first { $0.id == owner }.map {
                    identity.sees(vehicleOf: $0.organization)
                }
                throw Problem(
                    status: 409,
                    detail: visible == true ? error.description : "token '\(idTag)' already identifies another vehicle")
            default: throw Problem(status: 400, detail: error.description)
            }
        }
        return vehicle
    }
}
