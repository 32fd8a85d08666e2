public import HummingbirdCore
public import Logging
public import NIOCore

/// A server's child channels, each admitted by ``ConnectionsPerAddress`` before anything else is set up on it (before
/// TLS, so a refused connection costs no handshake): one beyond its address's limit is closed at once, logged and
/// counted by `refused`.
public struct LimitedChannel<Base: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Base.Value

    let base: Base
    let connections: ConnectionsPerAddress
    let refused: @Sendable () -> Void

    public init(_ base: Base, connections: ConnectionsPerAddress, refused: @escaping @Sendable () -> Void = {}) {
        self.base = base
        self.connections = connections
        self.refused = refused
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard connections.admit(channel) else {
            refused()
            logger.warning(
                "connection refused: too many open from one address",
                metadata: ["remote": "\(channel.remoteAddress?.description ?? "unknown")", "limit": "\(connections.limit)"])
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.inputClosed)
        }
        return base.setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension LimitedChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    public var responder: HTTPChannelHandler.Responder { base.responder }
}
