public import Foundation
public import SiteModel

/// What the cloud tells an edge, on `gridside/v1/<site>/down/<type>`. Every one is a JSON object with an
/// `id`; down messages are not sequenced: commands are answered by id, acks and token lists are idempotent.
public enum DownMessage: Sendable, Equatable {
    case ack(Ack)
    case command(CommandRequest)
    case authAnswer(AuthAnswer)
    /// Retained, so an edge that connects gets the latest list.
    case tokens(TokenList)

    public var type: String {
        switch self {
        case .ack: "ack"
        case .command: "command"
        case .authAnswer: "auth"
        case .tokens: "tokens"
        }
    }

    /// Reads a down message of `type` (the topic's last level).
    public static func decode(type: String, _ bytes: [UInt8]) throws(EnvelopeError) -> DownMessage {
        let decoder = SyncJSON.decoder()
        do {
            switch type {
            case "ack": return .ack(try decoder.decode(Ack.self, from: Data(bytes)))
            case "command": return .command(try decoder.decode(CommandRequest.self, from: Data(bytes)))
            case "auth": return .authAnswer(try decoder.decode(AuthAnswer.self, from: Data(bytes)))
            case "tokens": return .tokens(try decoder.decode(TokenList.self, from: Data(bytes)))
            default: throw EnvelopeError.unknownType(type)
            }
        } catch let error as EnvelopeError {
            throw error
        } catch let error as DecodingError {
            throw .malformed(EnvelopeError.describe(error))
        } catch {
            throw .malformed("\(error)")
        }
    }

    public func encoded() throws -> [UInt8] {
        let encoder = SyncJSON.encoder()
        return switch self {
        case .ack(let ack): Array(try encoder.encode(ack))
        case .command(let command): Array(try encoder.encode(command))
        case .authAnswer(let answer): Array(try encoder.encode(answer))
        case .tokens(let list): Array(try encoder.encode(list))
        }
    }
}

/// The up messages the cloud has durably applied (or already had): the edge removes them from its outbox.
public struct Ack: Codable, Sendable, Equatable {
    public var seqs: [Int64]
    /// The cloud's clock when it sent the ack. Acks arrive within moments, so the edge learns from them how far its
    /// clock is from the cloud's and reads commands' deadlines on the cloud's clock (security review, finding 21).
    /// Absent from clouds before it.
    public var at: Date?

    public init(seqs: [Int64], at: Date? = nil) {
        self.seqs = seqs
        self.at = at
    }
}

/// An OCPP command for one station, relayed by the edge.
public struct CommandRequest: Codable, Sendable, Equatable {
    public var id: String
    public var station: String
    /// An OCPP 1.6 central-system action such as `RemoteStartTransaction`.
    public var action: String
    /// The OCPP payload, as a JSON object in text.
    public var payload: String
    /// When the cloud stops waiting, on the cloud's clock (the edge reads it with the difference its acks showed); an
    /// edge that gets the command later does not run it.
    public var expires: Date

    public init(id: String, station: String, action: String, payload: String, expires: Date) {
        self.id = id
        self.station = station
        self.action = action
        self.payload = payload
        self.expires = expires
    }
}

/// The cloud's verdict on a token an edge asked about.
public struct AuthAnswer: Codable, Sendable, Equatable {
    public var id: String
    public var idTag: String
    /// An authorization status: `Accepted`, `Blocked`, `Expired`, `Invalid`.
    public var status: OpenEnum<TokenStatus>
    public var expiry: Date?
    public var parentIdTag: String?

    public init(id: String, idTag: String, status: OpenEnum<TokenStatus>, expiry: Date? = nil, parentIdTag: String? = nil) {
        self.id = id
        self.idTag = idTag
        self.status = status
        self.expiry = expiry
        self.parentIdTag = parentIdTag
    }
}

/// The site's whole token list; the edge keeps it and pushes it to its chargers (SendLocalList).
public struct TokenList: Codable, Sendable, Equatable {
    /// Increases with every change, and becomes the chargers' local list version.
    public var version: Int
    public var tokens: [Token]

    public typealias Token = SiteModel.Token

    public init(version: Int, tokens: [Token]) {
        self.version = version
        self.tokens = tokens
    }
}
