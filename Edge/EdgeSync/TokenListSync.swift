import CentralSystem
import EdgeStore
import Foundation
import Logging
import SiteModel
import SyncContract
import Synchronization

/// The cloud's token list, kept in the store and pushed to every accepted charger's local list (SendLocalList, through
/// the station port) that does not have its version yet.
final class TokenListSync: Sendable {
    private let store: EdgeStore
    private let central: CentralSystem
    private let logger: Logger
    private let tokens = Mutex<TokenPushState>(TokenPushState())

    init(store: EdgeStore, central: CentralSystem, logger: Logger) {
        self.store = store
        self.central = central
        self.logger = logger
    }

    /// Keeps the cloud's new token list and sends it to the chargers at once.
    func replace(_ list: TokenList) async {
        let records = list.tokens.map { token in
            TokenRecord(
                idTag: token.idTag, status: token.status.known ?? .invalid, expiry: token.expiry,
                parentIdTag: token.parentIdTag, source: "cloud", askFirst: token.askFirst ?? false)
        }
        do {
            try await store.replaceTokens(source: "cloud", with: records)
            tokens.withLock { $0.list = list }
            logger.info(
                "token list from the cloud stored", metadata: ["version": "\(list.version)", "tokens": "\(records.count)"])
            await pushTokenLists()
        } catch {
            logger.error("could not store the cloud's token list", metadata: ["error": "\(error)"])
        }
    }

    /// Sends the cloud's token list, once a second, to every accepted charger that does not have its version yet: in
    /// a task of its own, each charger in parallel, so that one that never answers holds up neither the others nor
    /// the link's once-a-second work (samples, resends); after a time-out a charger is tried again a minute later
    /// (security review, finding 33).
    func run() async {
        // One group for the task's life: a push that waits for a charger's time-out holds up no later round.
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                for (list, session) in duePushes() { group.addTask { await self.push(list, to: session) } }
            }
        }
    }

    /// Sends the list now to the chargers that need it, and returns when they answered (or timed out).
    private func pushTokenLists() async {
        await withDiscardingTaskGroup { group in
            for (list, session) in duePushes() { group.addTask { await self.push(list, to: session) } }
        }
    }

    /// The chargers that need the list's version and are not being sent it, marked as being sent it.
    private func duePushes() -> [(TokenList, StationSession)] {
        guard let list = tokens.withLock({ $0.list }) else { return [] }
        let now = ContinuousClock.now
        let due = central.connectedSessions.filter { session in
            session.isAccepted
                && tokens.withLock { state in
                    guard state.pushed[session.stationId]?.reached(session, version: list.version) != true,
                        !state.inFlight.contains(session.stationId),
                        state.retryAt[session.stationId].map({ $0 <= now }) ?? true
                    else { return false }
                    state.inFlight.insert(session.stationId)
                    return true
                }
        }
        return due.map { (list, $0) }
    }

    private func push(_ list: TokenList, to session: StationSession) async {
        defer { tokens.withLock { _ = $0.inFlight.remove(session.stationId) } }
        do {
            // Tokens to be asked of the cloud first stay out of the chargers' own lists: a charger that authorizes from its
            // list (LocalPreAuthorize) would start them without asking.
            let status = try await central.replaceLocalList(
                stationId: session.stationId, version: list.version, tokens: list.tokens.filter { $0.askFirst != true })
            session.logger.info(
                "token list sent to the charger", metadata: ["version": "\(list.version)", "status": "\(status)"])
        } catch {
            session.logger.warning("could not send the token list to the charger", metadata: ["error": "\(error)"])
            if case .timeout = error {
                tokens.withLock { $0.retryAt[session.stationId] = ContinuousClock.now + .seconds(60) }
                return
            }
            if case .notConnected = error { return }
        }
        // Sent (or refused for good: NotSupported, VersionMismatch): not again until the next version.
        tokens.withLock {
            $0.pushed[session.stationId] = TokenPushState.Pushed(session: session, version: list.version)
            $0.retryAt[session.stationId] = nil
        }
    }
}

/// Which chargers have which version of the cloud's token list.
struct TokenPushState: Sendable {
    struct Pushed: Sendable {
        /// By reference: a new connection of the same charger may sit at the old one's address, and needs the list.
        let session: StationSession
        let version: Int

        func reached(_ session: StationSession, version: Int) -> Bool { self.session === session && self.version == version }
    }

    var list: TokenList?
    var pushed: [String: Pushed] = [:]
    /// Chargers being sent the list now.
    var inFlight: Set<String> = []
    /// Chargers that did not answer: not before then.
    var retryAt: [String: ContinuousClock.Instant] = [:]
}
