public import CentralSystem
import Foundation

/// What to change in a charger's meter values so that load management learns soon what its car draws after each new
/// limit: the current per phase among the sampled values, and a sample interval no longer than the edge's setting.
/// Only ever adds the current and shortens the interval; a key the charger does not list, or lists as read-only,
/// is left alone.
public enum MeterValuesSetup {
    static let intervalKey = "MeterValueSampleInterval"
    static let sampledDataKey = "MeterValuesSampledData"
    static let maxLengthKey = "MeterValuesSampledDataMaxLength"
    /// The configuration keys to read before deciding.
    static let keys = [intervalKey, sampledDataKey, maxLengthKey]
    static let current = "Current.Import"

    /// The ChangeConfiguration calls to make, from the charger's answer to GetConfiguration.
    public static func changes(_ configuration: [ConfigurationEntry], interval: Int) -> [(key: String, value: String)] {
        let entries = Dictionary(configuration.map { ($0.key.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [(key: String, value: String)] = []
        if let entry = entries[intervalKey.lowercased()], !entry.readonly {
            let now = Int((entry.value ?? "").trimmingCharacters(in: .whitespaces))
            // 0 means no periodic meter values at all.
            if now.map({ $0 == 0 || $0 > interval }) ?? true { changes.append((intervalKey, "\(interval)")) }
        }
        if let entry = entries[sampledDataKey.lowercased()], !entry.readonly {
            let measurands = (entry.value ?? "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let maxLength = entries[maxLengthKey.lowercased()].flatMap { Int($0.value ?? "") } ?? Int.max
            if !measurands.contains(where: { $0.caseInsensitiveCompare(current) == .orderedSame }) {
                let wanted = (measurands.isEmpty ? ["Energy.Active.Import.Register"] : measurands) + [current]
                let value = wanted.joined(separator: ",")
                if wanted.count <= maxLength, value.utf8.count <= 500 { changes.append((sampledDataKey, value)) }
            }
        }
        return changes
    }
}
