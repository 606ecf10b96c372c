import Foundation
import Synchronization

/// How an instance's Realtime socket is doing, as `/api/instances`, its events, `/readyz` and Home
/// Assistant's connectivity sensor show it.
public struct RealtimeStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case connecting
        case connected
        /// Appwrite accepted the socket as a guest: the session is not (or no longer) valid.
        case unauthorized
        /// Appwrite refused the socket for its configuration (error 1008: project, channels, queries).
        case misconfigured
        /// Lost or refused for another reason; the next attempt is at `retryAt`.
        case backingOff = "backing_off"
    }

    public struct SubscriptionCounters: Sendable, Equatable {
        public var events = 0
        public var lastEventAt: Date?
    }

    public var state: State = .connecting
    public var reason: String?
    public var retryAt: Date?
    public var connectedSince: Date?
    public var lastEventAt: Date?
    public var reconnects = 0
    public var subscriptions: [String: SubscriptionCounters] = [:]

    /// The parts whose change is worth an `instance` event: not the counters, which move with
    /// every Realtime event and have their own stream.
    var announced: [String?] {
        [state.rawValue, reason, retryAt.map(Timestamp.iso8601), connectedSince.map(Timestamp.iso8601), String(reconnects)]
    }
}

/// The live Realtime status of every instance, written by its connection, read by the API.
public final class RealtimeStatusBoard: Sendable {
    private let statuses = Mutex<[String: RealtimeStatus]>([:])
    private let changes: ChangeSignal

    init(changes: ChangeSignal) { self.changes = changes }

    public func status(of projectID: String) -> RealtimeStatus? { statuses.withLock { $0[projectID] } }

    /// Applies a change; announces it when more than counters moved.
    func update(_ projectID: String, _ change: (inout RealtimeStatus) -> Void) {
        let announce = statuses.withLock { statuses -> Bool in
            var status = statuses[projectID] ?? RealtimeStatus()
            let before = status.announced
            change(&status)
            statuses[projectID] = status
            return status.announced != before
        }
        if announce { changes.notify() }
    }

    func recordEvent(_ projectID: String, subscription: String, at instant: Date) {
        statuses.withLock { statuses in
            statuses[projectID]?.lastEventAt = instant
            statuses[projectID]?.subscriptions[subscription, default: .init()].events += 1
            statuses[projectID]?.subscriptions[subscription, default: .init()].lastEventAt = instant
        }
    }

    func remove(_ projectID: String) {
        if statuses.withLock({ $0.removeValue(forKey: projectID) }) != nil { changes.notify() }
    }

    /// The `realtime` member of an instance's document: null without a `realtime:` section.
    /// `counters: false` leaves out what moves with every event (for comparing documents).
    func document(for instance: InstanceConfig, counters: Bool = true) -> JSONValue {
        guard let settings = instance.realtime else { return .null }
        let status = self.status(of: instance.projectID) ?? RealtimeStatus()
        func time(_ date: Date?) -> JSONValue { date.map { .string(Timestamp.iso8601($0)) } ?? .null }
        var document = JSONObject([
            ("state", .string(status.state.rawValue)),
            ("reason", status.reason.map(JSONValue.string) ?? .null),
            ("retry_at", time(status.retryAt)),
            ("connected_since", time(status.connectedSince)),
            ("reconnects", .number(String(status.reconnects))),
            ("user_id", settings.credentials.userID.map(JSONValue.string) ?? .null),
        ])
        if counters { document["last_event_at"] = time(status.lastEventAt) }
        document["subscriptions"] = .array(
            settings.subscriptions.map { subscription in
                var entry = JSONObject([
                    ("name", .string(subscription.name)),
                    ("channels", .array(subscription.channels.map(JSONValue.string))),
                    ("catch_up", .bool(subscription.catchUp != nil)),
                ])
                if counters {
                    let counted = status.subscriptions[subscription.name] ?? .init()
                    entry["events"] = .number(String(counted.events))
                    entry["last_event_at"] = time(counted.lastEventAt)
                }
                return .object(entry)
            }
        )
        return .object(document)
    }
}
