import ArgumentParser
import AsyncHTTPClient
import CloudBilling
import CloudOCPI
import CloudStore
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import SiteModel
import SyncContract
import Synchronization

extension CloudBench {
    /// A fleet of EVSEs published to two OCPI partners, each a receiver on loopback that takes every call: the time
    /// from the first of `changes` status changes (one per EVSE) written as ingest writes them to the last of their
    /// EVSE PUTs taken by both partners; and how long writing those changes takes while the pushes run, against
    /// writing as many with no partner.
    struct OCPIPushRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ocpi-push", abstract: "Push a fleet's EVSE status changes to two OCPI partners.")
        @Option(help: "Sites, each a Location.") var sites = 500
        @Option(help: "Stations per site, two connectors (EVSEs) each.") var stationsPerSite = 10

        func run() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let repository = try SQLiteRepository(path: directory.appendingPathComponent("cloud.sqlite").path)
            let now = Date()
            let evses = sites * stationsPerSite * 2
            var seq = try await populate(repository, now: now)
            let receiver = Receiver()
            let (port, server) = try await receiver.start()
            defer { server.cancel() }
            // Writing a round of changes with no partner: what ingest's writes take alone.
            let alone = try await change(repository, seq: &seq, status: "Preparing")
            for n in 0..<2 { try await addPartner(repository, n: n, port: port, now: now) }
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let party = OCPIParty(countryCode: "DE", partyId: "GRS", name: "Bench", baseURL: "https://127.0.0.1/ocpi")
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: OCPIPush.concurrency)
            let http = HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup, configuration: configuration)
            let push = OCPIPush(
                repository: repository, client: OCPIClient(party: party, http: http, logger: logger),
                pricer: SessionPricer(repository: repository), interval: .milliseconds(100), resync: .seconds(3600),
                metricsFactory: NOOPMetricsHandler.instance, logger: logger)
            let pushing = Task { try await push.run() }
            defer { pushing.cancel() }
            let clock = ContinuousClock()
            let first = clock.now
            try await receiver.wait(for: 2 * sites, of: "locations")
            print("first push: \(2 * sites) Locations with \(evses) EVSEs in \(Self.seconds(clock.now - first)) s")
            let started = clock.now
            let during = try await change(repository, seq: &seq, status: "Charging")
            try await receiver.wait(for: 2 * evses, of: "evses")
            let pushed = clock.now - started
            print(
                "\(evses) EVSE status changes pushed to 2 partners (\(2 * evses) PUTs) in \(Self.seconds(pushed)) s "
                    + "(\(Int(Double(2 * evses) / pushed.seconds)) calls/s)")
            print(
                "writing the \(evses) changes as ingest does: \(Self.seconds(alone)) s with no partner, "
                    + "\(Self.seconds(during)) s while pushing")
            pushing.cancel()
            _ = try? await pushing.value
            try? await http.shutdown()
        }

        static func seconds(_ duration: Duration) -> String { String(format: "%.2f", duration.seconds) }

        static func site(_ index: Int) -> String { String(format: "roam-%03d", index) }

        /// Sites with an address, their stations booted and connected, each connector Available.
        private func populate(_ repository: SQLiteRepository, now: Date) async throws -> Int64 {
            for index in 0..<sites {
                let id = Self.site(index)
                _ = try await repository.addSite(id: id, name: "Roam \(index)", at: now)
                try await repository.updateSite(
                    id: id, name: nil, address: "Street \(index)", latitude: 52 + Double(index) / 1000, longitude: 4.9,
                    timeZone: "Europe/Amsterdam")
                try await repository.updateSitePostal(id: id, city: "Amsterdam", postalCode: "1015", country: "NLD")
                var envelopes: [UpEnvelope] = []
                var seq: Int64 = 0
                func add(_ message: UpMessage) {
                    seq += 1
                    envelopes.append(UpEnvelope(site: id, seq: seq, timestamp: now, message: message))
                }
                for n in 0..<stationsPerSite {
                    let station = "\(id)-CP\(n)"
                    add(
                        .stationBoot(
                            StationBoot(
                                station: station, vendor: "Bench", model: "B", serialNumber: station, firmwareVersion: "1",
                                approval: "accepted", time: now)))
                    add(.stationConnection(StationConnection(station: station, connected: true, time: now, protocol: "ocpp1.6")))
                    for connector in 1...2 { add(status(station, connector, "Available", now)) }
                }
                _ = try await repository.apply(envelopes, receivedAt: now)
            }
            return Int64(stationsPerSite * 4 + 10)
        }

        private func status(_ station: String, _ connector: Int, _ status: String, _ time: Date) -> UpMessage {
            .connectorStatus(
                ConnectorStatusChange(
                    station: station, connector: connector, status: ConnectorStatus(rawValue: status).map { .known($0) }!,
                    errorCode: "NoError", info: nil, vendorId: nil, vendorErrorCode: nil, time: time))
        }

        /// Every connector to `status`, a batch of 100 messages at a time as ingest applies them; how long it took.
        private func change(_ repository: SQLiteRepository, seq: inout Int64, status: String) async throws -> Duration {
            let clock = ContinuousClock()
            let started = clock.now
            seq += 1
            for index in 0..<sites {
                let id = Self.site(index)
                let time = Date()
                var envelopes: [UpEnvelope] = []
                for n in 0..<stationsPerSite {
                    for connector in 1...2 {
                        envelopes.append(
                            UpEnvelope(
                                site: id, seq: seq + Int64(envelopes.count), timestamp: time,
                                message: self.status("\(id)-CP\(n)", connector, status, time)))
                    }
                }
                _ = try await repository.apply(envelopes, receivedAt: time)
            }
            seq += Int64(stationsPerSite * 2)
            return clock.now - started
        }

        private func addPartner(_ repository: SQLiteRepository, n: Int, port: Int, now: Date) async throws {
            var partner = OCPIPartnerRecord(id: "partner-\(n)", name: "Partner \(n)", createdAt: now)
            try await repository.addOCPIPartner(partner, incomingTokenHash: "bench-\(n)")
            partner.state = "registered"
            partner.version = "2.2.1"
            partner.roles = [OCPIPartyRecord(role: "EMSP", countryCode: "NL", partyId: "E0\(n)", name: nil)]
            partner.endpoints = [
                OCPIEndpointRecord(identifier: "locations", role: "RECEIVER", url: "http://127.0.0.1:\(port)/\(n)/locations")
            ]
            partner.sites = (0..<sites).map(Self.site)
            try await repository.updateOCPIPartner(partner, incomingTokenHash: nil, outgoingToken: "token-\(n)")
        }
    }
}

/// The partners' receiving end: takes every call, counting Location and EVSE PUTs.
final class Receiver: Sendable {
    let locations = Atomic<Int>(0)
    let evses = Atomic<Int>(0)

    func start() async throws -> (Int, Task<Void, any Error>) {
        let router = Router()
        let answer = #"{"data":null,"status_code":1000,"timestamp":"2026-12-07T10:00:00Z"}"#
        router.put("/**") { request, _ -> Response in
            // /<partner>/locations/<cc>/<party>/<location>[/<evse>]
            let depth = request.uri.path.split(separator: "/").count
            if depth == 5 {
                self.locations.wrappingAdd(1, ordering: .relaxed)
            } else {
                self.evses.wrappingAdd(1, ordering: .relaxed)
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        return (await iterator.next() ?? 0, task)
    }

    func wait(for count: Int, of kind: String) async throws {
        func received() -> Int { kind == "locations" ? locations.load(ordering: .relaxed) : evses.load(ordering: .relaxed) }
        for _ in 0..<60_000 where received() < count { try await Task.sleep(for: .milliseconds(1)) }
        guard received() >= count else { throw ValidationError("only \(received()) of \(count) \(kind) arrived") }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
