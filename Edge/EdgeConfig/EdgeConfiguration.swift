public import Foundation
public import LoadManagement
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
        /// A password still admitted until a time: the one before a change the charger takes at its next reboot.
        public var formerPassword: FormerPassword?

        public struct FormerPassword: Sendable, Equatable {
            public var hash: String
            public var until: Date

            public init(hash: String, until: Date) {
                self.hash = hash
                self.until = until
            }
        }

        public init(id: String, passwordHash: String?, wiring: Wiring, connectorWiring: [Int: Wiring] = [:]) {
            self.id = id
            self.passwordHash = passwordHash
            self.wiring = wiring
            self.connectorWiring = connectorWiring
        }

        /// How one connector is wired.
        public func wiring(connector: Int) -> Wiring { connectorWiring[connector] ?? wiring }
    }

    /// A charger's electrical connection, the site's grid connection and how load management shares it: the load
    /// planner's own value types (in `LoadManagement`), read from `edge.yaml`.
    public typealias Wiring = ChargerWiring
    public typealias Grid = GridSettings
    public typealias LoadManagement = LoadManagementSettings

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
