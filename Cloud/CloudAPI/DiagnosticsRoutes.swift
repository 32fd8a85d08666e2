import CloudCore
import CloudIngest
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServerSupport
import SyncContract
import Synchronization

extension CloudAPI {
    /// `/sites/{site}/stations/{station}/diagnostics`: ask a station for its diagnostics, list what was asked and
    /// received; `/diagnostics/{id}/file`: the file. Operators and admins who see the station.
    var diagnosticsRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.post("/sites/:site/stations/:station/diagnostics") { request, context in
            let identity = try context.require(.configure)
            let station = try await visibleStation(context)
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            var options = DiagnosticsOptions()
            if body.readableBytes > 0 { options = try await decode(DiagnosticsOptions.self, from: body) }
            let record = try await Diagnostics.request(
                site: station.site, station: station.id, options: options, by: identity.user, publicBase: publicURL,
                repository: repository
            ) { payload, recorded in
                try await relayResult(
                    site: station.site, station: station.id, action: "GetDiagnostics", payload: payload, user: identity.user,
                    recordedPayload: recorded)
            }
            var response = try json(record).response(from: request, context: context)
            response.status = .created
            return response
        }
        api.get("/sites/:site/stations/:station/diagnostics") { _, context in
            _ = try context.require(.configure)
            let station = try await visibleStation(context)
            return json(Items(items: try await repository.diagnostics(site: station.site, station: station.id, limit: 100)))
        }
        api.get("/diagnostics/:id/file") { _, context in
            let identity = try context.require(.configure)
            let id = try context.parameters.require("id")
            guard let record = try await repository.diagnostics(id: id),
                identity.sees(station: record.station, site: record.site), let file = try await repository.diagnosticsFile(id: id)
            else { throw Problem(status: 404, detail: "no diagnostics file '\(id)'") }
            return Diagnostics.download(file)
        }
        return api
    }

    /// Where stations upload the diagnostics asked of them: `PUT` or `POST /diagnostics/<token>` (or
    /// `/diagnostics/<token>/<file name>`: OCPP names a directory, and chargers add their file's name) with no other
    /// credential than the URL's token (chargers send none), at most ``Diagnostics/maxBytes``, while the URL lives.
    func addDiagnosticsUpload(to router: Router<APIRequestContext>) {
        for (method, path) in [HTTPRequest.Method.put, .post].flatMap({
            [($0, "/diagnostics/:token"), ($0, "/diagnostics/:token/:name")]
        }) {
            router.on(RouterPath(path), method: method) { request, context in
                let token = try context.parameters.require("token")
                let name = context.parameters.get("name").map(Diagnostics.safeName) ?? "diagnostics"
                // Nothing of the body is read for an address nobody gave out, and only a few uploads at once.
                guard try await repository.diagnosticsExpected(tokenHash: Diagnostics.tokenHash(token), now: Date()) else {
                    throw Problem(status: 404, detail: "no diagnostics are expected at this address (unknown or expired)")
                }
                guard uploads.take() else {
                    throw Problem(status: 503, detail: "diagnostics uploads are in progress; try again later", retryAfter: 30)
                }
                defer { uploads.give() }
                var request = request
                let body: ByteBuffer
                do {
                    body = try await request.collectBody(upTo: Diagnostics.maxBytes)
                } catch {
                    throw Problem(status: 413, detail: "a diagnostics file may be at most \(Diagnostics.maxBytes) bytes")
                }
                let file = try Diagnostics.file(
                    body: Array(body.readableBytesView), contentType: request.headers[.contentType], name: name)
                guard
                    let record = try await repository.storeDiagnosticsUpload(
                        tokenHash: Diagnostics.tokenHash(token), file, now: Date())
                else {
                    throw Problem(status: 404, detail: "no diagnostics are expected at this address (unknown or expired)")
                }
                context.logger.notice(
                    "diagnostics uploaded",
                    metadata: ["site": "\(record.site)", "station": "\(record.station)", "bytes": "\(file.content.count)"])
                return Response(
                    status: .created, headers: [.contentType: "text/plain"],
                    body: .init(byteBuffer: ByteBuffer(string: "stored \(file.content.count) bytes\n")))
            }
        }
    }
}

/// A bounded number of things at once.
final class UploadSlots: Sendable {
    private let held = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func take() -> Bool {
        guard held.add(1, ordering: .relaxed).newValue <= limit else {
            held.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func give() { held.subtract(1, ordering: .relaxed) }
}
