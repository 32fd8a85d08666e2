public import CentralSystem
public import EdgeConfig
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import LoadControl
public import MeterIO
public import NIOSSL
public import Prometheus

/// What the edge serves, built for the composition root (`EdgeApp`): the OCPP WebSocket server chargers connect
/// to, and the local HTTP interface.
public enum EdgeServers {
    /// The OCPP-J server (WebSocket, `wss://` when `ocpp.tls` is set), with its limits on frames and connections.
    public static func ocpp(central: CentralSystem, settings: EdgeConfiguration.OCPPServer) throws -> HTTPServerBuilder {
        let channel = OCPPWebSocketChannel(
            central: central, maxFrameBytes: settings.maxFrameBytes, connectionsPerAddress: settings.connectionsPerAddress)
        let server = HTTPServerBuilder { _ in channel }
        guard let tls = settings.tls else { return server }
        return try .tls(server, tlsConfiguration: try tlsConfiguration(tls))
    }

    /// The local HTTP interface's routes; changes need `token` as `Authorization: Bearer …`.
    public static func localHTTP(
        central: CentralSystem, registry: PrometheusCollectorRegistry, board: MeterBoard, load: LoadController, token: String
    ) -> Router<BasicRequestContext> {
        LocalHTTP(central: central, registry: registry, board: board, load: load, token: token).router()
    }

    /// The OCPP server's TLS: TLS 1.2 at least, and for security profile 3 the chargers' client CA.
    public static func tlsConfiguration(_ tls: EdgeConfiguration.TLS) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        // The OCPP 1.6 security whitepaper asks for TLS 1.2 at least; NIOSSL's default would take 1.0.
        configuration.minimumTLSVersion = .tlsv12
        // Chargers often drop the TCP connection without a TLS close_notify; don't hold the socket 5 s for it.
        configuration.shutdownTimeout = .seconds(1)
        if let clientCA = tls.clientCA {
            // Security profile 3: a charger without a certificate of this CA does not complete the handshake; the
            // identity it names is checked against its URL at the upgrade (a charger's certificate names no host).
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .file(clientCA)
        }
        return configuration
    }
}
