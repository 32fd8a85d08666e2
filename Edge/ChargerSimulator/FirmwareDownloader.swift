import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// How simulated chargers fetch the firmware an UpdateFirmware names: a real HTTP(S) download, so a campaign with
/// a wrong URL, an unreachable server or a certificate the charger does not trust fails as it would on a charger.
public final class FirmwareDownloader: Sendable {
    /// The largest image a simulated charger accepts.
    public static let maxBytes = 256 << 20

    /// Trusting the system's certificate authorities only.
    public static let system = FirmwareDownloader(client: .shared, owned: false)

    private let client: HTTPClient
    private let owned: Bool

    private init(client: HTTPClient, owned: Bool) {
        self.client = client
        self.owned = owned
    }

    /// Trusting also the certificates in a PEM file (a cloud's self-signed certificate, a private CA).
    public convenience init(trusting pemFile: String) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(pemFile))]
        self.init(
            client: HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(tlsConfiguration: tls, timeout: .init(connect: .seconds(10), read: .seconds(60)))),
            owned: true)
    }

    /// Downloads `location`; answers the image's size in bytes.
    func download(_ location: String) async throws -> Int {
        guard let url = URL(string: location), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            throw DownloadError("not an http(s) URL: \(location)")
        }
        let response = try await client.execute(HTTPClientRequest(url: location), timeout: .seconds(120))
        guard response.status == .ok else {
            throw DownloadError("the server answered \(response.status.code) \(response.status.reasonPhrase)")
        }
        var size = 0
        for try await chunk in response.body {
            size += chunk.readableBytes
            guard size <= Self.maxBytes else { throw DownloadError("the image is larger than \(Self.maxBytes) bytes") }
        }
        return size
    }

    /// Uploads a diagnostics file as chargers that speak HTTP do: `PUT <location>/<fileName>` (OCPP's location is a
    /// directory); anything but a 2xx answer is a failure.
    func upload(_ content: [UInt8], to location: String, fileName: String) async throws {
        guard let url = URL(string: location), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            throw DownloadError("not an http(s) URL: \(location)")
        }
        let directory = location.hasSuffix("/") ? String(location.dropLast()) : location
        var request = HTTPClientRequest(url: "\(directory)/\(fileName)")
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(ByteBuffer(bytes: content))
        let response = try await client.execute(request, timeout: .seconds(120))
        guard (200..<300).contains(response.status.code) else {
            throw DownloadError("the server answered \(response.status.code) \(response.status.reasonPhrase)")
        }
    }

    /// Closes the connections of a downloader made with its own trust (the system one needs no shutdown).
    public func shutdown() async throws {
        if owned { try await client.shutdown() }
    }

    struct DownloadError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
