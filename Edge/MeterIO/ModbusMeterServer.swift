import CModbus
import Foundation
public import Meters
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A Modbus TCP server (libmodbus in server mode) that answers like a meter of the given profile, with values
/// from `measurement` at the moment of each request. The simulator's building meter; tests read it too.
public final class ModbusMeterServer: Sendable {
    let host: String
    let requestedPort: Int
    let profile: MeterProfile
    let measurement: @Sendable () -> MeterMeasurement?
    private let boundPort = Mutex<Int?>(nil)
    private let stopping = Atomic<Bool>(false)

    /// `measurement` returning nil makes the meter stop answering (a dead meter), without closing connections.
    public init(
        host: String, port: Int, profile: MeterProfile = .sdm630, measurement: @escaping @Sendable () -> MeterMeasurement?
    ) {
        self.host = host
        self.requestedPort = port
        self.profile = profile
        self.measurement = measurement
    }

    /// The port listened on, once `run` has started listening.
    public var port: Int? { boundPort.withLock { $0 } }

    /// Serves until the task is cancelled.
    public func run() async throws {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let result: Result<Void, any Error> = await withTaskCancellationHandler {
            do {
                return .success(try await thread.runIfActive { try self.serve() })
            } catch {
                return .failure(error)
            }
        } onCancel: {
            self.stopping.store(true, ordering: .relaxed)
        }
        try await thread.shutdownGracefully()
        try result.get()
    }

    private func serve() throws {
        guard let context = modbus_new_tcp(host, Int32(requestedPort)) else {
            throw ServerError("libmodbus could not create a TCP context for \(host):\(requestedPort)")
        }
        defer { modbus_free(context) }
        let highest = profile.fields.map { $0.address + $0.type.words }.max() ?? 1
        guard let mapping = modbus_mapping_new(0, 0, Int32(highest), Int32(highest)) else {
            throw ServerError("libmodbus could not allocate the register map")
        }
        defer { modbus_mapping_free(mapping) }
        let listener = modbus_tcp_listen(context, 8)
        guard listener >= 0 else {
            throw ServerError("cannot listen on \(host):\(requestedPort): \(String(cString: modbus_strerror(cmodbus_errno())))")
        }
        defer { Glibc.close(listener) }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        boundPort.withLock { $0 = Int(UInt16(bigEndian: address.sin_port)) }

        var clients: Set<Int32> = []
        defer { for client in clients { Glibc.close(client) } }
        var query = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
        while !stopping.load(ordering: .relaxed) {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            fds += clients.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), 200) > 0 else { continue }
            for entry in fds where entry.revents != 0 {
                if entry.fd == listener {
                    let client = accept(listener, nil, nil)
                    if client >= 0 { clients.insert(client) }
                    continue
                }
                modbus_set_socket(context, entry.fd)
                let received = query.withUnsafeMutableBufferPointer { modbus_receive(context, $0.baseAddress) }
                if received <= 0 {
                    // The client closed, or sent something libmodbus rejected: drop it.
                    if received < 0 {
                        Glibc.close(entry.fd)
                        clients.remove(entry.fd)
                    }
                    continue
                }
                guard let now = measurement() else { continue }  // a dead meter reads requests and answers nothing
                fill(mapping.pointee, from: now)
                _ = query.withUnsafeBufferPointer { modbus_reply(context, $0.baseAddress, received, mapping) }
            }
        }
    }

    private func fill(_ mapping: modbus_mapping_t, from measurement: MeterMeasurement) {
        for field in profile.fields {
            let index = (field.phase ?? 1) - 1
            let value: Double? =
                switch field.quantity {
                case .current: measurement.current[index]
                case .voltage: measurement.voltage[index]
                case .power: measurement.power[index]
                case .totalPower: measurement.totalPower
                case .importEnergy: measurement.importEnergy
                }
            let words = RegisterValue.encode((value ?? 0) / field.scale, as: field.type, order: field.order)
            let table = field.table == .input ? mapping.tab_input_registers : mapping.tab_registers
            for (offset, word) in words.enumerated() { table?[field.address + offset] = word }
        }
    }

    struct ServerError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
