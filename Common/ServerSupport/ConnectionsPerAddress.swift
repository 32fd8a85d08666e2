import NIOConcurrencyHelpers
public import NIOCore

/// Open connections per client address (security review, finding 17): one client cannot hold thousands of sockets
/// (each a descriptor, a TLS context and buffers) while others connect. The edge bounds its OCPP port with it (chargers
/// on a site usually have an address each; the bound leaves room for several behind one gateway), the cloud its HTTPS
/// port (browsers open a handful each; the bound leaves room for an office behind one address).
public final class ConnectionsPerAddress: Sendable {
    public let limit: Int
    private let open = NIOLockedValueBox<[String: Int]>([:])

    public init(limit: Int = 256) { self.limit = limit }

    /// Counts `channel`'s connection until it closes; false (nothing counted) when its address is at the limit.
    public func admit(_ channel: any Channel) -> Bool {
        guard let address = channel.remoteAddress?.ipAddress else { return true }
        let admitted = open.withLockedValue { open in
            guard open[address, default: 0] < limit else { return false }
            open[address, default: 0] += 1
            return true
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { _ in
            self.open.withLockedValue { open in
                let left = open[address, default: 1] - 1
                open[address] = left > 0 ? left : nil
            }
        }
        return true
    }

    public func count(_ address: String) -> Int { open.withLockedValue { $0[address, default: 0] } }
}
