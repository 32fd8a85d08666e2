public import Foundation
public import SiteModel

/// What the edge's services (load control, the cloud link) ask of a charger, in no protocol version's words. The
/// central system carries each request out in the charger's own protocol (OCPP 1.6 today,
/// `StationPort+OCPP16.swift`); a charger that speaks 2.0.1 will get the same requests in 2.0.1.
public protocol StationPort: Sendable {
    /// The charger's configuration values of `keys` (the ones it knows).
    func readConfiguration(stationId: String, keys: [String]) async throws(CommandError) -> [ConfigurationEntry]
    /// Changes one configuration value.
    func changeConfiguration(stationId: String, key: String, value: String) async throws(CommandError) -> ConfigurationChange
    /// Sets a charging limit on one connector (or, with connector 0, the whole charger).
    func setChargingLimit(stationId: String, _ limit: ChargingLimit) async throws(CommandError) -> LimitAnswer
    /// Replaces the charger's local list of tokens; the charger's answer, for the log.
    func replaceLocalList(stationId: String, version: Int, tokens: [Token]) async throws(CommandError) -> String
}

/// One configuration value as the charger reported it.
public struct ConfigurationEntry: Sendable, Equatable {
    public var key: String
    public var value: String?
    public var readonly: Bool

    public init(key: String, value: String?, readonly: Bool = false) {
        self.key = key
        self.value = value
        self.readonly = readonly
    }
}

/// The charger's answer to a configuration change.
public enum ConfigurationChange: String, Sendable {
    case accepted, rejected, rebootRequired, notSupported
}

/// A one-period limit on a connector, valid until `validTo` (nil: until replaced).
public struct ChargingLimit: Sendable, Equatable {
    /// What the limit applies to: the running transaction, or whatever runs on the connector (the default).
    public enum Scope: Sendable, Equatable {
        case transaction(Int)
        case connectorDefault
    }

    public enum Unit: String, Sendable {
        case amperes = "A"
        case watts = "W"
    }

    public var connectorId: Int
    public var scope: Scope
    /// The charger's profile id; a new limit of the same id replaces the one before.
    public var profileId: Int
    public var stackLevel: Int
    public var limit: Double
    public var unit: Unit
    public var phases: Int
    public var validTo: Date?

    public init(
        connectorId: Int, scope: Scope, profileId: Int, stackLevel: Int, limit: Double, unit: Unit, phases: Int,
        validTo: Date?
    ) {
        self.connectorId = connectorId
        self.scope = scope
        self.profileId = profileId
        self.stackLevel = stackLevel
        self.limit = limit
        self.unit = unit
        self.phases = phases
        self.validTo = validTo
    }
}

/// The charger's answer to a charging limit.
public enum LimitAnswer: String, Sendable {
    case accepted, rejected, notSupported
}
