public import Foundation
public import Meters
public import SiteModel

/// Everything `gridside-edge` is configured with, as read from `edge.yaml` and checked.
public struct EdgeConfiguration: Sendable, Equatable {
    public var site: Site
    public var ocpp: OCPPServer
    public var http: LocalHTTP
    public var store: Store
    public var authorization: Authorization
    public var stations: [Station]
    public var log: Log
    /// The grid connection; required when load management is on.
    public var grid: Grid?
    public var meters: [MeterSettings]
    public var loadManagement: LoadManagement
    /// The link to the cloud; nil when the edge runs alone.
    public var cloud: Cloud? = nil

    /// The site this edge box runs.
    public struct Site: Sendable, Equatable {
        public var id: String
        public var name: String
    }

    /// The OCPP WebSocket endpoint chargers connect to.
    public struct OCPPServer: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// Present for `wss://` (OCPP security profile 2).
        public var tls: TLS?
        /// Require HTTP Basic authentication of every station (security profiles 1 and 2).
        public var basicAuth: Bool
        /// What happens to a station identity the edge does not know.
        public var unknownStations: UnknownStationPolicy
        public var heartbeatInterval: Int
        /// Seconds of silence after which the edge pings a station; after twice that it drops the connection.
        /// 0 turns the check off.
        public var pingInterval: Int
        /// How long a charger has to answer a CALL.
        public var callTimeout: Duration
        /// The largest WebSocket frame accepted; larger ones close the connection (1009).
        public var maxFrameBytes: Int
        /// Connections one client address may hold open at once (security review, finding 17); more are closed at
        /// once. Chargers behind one gateway, or every charger behind a TLS proxy on this box, share an address.
        public var connectionsPerAddress = 256
    }

    /// A certificate and key in PEM files.
    public struct TLS: Sendable, Equatable {
        public var certificate: String
        public var key: String
        /// Security profile 3: the CA that signs the chargers' client certificates; every charger then presents one,
        /// and its subject's common name must be the identity it connects as.
        public var clientCA: String?

        public init(certificate: String, key: String, clientCA: String? = nil) {
            self.certificate = certificate
            self.key = key
            self.clientCA = clientCA
        }
    }

    /// The local status and control interface.
    public struct LocalHTTP: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// The file holding the bearer token that changes (and, off loopback, reads) must carry; made on first start,
        /// readable by the edge's user only. By default `http.token` next to the store.
        public var tokenFile: String

        public init(host: String, port: Int, tokenFile: String) {
            self.host = host
            self.port = port
            self.tokenFile = tokenFile
        }
    }

    /// Where the edge keeps its state.
    public struct Store: Sendable, Equatable {
        public var path: String
        /// Meter samples, status changes and events older than this many days are removed (sessions stay).
        public var retentionDays: Int

        public init(path: String, retentionDays: Int = 400) {
            self.path = path
            self.retentionDays = retentionDays
        }
    }

    /// How tokens are authorized while the edge decides alone.
    public struct Authorization: Sendable, Equatable {
        /// What the edge answers for a token it does not know.
        public var unknownTokens: UnknownTokenPolicy
        public var tokens: [TokenEntry]
    }

    /// A token listed in the configuration.
    public struct TokenEntry: Sendable, Equatable {
        public var idTag: String
        public var status: TokenStatus
        public var expiry: Date?
        public var parentIdTag: String?
    }

    /// A station known ahead of its first connection.
    public struct Station: Sendable, Equatable {
        public var id: String
        /// bcrypt hash of the station's Basic auth password (`gridside-edge hash-password`).
        public var passwordHash: String?
        /// How the charger is wired, for load management.
        public var wiring: Wiring
        /// Connectors wired differently from the charger as a whole (connector id → wiring).
        public var connectorWiring: [Int: Wiring] = [:]

        public init(id: String, passwordHash: String?, wiring: Wiring, connectorWiring: [Int: Wiring] = [:]) {
            self.id = id
            self.passwordHash = passwordHash
            self.wiring = wiring
            self.connectorWiring = connectorWiring
        }

        /// How one connector is wired.
        public func wiring(connector: Int) -> Wiring { connectorWiring[connector] ?? wiring }
    }

    /// A charger's electrical connection; unlisted stations get the defaults.
    public struct Wiring: Sendable, Equatable {
        /// The most the charger delivers, in A per phase (its own limit or its breaker's, whichever is lower).
        public var maxCurrent: Double
        /// The grid phase (0, 1, 2 for L1, L2, L3) each of the charger's phases is wired to, in the charger's order.
        public var gridPhases: [Int]
        /// Higher is served first by the `priority` strategy.
        public var priority: Int

        public init(maxCurrent: Double = 32, gridPhases: [Int] = [0, 1, 2], priority: Int = 0) {
            self.maxCurrent = maxCurrent
            self.gridPhases = gridPhases
            self.priority = priority
        }
    }

    /// The site's connection to the grid.
    public struct Grid: Sendable, Equatable {
        /// 1 or 3.
        public var phases: Int
        /// Phase-to-neutral voltage.
        public var voltage: Double
        /// The main fuse, in A per phase.
        public var limit: Double
        /// An optional limit on the total power, in kW.
        public var limitKW: Double?
        /// Current kept free on every phase, in A.
        public var margin: Double

        public init(phases: Int = 3, voltage: Double = 230, limit: Double, limitKW: Double? = nil, margin: Double = 0) {
            self.phases = phases
            self.voltage = voltage
            self.limit = limit
            self.limitKW = limitKW
            self.margin = margin
        }
    }

    /// How the edge shares the grid connection among the cars.
    public struct LoadManagement: Sendable, Equatable {
        public var mode: Mode
        public var strategy: Strategy
        /// The least current a car is offered (IEC 61851: 6 A); below it, the car is paused.
        public var minCurrent: Double
        /// What every connector falls back to when the meter is unreadable, and (through a default charging
        /// profile) when the edge itself stops.
        public var failsafeCurrent: Double
        /// How old the latest meter reading may be before the failsafe engages.
        public var meterTimeout: Duration
        /// How often allocations are recomputed without a new meter reading.
        public var interval: Duration
        /// How long a limit sent to a charger stays valid: the edge renews it halfway; if the edge dies, the charger
        /// falls back to the failsafe between half of this and this after the edge's last cycle.
        public var leaseDuration: Duration
        /// The most a car's limit rises per cycle; decreases apply at once.
        public var rampStep: Double
        /// Changes smaller than this are not sent (decreases always are).
        public var hysteresis: Double
        /// A car that draws clearly less than offered for this long is counted at what it draws.
        public var reclaimAfter: Duration
        /// How long a car keeps its turn before a paused one may take it.
        public var rotationInterval: Duration
        /// The MeterValueSampleInterval (seconds) chargers are set to when theirs is longer or off, with the current
        /// per phase among their sampled values, so that what a car draws is known soon after each new limit; nil
        /// leaves the chargers' own meter values alone.
        public var meterValuesInterval: Int? = 10

        public enum Mode: Sendable, Equatable {
            case off
            /// A fixed current per phase shared among the cars.
            case `static`(currentPerPhase: Double)
            /// What the building leaves free.
            case dynamic
        }

        public enum Strategy: String, Sendable, CaseIterable {
            case equal, fifo, priority
        }

        public static let off = LoadManagement(
            mode: .off, strategy: .equal, minCurrent: 6, failsafeCurrent: 6, meterTimeout: .seconds(10),
            interval: .seconds(1), leaseDuration: .seconds(60), rampStep: 4, hysteresis: 1, reclaimAfter: .seconds(60),
            rotationInterval: .seconds(900))
    }

    /// Logging.
    public struct Log: Sendable, Equatable {
        public var level: String
    }
}

/// What the edge does with a station identity it does not know.
public enum UnknownStationPolicy: String, Sendable, CaseIterable {
    /// Accept it and remember it.
    case accept
    /// Let it connect, but answer its BootNotification with Pending until an operator approves it.
    case pending
    /// Refuse its connection.
    case reject
}

/// What the edge answers for a token it does not know.
public enum UnknownTokenPolicy: String, Sendable, CaseIterable {
    case accept
    case reject
}
