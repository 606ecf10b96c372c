import DequeModule
import Foundation
import NIOCore
import Synchronization

/// Fans events out to every `GET /api/events` stream. Each event is encoded once; listeners share
/// the bytes. The last events are kept so a client that reconnects with `Last-Event-ID` misses
/// nothing, and a listener that cannot keep up is dropped rather than holding memory or the bridge.
///
/// Publishing only queues: one flusher hands the queued events to every listener, at once when
/// it was idle and then after a pause that grows with the batch it just handed out (1 ms per
/// event, at most 20 ms): a lone event goes at once, and a thousand a second travel in about 50
/// writes a second instead of a thousand. Under load each listener so gets one write per pause
/// instead of one per event: the cost of a listener no longer grows with the execution rate (60
/// listeners made every execution 14 times as expensive when each event was a write of its own),
/// and the bridge's CPU per Realtime event at 1,000 a second fell by a tenth from 5 ms pauses.
public final class BridgeEventHub: Sendable {
    private struct Recent {
        var id: Int
        var projectID: String?
        var channels: [String]
        var frame: ByteBuffer
    }

    private struct Table {
        /// The ID of the last event published. It starts at the process's start time in
        /// milliseconds × 1,000, so an ID from an earlier run of the bridge is always older than
        /// anything this run knows, and is answered with a resync instead of a wrong replay.
        var lastID: Int
        /// The last ID before this run's first event: anything at or below it is an earlier run's.
        let runStartID: Int
        var recent: Deque<Recent> = []
        /// Published, not yet handed to listeners.
        var unflushed: [Recent] = []
        var subscribers: [UInt64: EventSubscription] = [:]
        var nextSubscriberID: UInt64 = 0
        var lastListenerLeft: ContinuousClock.Instant?
        var finished = false
    }

    public enum SubscribeError: Error, Sendable {
        case tooManyStreams(limit: Int)
        case shuttingDown
    }

    public let maximumStreams: Int
    let replayCapacity: Int
    let maximumQueuedBytes: Int
    /// How long after the last listener left executions are still followed, so a client that
    /// reconnects finds their progress in the replay buffer.
    let followAfterLastListener: Duration
    private let table: Mutex<Table>
    private let metrics: BridgeMetrics?
    private let published = ChangeSignal()

    public init(
        maximumStreams: Int = 128,
        replayCapacity: Int = 1_024,
        maximumQueuedBytes: Int = 1 << 20,
        followAfterLastListener: Duration = .seconds(300),
        metrics: BridgeMetrics? = nil,
        now: Date = Date()
    ) {
        self.maximumStreams = maximumStreams
        self.replayCapacity = replayCapacity
        self.maximumQueuedBytes = maximumQueuedBytes
        self.followAfterLastListener = followAfterLastListener
        self.metrics = metrics
        // Just started, clients that listened to the previous run are reconnecting: treat them as
        // having just left, so what happens before they are back is in the replay buffer.
        let startID = Int(now.timeIntervalSince1970 * 1_000) * 1_000
        table = Mutex(Table(lastID: startID, runStartID: startID, lastListenerLeft: .now))
    }

    public var subscriberCount: Int { table.withLock { $0.subscribers.count } }

    /// True while someone listens, or listened a moment ago and may reconnect: only then are
    /// executions followed for events. Nobody listening costs nothing.
    public var isWatched: Bool {
        table.withLock { table in
            guard table.subscribers.isEmpty else { return true }
            guard let left = table.lastListenerLeft else { return false }
            return ContinuousClock.now - left < followAfterLastListener
        }
    }

    public func publish(_ execution: ExecutionEvent) { publish(execution.bridgeEvent) }

    public func publish(_ event: BridgeEvent) {
        // Bytes straight into the frame: no String of the envelope to validate and copy again.
        let data = event.serializedEnvelope
        let kind = event.kind.rawValue
        table.withLock { table in
            table.lastID += 1
            var frame = ByteBuffer()
            frame.reserveCapacity(data.count + 64)
            frame.writeString("id: \(table.lastID)\nevent: \(kind)\ndata: ")
            frame.writeBytes(data)
            frame.writeString("\n\n")
            let recent = Recent(id: table.lastID, projectID: event.projectID, channels: event.channels, frame: frame)
            table.recent.append(recent)
            if table.recent.count > replayCapacity { table.recent.removeFirst() }
            if !table.subscribers.isEmpty { table.unflushed.append(recent) }
        }
        published.notify()
    }

    /// Hands published events to the listeners until cancelled, each listener getting its share
    /// in one buffer: at once after a quiet spell, then after `pausePerEvent` for each event just
    /// handed out, at most `longestPause`.
    func runFlusher(pausePerEvent: Duration = .milliseconds(1), longestPause: Duration = .milliseconds(20)) async {
        for await _ in published.changes {
            let handedOut = flush()
            do {
                // An event-loop timer: `Task.sleep` waits on Dispatch's timers, two more thread
                // wake-ups each time.
                try await LoopSleep.sleep(for: min(pausePerEvent * max(handedOut, 1), longestPause))
            } catch {
                break
            }
        }
        flush()
    }

