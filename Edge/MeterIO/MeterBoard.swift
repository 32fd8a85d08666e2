public import Foundation
public import Meters
import Synchronization

/// The latest reading of every meter and how reading it goes: written by the meter buses, read by the load
/// controller, `/status` and `/metrics`.
public final class MeterBoard: Sendable {
    /// One meter's state.
    public struct Entry: Sendable {
        public var settings: MeterSettings
        /// The latest plausible reading.
        public var measurement: MeterMeasurement?
        public var reads = 0
        public var failures = 0
        public var rejected = 0
        public var lastError: String?
        public var lastErrorAt: Date?
        /// The profile in use (for SunSpec meters, the model found).
        public var profileName: String?
    }

    private let entries: Mutex<[String: Entry]>
    private let continuation: AsyncStream<String>.Continuation
    /// The name of each meter that has a new reading, newest first (older notices are dropped: the board has
    /// the latest reading anyway).
    public let updates: AsyncStream<String>

    public init(meters: [MeterSettings]) {
        entries = Mutex(Dictionary(uniqueKeysWithValues: meters.map { ($0.name, Entry(settings: $0)) }))
        (updates, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(8))
    }

    public var meters: [Entry] { entries.withLock { $0.values.sorted { $0.settings.name < $1.settings.name } } }

    public func entry(_ name: String) -> Entry? { entries.withLock { $0[name] } }

    func record(_ measurement: MeterMeasurement, meter: String, profile: String) {
        entries.withLock {
            $0[meter]?.measurement = measurement
            $0[meter]?.reads += 1
            $0[meter]?.profileName = profile
        }
        continuation.yield(meter)
    }

    func failed(_ error: MeterError, meter: String, at date: Date) {
        entries.withLock {
            if case .implausible = error { $0[meter]?.rejected += 1 } else { $0[meter]?.failures += 1 }
            $0[meter]?.lastError = "\(error)"
            $0[meter]?.lastErrorAt = date
        }
    }

    /// The latest plausible reading of a meter, if any.
    public func measurement(_ name: String) -> MeterMeasurement? { entries.withLock { $0[name]?.measurement } }

    /// Ends `updates`.
    public func finish() { continuation.finish() }
}
