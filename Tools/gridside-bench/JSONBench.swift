import ArgumentParser
import Foundation
import OCPP
import SyncContract
import WireJSON

/// Times each hand-written JSON fast path against what Foundation does without it, on the shapes the edge and
/// the cloud read most, so that a fast path is kept only while it wins on this toolchain.
struct JSONBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json", abstract: "Time the JSON fast paths against Foundation's JSONDecoder and date styles.")

    @Option(help: "Decodes per measurement.") var iterations = 20_000
    @Option(help: "Measurements per path; the median is reported.") var rounds = 7

    func run() throws {
        let meterValues = Array(Self.meterValuesPayload.utf8)
        let coder = PayloadCoder()
        let ocppDecoder = OCPPJSON.makeDecoder()
        compare(
            "MeterValues (7 sampled values)",
            fast: { _ = try coder.decode(OCPP16.MeterValuesRequest.self, from: meterValues) },
            foundation: { _ = try ocppDecoder.decode(OCPP16.MeterValuesRequest.self, from: Data(meterValues)) })

        let frame = Array(#"[2,"19223201","MeterValues",\#(Self.meterValuesPayload)]"#.utf8)
        compare(
            "OCPP-J frame split",
            fast: { _ = try OCPPFrame.decode(frame) },
            foundation: { _ = try JSONSerialization.jsonObject(with: Data(frame)) })

        let envelope = try UpEnvelope(
            site: "site-1", epoch: "ab12", seq: 42, timestamp: Date(),
            message: .sessionUpdate(
                SessionProgress(
                    station: "CP-0001", connector: 1, transactionId: 7, time: Date(), energyWh: 12_345.5, powerW: 7_360,
                    currentA: 10.6, soc: 57))
        ).encoded()
        let syncDecoder = SyncJSON.decoder()
        compare(
            "sync envelope (session.update)",
            fast: { _ = try UpEnvelope.decode(envelope) },
            foundation: { _ = try syncDecoder.decode(UpEnvelope.self, from: Data(envelope)) })

        let text = "2026-11-25T10:00:00.123Z"
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        compare(
            "RFC 3339 parse", fast: { _ = RFC3339.parse(text) }, foundation: { _ = try style.parse(text) })
        let date = Date(timeIntervalSince1970: 1_795_000_000.123)
        compare("RFC 3339 format", fast: { _ = RFC3339.format(date) }, foundation: { _ = style.format(date) })
    }

    private func compare(_ name: String, fast: () throws -> Void, foundation: () throws -> Void) {
        let fastNanos = median(fast)
        let foundationNanos = median(foundation)
        print(
            String(
                format: "%@ fast %7.0f ns  Foundation %7.0f ns  ×%.1f",
                name.padding(toLength: 32, withPad: " ", startingAt: 0), fastNanos, foundationNanos,
                foundationNanos / fastNanos))
    }

    /// The median over `rounds` of the mean time of one call, in nanoseconds; a failing call stops the benchmark.
    private func median(_ body: () throws -> Void) -> Double {
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<rounds {
            let started = clock.now
            for _ in 0..<iterations {
                do { try body() } catch { fatalError("a benchmarked decode failed: \(error)") }
            }
            let elapsed = clock.now - started
            let nanos = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            samples.append(nanos / Double(iterations))
        }
        return samples.sorted()[samples.count / 2]
    }

    /// What the load generator's stations send: energy, power, three phase currents, voltage and SoC.
    static let meterValuesPayload = """
        {"connectorId":1,"transactionId":7,"meterValue":[{"timestamp":"2026-11-25T10:00:00.000Z","sampledValue":[\
        {"value":"12345","measurand":"Energy.Active.Import.Register","unit":"Wh"},\
        {"value":"7360","measurand":"Power.Active.Import","unit":"W"},\
        {"value":"10.6","measurand":"Current.Import","phase":"L1","unit":"A"},\
        {"value":"10.7","measurand":"Current.Import","phase":"L2","unit":"A"},\
        {"value":"10.6","measurand":"Current.Import","phase":"L3","unit":"A"},\
        {"value":"231.0","measurand":"Voltage","phase":"L1-N","unit":"V"},\
        {"value":"57","measurand":"SoC","unit":"Percent"}]}]}
        """
}
