import NIOConcurrencyHelpers
public import NIOCore

/// Open connections per client address (security review, finding 17): one client cannot hold thousands of sockets
/// (each a descriptor, a TLS context and buffers) while others connect. The edge bounds its OCPP port with it (chargers
/// on a site usually have an address each; the bound leaves room for several behind one gateway), the cloud its HTTPS
/// port (browsers open a handful each; the bound leaves room for an office behind one address).
public final class ConnectionsPerAddress: Sendable {
    public let limit: Int
    /// Whether an IPv6 client's whole /64 counts as one (``ClientAddress/group(_:)``): on the internet one client can
    /// take any address of its /64; on a site's LAN every charger is in the same /64.
    let byPrefix: Bool
    private let open = NIOLockedValueBox<[String: Int]>([:])

    public init(limit: Int = 256, ipv6Prefix: Bool = false) {
        self.limit = limit
        byPrefix = ipv6Prefix
    }

    /// Counts `channel`'s connection until it closes; false (nothing counted) when its address is at the limit.
    public func admit(_ channel: any Channel) -> Bool {
        guard let ip = channel.remoteAddress?.ipAddress else { return true }
        let address = byPrefix ? ClientAddress.group(ip) : ip
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
