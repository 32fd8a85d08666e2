public import Foundation

/// The JSON coders every OCPP payload goes through, configured once: OCPP dates, no key conversion.
public enum OCPPJSON {
    /// A decoder for OCPP payloads; dates that are not RFC 3339 fail as corrupted data.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = OCPPDateTime.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "\"\(text)\" is not an RFC 3339 date-time")
            }
            return date
        }
        return decoder
    }

    /// An encoder for OCPP payloads: compact, UTC dates with milliseconds, `/` not escaped.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(OCPPDateTime.format(date))
        }
        return encoder
    }
}
