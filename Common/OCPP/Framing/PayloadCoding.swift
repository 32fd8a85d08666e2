import Foundation
import WireJSON

/// A payload type with a fast decoding path for its common, well-formed shape.
///
/// `fastDecode` returns nil whenever it is not certain (an escaped string, a number written as `1.0`, an
/// unknown or repeated key, any error at all); `PayloadCoder` then decodes with `JSONDecoder`, which gives the
/// exact answer and the exact CALLERROR. So the fast path changes speed, never behaviour: a test compares both
/// paths on thousands of generated payloads.
protocol FastDecodablePayload {
    static func fastDecode(_ reader: inout FastPayloadReader) -> Self?
}

/// Decodes and encodes action payloads, turning decoding failures into the CALLERROR code the spec names.
public struct PayloadCoder: Sendable {
    private let decoder = OCPPJSON.makeDecoder()
    private let encoder = OCPPJSON.makeEncoder()

    public init() {}

    /// Decodes a payload of `type`, or throws the `OCPPError` a CALLERROR should carry.
    public func decode<T: Decodable>(_ type: T.Type, from json: some Collection<UInt8>) throws(OCPPError) -> T {
        if let fast = T.self as? any FastDecodablePayload.Type,
            let value = json.withContiguousStorageIfAvailable({ bytes -> T? in
                var reader = FastPayloadReader(bytes)
                guard let value = fast.fastDecode(&reader), reader.atEnd() else { return nil }
                return value as? T
            }) ?? nil
        {
            return value
        }
        do {
            return try decoder.decode(T.self, from: Data(json))
        } catch let error as DecodingError {
            throw Self.classify(error)
        } catch {
            throw OCPPError(.formationViolation, "payload is not valid JSON")
        }
    }

    /// Encodes a payload to compact JSON bytes.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    /// Maps a decoding failure to the error code OCPP-J section 4.2.3 defines for it.
    public static func classify(_ error: DecodingError) -> OCPPError {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "payload" : String(keys.dropFirst(keys.hasPrefix(".") ? 1 : 0))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            let name = parent == "payload" ? key.stringValue : "\(parent).\(key.stringValue)"
            return OCPPError(.occurenceConstraintViolation, "required field '\(name)' is missing", field: name)
        case .valueNotFound(_, let context):
            return OCPPError(.occurenceConstraintViolation, "required field '\(path(context))' is null", field: path(context))
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty {
                return OCPPError(.formationViolation, "payload must be a JSON object")
            }
            return OCPPError(
                .typeConstraintViolation, "field '\(path(context))' must be \(Self.jsonTypeName(type))", field: path(context))
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return OCPPError(.formationViolation, "payload is not valid JSON")
            }
            return OCPPError(
                .propertyConstraintViolation, "field '\(path(context))': \(context.debugDescription)", field: path(context))
        @unknown default:
            return OCPPError(.formationViolation, "payload does not match the action")
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int32.Type, is Int64.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "a boolean"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
