import Foundation
import SeededRandom
import Testing

@testable import SyncContract

/// The fast `session.update` path must change speed only: whatever it accepts, `JSONDecoder` decodes to the same
/// envelope, and it must really be taken for what the edge writes.
@Suite struct FastEnvelopeTests {
    private func bothAgree(_ bytes: [UInt8], _ note: String) {
        let slow = try? UpEnvelope.decodeWithJSONDecoder(bytes)
        if let fast = UpEnvelope.fastDecode(bytes) {
            #expect(fast == slow, "fast path disagrees with JSONDecoder on \(note)")
        }
    }

    @Test func theFastPathReadsWhatTheEdgeWritesExactlyAsJSONDecoderDoes() throws {
        var random = SplitMix(seed: 0x656E_7665_6C6F_7065)
        let numbers: [Double] = [0, 1, 7000, 7360.5, 0.1, 1e-7, 123_456_789.125, 3.4e38, 1e21, 99.99, 6]
        func number() -> Double? {
            switch Int.random(in: 0..<4, using: &random) {
            case 0: nil
            case 1: numbers.randomElement(using: &random)!
            case 2: Double.random(in: -1e6...1e6, using: &random)
            default: Double(Int.random(in: 0...100_000, using: &random))
            }
        }
        var taken = 0
        for index in 0..<4000 {
            let station = ["CP-1", "Dépôt 7", "CP \"quoted\"", "Line\nbreak", "CP-\(index)"].randomElement(using: &random)!
            // As the wire carries it (milliseconds), so the round trip is exact.
            let time = SyncJSON.parse(
                SyncJSON.format(Date(timeIntervalSince1970: 1_795_600_000 + Double.random(in: 0...10_000, using: &random))))!
            let envelope = UpEnvelope(
                site: "site-\(index % 7)", epoch: index % 3 == 0 ? nil : "e\(index % 5)f0a9",
                seq: Int64.random(in: 0...1_800_000_000_000_000, using: &random), timestamp: time,
                message: .sessionUpdate(
                    SessionProgress(
                        station: station, connector: Int.random(in: 0...4, using: &random),
                        transactionId: Int.random(in: -5...2_000_000_000, using: &random), time: time, energyWh: number(),
                        powerW: number(), currentA: number(), soc: number())))
            let bytes = try envelope.encoded()
            #expect(try UpEnvelope.decode(bytes) == envelope)
            bothAgree(bytes, String(decoding: bytes, as: UTF8.self))
            if station.hasPrefix("CP-") {
                // Plain ASCII, as stations are named in practice: the fast path must be taken.
                taken += 1
                #expect(UpEnvelope.fastDecode(bytes) != nil, "fast path not taken for \(envelope)")
            }
        }
        #expect(taken > 1000)
    }

    @Test func unusualShapesAreLeftToJSONDecoderOrReadTheSame() {
        let data = #""connector":1,"energyWh":1500,"station":"CP-1","time":"2026-11-25T10:00:00.000Z","transactionId":7"#
        let head = #"{"v":1,"site":"s","seq":5,"ts":"2026-11-25T10:00:00.000Z","type":"session.update","data":"#
        let variants = [
            head + "{" + data + "}}",
            head.replacingOccurrences(of: #""site":"s","#, with: #""site":"s","epoch":"ab12","#) + "{" + data + "}}",
            head.replacingOccurrences(of: #""site":"s","#, with: #""site":"s","epoch":"a b","#) + "{" + data + "}}",
            head.replacingOccurrences(of: #""site":"s","#, with: #""site":"s","epoch":7,"#) + "{" + data + "}}",
            head + "{" + data + #","soc":null}}"#,
            head + "{" + data + #","soc":40.0,"powerW":-0.0}}"#,
            " \n" + head + " { " + data + " } } ",
            head + "{" + data + #","energyWh":2}}"#,  // a repeated key
            head + "{" + data + #","unknown":true}}"#,
            head + "{" + data + "}}" + "x",
            #"{"data":{"# + data + #"},"type":"session.update","ts":"2026-11-25T10:00:00Z","seq":5,"site":"s","v":1}"#,
            head + "{" + data.replacingOccurrences(of: ":7", with: ":7.0") + "}}",
            head + "{" + data.replacingOccurrences(of: ":1500", with: ":01500") + "}}",
            head + "{" + data.replacingOccurrences(of: ":1500", with: ":1e400") + "}}",
            head + "{" + data.replacingOccurrences(of: ":1500", with: ":1.5E3") + "}}",
            head + "{" + data.replacingOccurrences(of: "10:00:00.000Z", with: "10:00:00") + "}}",
            head.replacingOccurrences(of: "\"v\":1", with: "\"v\":2") + "{" + data + "}}",
            head.replacingOccurrences(of: "5", with: "-5") + "{" + data + "}}",
            head.replacingOccurrences(of: "session.update", with: "session.start") + "{" + data + "}}",
        ]
        for variant in variants { bothAgree(Array(variant.utf8), variant) }
        #expect(UpEnvelope.fastDecode(Array(variants[0].utf8)) != nil)
        #expect(UpEnvelope.fastDecode(Array(variants[7].utf8)) == nil, "a repeated key is JSONDecoder's to judge")
        #expect(UpEnvelope.fastDecode(Array(variants[1].utf8))?.epoch == "ab12", "an epoch is read on the fast path")
    }
}
