import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import OCPP
import Synchronization

/// Drives an OCPP central system with many stations over real WebSockets and reports sustained CALL→CALLRESULT
/// round trips per second and their latency. Each station keeps one CALL outstanding, as OCPP requires.
@main
struct GridsideBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridside-bench",
        abstract: "Gridside edge benchmarks.",
        subcommands: [OCPPLoad.self, AllocationBench.self, JSONBench.self],
        defaultSubcommand: OCPPLoad.self)
}

struct OCPPLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpp",
        abstract: "OCPP 1.6J load: N stations sending MeterValues (and a transaction every so often).")

    @Option(help: "The central system's OCPP base URL; station ids are appended.") var url = "ws://127.0.0.1:9000/ocpp"
    @Option(help: "Concurrent stations.") var stations = 1000
    @Option(help: "Measured seconds.") var duration = 20
    @Option(help: "Seconds of load before measuring.") var warmup = 3
    @Option(help: "Total round trips per second to offer (open loop); 0 sends as fast as answers come (closed loop).")
    var rate = 0
    @Option(help: "A StopTransaction and StartTransaction pair after this many MeterValues per station.")
    var transactionEvery = 50
    @Option(help: "Station id prefix.") var prefix = "BENCH"
    @Option(help: "Threads of the load generator (it shares the machine's cores with the edge it measures).")
    var threads = 1
    @Option(
        help: """
            Sampled values per MeterValues: 7 (energy, power, three phase currents, voltage, SoC) or 1 (the energy \
            register alone, OCPP 1.6's default MeterValuesSampledData).
            """)
    var sampledValues = 7

    func validate() throws {
        guard sampledValues == 1 || sampledValues == 7 else { throw ValidationError("--sampled-values must be 1 or 7") }
        guard stations >= 1, duration >= 1, warmup >= 0, rate >= 0, transactionEvery >= 1, threads >= 1 else {
            throw ValidationError(
                "--stations, --duration, --transaction-every and --threads must be positive; --warmup and --rate not negative"
            )
        }
        guard let target = URL(string: url), target.scheme == "ws", target.host != nil else {
            throw ValidationError("--url must be a ws:// URL, such as ws://127.0.0.1:9000/ocpp")
        }
        _ = target
    }

    func run() async throws {
        let target = URL(string: url)!
        let board = Board(stations: stations)
        let interval: Duration? = rate > 0 ? .nanoseconds(Int64(Double(stations) / Double(rate) * 1e9)) : nil
        let settings = StationLoad.Settings(
            host: target.host!, port: target.port ?? 80, path: target.path, interval: interval,
            transactionEvery: transactionEvery, sampledValues: sampledValues, warmup: .seconds(warmup),
            duration: .seconds(duration))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        print("connecting \(stations) stations to \(url) …")
        var running: [EventLoopFuture<StationLoad.Result>] = []
        for index in 0..<stations {
            let id = "\(prefix)-\(String(format: "%05d", index + 1))"
            running.append(StationLoad(stationId: id, settings: settings, board: board).run(on: group))
            if index % 50 == 49 { try await Task.sleep(for: .milliseconds(20)) }
        }
        var results: [StationLoad.Result] = []
        for station in running { results.append(try await station.get()) }
        try await group.shutdownGracefully()
        report(results, board: board)
        if results.allSatisfy({ $0.error != nil }) { throw ExitCode.failure }
    }

    private func report(_ results: [StationLoad.Result], board: Board) {
        let failed = results.filter { $0.error != nil }
        var latencies = results.flatMap(\.latencies).map {
            Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1000
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
        let measured = Double(duration)
        let errors = results.reduce(0) { $0 + $1.callErrors }
        print("stations connected:   \(results.count - failed.count) of \(results.count)")
        if let first = failed.first?.error { print("first connection error: \(first)") }
        print("payload:              MeterValues with \(sampledValues) sampled value\(sampledValues == 1 ? "" : "s")")
        print(
            "mode:                 \(rate > 0 ? "open loop, \(rate) round trips/s offered" : "closed loop (as fast as answered)")"
        )
        print("round trips measured: \(latencies.count) in \(duration) s = \(Int(Double(latencies.count) / measured)) per second")
        print("CALLERRORs:           \(errors)")
        print(
            String(
                format: "latency ms:           p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f",
                percentile(0.5), percentile(0.9), percentile(0.99), percentile(0.999), latencies.last ?? .nan))
    }
}

/// Connection progress shared by all stations: everyone starts measuring at the same moment.
final class Board: Sendable {
    let stations: Int
    private let state = Mutex<(ready: Int, start: ContinuousClock.Instant?)>((0, nil))

    init(stations: Int) { self.stations = stations }

    /// Called by each station once connected; the last one sets the common start.
    func ready() {
        state.withLock { state in
            state.ready += 1
            if state.ready == stations { state.start = .now }
        }
    }

    /// A station that failed to connect counts as ready, so the others are not held up.
    func gaveUp() { ready() }

    var startedAt: ContinuousClock.Instant? { state.withLock { $0.start } }
}
