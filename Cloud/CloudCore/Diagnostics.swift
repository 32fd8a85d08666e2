public import CloudStore
public import Foundation
public import Hummingbird
import NIOCore
public import ServerSupport
import SyncContract
import WireJSON

/// What a GetDiagnostics from the cloud may ask besides the upload URL (OCPP 1.6 GetDiagnostics.req): the span of
/// the logs, and how often the station tries the upload.
public struct DiagnosticsOptions: Decodable, Sendable {
    public var startTime: Date?
    public var stopTime: Date?
    public var retries: Int?
    public var retryInterval: Int?

    public init(startTime: Date? = nil, stopTime: Date? = nil, retries: Int? = nil, retryInterval: Int? = nil) {
        self.startTime = startTime
        self.stopTime = stopTime
        self.retries = retries
        self.retryInterval = retryInterval
    }
}

/// Diagnostics from stations: each request gets an upload URL of its own on this cloud (`/diagnostics/<token>`, an
/// unguessable token of which only the SHA-256 is kept, good for ``lifetime``), sent in a GetDiagnostics; the station
/// uploads its file there (HTTP PUT of the file, or POST of the file or of a `multipart/form-data` form, as chargers
/// do), at most ``maxBytes``; what it reports on the way (DiagnosticsStatusNotification) reaches the request through
/// the site's history.
public enum Diagnostics {
    /// The largest file taken.
    public static let maxBytes = 20 << 20
    /// How long an upload URL takes a file (a station may retry late).
    public static let lifetime: TimeInterval = 24 * 3600

    /// Sends a GetDiagnostics for the station through `send` (which relays it to the edge and answers the edge's
    /// result, or throws a ``Problem`` when it cannot be sent) and keeps the request with what came of it.
    /// `publicBase` is how stations reach this cloud (`http.public_url`): without it there is no URL to upload to.
    public static func request(
        site: String, station: String, options: DiagnosticsOptions, by user: String?, publicBase: String?,
        repository: any CloudRepository, now: Date = Date(), send: (String, String) async throws -> CommandResultRecord
    ) async throws -> DiagnosticsRecord {
        guard let publicBase else {
            throw Problem(
                status: 409,
                detail: "stations upload diagnostics to this cloud's own URL: set http.public_url in cloud.yaml (how "
                    + "chargers reach this cloud, such as https://cloud.example.com) first")
        }
        _ = try payload(options, location: "")  // the options checked before anything is kept
        let token = Secrets.random()
        let record = DiagnosticsRecord(
            id: UUID().uuidString.lowercased(), site: site, station: station, requestedBy: user, requestedAt: now,
            expiresAt: now.addingTimeInterval(lifetime))
        try await repository.addDiagnostics(record, tokenHash: tokenHash(token))
        let result: CommandResultRecord
        do {
            // The command is kept without the URL's token (only its hash is).
            result = try await send(
                try self.payload(options, location: "\(publicBase)/diagnostics/\(token)"),
                try self.payload(options, location: "\(publicBase)/diagnostics/(not kept)"))
        } catch let problem as Problem where problem.status == 504 {
            try await repository.diagnosticsAnswered(
                id: record.id, state: "requested", fileName: nil,
                detail: "no answer from the edge in time; the station may still upload")
            return try await repository.diagnostics(id: record.id) ?? record
        } catch {
            try await repository.diagnosticsAnswered(id: record.id, state: "refused", fileName: nil, detail: "\(error)")
            throw error
        }
        if result.outcome == .accepted {
            let answer = result.response.flatMap { try? JSONDecoder().decode(Answer.self, from: Data($0.utf8)) }
            try await repository.diagnosticsAnswered(
                id: record.id, state: "accepted", fileName: answer?.fileName.map { String($0.prefix(255)) }, detail: nil)
        } else {
            try await repository.diagnosticsAnswered(
                id: record.id, state: "refused", fileName: nil, detail: result.error ?? result.outcome.rawValue)
        }
        return try await repository.diagnostics(id: record.id) ?? record
    }

    private struct Answer: Decodable {
        let fileName: String?
    }

