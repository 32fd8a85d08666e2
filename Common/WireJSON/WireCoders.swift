public import Foundation

/// Foundation's JSON coders configured the one way Gridside's wire formats use them: dates as RFC 3339 text
/// (``RFC3339``), keys as the types name them, `/` not escaped.
public enum WireCoders {
    /// A decoder that reads dates with `parse`; a date it cannot read is corrupted data described by `refusal` (given
    /// the text that was read).
    public static func decoder(
        dates parse: @escaping @Sendable (String) -> Date?, refusal: @escaping @Sendable (String) -> String
    ) -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: refusal(text))
            }
            return date
        }
        return decoder
    }

    /// An encoder that writes dates as UTC with milliseconds; `sortedKeys` for output that must compare equal
    /// byte for byte (stored details, signed bodies).
    public static func encoder(sortedKeys: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = sortedKeys ? [.sortedKeys, .withoutEscapingSlashes] : [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return encoder
    }
}
