import Foundation
import Synchronization

/// How much a station may make the edge store of what is not a session (security review, finding 7): a charger that
/// loops on DataTransfer, StatusNotification or Authorize cannot fill the disk. Token buckets, one per kind and
/// station identity (kept across its reconnections, so reconnecting does not refill them), generous for real chargers (a boot reports every connector at once; a status changes a few
/// times a minute). Sessions and meter values are never limited: they are what the site bills, and the MeterValues
/// path has backpressure of its own.
struct StationQuota {
    enum Kind: CaseIterable {
        /// DataTransfer, FirmwareStatusNotification, DiagnosticsStatusNotification: kept as events.
        case event
        case status
        case authorize
        /// BootNotification: a charger boots once per connection, and a pending one again every interval it is given.
        case boot

        var rate: Double {
            switch self {
            case .event: 1
            case .status: 2
            case .authorize: 2
            case .boot: 1.0 / 30
            }
        }

        var burst: Double {
            switch self {
            case .event: 20
            case .status: 60
            case .authorize: 30
            case .boot: 10
            }
        }
    }

    private var buckets: [Kind: TokenBucket] = [:]

    /// Takes one token of `kind`; false when the station has used its share for now.
    mutating func allow(_ kind: Kind, now: Date) -> Bool {
        buckets[kind, default: TokenBucket(rate: kind.rate, burst: kind.burst, now: now)].take(now: now)
    }

    /// Whether every bucket is full again by `now`, so forgetting it changes nothing.
    func isRefilled(now: Date) -> Bool { buckets.values.allSatisfy { $0.isFull(now: now) } }

    /// The most of a DataTransfer's `data` kept (the rest is cut, and the event says so).
    static let maxDataTransferBytes = 4096
}

/// Every station identity's ``StationQuota``, across its connections.
final class StationQuotas: Sendable {
    private let quotas = Mutex<[String: StationQuota]>([:])
    /// Past this many identities, those whose buckets are full again are forgotten.
    static let pruneAbove = 10_000

    /// Takes one of `station`'s share of `kind`; false when it has used it for now.
    func allow(_ station: String, _ kind: StationQuota.Kind, now: Date) -> Bool {
        quotas.withLock { quotas in
            if quotas.count > Self.pruneAbove, quotas[station] == nil {
                quotas = quotas.filter { !$0.value.isRefilled(now: now) }
            }
            return quotas[station, default: StationQuota()].allow(kind, now: now)
        }
    }
}

/// A token bucket: `burst` at once, then `rate` a second.
struct TokenBucket: Sendable {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var at: Date

    init(rate: Double, burst: Double, now: Date) {
        self.rate = rate
        self.burst = burst
        tokens = burst
        at = now
    }

    /// Takes one token; false when there is none for now.
    mutating func take(now: Date) -> Bool {
        tokens = min(burst, tokens + max(0, now.timeIntervalSince(at)) * rate)
        at = max(at, now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    func isFull(now: Date) -> Bool { tokens + max(0, now.timeIntervalSince(at)) * rate >= burst }
}

/// New station identities per client address and in all, under the pending policy (a second reader of the security
/// review): there an unknown identity may connect without a password and is stored, so one device could otherwise
/// store thousands. Generous for a site's first start (256 at once, 64 from one gateway), then one a minute.
final class NewIdentityLimit: Sendable {
    private let state = Mutex<(total: TokenBucket?, perAddress: [String: TokenBucket])>((nil, [:]))
    static let perAddressBurst = 64.0
    static let totalBurst = 256.0
    static let rate = 1.0 / 60

    /// Takes one new identity of `address`'s and of the total; false when either is used up for now.
    func allow(address: String, now: Date) -> Bool {
        state.withLock { state in
            var total = state.total ?? TokenBucket(rate: Self.rate, burst: Self.totalBurst, now: now)
            var mine = state.perAddress[address] ?? TokenBucket(rate: Self.rate, burst: Self.perAddressBurst, now: now)
            if state.perAddress.count > 10_000 { state.perAddress = state.perAddress.filter { !$0.value.isFull(now: now) } }
            // Kept only when both allow it, so a refused address does not use up the total.
            guard total.take(now: now), mine.take(now: now) else { return false }
            state.total = total
            state.perAddress[address] = mine
            return true
        }
    }
}
