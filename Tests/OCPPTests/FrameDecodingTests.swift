import Foundation
import OCPP
import SeededRandom
import Testing

@Suite struct FrameDecodingTests {
    private func decode(_ text: String) throws(FrameDecodingError) -> OCPPFrame {
        try OCPPFrame.decode(Array(text.utf8))
    }

    private func failure(_ text: String) -> FrameDecodingError? {
        do {
            _ = try decode(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func callKeepsItsPayloadAsRawJSON() throws {
        let frame = try decode(#"[2, "19223201", "BootNotification", {"chargePointVendor": "Alfen", "chargePointModel": "NG9"}]"#)
        guard case .call(let call) = frame else { Issue.record("expected a CALL"); return }
        #expect(call.uniqueId == "19223201")
        #expect(call.action == "BootNotification")
        #expect(String(decoding: call.payload, as: UTF8.self) == #"{"chargePointVendor": "Alfen", "chargePointModel": "NG9"}"#)
    }

    @Test func callResultAndCallErrorDecode() throws {
        #expect(
            try decode(#"[3,"a",{"status":"Accepted"}]"#)
                == .callResult(.init(uniqueId: "a", payload: Array(#"{"status":"Accepted"}"#.utf8))))
        let error = try decode(#"[4,"b","NotSupported","no \"Reset\" here",{}]"#)
        #expect(error == .callError(.init(uniqueId: "b", code: "NotSupported", description: #"no "Reset" here"#)))
    }

    @Test func framesRoundTripThroughEncoding() throws {
        let frames: [OCPPFrame] = [
            .call(.init(uniqueId: "id\"with\\escapes\n", action: "Heartbeat", payload: Array("{}".utf8))),
            .callResult(.init(uniqueId: "x", payload: Array(#"{"currentTime":"2026-11-25T08:00:00.000Z"}"#.utf8))),
            .callError(.init(uniqueId: "y", error: OCPPError(.formationViolation, "bad \u{1} frame"))),
        ]
        for frame in frames {
            #expect(try OCPPFrame.decode(frame.encoded()) == frame)
        }
    }

    @Test(arguments: [
        ("not json", OCPPErrorCode.formationViolation, nil as String?),
        ("{}", .formationViolation, nil),
        ("[]", .formationViolation, nil),
        ("[2]", .formationViolation, nil),
        (#"["2","a","Heartbeat",{}]"#, .formationViolation, nil),
        (#"[2,5,"Heartbeat",{}]"#, .formationViolation, nil),
        (#"[5,"x","Heartbeat",{}]"#, .formationViolation, "x"),
        (#"[2,"x","Heartbeat"]"#, .protocolError, "x"),
        (#"[2,"x","Heartbeat",{},1]"#, .formationViolation, "x"),
        (#"[2,"x",7,{}]"#, .formationViolation, "x"),
        (#"[2,"x","Heartbeat",[]]"#, .formationViolation, "x"),
        (#"[2,"x","Heartbeat",{}] trailing"#, .formationViolation, nil),
        (#"[2,"x","Heartbeat",{"a":[}]"#, .formationViolation, nil),
        (#"[2,"","Heartbeat",{}]"#, .formationViolation, ""),
        (
            #"[2,"0123456789012345678901234567890123456","Heartbeat",{}]"#, .formationViolation,
            "0123456789012345678901234567890123456"
        ),
        (#"[3,"x"]"#, .protocolError, "x"),
        (#"[4,"x","GenericError",{}]"#, .protocolError, "x"),
    ])
    func malformedFramesGetTheSpecifiedErrorCode(frame: String, code: OCPPErrorCode, uniqueId: String?) {
        let error = failure(frame)
        #expect(error?.error.code == code, "\(frame)")
        #expect(error?.uniqueId == uniqueId, "\(frame)")
    }

    @Test func deeplyNestedPayloadIsRefused() {
        let nested = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(failure(#"[2,"x","DataTransfer",{"a":\#(nested)}]"#)?.error.code == .formationViolation)
    }

    /// Random mutations of valid frames never crash the decoder, and whatever decodes re-encodes to itself.
    @Test func fuzzedFramesNeverCrashTheDecoder() throws {
        var rng = SplitMix(seed: 0x6772_6964)
        let seeds = [
            #"[2,"1","StartTransaction",{"connectorId":1,"idTag":"04A1B2C3D4","meterStart":0,"timestamp":"2026-11-25T08:00:00Z"}]"#,
            #"[3,"2",{"idTagInfo":{"status":"Accepted"},"transactionId":7}]"#,
            #"[4,"3","FormationViolation","bad",{"why":["a","b\"c"]}]"#,
        ].map { Array($0.utf8) }
        let alphabet = Array(#"[]{}",:\0123456789abcXYZ -"#.utf8) + [0, 0x7F, 0xC3, 0xFF]
        var decoded = 0
        for _ in 0..<20_000 {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0...Int.random(in: 0...4, using: &rng) {
                let position = Int.random(in: 0...bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0 where position < bytes.count: bytes[position] = alphabet.randomElement(using: &rng)!
                case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: position)
                case 2 where position < bytes.count: bytes.remove(at: position)
                default: bytes = Array(bytes.prefix(position))
                }
            }
            if let frame = try? OCPPFrame.decode(bytes) {
                decoded += 1
                #expect(try OCPPFrame.decode(frame.encoded()) == frame)
            }
        }
        #expect(decoded > 0)
    }
}
