import CentralSystem
import ChargerSimulator
import EdgeApp
import EdgeConfig
import EdgeStore
import Foundation
import Logging
import OCPP
import ServiceLifecycle
import Testing

/// The edge running for real on loopback sockets, with simulated chargers connecting to it.
@Suite struct LiveEdgeTests {
    let directory = TemporaryDirectory()

    private func configuration(_ extra: String = "") throws -> EdgeConfiguration {
        try EdgeConfiguration.parse(
            yaml: """
                site:
                  id: live-test
                ocpp:
                  listen: 127.0.0.1:0
                  call_timeout: 5
                  basic_auth: false
                  unknown_stations: accept
                http:
                  listen: 127.0.0.1:0
                store:
                  path: \(directory.file("edge.sqlite"))
                authorization:
                  unknown_tokens: accept
                \(extra)
                """)
    }

    /// Runs the edge, hands the test the bound ports and the central system, then shuts down gracefully.
    private func withEdge(
        _ configuration: EdgeConfiguration, _ body: @Sendable (EdgeApp.BoundPorts, CentralSystem) async throws -> Void
    ) async throws {
        let logger = Logger(label: "live-test")
        let ready = AsyncStream<(EdgeApp.BoundPorts, CentralSystem)>.makeStream()
        let group = try await EdgeApp(configuration: configuration, logger: logger).makeServiceGroup { ports, central in
            ready.continuation.yield((ports, central))
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ready.stream.makeAsyncIterator()
            let (ports, central) = try #require(await iterator.next())
            do {
                try await body(ports, central)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    private static func eventually(
        _ what: Comment, timeout: Duration = .seconds(15), _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
    }

    @Test func simulatedChargerRunsASessionAndObeysARemoteStop() async throws {
        try await withEdge(try configuration()) { ports, central in
            var profile = ChargerProfile(stationId: "SIM-LIVE")
            profile.autoSessions = false
            profile.meterInterval = .seconds(1)
            profile.speed = 60
            let charger = SimulatedCharger(
                profile: profile, centralURL: "ws://127.0.0.1:\(ports.ocpp)/ocpp", logger: Logger(label: "sim"))
            let running = Task { await charger.run() }
            defer { running.cancel() }
            try await Self.eventually("the charger is connected") { central.session(stationId: "SIM-LIVE") != nil }
            try await Self.eventually("the charger reported its connectors") {
                try await central.store.connectors(stationId: "SIM-LIVE").map(\.connectorId) == [0, 1, 2]
            }

            await charger.plugIn(connectorId: 1, idTag: "04A1B2C3D4")
            try await Self.eventually("a session runs with meter values") {
                try await central.store.sessions(active: true).first?.lastPowerW ?? 0 > 0
            }
            let session = try #require(try await central.store.sessions(active: true).first)
            let answer = try await central.call(
                stationId: "SIM-LIVE", OCPP16.RemoteStopTransactionRequest(transactionId: session.id))
            #expect(answer.status == .accepted)
            try await Self.eventually("the session is stopped") {
                try await central.store.session(id: session.id)?.isActive == false
            }
            let stopped = try #require(try await central.store.session(id: session.id))
            #expect(stopped.stopReason == "Remote")
            #expect((stopped.energyWh ?? 0) > 0)
        }
    }

    @Test func secondConnectionOfAStationReplacesTheFirst() async throws {
        try await withEdge(try configuration()) { ports, central in
            var profile = ChargerProfile(stationId: "SIM-TWICE")
            profile.autoSessions = false
            let first = SimulatedCharger(
                profile: profile, centralURL: "ws://127.0.0.1:\(ports.ocpp)/ocpp", logger: Logger(label: "sim"))
            let firstRun = Task { await first.run() }
            defer { firstRun.cancel() }
            try await Self.eventually("the first connection is up") { central.session(stationId: "SIM-TWICE") != nil }
            let firstSession = try #require(central.session(stationId: "SIM-TWICE"))
            let second = SimulatedCharger(
                profile: profile, centralURL: "ws://127.0.0.1:\(ports.ocpp)/ocpp", logger: Logger(label: "sim"))
            let secondRun = Task { await second.run() }
            defer { secondRun.cancel() }
            try await Self.eventually("the second connection replaced the first") {
                central.session(stationId: "SIM-TWICE").map { $0 !== firstSession } ?? false
            }
            #expect(central.connectedSessions.filter { $0.stationId == "SIM-TWICE" }.count == 1)
            let answer = try await central.call(stationId: "SIM-TWICE", OCPP16.GetLocalListVersionRequest())
            #expect(answer.listVersion == 0)
        }
    }

    @Test func commandToAStationThatIsNotConnectedFailsClearly() async throws {
        try await withEdge(try configuration()) { _, central in
            await #expect(throws: CommandError.notConnected(stationId: "NOBODY")) {
                _ = try await central.command(stationId: "NOBODY", action: "Reset", payload: Array(#"{"type":"Soft"}"#.utf8))
            }
            await #expect(throws: CommandError.unknownAction("Explode")) {
                _ = try await central.command(stationId: "NOBODY", action: "Explode", payload: Array("{}".utf8))
            }
            do {
                _ = try await central.command(stationId: "NOBODY", action: "Reset", payload: Array(#"{"type":"Sometimes"}"#.utf8))
                Issue.record("an invalid payload was accepted")
            } catch let error as CommandError {
                guard case .invalidPayload(_, let reason) = error else { Issue.record("wrong error \(error)"); return }
                #expect(reason.code == .propertyConstraintViolation)
            }
        }
    }
}