    /// Returns how many events it handed out.
    @discardableResult
    func flush() -> Int {
        let (handedOut, dropped) = table.withLock { table -> (Int, Int) in
            guard !table.unflushed.isEmpty else { return (0, 0) }
            let batch = table.unflushed
            table.unflushed = []
            var everything: ByteBuffer?
            var dropped: [UInt64] = []
            for subscriber in table.subscribers.values {
                let wanted = batch.filter {
                    $0.id > subscriber.startsAfter && subscriber.wants(projectID: $0.projectID, channels: $0.channels)
                }
                guard !wanted.isEmpty else { continue }
                let bytes: ByteBuffer
                if wanted.count == batch.count {
                    // The common case (no filter, no token scope): one buffer shared by all.
                    if everything == nil { everything = Self.concatenate(batch) }
                    bytes = everything!
                } else {
                    bytes = Self.concatenate(wanted)
                }
                if !subscriber.offer(bytes) { dropped.append(subscriber.id) }
            }
            for id in dropped { Self.remove(id, from: &table) }
            return (batch.count, dropped.count)
        }
        if dropped > 0 {
            metrics?.recordEventListenersDropped(dropped)
            metrics?.recordEventListeners(subscriberCount)
        }
        return handedOut
    }

    private static func concatenate(_ events: [Recent]) -> ByteBuffer {
        if events.count == 1 { return events[0].frame }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(events.reduce(0) { $0 + $1.frame.readableBytes })
        for event in events { buffer.writeImmutableBuffer(event.frame) }
        return buffer
    }

    /// A new listener. With `lastEventID`, the events after it that are still kept come first;
    /// when that ID is unknown, a `resync` event does.
    func subscribe(
        channels: Set<String>,
        lastEventID: Int?,
        maySee: @escaping @Sendable (String) -> Bool
    ) throws(SubscribeError) -> EventSubscription {
        let resync = BridgeEvent.resync(reason: "events after Last-Event-ID are no longer kept").envelope.serialized
        let outcome = table.withLock { table -> Result<EventSubscription, SubscribeError> in
            guard !table.finished else { return .failure(.shuttingDown) }
            guard table.subscribers.count < maximumStreams else { return .failure(.tooManyStreams(limit: maximumStreams)) }
            table.nextSubscriberID += 1
            let subscription = EventSubscription(
                id: table.nextSubscriberID,
                startsAfter: table.lastID,
                channels: channels,
                maximumQueuedBytes: maximumQueuedBytes,
                maySee: maySee
            )
            if let lastEventID, lastEventID != table.lastID {
                let oldestKept = table.recent.first?.id ?? table.lastID + 1
                if lastEventID >= oldestKept - 1, lastEventID < table.lastID {
                    for event in table.recent
                    where event.id > lastEventID && subscription.wants(projectID: event.projectID, channels: event.channels) {
                        _ = subscription.offer(event.frame)
                    }
                } else if lastEventID <= table.runStartID, table.recent.first.map({ $0.id == table.runStartID + 1 }) ?? true {
                    // A listener of an earlier run (the bridge restarted) has seen nothing of this
                    // one: it must resync, and then gets all this run published while it was away
                    // (e.g. what a Realtime catch-up delivered right after the start), in order.
                    _ = subscription.offer(ByteBuffer(string: "id: \(table.runStartID)\nevent: resync\ndata: \(resync)\n\n"))
                    for event in table.recent where subscription.wants(projectID: event.projectID, channels: event.channels) {
                        _ = subscription.offer(event.frame)
                    }
                } else {
                    _ = subscription.offer(ByteBuffer(string: "id: \(table.lastID)\nevent: resync\ndata: \(resync)\n\n"))
                }
            }
            table.subscribers[subscription.id] = subscription
            return .success(subscription)
        }
        let subscription = try outcome.get()
        metrics?.recordEventListeners(subscriberCount)
        return subscription
    }

    func unsubscribe(_ subscription: EventSubscription) {
        subscription.close()
        table.withLock { Self.remove(subscription.id, from: &$0) }
        metrics?.recordEventListeners(subscriberCount)
    }

    /// A comment to every listener, so idle timeouts on the way do not cut quiet streams.
    func keepAlive() {
        let frame = ByteBuffer(string: ": keep-alive\n\n")
        let subscribers = table.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { _ = subscriber.offer(frame) }
    }

    /// Ends every stream (at shutdown, so open connections do not hold the grace period).
    public func finishAll() {
        flush()
        let all = table.withLock { table -> [EventSubscription] in
            table.finished = true
            defer { table.subscribers = [:] }
            return Array(table.subscribers.values)
        }
        for subscriber in all { subscriber.close() }
    }

    private static func remove(_ id: UInt64, from table: inout Table) {
        guard table.subscribers.removeValue(forKey: id) != nil else { return }
        if table.subscribers.isEmpty { table.lastListenerLeft = .now }
    }
}
