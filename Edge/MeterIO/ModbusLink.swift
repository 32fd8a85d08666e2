import CModbus
import Foundation
import Meters

/// Why a meter could not be read; each case names the meter and what was being done.
public enum MeterError: Error, Sendable, CustomStringConvertible, Equatable {
    case connect(meter: String, address: String, reason: String)
    case read(meter: String, register: Int, reason: String)
    case timeout(meter: String, register: Int)
    case implausible(meter: String, reason: String)
    case notSunSpec(meter: String)

    public var description: String {
        switch self {
        case .connect(let meter, let address, let reason): "meter '\(meter)': cannot connect to \(address): \(reason)"
        case .read(let meter, let register, let reason): "meter '\(meter)': reading register \(register) failed: \(reason)"
        case .timeout(let meter, let register): "meter '\(meter)': no answer reading register \(register)"
        case .implausible(let meter, let reason): "meter '\(meter)': implausible reading rejected: \(reason)"
        case .notSunSpec(let meter): "meter '\(meter)': no SunSpec meter model (201–204) found at 40000, 50000 or 0"
        }
    }
}

/// One libmodbus context: a TCP connection or a serial line. Its calls block, and libmodbus is not thread-safe,
/// so a link is used by one thread only (its bus's) and closed by that thread.
final class ModbusLink {
    let address: ModbusAddress
    private var context: OpaquePointer?
    private(set) var isConnected = false

    init(address: ModbusAddress, timeout: Duration) {
        self.address = address
        switch address {
        case .tcp(let host, let port):
            context = modbus_new_tcp_pi(host, String(port))
        case .rtu(let device, let baud, let parity, let dataBits, let stopBits):
            let p: CChar =
                switch parity {
                case .none: CChar(UInt8(ascii: "N"))
                case .even: CChar(UInt8(ascii: "E"))
                case .odd: CChar(UInt8(ascii: "O"))
                }
            context = modbus_new_rtu(device, Int32(baud), p, Int32(dataBits), Int32(stopBits))
        }
        if let context {
            let (seconds, attoseconds) = timeout.components
            modbus_set_response_timeout(context, UInt32(seconds), UInt32(attoseconds / 1_000_000_000_000))
            modbus_set_error_recovery(context, MODBUS_ERROR_RECOVERY_PROTOCOL)
        }
    }

    /// Opens the connection or the serial port.
    func connect(meter: String) throws(MeterError) {
        guard let context else {
            throw .connect(meter: meter, address: "\(address)", reason: "libmodbus could not create a context")
        }
        if isConnected { return }
        guard modbus_connect(context) == 0 else {
            throw .connect(meter: meter, address: "\(address)", reason: Self.lastError())
        }
        isConnected = true
    }

    /// Reads `count` registers at `start` from the device with Modbus unit id `unit`.
    func read(meter: String, unit: Int, table: RegisterTable, start: Int, count: Int) throws(MeterError) -> [UInt16] {
        guard let context, isConnected else { throw .read(meter: meter, register: start, reason: "not connected") }
        modbus_set_slave(context, Int32(unit))
        var words = [UInt16](repeating: 0, count: count)
        let got = words.withUnsafeMutableBufferPointer { buffer in
            switch table {
            case .holding: modbus_read_registers(context, Int32(start), Int32(count), buffer.baseAddress)
            case .input: modbus_read_input_registers(context, Int32(start), Int32(count), buffer.baseAddress)
            }
        }
        if got == Int32(count) { return words }
        let code = cmodbus_errno()
        if code == ETIMEDOUT { throw .timeout(meter: meter, register: start) }
        if got >= 0 { throw .read(meter: meter, register: start, reason: "got \(got) registers instead of \(count)") }
        // A Modbus exception (illegal address, busy …) leaves the connection usable. After anything else (a reset
        // connection, a garbled or mismatched reply) the stream cannot be trusted: reconnect.
        if !(Int32(MODBUS_ENOBASE) + 1...Int32(MODBUS_ENOBASE) + 11).contains(code) { close() }
        throw .read(meter: meter, register: start, reason: String(cString: modbus_strerror(code)))
    }

    func close() {
        guard let context, isConnected else { return }
        modbus_close(context)
        isConnected = false
    }

    /// Closes and frees the context; the link is unusable afterwards.
    func free() {
        close()
        if let context { modbus_free(context) }
        context = nil
    }

    private static func lastError() -> String { String(cString: modbus_strerror(cmodbus_errno())) }
}
