import ArgumentParser
import CloudAPI
import CloudCore
import CloudStore
import CloudWeb
import Foundation
import Logging
import MQTT
import SiteModel
import SyncContract
import Synchronization

@main
struct CloudBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridside-cloud-bench",
        abstract: "Benchmarks of the cloud: MQTT ingest against mosquitto alone, and a store of many sessions.",
        subcommands: [Ingest.self, Populate.self, PricingRun.self, ReportRun.self, OCPIPushRun.self])
}

extension CloudBench {
    /// Registers sites (and optionally sessions) straight in a store, for the cloud to serve.
    struct Populate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fill a cloud store: sites, an API token, sessions.")
        @Option(help: "The SQLite file.") var store: String
        @Option(help: "Sites bench-000 … to register.") var sites = 100
        @Option(help: "Finished sessions to add, spread over the sites and a year.") var sessions = 0
        @Option(
            help: """
                Stations per site (<site>-CP0 …, two connectors each, in a mix of states, a third of them charging, \
                one in fifty faulted, one in a hundred disconnected).
                """)
        var stationsPerSite = 0
        @Option(help: "A dashboard admin with this password (user 'bench').") var userPassword: String?
        @Option(help: "The wall clock the store's report day sums are kept on.") var reportClock = "GMT"
        @Flag(help: "A notification rule on faults and unavailable connectors everywhere (quiet period 15 minutes).")
        var notificationRule = false

        func run() async throws {
            guard let dayClock = TimeZone(identifier: reportClock) else {
                throw ValidationError("--report-clock: no time zone '\(reportClock)'")
            }
            let repository = try SQLiteRepository(path: store, reportClock: dayClock)
            let now = Date()
            for index in 0..<sites { _ = try? await repository.addSite(id: Self.site(index), name: "Bench \(index)", at: now) }
            let (record, token) = APITokens.create(name: "bench", role: .admin, at: now)
            try await repository.addAPIToken(record)
            print("token \(token)")
            if let userPassword {
                let hash = try await Users.hashPassword(userPassword)
                try await repository.addUser(
                    UserRecord(id: "bench", name: "Bench", passwordHash: hash, role: "admin", createdAt: now))
            }
            if stationsPerSite > 0 { try await addStations(repository, now: now) }
            if notificationRule {
                try await repository.saveRule(
                    NotificationRule(
                        id: "bench-faults", name: "Faults", events: [.stationFaulted, .connectorUnavailable], quietMinutes: 15,
                        createdAt: now))
            }
            let clock = ContinuousClock()
            let started = clock.now
            var seq: [Int64] = Array(repeating: 0, count: sites)
            let batch = 20_000
            for first in stride(from: 0, to: sessions, by: batch) {
                var envelopes: [UpEnvelope] = []
                for n in first..<min(first + batch, sessions) {
                    let site = n % sites
                    seq[site] += 1
                    let start = now.addingTimeInterval(-Double(sessions - n) * 31_536_000 / Double(max(1, sessions)))
                    envelopes.append(
                        UpEnvelope(
                            site: Self.site(site), seq: seq[site], timestamp: start,
                            message: .sessionStop(
                                SessionStopped(
                                    station: "\(Self.site(site))-CP\(n % 20)", connector: 1 + n % 2, transactionId: n,
                                    idTag: "CARD-\(n % 5000)", meterStartWh: 0, startTime: start, meterStopWh: Double(n % 60_000),
                                    stopTime: start.addingTimeInterval(3600), reason: "Local"))))
                }
                _ = try await repository.apply(envelopes, receivedAt: now)
            }
            if sessions > 0 { print("populated \(sessions) sessions in \(clock.now - started)") }
            try repository.close()
        }

        static func site(_ index: Int) -> String { String(format: "bench-%03d", index) }
        /// The stations' vendors, in turn: the fleet list's filters have something to choose.
        static let vendors = ["Bench", "Alpine", "Cobalt"]