    /// The GetDiagnostics payload, each bad option refused naming the field.
    static func payload(_ options: DiagnosticsOptions, location: String) throws -> String {
        var request: [String: Any] = ["location": location]
        if let retries = options.retries {
            guard (0...10).contains(retries) else { throw Problem(status: 400, detail: "retries: must be 0 to 10") }
            request["retries"] = retries
        }
        if let interval = options.retryInterval {
            guard (1...3600).contains(interval) else {
                throw Problem(status: 400, detail: "retryInterval: must be 1 to 3600 seconds")
            }
            request["retryInterval"] = interval
        }
        if let start = options.startTime, let stop = options.stopTime, stop <= start {
            throw Problem(status: 400, detail: "stopTime: must be after startTime")
        }
        request["startTime"] = options.startTime.map { RFC3339.format($0) }
        request["stopTime"] = options.stopTime.map { RFC3339.format($0) }
        return String(decoding: try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys]), as: UTF8.self)
    }

    /// An uploaded diagnostics file as a download.
    public static func download(_ file: DiagnosticsFile) -> Response {
        Response(
            status: .ok,
            headers: [
                // Whatever type the station gave, the browser saves it and runs nothing of it.
                .contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"\(file.name)\"",
                .init("X-Content-Type-Options")!: "nosniff", .init("Content-Security-Policy")!: "sandbox",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: file.content)))
    }

    /// What the store keeps of an upload URL's token.
    public static func tokenHash(_ token: String) -> String { Secrets.hash(token) }

    /// The file of an upload: the body itself, or the first file of a `multipart/form-data` body (the first part
    /// when none names a file). Refused (400) when a form is malformed or empty.
    public static func file(body: [UInt8], contentType: String?, name: String) throws -> DiagnosticsFile {
        let type = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard type == "multipart/form-data" else {
            guard !body.isEmpty else { throw Problem(status: 400, detail: "the upload is empty") }
            return DiagnosticsFile(
                name: name, contentType: Self.contentType(type), content: Data(body))
        }
        guard let boundary = Self.boundary(contentType ?? "") else {
            throw Problem(status: 400, detail: "Content-Type: multipart/form-data without a boundary")
        }
        let parts = MultipartForm.parts(body, boundary: boundary)
        guard let part = parts.first(where: { $0.fileName != nil }) ?? parts.first, !part.content.isEmpty else {
            throw Problem(status: 400, detail: "the form has no file in it")
        }
        return DiagnosticsFile(
            name: part.fileName.map(safeName) ?? name, contentType: Self.contentType(part.contentType),
            content: Data(part.content))
    }

    private static func contentType(_ type: String?) -> String {
        guard let type, !type.isEmpty, type.count <= 100, type.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            return "application/octet-stream"
        }
        return type
    }

    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            let value = pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return (1...70).contains(value.count) ? value : nil
        }
        return nil
    }

    /// A file name as the download offers it: its last path component, printable characters only.
    public static func safeName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let kept = String(last.filter { $0.isLetter || $0.isNumber || "._-+".contains($0) }.prefix(120))
        return kept.isEmpty || kept.allSatisfy({ $0 == "." }) ? "diagnostics" : kept
    }
}

/// The parts of a `multipart/form-data` body (RFC 7578): each part's file name, type and bytes.
enum MultipartForm {
    struct Part {
        var fileName: String?
        var contentType: String?
        var content: ArraySlice<UInt8>
    }

    static func parts(_ body: [UInt8], boundary: String) -> [Part] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        var cursor = 0
        guard var start = find(delimiter, in: body, from: 0) else { return [] }
        while true {
            cursor = start + delimiter.count
            // `--` after the delimiter closes the form.
            if body.count >= cursor + 2, body[cursor] == UInt8(ascii: "-"), body[cursor + 1] == UInt8(ascii: "-") { break }
            guard let headersEnd = find(Array("\r\n\r\n".utf8), in: body, from: cursor),
                let next = find(Array("\r\n".utf8) + delimiter, in: body, from: headersEnd + 4)
            else { break }
            let headers = String(decoding: body[cursor..<headersEnd], as: UTF8.self)
            var part = Part(content: body[(headersEnd + 4)..<next])
            for line in headers.split(whereSeparator: \.isNewline) {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let value = pair[1].trimmingCharacters(in: .whitespaces)
                switch pair[0].trimmingCharacters(in: .whitespaces).lowercased() {
                case "content-disposition": part.fileName = fileName(value)
                case "content-type": part.contentType = value
                default: break
                }
            }
            parts.append(part)
            // The first file is the one taken: nothing after it is read; and a form of many small parts is no form.
            if part.fileName != nil || parts.count >= 16 { break }
            start = next + 2
        }
        return parts
    }

    static func fileName(_ disposition: String) -> String? {
        for parameter in disposition.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "filename" else { continue }
            return pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
