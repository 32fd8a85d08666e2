import Foundation
import SyncContract
import Testing

@testable import CloudFirmware
@testable import CloudStore

/// Security review, finding 20: signed firmware updates (the OCPP 1.6 security extension).
@Suite struct SignedFirmwareTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)
    static let campaign = FirmwareCampaign(
        id: "c1", name: "C", image: "i", location: "https://cloud.example/firmware/i/f.bin", startAt: now, ratePerMinute: 1,
        state: "running", createdAt: now, createdBy: nil)

    static func image(signed: Bool) -> FirmwareImage {
        FirmwareImage(
            id: "i", name: "I", version: "1", fileName: "f.bin", size: 1, sha256: nil, url: nil, createdAt: now, createdBy: nil,
            signature: signed ? "c2ln" : nil, signingCertificate: signed ? "-----BEGIN CERTIFICATE-----" : nil)
    }

    @Test func aSignedImageGoesOutAsSignedUpdateFirmwareAndAnotherAsUpdateFirmware() throws {
        let signed = try FirmwareRollout.update(Self.campaign, image: Self.image(signed: true), now: Self.now)
        #expect(signed.action == "SignedUpdateFirmware")
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(signed.payload.utf8)) as? [String: Any])
        let firmware = try #require(payload["firmware"] as? [String: Any])
        #expect(payload["requestId"] as? Int == FirmwareRollout.requestId(of: "c1") && payload["retries"] as? Int == 3)
        #expect(firmware["location"] as? String == Self.campaign.location && firmware["signature"] as? String == "c2ln")
        #expect(firmware["retrieveDateTime"] as? String == "2026-11-30T00:53:20.000Z")
        let plain = try FirmwareRollout.update(Self.campaign, image: Self.image(signed: false), now: Self.now)
        #expect(plain.action == "UpdateFirmware" && plain.payload.contains("retrieveDate"))
        #expect((0...Int(Int32.max)).contains(FirmwareRollout.requestId(of: "another campaign")))
    }

    @Test func theStationsAnswerDecidesWhetherItWasSent() {
        func result(_ outcome: String, response: String? = nil, error: String? = nil) -> CommandResultRecord {
            CommandResultRecord(site: "s", id: "x", outcome: CommandOutcome(rawValue: outcome), response: response, error: error)
        }
        let signed = "SignedUpdateFirmware"
        #expect(
            FirmwareRollout.outcome(of: result("accepted", response: #"{"status":"Accepted"}"#), action: signed).state == "sent")
        #expect(
            FirmwareRollout.outcome(of: result("accepted", response: #"{"status":"InvalidCertificate"}"#), action: signed)
                .state == "InvalidCertificate")
        #expect(
            FirmwareRollout.outcome(of: result("accepted", response: #"{"status":"Rejected"}"#), action: signed).state
                == "Rejected")
        #expect(
            FirmwareRollout.outcome(of: result("accepted", response: #"{"status":"NoSuchStatus"}"#), action: signed).state
                == "pending")
        let refusedPayload = result("invalid", error: "payload is not valid for SignedUpdateFirmware: firmware.location")
        #expect(FirmwareRollout.outcome(of: refusedPayload, action: signed).state == "Invalid")
        let notImplemented = result("station_error", error: "station answered SignedUpdateFirmware with NotImplemented: no")
        #expect(FirmwareRollout.outcome(of: notImplemented, action: signed).state == "NotSupported")
        let oldEdge = result("invalid", error: "'SignedUpdateFirmware' is not a command a central system can send in OCPP 1.6")
        #expect(FirmwareRollout.outcome(of: oldEdge, action: signed).state == "NotSupported")
        #expect(FirmwareRollout.outcome(of: result("not_connected"), action: signed).state == "pending")
        #expect(FirmwareRollout.outcome(of: result("accepted", response: "{}"), action: "UpdateFirmware").state == "sent")
        #expect(FirmwareTarget.finalStates.isSuperset(of: ["InvalidSignature", "InstallVerificationFailed", "NotSupported"]))
    }

    @Test func aStationVerifyingOrRebootingIsStillInProgressUntilItFallsSilent() {
        for state in ["SignatureVerified", "InstallRebooting", "DownloadScheduled"] {
            #expect(RolloutPlan.state(of: state, updatedAt: Self.now, now: Self.now + 3600) == state)
            #expect(RolloutPlan.state(of: state, updatedAt: Self.now, now: Self.now + 7 * 3600) == "timeout")
        }
    }
}
