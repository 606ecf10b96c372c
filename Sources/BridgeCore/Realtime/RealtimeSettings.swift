import Foundation

/// An instance's `realtime:` section, validated: whom the bridge connects as, what it subscribes
/// to, and how fast it may reconnect. A value type: a reload that changes it reconnects that
/// instance, and only that one.
public struct RealtimeSettings: Sendable, Equatable {
    /// Appwrite refuses API keys on Realtime: the bridge connects as a dedicated user (its session,
    /// sent as `X-Appwrite-Session`) or as a guest, who sees only what `any`/`guests` may read.
    public enum Credentials: Sendable, Equatable {
        case session(Secret, userID: String)
        case guest

        /// The user `connected.data.user.$id` must name; nil for a guest.
        public var userID: String? {
            if case .session(_, let userID) = self { userID } else { nil }
        }
    }

    public var credentials: Credentials
    public var subscriptions: [RealtimeSubscription]
    /// The first reconnect delay; each failed attempt doubles it up to `maximumBackoff`.
    public var initialBackoff: Duration = .seconds(1)
    public var maximumBackoff: Duration = .seconds(60)

    public init(credentials: Credentials, subscriptions: [RealtimeSubscription]) {
        self.credentials = credentials
        self.subscriptions = subscriptions
    }

    public func subscription(named name: String) -> RealtimeSubscription? {
        subscriptions.first { $0.name == name }
    }
}

/// One entry of `subscriptions:`: named channels, their queries and the payload fields passed on.
public struct RealtimeSubscription: Sendable, Equatable {
    public var name: String
    public var channels: [String]
    /// Appwrite query JSON texts (`{"method":"equal","attribute":"status","values":["open"]}`),
    /// applied to every channel of the subscription (AND), and to its catch-up listing.
    public var queries: [String]
    /// Payload keys passed on; nil passes the whole payload.
    public var fields: [String]?
    /// Where missed events can be listed again after a gap; nil when they cannot (files, several
    /// collections, accounts, executions).
    public var catchUp: CatchUpSource?

    public init(name: String, channels: [String], queries: [String] = [], fields: [String]? = nil) {
        self.name = name
        self.channels = channels
        self.queries = queries
        self.fields = fields
        self.catchUp = CatchUpSource(channels: channels.compactMap(RealtimeChannel.init(parsing:)))
    }

    /// What identifies the stream of events a stored position belongs to: a subscription whose
    /// channels or queries changed starts afresh instead of "catching up" on another stream.
    var fingerprint: String { (channels + ["|"] + queries).joined(separator: "\n") }
}

/// The REST listing that replays a subscription's documents or rows after a gap.
public struct CatchUpSource: Sendable, Equatable {
    public enum API: Sendable, Equatable {
        /// `GET /databases/{D}/collections/{C}/documents` (also for `databases.D.tables.T.rows`).
        case documents
        /// `GET /tablesdb/{D}/tables/{T}/rows`.
        case rows
    }

    public var api: API
    public var databaseID: String
    public var collectionID: String
    /// Only these documents (per-document channels); nil for the whole collection.
    public var documentIDs: [String]?
    /// Only these actions (action-suffixed channels); nil for all.
    public var actions: Set<RealtimeAction>?

    /// The listing that covers every channel, or nil when the channels span more than one
    /// collection or are not document or row channels of one.
    init?(channels: [RealtimeChannel]) {
        guard let first = channels.first, case .collection(let api, let databaseID, let collectionID, _, _) = first.scope else {
            return nil
        }
        var documentIDs: [String]? = []
        var actions: Set<RealtimeAction>? = []
        for channel in channels {
            guard case .collection(let otherAPI, let database, let collection, let document, let action) = channel.scope,
                otherAPI == api, database == databaseID, collection == collectionID
            else { return nil }
            if let document { documentIDs?.append(document) } else { documentIDs = nil }
            if let action { actions?.insert(action) } else { actions = nil }
        }
        self.api = api
        self.databaseID = databaseID
        self.collectionID = collectionID
        self.documentIDs = documentIDs
        self.actions = actions
    }
}

/// The last segment of an event name: what happened to the resource.
public enum RealtimeAction: String, Sendable, Equatable, Hashable, CaseIterable {
    case create, update, upsert, delete
}
