import SiteModel

/// Writes meter readings as the JSON the store keeps, by hand: the shape is fixed and this runs for every
/// sample of every charger, where `JSONEncoder` cost more than the SQL. `JSONDecoder` reads it back as
/// `[MeterReading]` (see ``EdgeStore/samples(sessionId:)``).
enum ReadingsJSON {
    static func encode(_ readings: [MeterReading]) -> String {
        var out = "["
        out.reserveCapacity(readings.count * 96)
        for (index, reading) in readings.enumerated() {
            if index > 0 { out += "," }
            out += #"{"measurand":"#
            appendString(reading.measurand, to: &out)
            out += #","unit":"#
            appendString(reading.unit, to: &out)
            if let value = reading.value, value.isFinite { out += #","value":\#(value)"# }
            if let phase = reading.phase {
                out += #","phase":"#
                appendString(phase, to: &out)
            }
            if let context = reading.context {
                out += #","context":"#
                appendString(context, to: &out)
            }
            if let location = reading.location {
                out += #","location":"#
                appendString(location, to: &out)
            }
            if let signed = reading.signedData {
                out += #","signedData":"#
                appendString(signed, to: &out)
            }
            out += "}"
        }
        out += "]"
        return out
    }

    private static func appendString(_ text: String, to out: inout String) {
        out += "\""
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            out += text
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case let control where control.value < 0x20:
                    let hex = String(control.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
