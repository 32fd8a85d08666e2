import CloudStore
import Foundation
import Synchronization

/// How the cloud serves an uploaded image to chargers (security review, finding 3): in chunks, so a download holds
/// one chunk in memory; with `Range` (a charger resumes an interrupted download); a bounded number at once; and only
/// while a campaign may still send the image, so a URL that leaked does not work for ever.
enum FirmwareDownload {
    /// Downloads served at once; more are answered 503 with `Retry-After` (chargers retry a failed download).
    static let maxConcurrent = 8
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
        guard let header, header.hasPrefix("bytes="), size > 0 else { return .whole }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let suffix = Int(last), suffix > 0 else { return .whole }
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

    /// The downloads in progress.
    final class Slots: Sendable {
        private let taken = Mutex(0)
        let limit: Int

        init(limit: Int = FirmwareDownload.maxConcurrent) { self.limit = limit }

        /// A slot, released when the returned token is gone (the response body has been written, or dropped unsent);
        /// nil when all are taken.
        func take() -> Slot? {
            let granted = taken.withLock { count in
                guard count < limit else { return false }
                count += 1
                return true
            }
            return granted ? Slot(self) : nil
        }

        var inUse: Int { taken.withLock { $0 } }

        fileprivate func release() { taken.withLock { $0 -= 1 } }
    }

    final class Slot: Sendable {
        private let slots: Slots
        fileprivate init(_ slots: Slots) { self.slots = slots }
        deinit { slots.release() }
    }
}
