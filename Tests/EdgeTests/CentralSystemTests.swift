import CoreMetrics
import EdgeConfig
import EdgeStore
import Foundation
import LoadManagement
import Logging
import SiteModel
import Synchronization
import Testing

@testable import CentralSystem

/// The central system without sockets: a transport that records what the edge does to a connection.
@Suite struct CentralSystemTests {
    let directory = TemporaryDirectory()

    final class RecordingTransport: StationTransport {
        let events = Mutex<[String]>([])
        func send(_ text: [UInt8]) async throws { events.withLock { $0.append("send") } }
        func close(code: UInt16, reason: String) async { events.withLock { $0.append("close \(code)") } }
        func ping() async { events.withLock { $0.append("ping") } }
        var recorded: [String] { events.withLock { $0 } }
    }

    /// An edge opted out of the secure defaults unless `secure`: these tests' stations have no passwords.
    private func centralSystem(ocpp: String = "", more: String = "", secure: Bool = false) throws -> CentralSystem {
        let configuration = try EdgeConfiguration.parse(
            yaml: """
                site:
                  id: unit
                ocpp:
                  ping_interval: 60
                \(secure ? "" : "  basic_auth: false")
                \(ocpp)
                store:
                  path: \(directory.file("edge.sqlite"))
                \(more)
                """)
        return CentralSystem(
            configuration: configuration, store: try EdgeStore(path: configuration.store.path),
            metrics: EdgeMetrics(factory: NOOPMetricsHandler.instance), logger: Logger(label: "unit"))
    }

    @Test func quietStationIsPingedAndASilentOneIsDropped() async throws {
        let central = try centralSystem()
        let transport = RecordingTransport()
        let session = try await central.connect(
            stationId: "CP1", subprotocol: "ocpp1.6", remoteAddress: "test", transport: transport)
        let start = session.lastMessageAt
        await central.checkLiveness(now: start.addingTimeInterval(30))
        #expect(transport.recorded.isEmpty)
        await central.checkLiveness(now: start.addingTimeInterval(61))
        #expect(transport.recorded == ["ping"])
        session.touch(start.addingTimeInterval(70))  // the pong
        await central.checkLiveness(now: start.addingTimeInterval(125))
        #expect(transport.recorded == ["ping"])
        await central.checkLiveness(now: start.addingTimeInterval(191))
        #expect(transport.recorded == ["ping", "close 1001"])
    }

    @Test func byDefaultStationsAuthenticateAndAnUnknownOneMayOnlyWait() async throws {
        // Security review, finding 4: the defaults were no passwords and unknown stations accepted.
        let central = try centralSystem(more: "stations:\n  - id: KNOWN", secure: true)
        try await central.prepare()
        #expect(await central.admit(stationId: "STRANGER", authorization: nil) == .accepted, "it may boot and wait")
        #expect(
            await central.admit(stationId: "KNOWN", authorization: nil)
                == .refused(status: 401, reason: "HTTP Basic authentication required"))
        await #expect(throws: ApprovalRefusal.self, "accepted with a password only") {
            try await central.approve(stationId: "STRANGER", .accepted)
        }
    }

    @Test func aStationThatConnectedPendingWithoutItsPasswordMustReconnectOnceAccepted() async throws {
        // A pending station may connect without a password; registered with one, it must show it (review of finding 4).
        let central = try centralSystem(secure: true)
        try await central.prepare()
        let transport = RecordingTransport()
        let session = try await central.connect(
            stationId: "NEWCOMER", subprotocol: "ocpp1.6", remoteAddress: "test", transport: transport)
        #expect(!session.isAccepted)
        try await central.register(
            EdgeConfiguration.Station(
                id: "NEWCOMER", passwordHash: "$2b$04$abcdefghijklmnopqrstuuVQ0mQY2yjDqjRB0f0Rk8y4C1lX6pBPy",
                wiring: .init(maxCurrent: 16)))
        #expect(transport.recorded.contains("close 1008"), "closed, not promoted: \(transport.recorded)")
        #expect(
            await central.admit(stationId: "NEWCOMER", authorization: nil)
                == .refused(status: 401, reason: "HTTP Basic authentication required"))
    }

    @Test func unknownStationPolicyDecidesAdmission() async throws {
        let rejecting = try centralSystem(ocpp: "  unknown_stations: reject", more: "stations:\n  - id: KNOWN")
        #expect(
            await rejecting.admit(stationId: "STRANGER", authorization: nil) == .refused(status: 404, reason: "unknown station"))
        try await rejecting.prepare()
        #expect(await rejecting.admit(stationId: "KNOWN", authorization: nil) == .accepted)
    }

    @Test func oneAddressCannotBringEndlesslyManyNewIdentities() async throws {
        // A second reader: a pending identity connects without a password and is stored, so one device could store
        // thousands; known and configured stations are never held back.
        let central = try centralSystem(more: "stations:\n  - id: KNOWN", secure: true)
        try await central.prepare()
        var accepted = 0
        for n in 0..<70
        where await central.admit(stationId: "NEW-\(n)", authorization: nil, remoteAddress: "10.0.0.9") == .accepted {
            accepted += 1
        }
        #expect(accepted == Int(NewIdentityLimit.perAddressBurst))
        #expect(
            await central.admit(stationId: "NEW-71", authorization: nil, remoteAddress: "10.0.0.9")
                == .refused(status: 429, reason: "too many new station identities; try again in a minute"))
        #expect(await central.admit(stationId: "NEW-72", authorization: nil, remoteAddress: "10.0.0.10") == .accepted)
        #expect(
            await central.admit(stationId: "KNOWN", authorization: nil, remoteAddress: "10.0.0.9")
                == .refused(status: 401, reason: "HTTP Basic authentication required"), "known: judged as ever")
    }
}

