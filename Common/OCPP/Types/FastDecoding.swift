public import Foundation

/// Decoding helpers for the messages chargers send most (MeterValues), written against the keyed container
/// so that enums and dates are read as plain strings.
///
/// Foundation's `JSONDecoder` reads a `String` field on a fast, specialised path, but decodes an enum or a
/// `Date` field as a nested value through generic machinery that costs several times as much. Errors stay
/// `DecodingError`s with the field's coding path, so they map to the same CALLERROR codes.
extension KeyedDecodingContainer {
    func decodeEnum<E: RawRepresentable>(_: E.Type, forKey key: Key) throws -> E where E.RawValue == String {
        let text = try decode(String.self, forKey: key)
        guard let value = E(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "\"\(text)\" is not a valid \(E.self)")
        }
        return value
    }

    func decodeEnumIfPresent<E: RawRepresentable>(_: E.Type, forKey key: Key) throws -> E? where E.RawValue == String {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = E(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "\"\(text)\" is not a valid \(E.self)")
        }
        return value
    }

    func decodeDateTime(forKey key: Key) throws -> Date {
        let text = try decode(String.self, forKey: key)
        guard let date = OCPPDateTime.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "\"\(text)\" is not an RFC 3339 date-time")
        }
        return date
    }
}
