import CloudCore
import CloudReports
import CloudStore
import Foundation
import Hummingbird
import NIOCore
import ServerSupport

extension CloudAPI {
    /// `/reports`: energy, sessions and revenue summed by site, station, group, token, vehicle or customer and by
    /// day, week or month; the sessions themselves, streamed. JSON, or CSV with `format=csv`. Scoped to what the
    /// caller may see.
    var reportRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.get("/reports/energy") { request, context in
            let identity = try context.require(.read)
            let query = Query(request)
            let asked = try Requests.reportRequest(query, fleetTimeZone: reportSettings.timeZone)
            let report: Report
            do {
                report = try await reports.report(asked, scope: identity.scope, organization: identity.organization)
            } catch let refusal as Reports.Refusal {
                throw Problem(status: 400, detail: refusal.description)
            }
            guard try Self.wantsCSV(query) else { return try json(report).response(from: request, context: context) }
            return Self.csvResponse(name: "energy", text: ReportCSV.text(report))
        }
        api.get("/reports/availability") { request, context in
            let identity = try context.require(.read)
            let query = Query(request)
            let asked = try Requests.reportRequest(query, fleetTimeZone: reportSettings.timeZone)
            let rows = try await reports.availability(asked, scope: identity.scope, organization: identity.organization)
            guard try Self.wantsCSV(query) else {
                return try json(Items(items: rows)).response(from: request, context: context)
            }
            return Self.csvResponse(name: "availability", text: Availability.csv(rows, timeZone: asked.timeZone))
        }
        api.get("/reports/sessions") { request, context in
            let identity = try context.require(.read)
            let query = Query(request)
            let asked = try Requests.reportRequest(query, fleetTimeZone: reportSettings.timeZone)
            let export = SessionExport(
                repository: repository,
                filter: try await reports.filter(asked, scope: identity.scope, organization: identity.organization),
                timeZone: asked.timeZone)
            let csv = try Self.wantsCSV(query)
            let body = ResponseBody { writer in
                if csv {
                    try await export.csv { try await writer.write(ByteBuffer(string: $0)) }
                } else {
                    try await writer.write(ByteBuffer(string: #"{"items":"#))
                    try await export.json { try await writer.write(ByteBuffer(string: $0)) }
                    try await writer.write(ByteBuffer(string: "}"))
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: csv
                    ? [.contentType: "text/csv; charset=utf-8", .contentDisposition: #"attachment; filename="sessions.csv""#]
                    : [.contentType: "application/json"],
                body: body)
        }
        return api
    }

    static func wantsCSV(_ query: Query) throws -> Bool {
        switch query.string("format") ?? "json" {
        case "json": false
        case "csv": true
        case let other: throw Problem(status: 400, detail: "format must be json or csv, got '\(other)'")
        }
    }

    static func csvResponse(name: String, text: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name).csv\""],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
