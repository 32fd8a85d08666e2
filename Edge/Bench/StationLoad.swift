import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOWebSocket
import OCPP
import Synchronization

/// One benchmark station: connects, boots, starts a transaction, then sends MeterValues until the end,
/// recording the latency of every round trip inside the measured window.
struct StationLoad {
    struct Settings: Sendable {
        let url: String
        /// Time between a station's calls (open loop), or nil to send as soon as the answer came.
        let interval: Duration?
        let transactionEvery: Int
        let sampledValues: Int
        let warmup: Duration
        let duration: Duration
    }

    struct Result: Sendable {
        var latencies: [Duration] = []
        var callErrors = 0
        var error: String?
    }

    let stationId: String
    let settings: Settings
    let board: Board
    let logger: Logger

    /// What the connection closure records; it runs concurrently with nothing, but Swift cannot know that.
    final class Recorder: Sendable {
        let result = Mutex(Result())
        let readied = Atomic<Bool>(false)
    }

    func meterValues(transaction: Int, meter: Int, timestamp: String) -> String {
        let energy = #"{"value":"\#(meter)","measurand":"Energy.Active.Import.Register","unit":"Wh"}"#
        let values =
            settings.sampledValues == 1
            ? energy
            : energy + #",{"value":"7360","measurand":"Power.Active.Import","unit":"W"},"#
                + #"{"value":"10.6","measurand":"Current.Import","phase":"L1","unit":"A"},"#
                + #"{"value":"10.7","measurand":"Current.Import","phase":"L2","unit":"A"},"#
                + #"{"value":"10.6","measurand":"Current.Import","phase":"L3","unit":"A"},"#
                + #"{"value":"231.0","measurand":"Voltage","phase":"L1-N","unit":"V"},"#
                + #"{"value":"57","measurand":"SoC","unit":"Percent"}"#
        return
            #"{"connectorId":1,"transactionId":\#(transaction),"meterValue":[{"timestamp":"\#(timestamp)","sampledValue":[\#(values)]}]}"#
    }

    func run() async -> Result {
        let recorder = Recorder()
        var configuration = WebSocketClientConfiguration()
        configuration.additionalHeaders[.secWebSocketProtocol] = "ocpp1.6"
        configuration.autoPing = .disabled
        do {
            try await WebSocketClient.connect(url: "\(settings.url)/\(stationId)", configuration: configuration, logger: logger) {
                inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                var nextId = 0
                func roundTrip(_ action: String, _ payload: String) async throws -> (String, Bool) {
                    nextId += 1
                    try await outbound.writeTextMessage(#"[2,"\#(nextId)","\#(action)",\#(payload)]"#)
                    while let message = try await messages.next() {
                        guard case .text(let text) = message else { continue }
                        let frame = try OCPPFrame.decode(Array(text.utf8))
                        guard frame.uniqueId == String(nextId) else { continue }
                        if case .callResult(let answer) = frame { return (String(decoding: answer.payload, as: UTF8.self), true) }
                        return ("", false)
                    }
                    throw CallFailure.connectionClosed(action: action)
                }
                func now() -> String { OCPPDateTime.format(Date()) }
                _ = try await roundTrip("BootNotification", #"{"chargePointVendor":"Gridside","chargePointModel":"Bench"}"#)
                _ = try await roundTrip("StatusNotification", #"{"connectorId":1,"errorCode":"NoError","status":"Charging"}"#)
                var meter = 1000
                func start() async throws -> Int {
                    let (answer, _) = try await roundTrip(
                        "StartTransaction", #"{"connectorId":1,"idTag":"BENCH","meterStart":\#(meter),"timestamp":"\#(now())"}"#)
                    let digits = answer.split(separator: "\"transactionId\":").last?.prefix { $0.isNumber } ?? "0"
                    return Int(digits) ?? 0
                }
                var transaction = try await start()
                board.ready()
                recorder.readied.store(true, ordering: .relaxed)
                while board.startedAt == nil { try await Task.sleep(for: .milliseconds(10)) }
                let begin = board.startedAt! + settings.warmup
                let end = begin + settings.duration
                // Spread the stations' schedules over one interval so the offered load is even.
                var scheduled = board.startedAt! + (settings.interval.map { $0 * Double.random(in: 0..<1) } ?? .zero)
                var sent = 0
                while true {
                    if let interval = settings.interval {
                        if scheduled > .now { try await Task.sleep(until: scheduled) }
                    } else {
                        scheduled = .now
                    }
                    if scheduled >= end { break }
                    sent += 1
                    meter += 37
                    let action: String
                    let payload: String
                    if sent % settings.transactionEvery == 0 {
                        action = "StopTransaction"
                        payload =
                            #"{"meterStop":\#(meter),"timestamp":"\#(now())","transactionId":\#(transaction),"reason":"Local"}"#
                    } else {
                        action = "MeterValues"
                        payload = meterValues(transaction: transaction, meter: meter, timestamp: now())
                    }
                    let (_, ok) = try await roundTrip(action, payload)
                    let finished = ContinuousClock.now
                    recorder.result.withLock { result in
                        if scheduled >= begin { result.latencies.append(finished - scheduled) }
                        if !ok { result.callErrors += 1 }
                    }
                    if action == "StopTransaction" { transaction = try await start() }
                    if let interval = settings.interval { scheduled += interval }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
        } catch {
            recorder.result.withLock { $0.error = "\(stationId): \(error)" }
        }
        if !recorder.readied.load(ordering: .relaxed) { board.gaveUp() }
        return recorder.result.withLock { $0 }
    }
}
