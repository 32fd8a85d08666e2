public import Foundation
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
    }

    /// A certificate and key in PEM files.
    public struct TLS: Sendable, Equatable {
        public var certificate: String
        public var key: String
    }

    /// The local status and control interface.
    public struct LocalHTTP: Sendable, Equatable {
        public var host: String
        public var port: Int
    }

    /// Where the edge keeps its state.
    public struct Store: Sendable, Equatable {
        public var path: String
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

/// One thing wrong with a configuration: the key, and what is wrong with its value.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// Dotted path of the key, e.g. `ocpp.port` or `stations[2].id`.
    public var key: String
    public var reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "\(key): \(reason)" }
}

/// A configuration that cannot be used, with every problem found in it.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [ConfigProblem]

    public init(file: String, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        "\(file) has \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
