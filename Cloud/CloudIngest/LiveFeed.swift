public import Foundation
import Synchronization

/// What changed at a site, as the dashboard's open pages hear it (Server-Sent Events).
public struct LiveUpdate: Sendable, Equatable, Codable {
    public var site: String
    /// `connector`, `session` or `presence`.
    public var kind: String
    public var station: String?
    public var connector: Int?
    public var status: String?
    public var errorCode: String?
    public var vendorErrorCode: String?
    public var powerW: Double?
    public var transactionId: Int?
    public var online: Bool?
    public var time: Date
    /// A notification's (kind `notification`): its id, its words, and its rule's client organization (nil: the
    /// fleet's own rule), so that a page shows only those its reader may read.
    public var notification: Int64?
    public var summary: String?
    public var organization: String?
    /// The users a notification's rule names: each is shown it too (of what the user sees).
    public var users: [String]?

    public init(
        site: String, kind: String, station: String? = nil, connector: Int? = nil, status: String? = nil,
        errorCode: String? = nil, vendorErrorCode: String? = nil, powerW: Double? = nil, transactionId: Int? = nil,
        online: Bool? = nil, time: Date, notification: Int64? = nil, summary: String? = nil, organization: String? = nil,
        users: [String]? = nil
    ) {
        self.users = users
        self.notification = notification
        self.summary = summary
        self.organization = organization
        self.site = site
        self.kind = kind
        self.station = station
        self.connector = connector
        self.status = status
        self.errorCode = errorCode
        self.vendorErrorCode = vendorErrorCode
        self.powerW = powerW
        self.transactionId = transactionId
        self.online = online
        self.time = time
    }
}

/// Fans out what ingest applied to every open dashboard page of this instance. Ingest only hands each batch over;
/// ``run()``, a task of its own, copies it to every page (security review, finding 17: with thousands of pages open the
/// copying held ingest up). A slow page loses the oldest updates rather than holding anything up (it refreshes what it
/// shows from the API when it reconnects), and so does the feed as a whole when it falls more than
/// ``batchesHeld`` batches behind.
public final class LiveFeed: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<LiveUpdate>.Continuation]>([:])
    private let nextId = Atomic<Int>(0)
    private let batches: AsyncStream<[LiveUpdate]>
    private let batchSink: AsyncStream<[LiveUpdate]>.Continuation
    public static let batchesHeld = 1024

    public init() {
        (batches, batchSink) = AsyncStream.makeStream(of: [LiveUpdate].self, bufferingPolicy: .bufferingNewest(Self.batchesHeld))
    }

    /// A stream of every update from now on; it ends when the caller's task ends or the feed finishes.
    public func subscribe() -> AsyncStream<LiveUpdate> { subscription().stream }

    /// A stream of every update from now on, and a way to end it (``LiveSubscription/finish()``).
    public func subscription() -> LiveSubscription {
        let id = nextId.wrappingAdd(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: LiveUpdate.self, bufferingPolicy: .bufferingNewest(1000))
        continuation.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        subscribers.withLock { $0[id] = continuation }
        return LiveSubscription(stream: stream, continuation: continuation)
    }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// Hands `updates` to ``run()``; returns at once.
    public func publish(_ updates: [LiveUpdate]) {
        guard !updates.isEmpty else { return }
        batchSink.yield(updates)
    }

    /// Copies each published batch to every open page, until ``finish()``.
    public func run() async {
        for await updates in batches {
            let continuations = subscribers.withLock { Array($0.values) }
            for continuation in continuations {
                for update in updates { continuation.yield(update) }
            }
        }
    }

    /// Ends every stream, and ``run()`` (at shutdown, so open pages do not hold the server up).
    public func finish() {
        batchSink.finish()
        let continuations = subscribers.withLock { subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}

/// One subscriber's updates.
public struct LiveSubscription: Sendable {
    public let stream: AsyncStream<LiveUpdate>
    let continuation: AsyncStream<LiveUpdate>.Continuation

    /// Ends the stream (its reader sees the end after what is buffered).
    public func finish() { continuation.finish() }

    /// Puts a ``LiveUpdate/heartbeatKind`` update in the stream, so that its reader writes to its page and learns
    /// whether the page is still there (a closed tab is otherwise noticed only at the next real update).
    public func heartbeat() { continuation.yield(LiveUpdate(site: "", kind: LiveUpdate.heartbeatKind, time: Date())) }
}

extension LiveUpdate {
    /// The kind of ``LiveSubscription/heartbeat()`` updates, never sent to a page as data.
    public static let heartbeatKind = "heartbeat"
}

/// Where cloud instances that split ingest (`mqtt.shared_group`) tell each other what they applied, so that an open
/// page hears every site whichever instance took its messages. Outside the sites' `gridside/v1/…` tree, which edges'
/// broker accounts are limited to.
public enum LiveTopic {
    public static let prefix = "gridside/cloud/v1/live/"
    public static let filter = prefix + "+"

    /// The topic one instance publishes on.
    public static func topic(instance: String) -> String { prefix + instance }

    /// The publishing instance of a topic under ``prefix``; nil for any other topic.
    public static func instance(of topic: String) -> String? {
        guard topic.hasPrefix(prefix) else { return nil }
        let instance = topic.dropFirst(prefix.count)
        return instance.isEmpty || instance.contains("/") ? nil : String(instance)
    }
}
