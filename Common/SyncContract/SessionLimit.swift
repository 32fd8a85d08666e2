public import Foundation

/// A limit on one running session, asked from the cloud (a roaming partner's charging profile): the payload of a
/// ``CommandRequest`` whose action is ``SessionLimit/setAction`` (or ``SessionLimit/getAction`` to read what is in
/// force) and whose station is the charger.
///
/// The edge's load manager gives the car at most this, and never more than the site's fuse allows: a session limit
/// can only lower what the car gets, never raise it. A schedule of periods, like OCPP's and OCPI's charging
/// profiles: each period's limit holds from its start (seconds after `startsAt`) until the next period's; after
/// `durationSeconds` (when given) the limit ends. Without periods the session's limit is cleared.
public struct SessionLimit: Codable, Sendable, Equatable {
    /// The action name of the command that sets (or, without periods, clears) a session's limit.
    public static let setAction = "SetSessionLimit"
    /// The action name of the command that reads a session's limit and what the car gets now.
    public static let getAction = "GetSessionLimit"

    /// One period of the schedule.
    public struct Period: Codable, Sendable, Equatable {
        /// Seconds after the schedule's start.
        public var startSeconds: Int
        /// In the schedule's unit: A per phase, or W for the whole car.
        public var limit: Double

        public init(startSeconds: Int, limit: Double) {
            self.startSeconds = startSeconds
            self.limit = limit
        }
    }

    public var connectorId: Int
    /// The session (OCPP transaction) the limit is for: it ends with it.
    public var transactionId: Int
    /// `A` (per phase) or `W` (the car's power, turned into A per phase with the site's voltage and the phases the
    /// car draws on).
    public var unit: String?
    /// When the schedule starts; now when nil.
    public var startsAt: Date?
    public var durationSeconds: Int?
    /// Nil or empty: the session's limit is cleared.
    public var periods: [Period]?
    /// When the cloud sent it: a change older than the one in force (two sent close together, overtaking each other
    /// on the way) is not applied.
    public var issuedAt: Date?

    public init(
        connectorId: Int, transactionId: Int, unit: String? = nil, startsAt: Date? = nil, durationSeconds: Int? = nil,
        periods: [Period]? = nil, issuedAt: Date? = nil
    ) {
        self.issuedAt = issuedAt
        self.connectorId = connectorId
        self.transactionId = transactionId
        self.unit = unit
        self.startsAt = startsAt
        self.durationSeconds = durationSeconds
        self.periods = periods
    }

    /// Whether this clears the session's limit.
    public var clears: Bool { periods?.isEmpty ?? true }

    /// The units a schedule may be in.
    public static let units = ["A", "W"]
    /// The most periods a schedule may have.
    public static let maxPeriods = 48

    /// What is wrong with this limit on its face, each named by its field.
    public var problems: [String] {
        var problems: [String] = []
        if connectorId < 1 { problems.append("connectorId: must be 1 or more, got \(connectorId)") }
        guard let periods, !periods.isEmpty else { return problems }
        if let unit, !Self.units.contains(unit) {
            problems.append("unit: must be A or W, got \"\(unit)\"")
        } else if unit == nil {
            problems.append("unit: must be A or W with periods")
        }
        if periods.count > Self.maxPeriods {
            problems.append("periods: at most \(Self.maxPeriods), got \(periods.count)")
        }
        if periods.first?.startSeconds != 0 { problems.append("periods: the first must start at 0") }
        for (index, period) in periods.enumerated() {
            if period.limit < 0 || !period.limit.isFinite {
                problems.append("periods[\(index)].limit: must be 0 or more, got \(period.limit)")
            }
            if index > 0, period.startSeconds <= periods[index - 1].startSeconds {
                problems.append("periods[\(index)].startSeconds: must be after the period before")
            }
        }
        if let durationSeconds, durationSeconds <= 0 {
            problems.append("durationSeconds: must be more than 0, got \(durationSeconds)")
        }
        return problems
    }

    /// The limit in force at `now`, in the schedule's unit: nil before the schedule starts, after it ends, or when
    /// there is none.
    public func limit(at now: Date) -> Double? {
        guard let periods, !periods.isEmpty else { return nil }
        let start = startsAt ?? now
        let elapsed = now.timeIntervalSince(start)
        guard elapsed >= 0 else { return nil }
        if let durationSeconds, elapsed >= Double(durationSeconds) { return nil }
        return periods.last { Double($0.startSeconds) <= elapsed }?.limit
    }
}

/// The edge's answer to a ``SessionLimit``: the limit in force for the session, and what the car gets now.
public struct SessionLimitState: Codable, Sendable, Equatable {
    public var connectorId: Int
    public var transactionId: Int
    /// The schedule in force (with `startsAt` set), nil when the session has none.
    public var limit: SessionLimit?
    /// The schedule's limit now, in A per phase (nil when none is in force).
    public var requestedA: Double?
    /// What the load manager allocated the car at its last cycle, A per phase.
    public var allocatedA: Double?
    /// The limit the charger last accepted, A per phase.
    public var sentA: Double?
    /// The phases the car draws on.
    public var carPhases: Int?

    public init(
        connectorId: Int, transactionId: Int, limit: SessionLimit? = nil, requestedA: Double? = nil,
        allocatedA: Double? = nil, sentA: Double? = nil, carPhases: Int? = nil
    ) {
        self.connectorId = connectorId
        self.transactionId = transactionId
        self.limit = limit
        self.requestedA = requestedA
        self.allocatedA = allocatedA
        self.sentA = sentA
        self.carPhases = carPhases
    }
}
