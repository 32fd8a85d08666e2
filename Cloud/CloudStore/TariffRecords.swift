public import Foundation
public import Pricing

/// One version of a tariff as kept: the OCPI object as JSON text, its name and currency for lists, and from when it
/// is in force. A change is a new version; sessions that started under an older one keep being priced by it.
public struct TariffRecord: Sendable, Equatable, Codable {
    public var id: String
    public var version: Int
    public var name: String
    public var currency: String
    /// The OCPI 2.2.1 Tariff, JSON.
    public var body: String
    public var validFrom: Date
    public var createdBy: String?

    public init(
        id: String, version: Int, name: String, currency: String, body: String, validFrom: Date, createdBy: String?
    ) {
        self.id = id
        self.version = version
        self.name = name
        self.currency = currency
        self.body = body
        self.validFrom = validFrom
        self.createdBy = createdBy
    }
}

/// Which stations a tariff prices, from when until when: a whole site, a group or one station, optionally only for
/// the tokens of one token group (employees, a fleet customer). Ended, never deleted, so what was in force at a
/// session's start stays known.
public struct TariffAssignment: Sendable, Equatable, Codable {
    public var id: String
    public var tariff: String
    public var site: String?
    public var group: String?
    /// With `site`: one station.
    public var station: String?
    public var tokenGroup: String?
    public var validFrom: Date
    public var validTo: Date?

    public init(
        id: String, tariff: String, site: String?, group: String?, station: String?, tokenGroup: String?, validFrom: Date,
        validTo: Date? = nil
    ) {
        self.id = id
        self.tariff = tariff
        self.site = site
        self.group = group
        self.station = station
        self.tokenGroup = tokenGroup
        self.validFrom = validFrom
        self.validTo = validTo
    }

    /// In force at `time`.
    public func inForce(at time: Date) -> Bool { validFrom <= time && (validTo.map { time < $0 } ?? true) }
}

/// What a session cost, or costs so far: its total under the tariff (and version) in force at its start.
public struct SessionPrice: Sendable, Equatable, Codable {
    public var currency: String
    public var exclVat: ExactDecimal
    public var inclVat: ExactDecimal
    public var tariff: String
    public var tariffVersion: Int
    /// The session has ended and this is what it is billed; otherwise the running cost.
    public var final: Bool

    public init(
        currency: String, exclVat: ExactDecimal, inclVat: ExactDecimal, tariff: String, tariffVersion: Int, final: Bool
    ) {
        self.currency = currency
        self.exclVat = exclVat
        self.inclVat = inclVat
        self.tariff = tariff
        self.tariffVersion = tariffVersion
        self.final = final
    }
}

/// Tariffs, their versions and assignments, and the costs of finished sessions.
public protocol TariffRepository: Sendable {
    /// Keeps `record` as the tariff's next version (its `version` is ignored) and returns it as kept.
    func saveTariff(_ record: TariffRecord) async throws -> TariffRecord
    /// The current version of every tariff not deleted, by name.
    func tariffs() async throws -> [TariffRecord]
    /// A version of a tariff (nil: its current one, and nil if deleted).
    func tariff(id: String, version: Int?) async throws -> TariffRecord?
    /// The version in force at `time`: the last one valid from then or earlier.
    func tariff(id: String, at time: Date) async throws -> TariffRecord?
    /// Marks a tariff deleted and ends its assignments at `time`; its versions stay for the sessions they priced.
    func deleteTariff(id: String, at time: Date) async throws -> Bool
    func addTariffAssignment(_ assignment: TariffAssignment) async throws
    /// Ends an assignment at `time`; false when there is no such assignment in force.
    func endTariffAssignment(id: String, at time: Date) async throws -> Bool
    /// Every assignment, ended or not, oldest first.
    func tariffAssignments() async throws -> [TariffAssignment]
    /// Finished sessions not priced yet, oldest first.
    func unpricedSessions(limit: Int) async throws -> [SessionView]
    /// Keeps what a finished session is billed (nil: no tariff applied) and how long it stood idle (parked, not
    /// charging), once: a session priced already is left.
    func setSessionPrice(site: String, transactionId: Int, price: SessionPrice?, idle: Duration?, at time: Date) async throws
}
