public import Logging
public import Meters
import NIOPosix
public import ServiceLifecycle

/// Polls the meters of one bus (a TCP connection or an RS-485 line) in turn, on a thread of its own: libmodbus
/// blocks and is not thread-safe, so it never runs on the cooperative pool. Unreadable meters are retried with
/// backoff (up to 30 s); readings go to the board.
public struct MeterBus: Service {
    let address: ModbusAddress
    let meters: [MeterSettings]
    let board: MeterBoard
    let plausibility: Plausibility
    let logger: Logger

    public init(address: ModbusAddress, meters: [MeterSettings], board: MeterBoard, plausibility: Plausibility, logger: Logger) {
        self.address = address
        self.meters = meters
        self.board = board
        self.plausibility = plausibility
        self.logger = logger
    }

    /// One bus per serial line or TCP endpoint, for the given meters.
    public static func buses(
        for meters: [MeterSettings], board: MeterBoard, plausibility: Plausibility, logger: Logger
    ) -> [MeterBus] {
        var order: [String] = []
        var grouped: [String: [MeterSettings]] = [:]
        for meter in meters {
            if grouped[meter.busKey] == nil { order.append(meter.busKey) }
            grouped[meter.busKey, default: []].append(meter)
        }
        return order.map { key in
            let group = grouped[key]!
            return MeterBus(address: group[0].address, meters: group, board: board, plausibility: plausibility, logger: logger)
        }
    }

    public func run() async throws {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let reader = UnsafeTransfer(MeterReader(address: address, meters: meters, plausibility: plausibility, logger: logger))
        logger.info("polling meters", metadata: ["bus": "\(address)", "meters": "\(meters.map(\.name).joined(separator: ","))"])
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    let due = try await thread.runIfActive { () -> ContinuousClock.Instant in
                        reader.value.pollDue(board: board)
                        return reader.value.nextDue
                    }
                    try await Task.sleep(until: due)
                }
            }
        } catch is CancellationError {
        } catch {
            logger.error("meter bus stopped", metadata: ["bus": "\(address)", "error": "\(error)"])
        }
        try? await thread.runIfActive { reader.value.close() }
        try await thread.shutdownGracefully()
    }

    /// Reads every meter of the bus once, for `gridside-edge check`.
    public func probe() async -> [(meter: MeterSettings, result: Result<(MeterMeasurement, String), MeterError>)] {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let reader = UnsafeTransfer(MeterReader(address: address, meters: meters, plausibility: plausibility, logger: logger))
        let results =
            (try? await thread.runIfActive { () -> [Result<(MeterMeasurement, String), MeterError>] in
                defer { reader.value.close() }
                return reader.value.probe()
            }) ?? []
        try? await thread.shutdownGracefully()
        return Array(zip(meters, results))
    }
}

/// Hands a non-Sendable value to the one thread that will use it from then on.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