        /// Stations as their edges would report them: boot, connection, each connector's state, a session on the
        /// charging ones. Written with seqs far above what `ingest` uses.
        private func addStations(_ repository: SQLiteRepository, now: Date) async throws {
            var transaction = 10_000_000
            for site in 0..<sites {
                var envelopes: [UpEnvelope] = []
                var seq: Int64 = 1_000_000_000
                func add(_ message: UpMessage) {
                    seq += 1
                    envelopes.append(UpEnvelope(site: Self.site(site), seq: seq, timestamp: now, message: message))
                }
                for n in 0..<stationsPerSite {
                    let station = "\(Self.site(site))-CP\(n)"
                    add(
                        .stationBoot(
                            StationBoot(
                                station: station, vendor: Self.vendors[n % Self.vendors.count], model: "B-2\(n % 2)",
                                serialNumber: station, firmwareVersion: "1.\(n % 4)", approval: "accepted", time: now)))
                    add(
                        .stationConnection(
                            StationConnection(station: station, connected: n % 100 != 99, time: now, protocol: "ocpp1.6")))
                    for connector in 1...2 {
                        let k = n * 2 + connector
                        let status: ConnectorStatus =
                            k % 50 == 0 ? .faulted : k % 3 == 0 ? .charging : k % 7 == 0 ? .unavailable : .available
                        add(
                            .connectorStatus(
                                ConnectorStatusChange(
                                    station: station, connector: connector, status: .known(status),
                                    errorCode: status == .faulted ? "GroundFailure" : "NoError", info: nil, vendorId: nil,
                                    vendorErrorCode: status == .faulted ? "E-17" : nil, time: now)))
                        if status == .charging {
                            transaction += 1
                            add(
                                .sessionStart(
                                    SessionStarted(
                                        station: station, connector: connector, transactionId: transaction, idTag: "CARD-\(k)",
                                        authStatus: "Accepted", meterStartWh: 0, startTime: now.addingTimeInterval(-1800))))
                            add(
                                .sessionUpdate(
                                    SessionProgress(
                                        station: station, connector: connector, transactionId: transaction, time: now,
                                        energyWh: 3500, powerW: 7000, currentA: 10, soc: 55)))
                        }
                    }
                }
                _ = try await repository.apply(envelopes, receivedAt: now)
            }
            print("populated \(sites * stationsPerSite) stations")
        }
    }

    /// Publishes from many sites through the broker and times (a) a plain subscriber receiving them — what
    /// mosquitto alone delivers — and (b) the cloud acknowledging every one after writing it. Each site keeps at
    /// most `window` messages that have not arrived (a), or that the cloud has not acknowledged (b), as an edge
    /// does with its outbox.
    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "MQTT ingest throughput, with mosquitto alone as the ceiling.")
        @Option(help: "The broker the cloud listens to.") var broker: String
        @Option(help: "Publishing sites (registered in the cloud as bench-000 …).") var sites = 100
        @Option(help: "Messages per phase, over all sites.") var messages = 200_000
        @Option(help: "Messages each site keeps unacknowledged (an edge keeps at most 1,000).") var window = 200
        @Option(
            help: """
                Stations flapping (one a site, Faulted and Available in turn, a change a second each): the cloud's phase is \
                then run in turns without and with them, `rounds` times each.
                """)
        var flapping = 0
        @Option(help: "Rounds of the cloud's phase without and with the flapping stations.") var rounds = 3

        func validate() throws {
            guard sites >= 1, messages >= sites else { throw ValidationError("--sites at least 1, --messages at least --sites") }
            guard rounds >= 1, flapping >= 0 else { throw ValidationError("--rounds at least 1, --flapping 0 or more") }
        }

        func run() async throws {
            var logger = Logger(label: "bench")
            logger.logLevel = .warning
            let url = try MQTTBroker(url: broker)
            let perSite = messages / sites
            let ceiling = try await phase(
                "mosquitto alone", url: url, perSite: perSite, logger: logger,
                topic: { site, _ in "bench/\(site)" }, listen: "bench/#",
                counts: { message in message.topic.split(separator: "/").last.flatMap { Int($0) }.map { ($0, 1) } })
            func cloud(_ name: String, flapping: Int) async throws -> Double {
                try await phase(
                    name, url: url, perSite: perSite, logger: logger, flapping: flapping,
                    topic: { site, type in SyncTopic.up(site: Populate.site(site), type: type) },
                    listen: "gridside/v1/+/down/ack",
                    counts: { message in
                        guard let topic = SyncTopic.parse(message.topic), let site = Int(topic.site.dropFirst("bench-".count)),
                            case .ack(let ack) = try? DownMessage.decode(type: "ack", message.payload)
                        else { return nil }
                        return (site, ack.seqs.count)
                    })
            }
            let steady = try await cloud("cloud (durably applied)", flapping: 0)
            print(String(format: "ratio cloud / mosquitto alone: %.2f", steady / ceiling))
            guard flapping > 0 else { return }
            // In turns, so that what drifts during the run (the store's size, the machine) falls on both alike.
            var without = [steady]
            var with: [Double] = []
            for round in 1...rounds {
                with.append(try await cloud("cloud, \(flapping) stations flapping (round \(round))", flapping: flapping))
                if round < rounds { without.append(try await cloud("cloud, none flapping (round \(round + 1))", flapping: 0)) }
            }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            print(
                String(
                    format: "flapping: median %.0f/s with, %.0f/s without: %.1f %% of ingest's throughput lost",
                    median(with), median(without), 100 * (1 - median(with) / median(without))))
        }

        /// Publishes `perSite` messages from every site and returns messages per second, from the first publish
        /// to the last one counted by the listener.
        private func phase(
            _ name: String, url: MQTTBroker, perSite: Int, logger: Logger, flapping: Int = 0,
            topic: @escaping @Sendable (Int, String) -> String, listen: String,
            counts: @escaping @Sendable (MQTTMessage) -> (site: Int, count: Int)?
        ) async throws -> Double {
            let total = perSite * sites
            let listener = MQTTClient(
                configuration: MQTTConfiguration(
                    broker: url, clientId: "bench-listener-\(UUID().uuidString.prefix(8))", receiveBuffer: total + 1000),
                logger: logger, stopsOnGracefulShutdown: false)
            try listener.subscribe(listen)
            let publishers = (0..<sites).map { site in
                MQTTClient(
                    configuration: MQTTConfiguration(
                        broker: url, clientId: "bench-\(site)-\(UUID().uuidString.prefix(8))", maxInflight: window),
                    logger: logger, stopsOnGracefulShutdown: false)
            }
            let credits = (0..<sites).map { _ in Credits(window) }
            let clock = ContinuousClock()
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await listener.run() }
                for publisher in publishers { group.addTask { try await publisher.run() } }
                while !(listener.isConnected && publishers.allSatisfy(\.isConnected)) {
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await Task.sleep(for: .milliseconds(500))  // subscriptions in place
                let runId = Int64(Date().timeIntervalSince1970 * 1000) * 1000
                let started = clock.now
                for (site, publisher) in publishers.enumerated() {
                    group.addTask {
                        try await withThrowingDiscardingTaskGroup { sends in
                            // A flapping station's next change: one a second, Faulted and Available in turn.
                            var nextChange = clock.now
                            var changes = 0
                            for n in 0..<perSite {
                                await credits[site].take()
                                let seq = runId + Int64(n + 1)
                                // The JSON the edge's encoder writes (sorted keys), written by hand: the sites' CPU is
                                // not what is measured, and here it shares the cores with the cloud.
                                let now = Date()
                                var type = "session.update"
                                var data =
                                    #"{"connector":1,"currentA":10,"energyWh":\#(n),"powerW":7000,"soc":50,"station":"CP\#(site)-\#(n % 20)","time":"\#(SyncJSON.format(now))","transactionId":\#(site * 100 + n % 20)}"#
                                if site < flapping, clock.now >= nextChange {
                                    nextChange = clock.now + .seconds(1)
                                    changes += 1
                                    type = "connector.status"
                                    data =
                                        changes % 2 == 1
                                        ? #"{"connector":1,"errorCode":"GroundFailure","station":"FLAP-\#(site)","status":"Faulted","time":"\#(SyncJSON.format(now))","vendorErrorCode":"E42"}"#
                                        : #"{"connector":1,"errorCode":"NoError","station":"FLAP-\#(site)","status":"Available","time":"\#(SyncJSON.format(now))"}"#
                                }
                                let payload = UpEnvelope.encode(
                                    site: Populate.site(site), epoch: "bench", seq: seq, timestamp: now, type: type, data: data)
                                let message = MQTTMessage(topic: topic(site, type), payload: payload)
                                sends.addTask { try await publisher.publish(message) }
                            }
                        }
                    }
                }
                var received = 0
                for await message in listener.messages {
                    guard let (site, count) = counts(message), credits.indices.contains(site) else { continue }
                    credits[site].give(count)
                    received += count
                    if received >= total { break }
                }
                let seconds = (clock.now - started) / .seconds(1)
                let rate = Double(received) / seconds
                print(
                    String(
                        format: "%@: %d messages from %d sites in %.2f s = %.0f messages/s", name, received, sites, seconds, rate)
                )
                group.cancelAll()
                return rate
            }
        }
    }
}

/// What a site may still send before it hears that earlier messages arrived; taking waits for credit.
final class Credits: Sendable {
    private struct State {
        var available: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(_ available: Int) { state = Mutex(State(available: available)) }

    func take() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state in
                guard state.available > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.available -= 1
                return true
            }
            if ready { continuation.resume() }
        }
    }

    func give(_ count: Int) {
        let woken = state.withLock { state in
            let woken = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(woken.count)
            state.available += count - woken.count
            return woken
        }
        for continuation in woken { continuation.resume() }
    }
}
