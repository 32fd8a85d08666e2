public import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Where mail goes out: an SMTP server, how the connection is secured, who signs in, and the sender.
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable, CaseIterable {
        /// Plain, then STARTTLS before anything else is said (port 587); refused if the server does not offer it.
        case starttls
        /// TLS from the first byte (port 465).
        case tls
        /// No encryption: only for a server on this machine.
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// `Name <address>` or an address.
    public var from: String
    /// PEM certificates to trust instead of the system's (a private mail server's CA).
    public var caFile: String?

    public init(
        host: String, port: Int, security: Security = .starttls, username: String? = nil, password: String? = nil,
        from: String, caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.caFile = caFile
    }

    /// The address part of `from`.
    public var fromAddress: String {
        guard let open = from.lastIndex(of: "<"), let close = from.lastIndex(of: ">"), open < close else { return from }
        return String(from[from.index(after: open)..<close])
    }
}

/// What went wrong talking to the mail server: its own words where it said any.
public struct SMTPError: Error, CustomStringConvertible {
    public let description: String
    /// The server refused for good (a 5xx reply): trying again would not help.
    public var permanent = false
}

/// A small SMTP client (RFC 5321) on SwiftNIO: one message to one recipient per connection; STARTTLS or TLS with
/// NIOSSL, AUTH PLAIN. No library for SMTP is among the project's dependencies, and this is all the cloud needs.
public struct SMTPClient: Sendable {
    let settings: SMTPSettings

    public init(settings: SMTPSettings) { self.settings = settings }

    /// Sends `message` (a whole RFC 5322 message, CRLF line ends) to `recipient`, within `deadline` all told: a server
    /// that takes the connection and then says nothing holds no one up for longer.
    public func send(_ message: String, to recipient: String, deadline: Duration = .seconds(45)) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await converse(message, to: recipient) }
            group.addTask {
                try await Task.sleep(for: deadline)
                throw SMTPError(description: "the mail server did not finish within \(deadline)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    func converse(_ message: String, to recipient: String) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.security == .tls { try channel.pipeline.syncOperations.addHandler(try tlsHandler()) }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var conversation = Conversation(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            // EHLO names the sender's domain: some servers refuse a greeting that is not a domain.
            let greeting = "EHLO " + (settings.fromAddress.split(separator: "@").last.map(String.init) ?? "localhost")
            try await conversation.expect(220)
            try await conversation.say(greeting, expect: 250)
            if settings.security == .starttls {
                try await conversation.say("STARTTLS", expect: 220)
                // Anything the server sent after its 220 came before TLS: an attacker's, to be read as if encrypted.
                guard conversation.pending.isEmpty else {
                    throw SMTPError(description: "the mail server sent more after agreeing to STARTTLS")
                }
                try await channel.channel.pipeline.addHandler(try tlsHandler(), position: .first).get()
                try await conversation.say(greeting, expect: 250)
            }
            if let username = settings.username {
                let credentials = Data("\u{0}\(username)\u{0}\(settings.password ?? "")".utf8).base64EncodedString()
                try await conversation.say("AUTH PLAIN \(credentials)", expect: 235, shown: "AUTH PLAIN …")
            }
            try await conversation.say("MAIL FROM:<\(settings.fromAddress)>", expect: 250)
            try await conversation.say("RCPT TO:<\(recipient)>", expect: 250)
            try await conversation.say("DATA", expect: 354)
            // Every line ends in CRLF (a lone CR or LF could end the message early on a lax server), and a line that
            // starts with '.' gets another (dot-stuffing).
            let lines = message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
                .split(separator: "\n", omittingEmptySubsequences: false)
            let stuffed = lines.map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
            try await conversation.say(stuffed + "\r\n.", expect: 250, shown: "(the message)")
            try? await conversation.say("QUIT", expect: 221)
        }
    }

    func tlsHandler() throws -> NIOSSLClientHandler {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        // An address is not a name TLS can carry (SNI); the certificate is then checked against the address connected to.
        let isAddress = (try? SocketAddress(ipAddress: settings.host, port: 0)) != nil
        return try NIOSSLClientHandler(
            context: NIOSSLContext(configuration: configuration), serverHostname: isAddress ? nil : settings.host)
    }

    /// Lines said and replies read, each reply's code checked.
    struct Conversation {
        var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        var pending = ""

        mutating func say(_ line: String, expect code: Int, shown: String? = nil) async throws {
            try await outbound.write(ByteBuffer(string: line + "\r\n"))
            try await expect(code, after: shown ?? line)
        }

        /// Reads a whole reply (its `NNN-` lines, then `NNN `) and checks its code.
        mutating func expect(_ code: Int, after said: String = "connecting") async throws {
            var text: [String] = []
            while true {
                let line = try await readLine()
                text.append(line)
                guard line.count >= 3, Int(line.prefix(3)) != nil else { throw SMTPError(description: "not SMTP: '\(line)'") }
                if line.dropFirst(3).first == " " || line.count == 3 { break }
            }
            guard let last = text.last, let answered = Int(last.prefix(3)), answered == code else {
                throw SMTPError(
                    description: "the mail server answered '\(text.joined(separator: " "))' to \(said)",
                    permanent: text.last?.hasPrefix("5") ?? false)
            }
        }

        mutating func readLine() async throws -> String {
            while true {
                if let end = pending.range(of: "\r\n") {
                    let line = String(pending[..<end.lowerBound])
                    pending.removeSubrange(..<end.upperBound)
                    return line
                }
                guard pending.utf8.count < 65_536, var chunk = try await inbound.next() else {
                    throw SMTPError(description: "the mail server closed the connection")
                }
                pending += chunk.readString(length: chunk.readableBytes) ?? ""
            }
        }
    }
}
