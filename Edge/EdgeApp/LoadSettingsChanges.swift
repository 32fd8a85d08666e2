import EdgeStore
import Foundation
import LoadControl
import SyncContract

/// Carries out load-management changes from the cloud one at a time, in their order: each is checked, kept in
/// the store (only the fields the cloud set, over those it set before), and only then applied, so a change the
/// store could not keep is refused and not in effect either.
actor LoadSettingsChanges {
    private let controller: LoadController
    private let store: EdgeStore
    /// What the cloud has set so far: it applies over edge.yaml's at every start.
    private var fromTheCloud: LoadSettings
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(controller: LoadController, store: EdgeStore, fromTheCloud: LoadSettings?) {
        self.controller = controller
        self.store = store
        self.fromTheCloud = fromTheCloud ?? LoadSettings()
    }

    /// Applies `change`; the settings now in effect, every field.
    func change(_ change: LoadSettings) async throws -> LoadSettings {
        // An actor runs other calls while one awaits the store: wait for the one before to finish.
        while busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        _ = try controller.check(change)
        let kept = fromTheCloud.merging(change)
        try await store.saveLoadSettings(kept, at: Date())
        fromTheCloud = kept
        return try controller.apply(change).described
    }
}
