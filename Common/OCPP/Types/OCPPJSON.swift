public import Foundation
import WireJSON

/// The JSON coders every OCPP payload goes through, configured once: RFC 3339 dates, no key conversion.
public enum OCPPJSON {
    /// A decoder for OCPP payloads; dates that are not RFC 3339 fail as corrupted data.
    public static func makeDecoder() -> JSONDecoder {
        WireCoders.decoder(dates: RFC3339.parse) { "\"\($0)\" is not an RFC 3339 date-time" }
    }

    /// An encoder for OCPP payloads: compact, UTC dates with milliseconds, `/` not escaped.
    public static func makeEncoder() -> JSONEncoder {
        WireCoders.encoder()
    }
}
