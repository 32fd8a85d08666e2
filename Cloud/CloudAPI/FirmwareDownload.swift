import CloudStore
import Foundation
import Synchronization

/// How the cloud serves an uploaded image to chargers (security review, finding 3): in chunks, so a download holds
/// one chunk in memory; with `Range` (a charger resumes an interrupted download); a bounded number at once; and only
/// while a campaign may still send the image, so a URL that leaked does not work for ever.
enum FirmwareDownload {
    /// Downloads served at once; more are answered 503 with `Retry-After` (chargers retry a failed download). Each
    /// holds at most one 1 MiB chunk, so this bounds memory to tens of MiB, not the image size times the downloads.
    static let maxConcurrent = 32
    /// How long after its campaign ended an image can still be downloaded (a charger that retries late).
    static let graceAfterCampaign: TimeInterval = 7 * 86_400

    /// What a `Range` header asks of a file of `size` bytes.
    enum Part: Equatable {
        /// No range, or one this server answers with the whole file (several ranges, another unit).
        case whole
        case bytes(ClosedRange<Int>)
        /// A range that starts past the end: 416.
        case unsatisfiable
    }

    /// Parses `bytes=first-last`, `bytes=first-` and `bytes=-suffix` (RFC 9110, 14.1.2).
    static func part(_ header: String?, size: Int) -> Part {
        guard let header, header.lowercased().hasPrefix("bytes="), size > 0 else { return .whole }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let suffix = Int(last) else { return .whole }
            guard suffix > 0 else { return .unsatisfiable }
            return .bytes(max(0, size - suffix)...(size - 1))
        }
        guard let start = Int(first), start >= 0 else { return .whole }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .bytes(start...(size - 1)) }
        guard let end = Int(last), end >= start else { return .whole }
        return .bytes(start...min(end, size - 1))
    }

    /// Whether image `id` may be downloaded now: a campaign of it is scheduled or running, or ended within
    /// ``graceAfterCampaign``.
    static func isOpen(image id: String, repository: any CloudRepository, now: Date = Date()) async throws -> Bool {
        try await repository.campaigns().contains { campaign in
            guard campaign.image == id else { return false }
            if campaign.state == "scheduled" || campaign.state == "running" { return true }
            return campaign.finishedAt.map { now.timeIntervalSince($0) < graceAfterCampaign } ?? false
        }
    }

    /// The downloads in progress. A download holds its slot until its body is written, but for no longer than its
    /// lease: a client that stops reading cannot keep chargers out for good (the server's idle timeout does not
    /// apply while an answer is being sent).
    final class Slots: Sendable {
        private let held = Mutex<(next: UInt64, deadlines: [UInt64: ContinuousClock.Instant])>((0, [:]))
        let limit: Int

        init(limit: Int = FirmwareDownload.maxConcurrent) { self.limit = limit }

        /// A slot for `lease`, released when the returned token is gone (the response body has been written, or
        /// dropped unsent) or when the lease ends; nil when all are taken.
        func take(lease: Duration) -> Slot? {
            let now = ContinuousClock.now
            let id: UInt64? = held.withLock { state in
                state.deadlines = state.deadlines.filter { $0.value > now }
                guard state.deadlines.count < limit else { return nil }
                state.next += 1
                state.deadlines[state.next] = now + lease
                return state.next
            }
            return id.map { Slot(self, id: $0) }
        }

        var inUse: Int {
            let now = ContinuousClock.now
            return held.withLock { state in state.deadlines.values.filter { $0 > now }.count }
        }

        fileprivate func release(_ id: UInt64) { _ = held.withLock { $0.deadlines.removeValue(forKey: id) } }
    }

    final class Slot: Sendable {
        private let slots: Slots
        private let id: UInt64
        fileprivate init(_ slots: Slots, id: UInt64) {
            self.slots = slots
            self.id = id
        }
        deinit { slots.release(id) }
    }

    /// How long a download of `bytes` may hold its slot: five minutes, or the time at 128 KiB/s if longer.
    static func lease(bytes: Int) -> Duration { .seconds(max(300, bytes / (128 << 10))) }
}
