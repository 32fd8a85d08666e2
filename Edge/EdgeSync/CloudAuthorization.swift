import AsyncSupport
public import CentralSystem
public import EdgeStore
import Foundation
public import SiteModel
import SyncContract
import Synchronization

/// Asks the cloud about tokens the edge does not know: an `auth.request` goes up through the outbox, and the
/// answer (`down/auth`) comes back by id. No answer within the timeout, or no broker connection at all,
/// means no verdict, and the edge's offline policy decides.
public final class CloudAuthorization: RemoteAuthorizing {
    private let store: EdgeStore
    private let timeout: Duration
    private let waiting = PendingReplies<String, TokenVerdict>()
    private let online = Atomic<Bool>(false)

    public init(store: EdgeStore, timeout: Duration) {
        self.store = store
        self.timeout = timeout
    }

    /// Whether the broker connection is up; while it is down nobody waits for an answer.
    func setOnline(_ value: Bool) { online.store(value, ordering: .relaxed) }

    public func verdict(for idTag: String, station: String) async -> TokenVerdict? {
        guard online.load(ordering: .relaxed) else { return nil }
        let id = UUID().uuidString.lowercased()
        let request = UpMessage.authRequest(AuthRequest(id: id, idTag: idTag, station: station))
        return await waiting.reply(to: id, within: timeout) { try await store.enqueue(request, at: Date()) }
    }

    /// Hands the cloud's answer to whoever waits for it; a late answer finds nobody and is dropped.
    func resolve(_ answer: AuthAnswer) {
        let verdict = TokenVerdict(
            status: answer.status.known ?? .invalid, expiry: answer.expiry, parentIdTag: answer.parentIdTag)
        waiting.resolve(answer.id, with: verdict)
    }
}
