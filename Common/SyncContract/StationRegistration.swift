public import Foundation
import SiteModel

/// A station added from the cloud ahead of its first connection: the payload of a ``CommandRequest`` whose action is
/// ``StationRegistration/action`` and whose station is the new station's id. The edge keeps it, and from then on
/// treats the station as one listed in its `edge.yaml` (known, so accepted under the `pending` policy; Basic auth
/// with this password; wired as given, for load management), without a restart. A station listed in `edge.yaml`
/// cannot be changed this way: the installer's file wins.
public struct StationRegistration: Codable, Sendable, Equatable {
    /// The action name of the command that carries it.
    public static let action = "RegisterStation"

    /// bcrypt hash of the station's Basic auth password (the cloud hashes it; the password never crosses MQTT).
    public var passwordHash: String?
    /// The most the charger delivers, in A per phase.
    public var maxCurrentA: Double
    /// 1 or 3.
    public var phases: Int
    /// The grid phase of each of the charger's phases, as installers write it: `L1L2L3`, `L2L3L1`, `L3L1L2`, or
    /// `L1`, `L2`, `L3` for a single-phase charger.
    public var rotation: String
    /// Higher is served first by the `priority` strategy (-100 to 100).
    public var priority: Int
    /// True: the station connects without Basic auth from now on. Without it, a registration with no password hash
    /// keeps the hash the station has (a registration cannot lower a station's security by leaving it out).
    public var removePassword: Bool?
    /// Kept by the edge only: the password before the last change, still admitted until `formerPasswordUntil`, when the
    /// charger takes its new one at its next reboot (it answered `RebootRequired`).
    public var formerPasswordHash: String?
    public var formerPasswordUntil: Date?

    public init(passwordHash: String?, maxCurrentA: Double, phases: Int, rotation: String, priority: Int) {
        self.passwordHash = passwordHash
        self.maxCurrentA = maxCurrentA
        self.phases = phases
        self.rotation = rotation
        self.priority = priority
    }

    /// What is wrong with it on its face, each naming the field (the same rules as a station in `edge.yaml`).
    public var problems: [String] {
        var problems: [String] = []
        if !(6...500).contains(maxCurrentA) { problems.append("maxCurrentA: must be 6 to 500 A, got \(maxCurrentA)") }
        if phases != 1 && phases != 3 { problems.append("phases: must be 1 or 3, got \(phases)") }
        if !(-100...100).contains(priority) { problems.append("priority: must be -100 to 100, got \(priority)") }
        if gridPhases == nil {
            let examples = phases == 1 ? "L1, L2 or L3" : "L1L2L3, L2L3L1 or L3L1L2"
            problems.append(
                "rotation: must name the grid phase of each of the charger's phases: \(examples), got \"\(rotation)\"")
        }
        if let passwordHash, !(passwordHash.hasPrefix("$2a$") || passwordHash.hasPrefix("$2b$") || passwordHash.hasPrefix("$2y$"))
        {
            problems.append("passwordHash: must be a bcrypt hash")
        }
        return problems
    }

    /// The grid phase (0, 1, 2) of each of the charger's phases; nil when the rotation does not fit the phases.
    public var gridPhases: [Int]? {
        guard let grid = PhaseRotation.gridPhases(rotation), grid.count == phases else { return nil }
        return grid
    }
}

/// A station retired from the cloud: the payload of a ``CommandRequest`` whose action is ``StationRetirement/action``.
/// The edge forgets what the cloud registered for it (its password, its wiring) and what it knew of it (its approval,
/// its connectors' states), and closes its connection: its id is free, and a charger connecting with it again is a new
/// station under the edge's `unknown_stations` policy. Its sessions and history stay. Refused for a station listed in
/// `edge.yaml` (the installer's file wins) and while a session runs on it.
public struct StationRetirement: Codable, Sendable, Equatable {
    /// The action name of the command that carries it.
    public static let action = "RetireStation"

    public init() {}
}

/// A new Basic auth password for a station the cloud registered: the payload of a ``CommandRequest`` whose action is
/// ``StationPasswordChange/action``. The edge tells the connected charger (ChangeConfiguration of `AuthorizationKey`)
/// and, once it accepted, admits it with the new password only. The password crosses MQTT (the charger must be told
/// it) but is kept nowhere: the cloud records the command without it, the edge keeps only the hash.
public struct StationPasswordChange: Codable, Sendable, Equatable {
    /// The action name of the command that carries it.
    public static let action = "ChangeStationPassword"

    public var password: String
    /// bcrypt hash of `password`, what the edge keeps.
    public var passwordHash: String
    /// True: `AuthorizationKey` is sent hex-encoded (OCPP 1.6 security whitepaper, edition 2); else as the string
    /// itself (edition 3).
    public var hexEncoded: Bool?

    public init(password: String, passwordHash: String, hexEncoded: Bool? = nil) {
        self.password = password
        self.passwordHash = passwordHash
        self.hexEncoded = hexEncoded
    }

    /// What the charger is sent as its `AuthorizationKey`.
    public var authorizationKey: String {
        hexEncoded == true ? password.utf8.map { String(format: "%02x", $0) }.joined() : password
    }

    /// What is wrong with it on its face, naming the field.
    public var problems: [String] {
        var problems: [String] = []
        if !(16...40).contains(password.count) || (hexEncoded == true && password.utf8.count > 20) {
            problems.append("password: must be 16 to 40 characters (16 to 20 bytes when hex-encoded)")
        }
        if !(passwordHash.hasPrefix("$2a$") || passwordHash.hasPrefix("$2b$") || passwordHash.hasPrefix("$2y$")) {
            problems.append("passwordHash: must be a bcrypt hash")
        }
        return problems
    }
}
