public import CloudStore
public import Foundation
public import Logging
public import ServiceLifecycle

/// Bills every finished session once: prices what has ended since it last looked (every `interval`) and keeps the
/// cost with the session, and how long it stood idle (for the reports). Safe to run in several cloud instances: a session priced already is left as it is.
public struct SessionCosting: Service {
    let pricer: SessionPricer
    let repository: any CloudRepository
    let interval: Duration
    let logger: Logger

    public init(pricer: SessionPricer, repository: any CloudRepository, interval: Duration = .seconds(5), logger: Logger) {
        self.pricer = pricer
        self.repository = repository
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // Stops at once on shutdown: what is not billed yet is billed at the next start.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await priceFinished(now: Date())
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("pricing finished sessions failed, trying again", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Prices the finished sessions not priced yet; returns how many were kept.
    public func priceFinished(now: Date) async throws -> Int {
        var count = 0
        while true {
            let batch = try await repository.unpricedSessions(limit: 200)
            guard !batch.isEmpty else { return count }
            for session in batch {
                var price: SessionPrice?
                var idle: Duration?
                do {
                    let samples = try await repository.sessionSamples(
                        site: session.site, transactionId: session.transactionId, limit: 100_000)
                    idle = ChargingPeriods.idleTime(of: session, samples: samples)
                    price = try await pricer.price(session, now: now)?.0
                } catch let error as SessionPricer.Failure {
                    // Kept unpriced (and said so) rather than retried for ever; the tariff's problem is in the log.
                    // Any other error (the store's) ends this pass, and the session is tried again on the next.
                    logger.error(
                        "a finished session cannot be priced",
                        metadata: ["site": "\(session.site)", "station": "\(session.station)", "error": "\(error)"])
                }
                try await repository.setSessionPrice(
                    site: session.site, transactionId: session.transactionId, price: price, idle: idle, at: now)
                count += 1
            }
        }
    }
}
