import Foundation
import OCPP
import WireJSON

// The cloud reads tens of thousands of envelopes a second, nearly all `session.update`s as the edge writes them.
// Their usual shape is read straight from the bytes; anything else (another type, an escaped string, an unknown
// or repeated key, any error) returns nil and `JSONDecoder` decides, so the answer and the error are always
// exactly its own. A test compares both paths on thousands of generated envelopes.
extension UpEnvelope {
    static func fastDecode(_ bytes: [UInt8]) -> UpEnvelope? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = FastPayloadReader(buffer)
            guard reader.beginObject() else { return nil }
            var version: Int?
            var site: String?
            var epoch: String?
            var seq: Int?
            var timestamp: Date?
            var type: String?
            var progress: SessionProgress?
            var first = true
            var end = false
            while let key = reader.nextKey(first: &first, end: &end) {
                let read: Bool =
                    switch key {
                    case "v": once(&version, reader.integer())
                    case "site": once(&site, reader.string())
                    case "epoch": once(&epoch, reader.string())
                    case "seq": once(&seq, reader.integer())
                    case "ts": once(&timestamp, reader.string().flatMap(SyncJSON.parse))
                    case "type": once(&type, reader.string())
                    case "data": once(&progress, SessionProgress.fastDecode(&reader))
                    default: false
                    }
                guard read else { return nil }
            }
            guard end, reader.atEnd(), version == Self.version, let site, let seq, seq >= 0, let timestamp,
                type == UpMessage.Kind.sessionUpdate.rawValue, let progress, epoch.map(Self.isValidEpoch) ?? true
            else { return nil }
            return UpEnvelope(
                site: site, epoch: epoch, seq: Int64(seq), timestamp: timestamp, message: .sessionUpdate(progress))
        }
    }
}

extension SessionProgress {
    static func fastDecode(_ reader: inout FastPayloadReader) -> SessionProgress? {
        guard reader.beginObject() else { return nil }
        var station: String?
        var connector: Int?
        var transactionId: Int?
        var time: Date?
        // Optional numbers: absent, null, or a number; each key at most once.
        var energy: Double??
        var power: Double??
        var current: Double??
        var soc: Double??
        func optional(_ reader: inout FastPayloadReader) -> Double?? {
            if reader.null() { return .some(nil) }
            return reader.number().map { .some($0) }
        }
        var first = true
        var end = false
        while let key = reader.nextKey(first: &first, end: &end) {
            let read: Bool =
                switch key {
                case "station": once(&station, reader.string())
                case "connector": once(&connector, reader.integer())
                case "transactionId": once(&transactionId, reader.integer())
                case "time": once(&time, reader.string().flatMap(SyncJSON.parse))
                case "energyWh": once(&energy, optional(&reader))
                case "powerW": once(&power, optional(&reader))
                case "currentA": once(&current, optional(&reader))
                case "soc": once(&soc, optional(&reader))
                default: false
                }
            guard read else { return nil }
        }
        guard end, let station, let connector, let transactionId, let time else { return nil }
        return SessionProgress(
            station: station, connector: connector, transactionId: transactionId, time: time, energyWh: energy ?? nil,
            powerW: power ?? nil, currentA: current ?? nil, soc: soc ?? nil)
    }
}

/// Fills `slot` with `value` the first time a key is read; false (give up) when the key came before or its value
/// could not be read.
private func once<Value>(_ slot: inout Value?, _ value: Value?) -> Bool {
    guard slot == nil, let value else { return false }
    slot = value
    return true
}
