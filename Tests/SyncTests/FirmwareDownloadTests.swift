import CloudIngest
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MQTT
import Metrics
import Testing

@testable import CloudAPI

/// Security review, finding 3: an image was read whole (twice) for every download, any number at once, with no
/// Range, for as long as the image existed.
@Suite struct FirmwareDownloadTests {
    let directory = TemporaryDirectory()

    /// 2.5 chunks of bytes that differ by position.
    static let image = Data((0..<(FirmwareImage.chunkBytes * 5 / 2)).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 251) })

    func makeApp(campaignState: String = "running", finishedAt: Date? = nil) async throws -> some ApplicationProtocol {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        try await store.addFirmwareImage(
            FirmwareImage(
                id: "img", name: "FW", version: "1", fileName: "fw.bin", size: Self.image.count, sha256: "abc", url: nil,
                createdAt: Date(), createdBy: nil), data: Self.image)
        try await store.addFirmwareImage(
            FirmwareImage(
                id: "idle", name: "FW", version: "0", fileName: "old.bin", size: 3, sha256: nil, url: nil, createdAt: Date(),
                createdBy: nil), data: Data([1, 2, 3]))
        try await store.addCampaign(
            FirmwareCampaign(
                id: "c", name: "C", image: "img", location: "https://x/firmware/img/fw.bin", startAt: Date(), ratePerMinute: 1,
                state: campaignState, createdAt: Date(), createdBy: nil), targets: [])
        if let finishedAt { try await store.setCampaignState(id: "c", state: campaignState, at: finishedAt) }
        let client = MQTTClient(
            configuration: MQTTConfiguration(broker: MQTTBroker(host: "127.0.0.1", port: 1, tls: false), clientId: "test"),
            logger: Logger(label: "test"))
        let api = CloudAPI(
            repository: store, relay: CommandRelay(repository: store, client: client), commandTimeout: .seconds(1),
            metrics: APIMetrics(factory: NOOPMetricsHandler.instance), prometheus: { [] }, tokenListChanged: { _ in })
        return Application(router: api.router())
    }

    @Test func anImageIsServedWholeOrByRangeAcrossItsChunks() async throws {
        let app = try await makeApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/firmware/img/fw.bin", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentLength] == "\(Self.image.count)")
                #expect(response.headers[.acceptRanges] == "bytes")
                #expect(Data(response.body.readableBytesView) == Self.image)
            }
            let boundary = FirmwareImage.chunkBytes
            for (header, expected) in [
                ("bytes=\(boundary - 5)-\(boundary + 4)", (boundary - 5)...(boundary + 4)),
                ("bytes=\(2 * boundary)-", (2 * boundary)...(Self.image.count - 1)),
                ("bytes=-10", (Self.image.count - 10)...(Self.image.count - 1)),
                ("bytes=0-0", 0...0),
            ] {
                try await client.execute(uri: "/firmware/img/fw.bin", method: .get, headers: [.range: header]) { response in
                    #expect(response.status == .partialContent, "\(header)")
                    #expect(
                        response.headers[.contentRange]
                            == "bytes \(expected.lowerBound)-\(expected.upperBound)/\(Self.image.count)", "\(header)")
                    #expect(Data(response.body.readableBytesView) == Self.image[expected], "\(header)")
                }
            }
            try await client.execute(
                uri: "/firmware/img/fw.bin", method: .get, headers: [.range: "bytes=\(Self.image.count)-"]
            ) { response in
                #expect(response.status == .rangeNotSatisfiable)
                #expect(response.headers[.contentRange] == "bytes */\(Self.image.count)")
            }
            // An image no campaign sends: its URL does not work.
            try await client.execute(uri: "/firmware/idle/old.bin", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func aURLStopsWorkingAWeekAfterItsCampaignEnded() async throws {
        let ended = try await makeApp(campaignState: "finished", finishedAt: Date() - 8 * 86_400)
        try await ended.test(.router) { client in
            try await client.execute(uri: "/firmware/img/fw.bin", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func downloadsAtOnceAreBoundedAndASlotComesBackWithItsBodyOrItsLease() {
        let slots = FirmwareDownload.Slots(limit: 2)
        var first = slots.take(lease: .seconds(60))
        let second = slots.take(lease: .seconds(60))
        #expect(first != nil && second != nil)
        #expect(slots.take(lease: .seconds(60)) == nil, "a third waits")
        first = nil
        #expect(slots.inUse == 1)
        #expect(slots.take(lease: .seconds(60)) != nil)
        _ = second
        // A download whose client stopped reading keeps its slot only until its lease ends.
        let stalled = FirmwareDownload.Slots(limit: 1)
        let held = stalled.take(lease: .zero)
        #expect(held != nil && stalled.take(lease: .seconds(60)) != nil, "the stalled one's lease is over")
        _ = held
    }

    @Test func rangesAreReadAsRFC9110Says() {
        #expect(FirmwareDownload.part(nil, size: 100) == .whole)
        #expect(FirmwareDownload.part("bytes=0-9,20-29", size: 100) == .whole, "several ranges: the whole file")
        #expect(FirmwareDownload.part("items=0-9", size: 100) == .whole)
        #expect(FirmwareDownload.part("bytes=10-5", size: 100) == .whole)
        #expect(FirmwareDownload.part("bytes=90-200", size: 100) == .bytes(90...99))
        #expect(FirmwareDownload.part("bytes=-200", size: 100) == .bytes(0...99))
        #expect(FirmwareDownload.part("bytes=100-", size: 100) == .unsatisfiable)
        #expect(FirmwareDownload.part("bytes=-0", size: 100) == .unsatisfiable)
        #expect(FirmwareDownload.part("Bytes=0-9", size: 100) == .bytes(0...9), "the unit is case-insensitive")
    }
}
