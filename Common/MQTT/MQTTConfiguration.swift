/// Where and how an ``MQTTClient`` connects.
public struct MQTTConfiguration: Sendable, Equatable {
    /// The broker, parsed from `mqtt://host:port` or `mqtts://host:port`.
    public var broker: MQTTBroker
    /// Unique per connection: the broker drops an older connection with the same id.
    public var clientId: String
    public var username: String?
    public var password: String?
    /// Certificates for `mqtts://`; without them the system's CA store is used.
    public var tls: MQTTTLSFiles?
    /// Published by the broker when this client goes away without disconnecting.
    public var will: MQTTMessage?
    /// With `false`, the broker keeps this client's subscriptions and queues its QoS 1 messages while it is away.
    public var cleanSession: Bool
    /// Seconds between pings when nothing else is sent; a broker that stays silent for 1.5 times that is gone.
    public var keepAlive: Int
    /// The first and the longest wait between reconnection attempts, in seconds (doubling in between, each wait drawn
    /// from the upper half of its step: see ``ReconnectBackoff``). The longest wait bounds how long after the broker's
    /// return the client is back.
    public var reconnectDelay: (min: Int, max: Int)
    /// QoS 1 messages in flight (sent, PUBACK not yet received) at once.
    public var maxInflight: Int
    /// Received messages held for a consumer that falls behind; beyond that, newer ones are dropped, logged and
    /// counted (their senders resend what is not acknowledged).
    public var receiveBuffer: Int
    /// The same bound in bytes of payload: a few large messages must not hold what many small ones may (security
    /// review, finding 16).
    public var receiveBufferBytes: Int
    /// A received payload larger than this is dropped (logged and counted) before it is copied; nil: no limit.
    public var maxReceivedPayloadBytes: Int?

    public init(
        broker: MQTTBroker, clientId: String, username: String? = nil, password: String? = nil, tls: MQTTTLSFiles? = nil,
        will: MQTTMessage? = nil, cleanSession: Bool = true, keepAlive: Int = 30, reconnectDelay: (min: Int, max: Int) = (1, 5),
        maxInflight: Int = 100, receiveBuffer: Int = 10_000, receiveBufferBytes: Int = 256 << 20,
        maxReceivedPayloadBytes: Int? = nil
    ) {
        self.receiveBufferBytes = receiveBufferBytes
        self.maxReceivedPayloadBytes = maxReceivedPayloadBytes
        self.broker = broker
        self.clientId = clientId
        self.username = username
        self.password = password
        self.tls = tls
        self.will = will
        self.cleanSession = cleanSession
        self.keepAlive = keepAlive
        self.reconnectDelay = reconnectDelay
        self.maxInflight = maxInflight
        self.receiveBuffer = receiveBuffer
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.broker == rhs.broker && lhs.clientId == rhs.clientId && lhs.username == rhs.username
            && lhs.password == rhs.password && lhs.tls == rhs.tls && lhs.will == rhs.will
            && lhs.cleanSession == rhs.cleanSession && lhs.keepAlive == rhs.keepAlive
            && lhs.reconnectDelay == rhs.reconnectDelay && lhs.maxInflight == rhs.maxInflight
            && lhs.receiveBuffer == rhs.receiveBuffer && lhs.receiveBufferBytes == rhs.receiveBufferBytes
            && lhs.maxReceivedPayloadBytes == rhs.maxReceivedPayloadBytes
    }
}

/// A broker address.
public struct MQTTBroker: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var tls: Bool

    public init(host: String, port: Int, tls: Bool) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// Parses `mqtt://host[:port]` (1883 by default) or `mqtts://host[:port]` (8883).
    public init(url: String) throws(MQTTError) {
        let tls: Bool
        let rest: Substring
        if url.hasPrefix("mqtt://") {
            tls = false
            rest = url.dropFirst("mqtt://".count)
        } else if url.hasPrefix("mqtts://") {
            tls = true
            rest = url.dropFirst("mqtts://".count)
        } else {
            throw .invalidURL(url, reason: "must start with mqtt:// or mqtts://")
        }
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var host = Substring(authority)
        var port = tls ? 8883 : 1883
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = authority[..<colon]
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw .invalidURL(url, reason: "the port must be a number from 1 to 65535")
            }
            port = parsed
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { throw .invalidURL(url, reason: "no host") }
        self.init(host: String(host), port: port, tls: tls)
    }

    public var description: String { "\(tls ? "mqtts" : "mqtt")://\(host):\(port)" }
}

/// PEM files for a TLS connection to the broker.
public struct MQTTTLSFiles: Sendable, Equatable {
    /// The CA that signed the broker's certificate; nil uses the system's CA store.
    public var caFile: String?
    /// A client certificate and its key, for brokers that authenticate clients by certificate.
    public var certificate: String?
    public var key: String?

    public init(caFile: String? = nil, certificate: String? = nil, key: String? = nil) {
        self.caFile = caFile
        self.certificate = certificate
        self.key = key
    }
}

/// A message as published or received.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var retain: Bool

    public init(topic: String, payload: [UInt8], retain: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.retain = retain
    }
}

/// Every message and subscription uses QoS 1 (at least once): Gridside's receivers de-duplicate by sequence
/// number, so QoS 2's extra round trip buys nothing, and QoS 0 could lose a message without anyone noticing.
let qualityOfService: Int32 = 1

/// What went wrong talking to the broker.
public enum MQTTError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    case invalidConfiguration(String)
    case notConnected
    /// The connection dropped before the broker acknowledged the message.
    case disconnected
    case shutDown
    /// libmosquitto refused a call.
    case library(call: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): "invalid broker URL '\(url)': \(reason)"
        case .invalidConfiguration(let reason): "invalid MQTT configuration: \(reason)"
        case .notConnected: "not connected to the broker"
        case .disconnected: "the connection to the broker dropped before the message was acknowledged"
        case .shutDown: "the MQTT client is shut down"
        case .library(let call, let code, let message): "\(call) failed (\(code)): \(message)"
        }
    }
}
