import Foundation

/// Where a meter is reached: a Modbus TCP endpoint or an RS-485 serial line (RTU).
///
/// Written as URLs in the config: `tcp://192.168.1.50:502` (port 502 when omitted) and
/// `rtu:///dev/ttyUSB0?baud=9600&parity=N&data=8&stop=1` (those are the defaults). Meters on the same serial
/// line share one bus and are polled in turn.
public enum ModbusAddress: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case rtu(device: String, baud: Int, parity: Parity, dataBits: Int, stopBits: Int)

    public enum Parity: String, Sendable, Hashable {
        case none = "N", even = "E", odd = "O"
    }

    /// Parses a meter URL, or throws a message that says what is wrong with it.
    public init(parsing text: String) throws(ModbusAddressError) {
        if text.hasPrefix("tcp://") {
            let rest = text.dropFirst("tcp://".count)
            guard !rest.isEmpty, !rest.contains("/") || rest.hasSuffix("/") else {
                throw ModbusAddressError("'\(text)' should be tcp://host:port")
            }
            let hostPort = rest.hasSuffix("/") ? rest.dropLast() : rest
            var host = String(hostPort)
            var port = 502
            if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
                host = String(hostPort[..<colon])
                guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(number) else {
                    throw ModbusAddressError("'\(text)' has no valid port (1–65535)")
                }
                port = number
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { throw ModbusAddressError("'\(text)' names no host") }
            self = .tcp(host: host, port: port)
        } else if text.hasPrefix("rtu://") {
            let rest = text.dropFirst("rtu://".count)
            let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let device = String(parts[0])
            guard device.hasPrefix("/"), device.count > 1 else {
                throw ModbusAddressError("'\(text)' should name a serial device, as in rtu:///dev/ttyUSB0?baud=9600")
            }
            var baud = 9600
            var parity = Parity.none
            var dataBits = 8
            var stopBits = 1
            if parts.count == 2 {
                for pair in parts[1].split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    guard kv.count == 2 else { throw ModbusAddressError("'\(text)': '\(pair)' is not key=value") }
                    switch kv[0] {
                    case "baud":
                        guard let value = Int(kv[1]), [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200].contains(value) else {
                            throw ModbusAddressError("'\(text)': baud must be one of 1200 … 115200, not \(kv[1])")
                        }
                        baud = value
                    case "parity":
                        guard let value = Parity(rawValue: kv[1].uppercased()) else {
                            throw ModbusAddressError("'\(text)': parity must be N, E or O, not \(kv[1])")
                        }
                        parity = value
                    case "data":
                        guard let value = Int(kv[1]), (5...8).contains(value) else {
                            throw ModbusAddressError("'\(text)': data bits must be 5 to 8, not \(kv[1])")
                        }
                        dataBits = value
                    case "stop":
                        guard let value = Int(kv[1]), (1...2).contains(value) else {
                            throw ModbusAddressError("'\(text)': stop bits must be 1 or 2, not \(kv[1])")
                        }
                        stopBits = value
                    default:
                        throw ModbusAddressError("'\(text)': unknown setting '\(kv[0])' (baud, parity, data, stop)")
                    }
                }
            }
            self = .rtu(device: device, baud: baud, parity: parity, dataBits: dataBits, stopBits: stopBits)
        } else {
            throw ModbusAddressError("'\(text)' should start with tcp:// or rtu://")
        }
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): "tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .rtu(let device, let baud, let parity, let data, let stop):
            "rtu://\(device)?baud=\(baud)&parity=\(parity.rawValue)&data=\(data)&stop=\(stop)"
        }
    }
}

/// A meter URL that cannot be used, with the reason.
public struct ModbusAddressError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
