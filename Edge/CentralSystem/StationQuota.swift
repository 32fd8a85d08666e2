import Foundation

/// How much a station may make the edge store of what is not a session (security review, finding 7): a charger that
/// loops on DataTransfer, StatusNotification or Authorize cannot fill the disk. Token buckets, one per kind and
/// station connection, generous for real chargers (a boot reports every connector at once; a status changes a few
/// times a minute). Sessions and meter values are never limited: they are what the site bills, and the MeterValues
/// path has backpressure of its own.
struct StationQuota {
    enum Kind: CaseIterable {
        /// DataTransfer, FirmwareStatusNotification, DiagnosticsStatusNotification: kept as events.
        case event
        case status
        case authorize

        var rate: Double {
            switch self {
            case .event: 1
            case .status: 2
            case .authorize: 2
            }
        }

        var burst: Double {
            switch self {
            case .event: 20
            case .status: 60
            case .authorize: 30
            }
        }
    }

    private var buckets: [Kind: (tokens: Double, at: Date)] = [:]

    /// Takes one token of `kind`; false when the station has used its share for now.
    mutating func allow(_ kind: Kind, now: Date) -> Bool {
        var bucket = buckets[kind] ?? (kind.burst, now)
        bucket.tokens = min(kind.burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.at)) * kind.rate)
        bucket.at = now
        defer { buckets[kind] = bucket }
        guard bucket.tokens >= 1 else { return false }
        bucket.tokens -= 1
        return true
    }

    /// The most of a DataTransfer's `data` kept (the rest is cut, and the event says so).
    static let maxDataTransferBytes = 4096
}
