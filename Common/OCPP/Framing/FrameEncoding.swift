extension OCPPFrame {
    /// The frame as the bytes of a WebSocket text message.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        switch self {
        case .call(let call):
            out.reserveCapacity(call.payload.count + call.action.utf8.count + 48)
            out.append(contentsOf: "[2,".utf8)
            Self.appendJSONString(call.uniqueId, to: &out)
            out.append(UInt8(ascii: ","))
            Self.appendJSONString(call.action, to: &out)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: call.payload)
        case .callResult(let result):
            out.reserveCapacity(result.payload.count + 48)
            out.append(contentsOf: "[3,".utf8)
            Self.appendJSONString(result.uniqueId, to: &out)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: result.payload)
        case .callError(let error):
            out.append(contentsOf: "[4,".utf8)
            Self.appendJSONString(error.uniqueId, to: &out)
            out.append(UInt8(ascii: ","))
            Self.appendJSONString(error.code, to: &out)
            out.append(UInt8(ascii: ","))
            Self.appendJSONString(error.description, to: &out)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: error.details)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// Appends `text` as a JSON string literal, escaping what JSON requires.
    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