@Suite struct StationQuotaTests {
    @Test func aStationMayBurstThenKeepsToItsRate() {
        // Security review, finding 7: one charger looping on DataTransfer could fill the edge's disk.
        var quota = StationQuota()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let burst = (0..<100).filter { _ in quota.allow(.event, now: t0) }.count
        #expect(burst == 20)
        let halfASecondLater = quota.allow(.event, now: t0 + 0.5)
        let aSecondAndAHalfLater = quota.allow(.event, now: t0 + 1.5)
        let anotherKind = quota.allow(.status, now: t0)
        #expect(!halfASecondLater)
        #expect(aSecondAndAHalfLater, "one a second")
        #expect(anotherKind, "each kind has its own share")
    }

    @Test func reconnectingDoesNotRefillAStationsShare() {
        // A second reader: quotas belonged to a connection, so a charger reconnecting after each burst got a new one.
        let quotas = StationQuotas()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let first = (0..<30).filter { _ in quotas.allow("CP-1", .event, now: t0) }.count
        let afterReconnecting = (0..<30).filter { _ in quotas.allow("CP-1", .event, now: t0 + 0.1) }.count
        #expect(first == 20 && afterReconnecting == 0)
        #expect(quotas.allow("CP-2", .event, now: t0), "another identity has its own share")
    }

    @Test func aFullShareIsForgottenWhenManyIdentitiesCame() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var quota = StationQuota()
        #expect(quota.isRefilled(now: t0))
        _ = quota.allow(.status, now: t0)
        #expect(!quota.isRefilled(now: t0))
        #expect(quota.isRefilled(now: t0 + 1), "one token back at two a second")
    }

    @Test func newIdentitiesAreLimitedPerAddressAndInAll() {
        let limit = NewIdentityLimit()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let fromOne = (0..<100).filter { _ in limit.allow(address: "10.0.0.9", now: t0) }.count
        #expect(fromOne == 64)
        let fromOthers = (0..<300).filter { limit.allow(address: "10.0.1.\($0)", now: t0) }.count
        #expect(fromOthers == 256 - 64)
        #expect(!limit.allow(address: "10.0.2.1", now: t0))
        #expect(limit.allow(address: "10.0.2.1", now: t0 + 60), "one a minute")
    }

    @Test func aChargerLoopingOnBootIsHeldBack() {
        let quotas = StationQuotas()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        #expect((0..<30).filter { _ in quotas.allow("CP-1", .boot, now: t0) }.count == 10)
        #expect(quotas.allow("CP-1", .boot, now: t0 + 30))
    }
}
