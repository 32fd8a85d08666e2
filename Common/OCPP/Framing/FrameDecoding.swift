import WireJSON

extension OCPPFrame {
    /// Decodes one frame, or throws what was wrong with it: its shape, its message type, its unique id.
    ///
    /// Only the frame's structure is checked here; payloads are checked when they are decoded to their type.
    public static func decode(_ bytes: [UInt8]) throws(FrameDecodingError) -> OCPPFrame {
        let elements: [Range<Int>]
        do {
            elements = try bytes.withUnsafeBufferPointer { buffer throws(JSONScanError) in
                var scanner = JSONScanner(bytes: buffer)
                return try scanner.scanTopLevelArray()
            }
        } catch {
            throw FrameDecodingError(uniqueId: nil, messageTypeId: nil, error: OCPPError(.formationViolation, error.message))
        }
        let element = { (index: Int) in ArraySlice(bytes[elements[index]]) }

        guard !elements.isEmpty else {
            throw FrameDecodingError(error: OCPPError(.formationViolation, "frame is an empty array"))
        }
        guard let typeId = Int(asciiLiteral: element(0)) else {
            throw FrameDecodingError(error: OCPPError(.formationViolation, "message type id must be an integer"))
        }
        guard elements.count >= 2 else {
            throw FrameDecodingError(messageTypeId: typeId, error: OCPPError(.formationViolation, "frame has no unique id"))
        }
        var uniqueId: String?
        do {
            guard let id = JSONScanner.string(element(1)) else {
                throw FrameDecodingError(
                    messageTypeId: typeId, error: OCPPError(.formationViolation, "unique id must be a string"))
            }
            uniqueId = id
            guard id.count <= maxUniqueIdLength, !id.isEmpty else {
                throw FrameDecodingError(
                    uniqueId: id, messageTypeId: typeId,
                    error: OCPPError(.formationViolation, "unique id must have 1 to \(maxUniqueIdLength) characters"))
            }
        }
        func fail(_ code: OCPPErrorCode, _ reason: String) -> FrameDecodingError {
            FrameDecodingError(uniqueId: uniqueId, messageTypeId: typeId, error: OCPPError(code, reason))
        }
        func requireCount(_ expected: Int, _ name: String) throws(FrameDecodingError) {
            if elements.count < expected {
                throw fail(.protocolError, "\(name) needs \(expected) elements, got \(elements.count)")
            }
            if elements.count > expected {
                throw fail(.formationViolation, "\(name) has \(elements.count) elements, expected \(expected)")
            }
        }
        func object(_ index: Int, _ name: String) throws(FrameDecodingError) -> [UInt8] {
            let slice = element(index)
            guard slice.first == UInt8(ascii: "{") else { throw fail(.formationViolation, "\(name) must be a JSON object") }
            return Array(slice)
        }

        switch typeId {
        case 2:
            try requireCount(4, "CALL")
            guard let action = JSONScanner.string(element(2)), !action.isEmpty else {
                throw fail(.formationViolation, "action must be a non-empty string")
            }
            return .call(Call(uniqueId: uniqueId!, action: action, payload: try object(3, "payload")))
        case 3:
            try requireCount(3, "CALLRESULT")
            return .callResult(CallResult(uniqueId: uniqueId!, payload: try object(2, "payload")))
        case 4:
            try requireCount(5, "CALLERROR")
            guard let code = JSONScanner.string(element(2)) else {
                throw fail(.formationViolation, "error code must be a string")
            }
            guard let description = JSONScanner.string(element(3)) else {
                throw fail(.formationViolation, "error description must be a string")
            }
            return .callError(
                CallError(uniqueId: uniqueId!, code: code, description: description, details: try object(4, "error details")))
        default:
            throw fail(.formationViolation, "unknown message type id \(typeId)")
        }
    }
}

extension Int {
    fileprivate init?(asciiLiteral bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty, bytes.count <= 9, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        self = bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }
}
