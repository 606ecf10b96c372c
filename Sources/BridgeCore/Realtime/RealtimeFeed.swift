import CoreMetrics
import Foundation
import Logging

/// What one instance's Realtime subscriptions deliver, across its connections: live events
/// routed to their subscriptions and deduplicated, and after each reconnect the catch-up listing
/// and one gap event per subscription. Publishes to `/api/events` and keeps the positions saved.
struct RealtimeFeed: Sendable {
    let instance: InstanceConfig
    let settings: RealtimeSettings
    let ledger: RealtimeLedger
    let hub: BridgeEventHub
    let board: RealtimeStatusBoard
    let metrics: BridgeMetrics?
    let catchUp: RealtimeCatchUp
    let saver: RealtimePositionSaver
    let logger: Logger
    let counters: RealtimeCounters

    var projectID: String { instance.projectID }

    /// A live `event` frame's data. `slots` maps the server's subscription IDs to the bridge's
    /// subscriptions; Appwrite 1.8 sends none, and then the event's channels decide.
    func deliver(_ data: JSONObject, verbatim: BridgeEvent.Verbatim = .init(), slots: [String: Int], frameBytes: Int) {
        guard case .object(let payload)? = data["payload"] else { return }
        let events = Self.strings(data["events"])
        let channels = Self.strings(data["channels"])
        var matched: [Int] = []
        if case .array(let ids)? = data["subscriptions"], !slots.isEmpty {
            for case .string(let id) in ids { if let slot = slots[id], !matched.contains(slot) { matched.append(slot) } }
            // In the order of bridge.yaml, whatever order Appwrite listed them in.
            matched.sort()
        } else {
            let published = Set(channels)
            for (index, subscription) in settings.subscriptions.enumerated() where subscription.channels.contains(where: published.contains) {
                matched.append(index)
            }
        }
        guard !matched.isEmpty else { return }
        // Described once for every subscription the event matched.
        let first = events.first ?? ""
        let action = RealtimeDelivery.action(of: first)
        let described = (action, RealtimeDelivery.resource(of: first, payload: payload).document)
        let isDelete = action == RealtimeAction.delete.rawValue
        let now = Date()
        for index in matched where index < settings.subscriptions.count {
            let subscription = settings.subscriptions[index]
            if subscription.catchUp != nil, let id = payload["$id"]?.stringValue, let updatedAt = payload["$updatedAt"]?.stringValue {
                guard ledger.admit(subscription: subscription.name, id: id, updatedAt: updatedAt, deleted: isDelete) else { continue }
            }
            hub.publish(
                RealtimeDelivery.event(
                    projectID: projectID,
                    subscription: subscription,
                    events: events,
                    channels: channels,
                    timestamp: data["timestamp"]?.stringValue,
                    payload: payload,
                    verbatim: verbatim,
                    catchUp: false,
                    knownSmall: frameBytes <= RealtimeDelivery.maximumPayloadBytes,
                    described: described
                )
            )
            board.recordEvent(projectID, subscription: subscription.name, at: now)
            counters.live[index].increment()
        }
        saver.changed()
    }

    /// Where each subscription's catch-up starts, decided the moment `connected` arrives, before
    /// any live event of the new connection is admitted: a live event moves a subscription's
    /// position past everything written during the gap, which the catch-up would then never list.
    struct Gap: Sendable {
        let start: Date
        let end: Date
        /// The subscriptions with a gap, each with where its listing starts (nil: its channels
        /// cannot be listed, or it never delivered anything).
        let subscriptions: [(name: String, position: RealtimeLedger.Position?)]
    }

    /// After `connected`, synchronously: each subscription that was connected before gets a gap
    /// to close; a subscription seen for the first time starts from now. nil on a first connection.
    func openGap(from start: Date?, connectedAt: Date) -> Gap? {
        let instant = Self.appwriteTimestamp(connectedAt)
        var open: [(name: String, position: RealtimeLedger.Position?)] = []
        for subscription in settings.subscriptions {
            guard start != nil, ledger.hasPosition(subscription.name) else {
                ledger.startIfNew(subscription.name, at: instant)
                continue
            }
            open.append((subscription.name, subscription.catchUp != nil ? ledger.beginCatchUp(subscription.name) : nil))
        }
        saver.changed()
        guard let start, !open.isEmpty else { return nil }
        return Gap(start: start, end: connectedAt, subscriptions: open)
    }

    /// Lists what each subscription missed from its position, then publishes one gap event each.
    func closeGap(_ gap: Gap) async {
        await withTaskGroup(of: Void.self) { group in
            for (name, position) in gap.subscriptions {
                guard let subscription = settings.subscriptions.first(where: { $0.name == name }) else { continue }
                group.addTask { await close(subscription, from: position, gap: gap) }
            }
        }
        saver.changed()
    }

    private func close(_ subscription: RealtimeSubscription, from position: RealtimeLedger.Position?, gap: Gap) async {
        var caughtUp: Int?
        var reason: String?
        if let source = subscription.catchUp, let position {
            var delivered = 0
            do {
                _ = try await catchUp.run(source, filters: subscription.queries, from: position) { document in
                    guard let id = document["$id"]?.stringValue, let updatedAt = document["$updatedAt"]?.stringValue,
                        let event = RealtimeDelivery.caughtUp(projectID: projectID, subscription: subscription, source: source, document: document),
                        ledger.admit(subscription: subscription.name, id: id, updatedAt: updatedAt, deleted: false)
                    else { return }
                    hub.publish(event)
                    delivered += 1
                    board.recordEvent(projectID, subscription: subscription.name, at: Date())
                    counters.caughtUp(subscription.name)?.increment()
                }
                ledger.endCatchUp(subscription.name, completed: true)
                caughtUp = delivered
            } catch {
                ledger.endCatchUp(subscription.name, completed: false)
                // The socket dropped meanwhile: the next connection catches up on the same span.
                if Task.isCancelled { return }
                reason = "catch-up failed after \(delivered) document(s): \(error.reason)"
                logger.warning(
                    "Realtime catch-up of \(projectID)/\(subscription.name) failed; it is retried after the next reconnect",
                    metadata: ["project_id": "\(projectID)", "subscription": "\(subscription.name)", "reason": "\(error.reason)"]
                )
            }
        } else if subscription.catchUp == nil {
            reason = "this subscription's channels cannot be listed again (only document and row channels of one collection can)"
        }
        hub.publish(
            RealtimeDelivery.gap(
                projectID: projectID,
                subscription: subscription,
                from: Timestamp.iso8601(gap.start),
                to: Timestamp.iso8601(gap.end),
                caughtUp: caughtUp,
                reason: reason
            )
        )
        metrics?.recordRealtimeGap(projectID: projectID, subscription: subscription.name, caughtUp: caughtUp ?? 0)
    }

    /// `2026-12-02T12:00:00.000+00:00`: Appwrite's form, so positions compare with `$updatedAt` as text.
    static func appwriteTimestamp(_ date: Date) -> String {
        String(Timestamp.iso8601(date).dropLast()) + "+00:00"
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap(\.stringValue)
    }
}
