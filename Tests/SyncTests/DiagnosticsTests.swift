import CloudCore
import CloudStore
import Foundation
import ServerSupport
import SiteModel
import SyncContract
import Testing

@Suite struct DiagnosticsTests {
    let directory = TemporaryDirectory()
    static let t0 = Date(timeIntervalSince1970: 1_795_600_000)

    @Test func anUploadIsTheBodyOrTheFileOfAMultipartForm() throws {
        let raw = try Diagnostics.file(body: Array("log line\n".utf8), contentType: "text/plain", name: "x.log")
        #expect(raw == DiagnosticsFile(name: "x.log", contentType: "text/plain", content: Data("log line\n".utf8)))
        let form = [
            "--XyZ", #"Content-Disposition: form-data; name="note""#, "", "not the file",
            "--XyZ", #"Content-Disposition: form-data; name="file"; filename="../../etc/diag.tar.gz""#,
            "Content-Type: application/gzip", "", "\u{1f}\u{8b}binary\r\nwith a line break",
            "--XyZ--", "",
        ].joined(separator: "\r\n")
        let file = try Diagnostics.file(
            body: Array(form.utf8), contentType: #"multipart/form-data; boundary="XyZ""#, name: "fallback")
        #expect(file.name == "diag.tar.gz", "only the last path component")
        #expect(file.contentType == "application/gzip")
        #expect(file.content == Data("\u{1f}\u{8b}binary\r\nwith a line break".utf8))
        for (body, type, why) in [
            ("", "text/plain", "empty"), ("--a\r\n\r\n\r\n--a--", "multipart/form-data; boundary=a", "no file"),
            ("whatever", "multipart/form-data", "no boundary"),
        ] {
            #expect(throws: Problem.self, "\(why)") { try Diagnostics.file(body: Array(body.utf8), contentType: type, name: "n") }
        }
        #expect(Diagnostics.safeName("..") == "diagnostics" && Diagnostics.safeName("a b;c.log") == "abc.log")
    }

    @Test func aRequestSendsAnUploadURLOfItsOwnAndTheUploadIsKeptUntilItExpires() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s1", name: "S1", at: Self.t0)
        var sent: [String] = []
        let record = try await Diagnostics.request(
            site: "s1", station: "CP1", options: DiagnosticsOptions(retries: 2), by: "olga", publicBase: "https://cloud.test",
            repository: store, now: Self.t0
        ) { payload, recorded in
            sent.append(payload)
            #expect(recorded.contains("(not kept)") && !recorded.contains(payload.suffix(20)))
            return CommandResultRecord(
                site: "s1", id: "c1", outcome: .accepted, response: #"{"fileName":"cp1.log"}"#, error: nil)
        }
        #expect(record.state == "accepted" && record.fileName == "cp1.log" && record.requestedBy == "olga")
        let first = try #require(sent.first)
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        let location = try #require(payload["location"] as? String)
        #expect(location.hasPrefix("https://cloud.test/diagnostics/") && payload["retries"] as? Int == 2)
        let token = String(location.dropFirst("https://cloud.test/diagnostics/".count))
        #expect(token.count >= 43, "32 random bytes")

        let file = DiagnosticsFile(name: "cp1.log", contentType: "text/plain", content: Data("ok".utf8))
        #expect(try await store.storeDiagnosticsUpload(tokenHash: Diagnostics.tokenHash("guess"), file, now: Self.t0) == nil)
        let later = Self.t0.addingTimeInterval(Diagnostics.lifetime + 1)
        #expect(try await store.storeDiagnosticsUpload(tokenHash: Diagnostics.tokenHash(token), file, now: later) == nil)
        let stored = try #require(
            try await store.storeDiagnosticsUpload(tokenHash: Diagnostics.tokenHash(token), file, now: Self.t0))
        #expect(stored.state == "uploaded" && stored.size == 2)
        #expect(try await store.diagnosticsFile(id: record.id) == file)

        // Bad options are refused naming the field, before anything is sent or kept.
        await #expect(throws: Problem.self) {
            try await Diagnostics.request(
                site: "s1", station: "CP1", options: DiagnosticsOptions(retries: 99), by: nil, publicBase: "https://c",
                repository: store
            ) { _, _ in throw Problem(status: 500, detail: "not sent") }
        }
        // A refusal is kept with its reason.
        let refused = try await Diagnostics.request(
            site: "s1", station: "CP1", options: DiagnosticsOptions(), by: nil, publicBase: "https://c", repository: store,
            now: Self.t0.addingTimeInterval(1)
        ) { _, _ in CommandResultRecord(site: "s1", id: "c2", outcome: .rejected, response: nil, error: "busy") }
        #expect(refused.state == "refused" && refused.detail == "busy")
        #expect(try await store.diagnostics(site: "s1", station: "CP1", limit: 10).map(\.id) == [refused.id, record.id])
    }

    @Test func theStationsStatusReachesItsLatestRequestThroughTheHistory() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s1", name: "S1", at: Self.t0)
        let record = DiagnosticsRecord(
            id: "d1", site: "s1", station: "CP1", requestedBy: nil, requestedAt: Self.t0, expiresAt: Self.t0 + 3600)
        try await store.addDiagnostics(record, tokenHash: "h")
        func event(_ status: String, seq: Int64) -> UpEnvelope {
            UpEnvelope(
                site: "s1", seq: seq, timestamp: Self.t0,
                message: .event(
                    SiteEvent(
                        station: "CP1", kind: "diagnostics_status", severity: .known(.info),
                        detail: #"{"status":"\#(status)"}"#, time: Self.t0 + Double(seq))))
        }
        _ = try await store.apply([event("Uploading", seq: 1), event("Idle", seq: 2)], receivedAt: Self.t0)
        #expect(try await store.diagnostics(id: "d1")?.stationStatus == "Uploading", "Idle answers a trigger only")
        _ = try await store.apply([event("UploadFailed", seq: 3)], receivedAt: Self.t0)
        #expect(try await store.diagnostics(id: "d1")?.stationStatus == "UploadFailed")
    }
}
