public import CloudStore
public import Foundation
public import ServerSupport
public import SyncContract

/// A station's new Basic auth password, made by the cloud: 20 random letters and digits (about 119 bits; 16 to 40
/// characters as OCPP's security whitepaper edition 3 asks, and at most 20 bytes for chargers that take it
/// hex-encoded, edition 2). Shown once to whoever asked; the command that carries it to the edge is recorded without it.
public struct StationPasswordRotation: Sendable {
    public let password: String
    /// The `ChangeStationPassword` payload (with the password) and what the cloud keeps of it (without).
    public let payload, recorded: String

    public static func make(hexEncoded: Bool) async throws -> StationPasswordRotation {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        let password = String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
        let change = StationPasswordChange(
            password: password, passwordHash: try await Users.hashPassword(password, cost: 10),
            hexEncoded: hexEncoded ? true : nil)
        let encoder = SyncJSON.encoder()
        let recorded = #"{"password":"(not kept)","hexEncoded":\#(hexEncoded)}"#
        return StationPasswordRotation(
            password: password, payload: String(decoding: try encoder.encode(change), as: UTF8.self), recorded: recorded)
    }
}

extension StationPasswordRotation {
    /// Makes a new password and has `send` carry it to the station's edge (`send(payload, recorded)` relays it and
    /// answers the edge's result, or throws a ``Problem``; 504 when no answer came in time). The answer carries the
    /// password when the charger took it, and also when no answer came (it may have taken it: status `NoAnswer`);
    /// a refusal throws, naming why (400 for a bad request, 409 otherwise), and the old password stays.
    public static func rotate(
        station: String, hexEncoded: Bool, send: (String, String) async throws -> CommandResultRecord
    ) async throws -> StationPasswordAnswer {
        let rotation = try await make(hexEncoded: hexEncoded)
        let unanswered = StationPasswordAnswer(station: station, password: rotation.password, status: "NoAnswer")
        let result: CommandResultRecord
        do {
            result = try await send(rotation.payload, rotation.recorded)
        } catch let problem as Problem where problem.status == 504 {
            return unanswered
        }
        let detail = result.error ?? result.outcome.rawValue
        switch result.outcome {
        case .accepted:
            let status = result.response.flatMap { try? JSONDecoder().decode(Status.self, from: Data($0.utf8)) }
            return StationPasswordAnswer(station: station, password: rotation.password, status: status?.status ?? "Accepted")
        case .timeout: return unanswered
        case .expired: throw Problem(status: 504, detail: "the edge got the change after its deadline and did not run it")
        case .invalid: throw Problem(status: 400, detail: detail)
        default: throw Problem(status: 409, detail: detail)
        }
    }

    private struct Status: Decodable {
        let status: String
    }
}

/// The answer to a rotation: the new password, once.
public struct StationPasswordAnswer: Codable, Sendable {
    public let station: String
    public let password: String
    /// The charger's answer to its new `AuthorizationKey` (`Accepted`, or `RebootRequired`: in use after its reboot).
    public let status: String

    /// Whether the edge answered (else the charger may or may not use the new password).
    public var answered: Bool { status != "NoAnswer" }

    public init(station: String, password: String, status: String) {
        self.station = station
        self.password = password
        self.status = status
    }
}
