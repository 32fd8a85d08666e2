public import Foundation

/// What the load manager decides from: the grid connection, how the site is managed, and every connector.
/// A value; the shell around the load manager builds it from configuration, meter readings and sessions.
public struct SiteSnapshot: Sendable {
    public var grid: GridConnection
    public var mode: LoadMode
    public var strategy: LoadStrategy
    /// The least current a car may be offered per phase; below it, it is paused (IEC 61851: 6 A).
    public var minimumCurrent: Double
    /// The building's own load per grid phase in A (chargers excluded), for `dynamic` mode; in `fixed` mode, load
    /// the cars' share must carry besides them (chargers that cannot be steered).
    public var buildingLoad: [Double]
    public var connectors: [ConnectorLoad]
    /// How long a car keeps its turn before a paused car of the same class may take it (rotation).
    public var rotationInterval: TimeInterval
    public var now: Date

    public init(
        grid: GridConnection, mode: LoadMode, strategy: LoadStrategy = .equal, minimumCurrent: Double = 6,
        buildingLoad: [Double] = [0, 0, 0], connectors: [ConnectorLoad], rotationInterval: TimeInterval = 900, now: Date
    ) {
        self.grid = grid
        self.mode = mode
        self.strategy = strategy
        self.minimumCurrent = minimumCurrent
        self.buildingLoad = buildingLoad
        self.connectors = connectors
        self.rotationInterval = rotationInterval
        self.now = now
    }
}

/// The site's connection to the grid: the main fuse per phase, and what must stay unused.
public struct GridConnection: Sendable {
    /// The main fuse, in A per phase.
    public var phaseLimit: Double
    /// Current kept free on every phase, in A.
    public var margin: Double
    /// An optional limit on the total power, in W.
    public var powerLimit: Double?
    /// Phase-to-neutral voltage, for the power limit.
    public var voltage: Double

    public init(phaseLimit: Double, margin: Double = 0, powerLimit: Double? = nil, voltage: Double = 230) {
        self.phaseLimit = phaseLimit
        self.margin = margin
        self.powerLimit = powerLimit
        self.voltage = voltage
    }
}

/// How the site shares power.
public enum LoadMode: Sendable, Equatable {
    /// Not managed: every car may draw its charger's maximum.
    case off
    /// A fixed current per phase shared among the cars: more cars, less each.
    case fixed(currentPerPhase: Double)
    /// What the building leaves free under the fuse, per phase, minus the margin.
    case dynamic
}

/// Who gets power first.
public enum LoadStrategy: String, Sendable, CaseIterable {
    /// Every car the same, unless it needs less (water-filling, per phase).
    case equal
    /// In the order cars started; the earliest gets what it can take.
    case fifo
    /// Higher classes first, equal within a class.
    case priority
}

/// One connector as the load manager sees it.
public struct ConnectorLoad: Sendable {
    public var key: ConnectorKey
    /// The most the charger can deliver, in A per phase.
    public var maxCurrent: Double
    /// The grid phase (0, 1, 2 for L1, L2, L3) each of the charger's phases is wired to, in the charger's order:
    /// `[0, 1, 2]` is a three-phase charger wired straight, `[1, 2, 0]` rotated, `[2]` a single-phase one on L3.
    public var gridPhases: [Int]
    /// Used by the `priority` strategy: higher is served first.
    public var priority: Int
    /// Nil when no car is charging here.
    public var session: Session?

    /// A car charging at a connector.
    public struct Session: Sendable {
        /// When the session started (the `fifo` order).
        public var startedAt: Date
        /// How many phases the car draws on (1 or 3), as measured; a single-phase car uses the charger's first.
        public var carPhases: Int
        /// The most the car takes, in A per phase, when known (a car tapering or full takes less).
        public var carLimit: Double?
        /// Whether the car was paused in the previous allocation, and since when it has been paused or charging.
        public var paused: Bool
        public var since: Date
        /// The most the session may get, in A per phase, when asked (a roaming partner's charging profile). Unlike
        /// `carLimit` it is not raised to the minimum current: below it the car is paused.
        public var requestedLimit: Double?

        public init(
            startedAt: Date, carPhases: Int = 3, carLimit: Double? = nil, paused: Bool = false, since: Date,
            requestedLimit: Double? = nil
        ) {
            self.startedAt = startedAt
            self.carPhases = carPhases
            self.carLimit = carLimit
            self.paused = paused
            self.since = since
            self.requestedLimit = requestedLimit
        }
    }

    public init(key: ConnectorKey, maxCurrent: Double, gridPhases: [Int] = [0, 1, 2], priority: Int = 0, session: Session? = nil)
    {
        self.key = key
        self.maxCurrent = maxCurrent
        self.gridPhases = gridPhases
        self.priority = priority
        self.session = session
    }

    /// The grid phases the car actually loads (none without a car).
    public var loadedPhases: [Int] {
        guard let session else { return [] }
        return Array(gridPhases.prefix(max(1, min(session.carPhases, gridPhases.count))))
    }
}

/// A connector of a station.
public struct ConnectorKey: Hashable, Sendable, CustomStringConvertible {
    public var stationId: String
    public var connectorId: Int

    public init(stationId: String, connectorId: Int) {
        self.stationId = stationId
        self.connectorId = connectorId
    }

    public var description: String { "\(stationId)#\(connectorId)" }
}

/// What a connector is offered, and why.
public struct Allocation: Sendable, Equatable {
    public var key: ConnectorKey
    /// Current per phase, in A; 0 pauses the car.
    public var current: Double
    public var reason: AllocationReason

    public init(key: ConnectorKey, current: Double, reason: AllocationReason) {
        self.key = key
        self.current = current
        self.reason = reason
    }
}

/// Why a connector got what it got.
public enum AllocationReason: String, Sendable {
    /// No car is charging.
    case idle
    /// The site is not managed; the charger's maximum.
    case unmanaged
    /// All the charger or the car can take.
    case limitedByCharger = "limited_by_charger"
    /// A phase (or the power limit) is full.
    case limitedByGrid = "limited_by_grid"
    /// Not enough for the minimum current: paused, to resume when there is room or its turn comes.
    case paused
}
