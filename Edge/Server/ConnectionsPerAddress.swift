import NIOConcurrencyHelpers
import NIOCore

/// Open connections to the OCPP port per client address (security review, finding 17): one device cannot hold
/// thousands of sockets (each a descriptor, a TLS context and buffers) while real chargers reconnect. Chargers on a
/// site usually have an address each; the bound leaves room for several behind one gateway.
final class ConnectionsPerAddress: Sendable {
    static let limit = 256
    private let open = NIOLockedValueBox<[String: Int]>([:])

    /// Counts `channel`'s connection until it closes; false (nothing counted) when its address is at the limit.
    func admit(_ channel: any Channel, limit: Int = ConnectionsPerAddress.limit) -> Bool {
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

    func count(_ address: String) -> Int { open.withLockedValue { $0[address, default: 0] } }
}
