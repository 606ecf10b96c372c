import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization

/// One open socket: reads frames in order, checks `connected`, routes events to subscriptions,
/// pings every 20 s and gives up when nothing arrives for 60 s. Catch-up listings run beside it
/// and end with it.
final class RealtimeSession: Sendable {
    static let pingInterval: Duration = .seconds(20)
    static let silenceLimit: Duration = .seconds(60)
    /// Appwrite publishes whole documents; 16 MiB bounds one message whatever the collection.
    static let maximumMessageBytes = 16 << 20
    static let ping = #"{"type":"ping"}"#

    private struct Live {
        var lastFrame = ContinuousClock.now
        var connectedAt: Date?
        var failure: RealtimeFailure?
        /// Server subscription ID → the bridge's subscription (by slot).
        var slots: [String: Int] = [:]
    }

    let feed: RealtimeFeed
    /// Where the gap this connection closes began; nil on the very first connection.
    let gapStart: Date?
    private let live = Mutex(Live())

    init(feed: RealtimeFeed, gapStart: Date?) {
        self.feed = feed
        self.gapStart = gapStart
    }

    var connectedAt: Date? { live.withLock { $0.connectedAt } }
    var failure: RealtimeFailure? { live.withLock { $0.failure } }
    /// When the server was last heard from: where a gap starts if the socket drops now.
    var lastHeard: Date {
        let silence = ContinuousClock.now - live.withLock { $0.lastFrame }
        return Date().addingTimeInterval(-(Double(silence.components.seconds) + Double(silence.components.attoseconds) / 1e18))
    }

    /// Records why the socket ends and ends it (the first reason wins).
    private func fail(_ failure: RealtimeFailure) -> RealtimeFailure {
        live.withLock { live in
            if live.failure == nil { live.failure = failure }
            return live.failure!
        }
    }

    /// `onConnected` runs once the socket is the configured user's, before any event is read.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, onConnected: @Sendable () -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.keepAlive(outbound) }
            // Frames as bytes, joined until `fin`: a message never becomes a String on its way
            // to the JSON parser (a third of the CPU an event cost).
            var frames = inbound.makeAsyncIterator()
            var bytes: [UInt8] = []
            while let frame = try await frames.next() {
                guard bytes.count + frame.data.readableBytes <= Self.maximumMessageBytes else {
                    throw fail(.lost("a Realtime message over \(Self.maximumMessageBytes) bytes"))
                }
                if frame.opcode != .continuation { bytes.removeAll(keepingCapacity: true) }
                frame.data.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
                guard frame.fin else { continue }
                live.withLock { $0.lastFrame = .now }
                guard let frame = try? RealtimeFrame(parsing: bytes) else { continue }
                switch frame {
                case .connected(let userID, let slots):
                    try accept(userID: userID, slots: slots)
                    onConnected()
                    group.addTask { await self.feed.closeGap(from: self.gapStart, connectedAt: self.connectedAt ?? Date()) }
                case .event(let data):
                    let slots = live.withLock { $0.slots }
                    feed.deliver(data, slots: slots, frameBytes: bytes.count)
                case .error(let code, let message):
                    let failure = RealtimeFailure.fromError(code: code, message: message)
                    if connectedAt == nil || code == 1008 { throw fail(failure) }
                    feed.logger.warning("Realtime error frame on an open connection, which stays open: \(failure.reason)")
                case .other:
                    continue
                }
            }
            throw fail(.lost("Appwrite closed the Realtime connection"))
        }
    }

    /// `connected`: the socket is the configured user's (Appwrite makes a bad session a guest
    /// without saying so), and its subscription IDs map to the bridge's subscriptions.
    private func accept(userID: String?, slots: [String: Int]) throws {
        if let expected = feed.settings.credentials.userID, userID != expected {
            let reason =
                userID == nil
                ? "Appwrite accepted the Realtime session as a guest: the session is not valid (expired, deleted, or of another project); make a new one with `appwrite-bridge realtime-session`"
                : "the Realtime session belongs to user \(userID!), not \(expected)"
            throw fail(RealtimeFailure(kind: .unauthorized, reason: reason))
        }
        live.withLock { live in
            live.connectedAt = Date()
            live.slots = slots
        }
    }

    /// Pings every 20 s (3 of Appwrite's 32 messages a minute); a socket that has not said
    /// `connected` by the first ping, or has been silent for a minute, is given up.
    private func keepAlive(_ outbound: WebSocketOutboundWriter) async throws {
        while true {
            try await LoopSleep.sleep(for: Self.pingInterval)
            let (connected, silence) = live.withLock { ($0.connectedAt != nil, ContinuousClock.now - $0.lastFrame) }
            guard connected else { throw fail(.lost("no `connected` frame within \(Self.pingInterval)")) }
            guard silence < Self.silenceLimit else { throw fail(.lost("nothing arrived for \(Self.silenceLimit)")) }
            try await outbound.write(.text(Self.ping))
        }
    }
}
