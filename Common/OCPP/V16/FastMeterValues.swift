import Foundation
import WireJSON

// MeterValues is most of what a busy site's chargers send; decoding it through `JSONDecoder` cost about a
// third of the edge's CPU. These read its usual shape directly and leave everything else to `JSONDecoder`
// (see `FastDecodablePayload`).

extension OCPP16.MeterValuesRequest: FastDecodablePayload {
    static func fastDecode(_ reader: inout FastPayloadReader) -> Self? {
        guard reader.beginObject() else { return nil }
        var connectorId: Int?
        var transactionId: Int??
        var meterValue: [OCPP16.MeterValue]?
        var first = true
        var end = false
        while let key = reader.nextKey(first: &first, end: &end) {
            switch key {
            case "connectorId" where connectorId == nil:
                guard let value = reader.integer() else { return nil }
                connectorId = value
            case "transactionId" where transactionId == nil:
                if reader.null() {
                    transactionId = .some(nil)
                } else {
                    guard let value = reader.integer() else { return nil }
                    transactionId = value
                }
            case "meterValue" where meterValue == nil:
                guard reader.beginArray() else { return nil }
                var values: [OCPP16.MeterValue] = []
                var firstValue = true
                var endValues = false
                while reader.nextElement(first: &firstValue, end: &endValues) {
                    guard let value = OCPP16.MeterValue.fastDecode(&reader) else { return nil }
                    values.append(value)
                }
                guard endValues else { return nil }
                meterValue = values
            default:
                return nil
            }
        }
        guard end, let connectorId, let meterValue else { return nil }
        return Self(connectorId: connectorId, transactionId: transactionId ?? nil, meterValue: meterValue)
    }
}

extension OCPP16.MeterValue {
    static func fastDecode(_ reader: inout FastPayloadReader) -> Self? {
        guard reader.beginObject() else { return nil }
        var timestamp: Date?
        var sampledValue: [OCPP16.SampledValue]?
        var first = true
        var end = false
        while let key = reader.nextKey(first: &first, end: &end) {
            switch key {
            case "timestamp" where timestamp == nil:
                guard let text = reader.string(), let date = RFC3339.parse(text) else { return nil }
                timestamp = date
            case "sampledValue" where sampledValue == nil:
                guard reader.beginArray() else { return nil }
                var values: [OCPP16.SampledValue] = []
                values.reserveCapacity(8)
                var firstValue = true
                var endValues = false
                while reader.nextElement(first: &firstValue, end: &endValues) {
                    guard let value = OCPP16.SampledValue.fastDecode(&reader) else { return nil }
                    values.append(value)
                }
                guard endValues else { return nil }
                sampledValue = values
            default:
                return nil
            }
        }
        guard end, let timestamp, let sampledValue else { return nil }
        return Self(timestamp: timestamp, sampledValue: sampledValue)
    }
}

extension OCPP16.SampledValue {
    static func fastDecode(_ reader: inout FastPayloadReader) -> Self? {
        guard reader.beginObject() else { return nil }
        var value: String?
        var sample = Self(value: "")
        var seen: UInt8 = 0
        var first = true
        var end = false
        while let key = reader.nextKey(first: &first, end: &end) {
            let bit: UInt8 =
                switch key {
                case "value": 1
                case "context": 2
                case "format": 4
                case "measurand": 8
                case "phase": 16
                case "location": 32
                case "unit": 64
                default: 0
                }
            guard bit != 0, seen & bit == 0 else { return nil }
            seen |= bit
            if bit == 1 {
                guard let text = reader.string() else { return nil }
                value = text
                continue
            }
            if reader.null() { continue }
            switch bit {
            case 2: guard let v = reader.enumeration(OCPP16.ReadingContext.self) else { return nil }; sample.context = v
            case 4: guard let v = reader.enumeration(OCPP16.ValueFormat.self) else { return nil }; sample.format = v
            case 8: guard let v = reader.enumeration(OCPP16.Measurand.self) else { return nil }; sample.measurand = v
            case 16: guard let v = reader.enumeration(OCPP16.Phase.self) else { return nil }; sample.phase = v
            case 32: guard let v = reader.enumeration(OCPP16.Location.self) else { return nil }; sample.location = v
            default: guard let v = reader.enumeration(OCPP16.UnitOfMeasure.self) else { return nil }; sample.unit = v
            }
        }
        guard end, let value else { return nil }
        sample.value = value
        return sample
    }
}
