import Foundation
import Logging
import MQTT
import Testing

@Suite(.serialized) struct MQTTClientTests {
    let logger = Logger(label: "mqtt-test")

    private func client(_ broker: Mosquitto, id: String, will: MQTTMessage? = nil) throws -> MQTTClient {
        MQTTClient(
            configuration: MQTTConfiguration(
                broker: try MQTTBroker(url: broker.url), clientId: id, will: will, keepAlive: 5, reconnectDelay: (1, 2)),
            logger: logger, stopsOnGracefulShutdown: false)  // no service group here: runs until cancelled
    }

    private func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting until \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func publishCompletesOnPubackAndSubscribersReceiveInOrder() async throws {
        let broker = try Mosquitto()
        try await broker.start()
        defer { broker.stop() }
        let receiver = try client(broker, id: "receiver")
        let sender = try client(broker, id: "sender")
        try receiver.subscribe("test/#")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await receiver.run() }
            group.addTask { try await sender.run() }
            try await waitUntil("both connected") { receiver.isConnected && sender.isConnected }
            try await Task.sleep(for: .milliseconds(200))  // the SUBACK
            for index in 0..<200 {
                try await sender.publish(MQTTMessage(topic: "test/\(index % 3)", payload: Array("m\(index)".utf8)))
            }
            var received: [String] = []
            for await message in receiver.messages {
                received.append(String(decoding: message.payload, as: UTF8.self))
                if received.count == 200 { break }
            }
            #expect(received == (0..<200).map { "m\($0)" })
            group.cancelAll()
        }
    }

    @Test func publishingWhileDisconnectedFailsAtOnceAndTheClientReconnects() async throws {
        let broker = try Mosquitto()
        try await broker.start()
        let sender = try client(broker, id: "reconnecting")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sender.run() }
            try await waitUntil("connected") { sender.isConnected }
            broker.stop()
            try await waitUntil("the loss noticed") { !sender.isConnected }
            await #expect(throws: MQTTError.notConnected) {
                try await sender.publish(MQTTMessage(topic: "t", payload: [1]))
            }
            try await broker.start()
            try await waitUntil("reconnected", timeout: .seconds(15)) { sender.isConnected }
            try await sender.publish(MQTTMessage(topic: "t", payload: [2]))
            group.cancelAll()
        }
        broker.stop()
    }

    @Test func aCleanStopDoesNotPublishTheWill() async throws {
        let broker = try Mosquitto()
        try await broker.start()
        defer { broker.stop() }
        let watcher = try client(broker, id: "watcher")
        try watcher.subscribe("presence/#")
        let will = MQTTMessage(topic: "presence/edge", payload: Array("offline".utf8))
        let edge = try client(broker, id: "edge", will: will)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await waitUntil("watcher connected") { watcher.isConnected }
            let edgeTask = Task { try await edge.run() }
            try await waitUntil("edge connected") { edge.isConnected }
            edgeTask.cancel()  // a clean disconnect: no will
            _ = try? await edgeTask.value
            try await Task.sleep(for: .milliseconds(500))
            try await watcher.publish(MQTTMessage(topic: "presence/marker", payload: Array("marker".utf8)))
            for await message in watcher.messages {
                #expect(message.topic == "presence/marker", "a clean stop must not publish the will")
                break
            }
            group.cancelAll()
        }
    }

    @Test func reconnectWaitsDoubleUpToTheCapAndEachIsDrawnFromTheUpperHalfOfItsStep() {
        let backoff = ReconnectBackoff(first: .seconds(1), cap: .seconds(5))
        var random = SystemRandomNumberGenerator()
        let steps: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5), .seconds(5)]
        for (attempt, step) in steps.enumerated() {
            let waits = (0..<200).map { _ in backoff.delay(attempt: attempt, using: &random) }
            #expect(waits.allSatisfy { $0 >= step / 2 && $0 <= step }, "attempt \(attempt): \(waits.min()!)–\(waits.max()!)")
            #expect(Set(waits).count > 20, "the waits are spread, not all alike")
        }
        // However many attempts failed, never longer than the cap.
        #expect(backoff.delay(attempt: 10_000, using: &random) <= .seconds(5))
    }

    @Test func brokerURLsAreParsedWithTheirDefaultPorts() throws {
        #expect(try MQTTBroker(url: "mqtt://broker") == MQTTBroker(host: "broker", port: 1883, tls: false))
        #expect(
            try MQTTBroker(url: "mqtts://broker.example.com") == MQTTBroker(host: "broker.example.com", port: 8883, tls: true))
        #expect(try MQTTBroker(url: "mqtt://[::1]:1884") == MQTTBroker(host: "::1", port: 1884, tls: false))
        #expect(throws: MQTTError.self) { try MQTTBroker(url: "http://broker") }
        #expect(throws: MQTTError.self) { try MQTTBroker(url: "mqtt://broker:99999") }
        #expect(throws: MQTTError.self) { try MQTTBroker(url: "mqtt://:1883") }
    }
}
