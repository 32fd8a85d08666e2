import Foundation

/// How clients are told apart by their address.
public enum ClientAddress {
    /// What one client's requests or connections count against: an IPv4 address itself; for IPv6 the /64 (one
    /// customer's network, from which a client may take any of 2^64 addresses); an IPv4-mapped IPv6 address as its
    /// IPv4 one. Anything else is returned as it is.
    public static func group(_ address: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard address.contains(":"), inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }
}
