public import Foundation

/// Every edge → cloud message: `{"v":1,"site":…,"seq":…,"ts":…,"type":…,"data":{…}}`.
///
/// `seq` is per site, strictly increasing and persisted by the edge before the message is first sent; the
/// cloud applies each `(site, epoch, seq)` once. `seq` 0 marks the one message outside the outbox, the retained
/// `presence` (which the broker, not the edge, may publish as the last will).
///
/// `epoch` names the edge's store: random, made with the store. A store that replaces a lost one has another, so
/// the cloud neither takes its messages for repeats of the old store's nor misses that the site's seqs restarted
/// (security review, finding 5). Absent from edges older than it.
public struct UpEnvelope: Sendable, Equatable {
    public static let version = 1

    public var site: String
    /// The largest seq the cloud takes (2^53): edges seed theirs from the clock in microseconds.
    public static let maxSeq: Int64 = 1 << 53
    public var epoch: String?
    public var seq: Int64
    public var timestamp: Date
    public var message: UpMessage

    public init(site: String, epoch: String? = nil, seq: Int64, timestamp: Date, message: UpMessage) {
        self.site = site
        self.epoch = epoch
        self.seq = seq
        self.timestamp = timestamp
        self.message = message
    }

    /// Whether `epoch` can be a store's epoch: 1 to 64 letters and digits (it is written into JSON unescaped).
    public static func isValidEpoch(_ epoch: String) -> Bool {
        !epoch.isEmpty && epoch.utf8.count <= 64
            && epoch.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }

    /// The envelope's JSON, around a `data` object that is already JSON (as the edge's outbox keeps it).
    public static func encode(
        site: String, epoch: String? = nil, seq: Int64, timestamp: Date, type: String, data: some StringProtocol
    ) -> [UInt8] {
        // site, epoch and type are checked identifiers (no characters JSON would escape); data is JSON already.
        let epoch = epoch.map { #","epoch":"\#($0)""# } ?? ""
        return Array(
            #"{"v":\#(version),"site":"\#(site)"\#(epoch),"seq":\#(seq),"ts":"\#(SyncJSON.format(timestamp))","type":"\#(type)","data":\#(data)}"#
                .utf8)
    }

    /// The envelope's JSON.
    public func encoded() throws -> [UInt8] {
        let data = try message.encodedData()
        return Self.encode(
            site: site, epoch: epoch, seq: seq, timestamp: timestamp, type: message.type,
            data: String(decoding: data, as: UTF8.self))
    }

    /// Reads an envelope, naming what is wrong when it does not parse: not JSON, a field missing or of the
    /// wrong type, an unknown version or message type, or data that does not fit its type.
    public static func decode(_ bytes: [UInt8]) throws(EnvelopeError) -> UpEnvelope {
        if let envelope = fastDecode(bytes) { return envelope }
        return try decodeWithJSONDecoder(bytes)
    }

    /// ``decode(_:)`` without its fast path.
    static func decodeWithJSONDecoder(_ bytes: [UInt8]) throws(EnvelopeError) -> UpEnvelope {
        do {
            return try SyncJSON.decoder().decode(UpEnvelope.self, from: Data(bytes))
        } catch let error as EnvelopeError {
            throw error
        } catch let error as DecodingError {
            throw .malformed(EnvelopeError.describe(error))
        } catch {
            throw .malformed("\(error)")
        }
    }
}

extension UpEnvelope: Codable {
    enum CodingKeys: String, CodingKey {
        case v, site, epoch, seq, ts, type, data
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .v)
        guard version == Self.version else { throw EnvelopeError.unsupportedVersion(version) }
        site = try container.decode(String.self, forKey: .site)
        epoch = try container.decodeIfPresent(String.self, forKey: .epoch)
        if let epoch, !Self.isValidEpoch(epoch) {
            throw EnvelopeError.malformed("epoch must be 1 to 64 letters and digits, got '\(epoch)'")
        }
        seq = try container.decode(Int64.self, forKey: .seq)
        guard seq >= 0 else { throw EnvelopeError.malformed("seq must not be negative") }
        timestamp = try container.decode(Date.self, forKey: .ts)
        let type = try container.decode(String.self, forKey: .type)
        message = try UpMessage(type: type, from: container.superDecoder(forKey: .data))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.version, forKey: .v)
        try container.encode(site, forKey: .site)
        try container.encodeIfPresent(epoch, forKey: .epoch)
        try container.encode(seq, forKey: .seq)
        try container.encode(timestamp, forKey: .ts)
        try container.encode(message.type, forKey: .type)
        try message.encode(to: container.superEncoder(forKey: .data))
    }
}

/// Why a message could not be read.
public enum EnvelopeError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case unsupportedVersion(Int)
    case unknownType(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed envelope: \(reason)"
        case .unsupportedVersion(let version): "unsupported envelope version \(version) (this side speaks 1)"
        case .unknownType(let type): "unknown message type '\(type)'"
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the message" : keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent == "the message" ? "" : parent + ".")\(key.stringValue) is missing"
        case .typeMismatch(let type, let context): return "\(path(context)) is not of type \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)) is null, expected \(type)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "not JSON (\(context.underlyingError.map { "\($0)" } ?? context.debugDescription))"
                : "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
