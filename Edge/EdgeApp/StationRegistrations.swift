import CentralSystem
import EdgeConfig
import EdgeStore
import EdgeSync
import Foundation
import LoadControl
import LoadManagement
import OCPP
import SiteModel
import SyncContract

/// Stations registered from the cloud ahead of their first connection: checked, kept in the store, then in effect
/// for admission (known, Basic auth) and load management (wiring) at once. edge.yaml's stations are not changed
/// this way: the installer's file wins, and the answer says so.
actor StationRegistrations: StationRegistry {
    private let central: CentralSystem
    private let load: LoadController
    private let store: EdgeStore
    private let fromTheFile: Set<String>

    init(central: CentralSystem, load: LoadController, store: EdgeStore, fromTheFile: Set<String>) {
        self.central = central
        self.load = load
        self.store = store
        self.fromTheFile = fromTheFile
    }

    /// Why a registration was refused.
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    func register(station id: String, _ registration: StationRegistration) async throws -> StationRegistration {
        if let problem = StationIdentity.problem(id) { throw Refused(description: "station: \(problem)") }
        guard !fromTheFile.contains(id) else {
            throw Refused(description: "station \(id) is listed in this edge's edge.yaml; change it there")
        }
        let problems = registration.problems
        guard problems.isEmpty, let grid = registration.gridPhases else {
            throw Refused(description: problems.joined(separator: "; "))
        }
        var registration = registration
        if registration.passwordHash == nil, registration.removePassword != true,
            let existing = try await store.stationRegistrations()[id]?.passwordHash
        {
            // Left out is not removed (security review, finding 37): removing is said explicitly.
            registration.passwordHash = existing
        }
        registration.removePassword = nil
        try await store.saveStationRegistration(registration, station: id, at: Date())
        let station = Self.station(id: id, registration, gridPhases: grid)
        load.register(station)
        try await central.register(station)
        return registration
    }

    func retire(station id: String) async throws {
        guard !fromTheFile.contains(id) else {
            throw Refused(description: "station \(id) is listed in this edge's edge.yaml; remove it there")
        }
        if let running = try await store.sessions(active: true, stationId: id, limit: 1).first {
            throw Refused(
                description: "a session runs on connector \(running.connectorId) of station \(id) (transaction "
                    + "\(running.id)); stop it first")
        }
        // Its connection closed first, so that nothing it says lists it again once forgotten.
        await central.retire(stationId: id)
        load.unregister(id)
        try await store.forgetStation(id)
    }

    func changePassword(station id: String, _ change: StationPasswordChange) async throws -> String {
        guard !fromTheFile.contains(id) else {
            throw Refused(description: "station \(id) is listed in this edge's edge.yaml; change its password there")
        }
        guard var registration = try await store.stationRegistrations()[id], let grid = registration.gridPhases else {
            throw Refused(description: "station \(id) was not registered from the cloud")
        }
        guard CentralSystem.passwordMatches(change.password, hash: change.passwordHash) else {
            throw Refused(description: "passwordHash: not the hash of the password")
        }
        let key = try CiString500(change.authorizationKey)
        let status = try await central.call(
            stationId: id, OCPP16.ChangeConfigurationRequest(key: try CiString50("AuthorizationKey"), value: key)
        ).status
        guard status == .accepted || status == .rebootRequired else {
            throw Refused(
                description: "the charger answered \(status.rawValue) to its new AuthorizationKey; its password is unchanged")
        }
        // Accepted: the charger uses the new password from its next connection, and only that one is admitted.
        // RebootRequired: it uses it after its next reboot; until then (a day at most) the former one is admitted too.
        if status == .rebootRequired, let former = registration.passwordHash {
            registration.formerPasswordHash = former
            registration.formerPasswordUntil = Date().addingTimeInterval(86_400)
        } else {
            registration.formerPasswordHash = nil
            registration.formerPasswordUntil = nil
        }
        registration.passwordHash = change.passwordHash
        try await store.saveStationRegistration(registration, station: id, at: Date())
        let station = Self.station(id: id, registration, gridPhases: grid)
        load.register(station)
        try await central.register(station)
        return status.rawValue
    }

    /// A registration as edge.yaml would have it.
    static func station(id: String, _ registration: StationRegistration, gridPhases: [Int]) -> EdgeConfiguration.Station {
        var station = EdgeConfiguration.Station(
            id: id, passwordHash: registration.passwordHash,
            wiring: .init(maxCurrent: registration.maxCurrentA, gridPhases: gridPhases, priority: registration.priority))
        if let hash = registration.formerPasswordHash, let until = registration.formerPasswordUntil {
            station.formerPassword = .init(hash: hash, until: until)
        }
        return station
    }

    /// edge.yaml's stations plus those the cloud registered before (edge.yaml's win; one that no longer passes the
    /// checks is left out), for the start.
    static func merged(_ configuration: EdgeConfiguration, store: EdgeStore) async throws -> [EdgeConfiguration.Station] {
        let fromTheFile = Set(configuration.stations.map(\.id))
        var stations = configuration.stations
        for (id, registration) in try await store.stationRegistrations().sorted(by: { $0.key < $1.key })
        where !fromTheFile.contains(id) {
            guard registration.problems.isEmpty, let grid = registration.gridPhases else { continue }
            stations.append(station(id: id, registration, gridPhases: grid))
        }
        return stations
    }
}
