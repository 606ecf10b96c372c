import Foundation

/// Every open Realtime connection, what each subscribes to with which roles, and the fan-out of
/// published events to them (src/Appwrite/Messaging/Adapter/Realtime.php: `subscribe`,
/// `unsubscribe`, `getSubscribers`), plus the abuse counters and the test controls.
public actor RealtimeHub {
    /// What a connection's writer is told to do.
    enum Outgoing: Sendable {
        case text(String)
        /// Close with this WebSocket close code (the error frame, if any, is sent first).
        case close(UInt16)
    }

    /// One subscription: its channels in order, each with the queries it was given.
    struct Subscription: Sendable {
        var channels: [String] = []
        var queries: [String: [RealtimeQuery]] = [:]

        mutating func set(_ channel: String, _ queryGroup: [RealtimeQuery]) {
            if queries[channel] == nil { channels.append(channel) }
            queries[channel] = queryGroup
        }
    }

    struct Connection: Sendable {
        /// nil once Appwrite has dropped the connection's project context (see `authenticate`).
        var projectID: String?
        var roles: [String]
        var userID: String
        var subscriptionOrder: [String] = []
        var subscriptions: [String: Subscription] = [:]
        let outbox: AsyncStream<Outgoing>.Continuation
        var messageMinute = 0
        var messageCount = 0
        let openedAt = Date()
    }

    private var settings: SimulatorConfig.RealtimeSettings
    private var connections: [Int: Connection] = [:]
    private var nextID = 1
    private var connectWindows: [String: (minute: Int, count: Int)] = [:]
    private var refusingUntil: Date?
    /// Upgrade attempts (accepted or not) in the last ten minutes, for the connects control.
    private var attempts: [(date: Date, refused: Bool)] = []
    private var totalAttempts = 0

    init(settings: SimulatorConfig.RealtimeSettings) {
        self.settings = settings
    }

    // MARK: Connections

    /// Registers a connection with its URL subscriptions and queues its `connected` frame, in one
    /// turn so no event can overtake that frame.
    func open(
        projectID: String,
        roles: [String],
        userID: String,
        subscriptions: [(id: String, channels: [String], queries: [RealtimeQuery])],
        connectedFrame: String,
        outbox: AsyncStream<Outgoing>.Continuation
    ) -> Int {
        let id = nextID
        nextID += 1
        connections[id] = Connection(projectID: projectID, roles: roles, userID: userID, outbox: outbox)
        for subscription in subscriptions {
            subscribe(id, subscriptionID: subscription.id, channels: subscription.channels, queries: subscription.queries)
        }
        outbox.yield(.text(connectedFrame))
        return id
    }

    func close(_ id: Int) {
        connections[id]?.outbox.finish()
        connections[id] = nil
    }

    func connection(_ id: Int) -> Connection? { connections[id] }

    /// Realtime::subscribe: adds (or, for a known ID, updates) a subscription's channels.
    func subscribe(_ id: Int, subscriptionID: String, channels: [String], queries: [RealtimeQuery]) {
        guard var connection = connections[id], !channels.isEmpty else { return }
        if connection.subscriptions[subscriptionID] == nil { connection.subscriptionOrder.append(subscriptionID) }
        var subscription = connection.subscriptions[subscriptionID] ?? Subscription()
        for channel in channels { subscription.set(channel, queries) }
        connection.subscriptions[subscriptionID] = subscription
        connections[id] = connection
    }

    /// Realtime::unsubscribeSubscription: true when the connection had it.
    func unsubscribe(_ id: Int, subscriptionID: String) -> Bool {
        guard var connection = connections[id], connection.projectID != nil,
            connection.subscriptions.removeValue(forKey: subscriptionID) != nil
        else { return false }
        connection.subscriptionOrder.removeAll { $0 == subscriptionID }
        connections[id] = connection
        return true
    }

    /// The `authentication` message (Handlers/Authentication.php): the connection's
    /// subscriptions are stored again under the user's roles, account channels rebound. A
    /// connection without subscriptions loses its whole entry, project included, as in Appwrite.
    func authenticate(_ id: Int, roles: [String], userID: String) {
        guard var connection = connections[id] else { return }
        let previousUserID = connection.userID
        if connection.projectID == nil || connection.subscriptions.isEmpty {
            connection.projectID = nil
            connection.roles = []
            connection.userID = ""
            connection.subscriptions = [:]
            connection.subscriptionOrder = []
        } else {
            connection.roles = roles
            connection.userID = userID
            for (subscriptionID, subscription) in connection.subscriptions {
                var rebound = Subscription()
                for channel in subscription.channels {
                    let name = Self.rebindAccount(channel, from: previousUserID, to: userID)
                    rebound.set(name, subscription.queries[channel] ?? [])
                }
                connection.subscriptions[subscriptionID] = rebound
            }
        }
        connections[id] = connection
    }

    /// Realtime::rebindAccountChannels.
    static func rebindAccount(_ channel: String, from old: String, to new: String) -> String {
        guard !new.isEmpty, old != new, channel.hasPrefix("account.") else { return channel }
        let suffix = String(channel.dropFirst("account.".count))
        if old.isEmpty { return RealtimeChannels.actions.contains(suffix) ? "account.\(new).\(suffix)" : channel }
        if channel == "account.\(old)" { return "account.\(new)" }
        let oldPrefix = "account.\(old)."
        if channel.hasPrefix(oldPrefix), RealtimeChannels.actions.contains(String(channel.dropFirst(oldPrefix.count))) {
            return "account.\(new).\(channel.dropFirst(oldPrefix.count))"
        }
        return channel
    }

    // MARK: Fan-out

    /// getSubscribers, then one `event` frame per connection listing the subscriptions it matched.
    /// The event is only built when a connection is open, so writes cost nothing without listeners.
    func publish(_ build: @autoclosure @Sendable () -> RealtimeEvent) {
        guard !connections.isEmpty else { return }
        let event = build()
        guard !event.channels.isEmpty, !event.roles.isEmpty else { return }
        for connection in connections.values where connection.projectID == event.projectID {
            guard event.roles.contains("any") || connection.roles.contains(where: event.roles.contains) else { continue }
            var matched: [String] = []
            for channel in event.channels {
                for subscriptionID in connection.subscriptionOrder where !matched.contains(subscriptionID) {
                    guard let queries = connection.subscriptions[subscriptionID]?.queries[channel] else { continue }
                    if RealtimeQuery.matches(queries, payload: event.payload) { matched.append(subscriptionID) }
                }
            }
            guard !matched.isEmpty else { continue }
            connection.outbox.yield(.text(RealtimeFrames.event(event, subscriptions: matched)))
        }
    }

    // MARK: Abuse limits (app/realtime.php, utopia-php/abuse TimeLimit: fixed one-minute windows)

    /// 32 messages per minute per connection: false once the window is full.
    func allowMessage(_ id: Int, now: Date = Date()) -> Bool {
        guard settings.messagesPerMinute > 0, var connection = connections[id] else { return true }
        let minute = Int(now.timeIntervalSince1970 / 60)
        if connection.messageMinute != minute {
            connection.messageMinute = minute
            connection.messageCount = 0
        }
        guard connection.messageCount < settings.messagesPerMinute else { return false }
        connection.messageCount += 1
        connections[id] = connection
        return true
    }

    /// 128 connects per minute per path and client address.
    func allowConnect(path: String, ip: String, now: Date = Date()) -> Bool {
        guard settings.connectsPerMinute > 0 else { return true }
        let key = "url:\(path),ip:\(ip)"
        let minute = Int(now.timeIntervalSince1970 / 60)
        var window = connectWindows[key] ?? (minute, 0)
        if window.minute != minute { window = (minute, 0) }
        guard window.count < settings.connectsPerMinute else { return false }
        window.count += 1
        connectWindows[key] = window
        return true
    }

    // MARK: Test controls

    /// Whether an upgrade is refused now; every attempt is counted either way.
    func admit(now: Date = Date()) -> Bool {
        let refused = refusingUntil.map { now < $0 } ?? false
        attempts.append((now, refused))
        attempts.removeAll { now.timeIntervalSince($0.date) > 600 }
        totalAttempts += 1
        return !refused
    }

    func refuseUpgrades(for seconds: Double, now: Date = Date()) -> Date {
        let until = now.addingTimeInterval(max(seconds, 0))
        refusingUntil = until
        return until
    }

    /// Closes every connection as a restart would; returns how many there were.
    func dropAll() -> Int {
        let count = connections.count
        for connection in connections.values {
            connection.outbox.yield(.close(1001))
            connection.outbox.finish()
        }
        connections = [:]
        return count
    }

    func statistics(now: Date = Date()) -> RealtimeStatistics {
        let recent = attempts.filter { now.timeIntervalSince($0.date) <= 60 }
        return RealtimeStatistics(
            open: connections.count,
            connectsTotal: totalAttempts,
            connectsLastMinute: recent.count,
            refusedLastMinute: recent.filter(\.refused).count,
            refusingUntil: refusingUntil.flatMap { $0 > now ? AppwriteDate.string($0) : nil },
            connections: connections.keys.sorted().compactMap { id in
                guard let connection = connections[id] else { return nil }
                return RealtimeStatistics.Connection(
                    id: id,
                    projectId: connection.projectID,
                    userId: connection.userID,
                    roles: connection.roles,
                    subscriptions: connection.subscriptionOrder.map { subscriptionID in
                        RealtimeStatistics.Subscription(
                            id: subscriptionID,
                            channels: connection.subscriptions[subscriptionID]?.channels ?? []
                        )
                    }
                )
            }
        )
    }
}

/// What `GET /_simulator/realtime` reports.
struct RealtimeStatistics: Codable, Sendable {
    struct Connection: Codable, Sendable {
        var id: Int
        var projectId: String?
        var userId: String
        var roles: [String]
        var subscriptions: [Subscription]
    }
    struct Subscription: Codable, Sendable {
        var id: String
        var channels: [String]
    }
    var open: Int
    var connectsTotal: Int
    var connectsLastMinute: Int
    var refusedLastMinute: Int
    var refusingUntil: String?
    var connections: [Connection]
}
