public import Foundation
public import Logging
import OCPP
import Synchronization

/// One live connection of one station: its outgoing calls and what the edge knows about it right now.
///
/// A station that reconnects gets a new session; the old one is closed and its calls fail.
public final class StationSession: Sendable {
    public let stationId: String
    /// The negotiated OCPP version, e.g. `ocpp1.6`.
    public let subprotocol: String
    public let remoteAddress: String
    public let connectedAt: Date
    let transport: any StationTransport
    let outgoing: OutgoingCallQueue
    public let logger: Logger
    private let state: Mutex<State>

    struct State {
        var approval: StationApprovalState
        var lastMessageAt: Date
        var closed = false
    }
    private let quotas: StationQuotas

    init(
        stationId: String, subprotocol: String, remoteAddress: String, approval: StationApprovalState,
        transport: any StationTransport, logger: Logger, now: Date, quotas: StationQuotas = StationQuotas()
    ) {
        self.quotas = quotas
        self.stationId = stationId
        self.subprotocol = subprotocol
        self.remoteAddress = remoteAddress
        self.connectedAt = now
        self.transport = transport
        var logger = logger
        logger[metadataKey: "station"] = .string(stationId)
        self.logger = logger
        state = Mutex(State(approval: approval, lastMessageAt: now))
        let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 36) + "-"
        outgoing = OutgoingCallQueue(idPrefix: prefix) { frame in try await transport.send(frame.encoded()) }
    }

    /// Whether the station may do more than boot.
    var approval: StationApprovalState {
        get { state.withLock { $0.approval } }
        set { state.withLock { $0.approval = newValue } }
    }

    /// Whether the station has been accepted (booted, and approved when approval is needed).
    public var isAccepted: Bool { approval == .accepted }

    /// When the station last sent anything.
    public var lastMessageAt: Date { state.withLock { $0.lastMessageAt } }

    /// Takes one of the station's share of `kind` (see ``StationQuota``); false when it has used it for now.
    func allow(_ kind: StationQuota.Kind, now: Date) -> Bool { quotas.allow(stationId, kind, now: now) }

    /// Notes that the station showed a sign of life (any frame, a pong included).
    public func touch(_ now: Date) { state.withLock { $0.lastMessageAt = now } }

    /// Marks the session closed; returns false when it already was.
    func markClosed() -> Bool {
        state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
    }
}

/// Whether a connected station has been let in.
enum StationApprovalState: Sendable {
    case accepted
    case pending
    case rejected
}
