import Foundation
import Logging
import NIOCore
import Synchronization

/// One open socket's state: checks `connected`, routes events to subscriptions, decides when to
/// ping and when to give up. `RealtimeFrameHandler` calls it on the socket's event loop; the
/// catch-up listing runs beside it and ends with it.
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
        var catchUp: Task<Void, Never>?
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
        return Date().addingTimeInterval(-silence.timeInterval)
    }

    /// Records why the socket ends and ends it (the first reason wins).
    @discardableResult
    func fail(_ failure: RealtimeFailure) -> RealtimeFailure {
        live.withLock { live in
            if live.failure == nil { live.failure = failure }
            return live.failure!
        }
    }

    /// What the frame handler does after a message.
    enum Next {
        case goOn
        case close
    }

    /// One whole message, on the socket's event loop. `onConnected` runs once the socket is the
    /// configured user's, before any event is delivered; the catch-up starts beside it.
    func handle(_ bytes: [UInt8], onConnected: () -> Void) -> Next {
        live.withLock { $0.lastFrame = .now }
        guard let frame = try? RealtimeFrame(parsing: bytes) else { return .goOn }
        switch frame {
        case .connected(let userID, let slots):
            do {
                try accept(userID: userID, slots: slots)
            } catch {
                return .close
            }
            onConnected()
            // Decided here, before the next frame is read (see `RealtimeFeed.openGap`).
            if let gap = feed.openGap(from: gapStart, connectedAt: connectedAt ?? Date()) {
                let catchUp = Task { await feed.closeGap(gap) }
                live.withLock { $0.catchUp = catchUp }
            }
        case .event(let data, let verbatim):
            let slots = live.withLock { $0.slots }
            feed.deliver(data, verbatim: verbatim, slots: slots, frameBytes: bytes.count)
        case .error(let code, let message):
            let failure = RealtimeFailure.fromError(code: code, message: message)
            if connectedAt == nil || code == 1008 {
                fail(failure)
                return .close
            }
            feed.logger.warning("Realtime error frame on an open connection, which stays open: \(failure.reason)")
        case .other:
            break
        }
        return .goOn
    }

    /// Every 20 s: a ping (3 of Appwrite's 32 messages a minute), or the end of a socket that has
    /// not said `connected` by the first ping or has been silent for a minute.
    func tick() -> Next {
        let (connected, silence) = live.withLock { ($0.connectedAt != nil, ContinuousClock.now - $0.lastFrame) }
        guard connected else {
            fail(.lost("no `connected` frame within \(Self.pingInterval)"))
            return .close
        }
        guard silence < Self.silenceLimit else {
            fail(.lost("nothing arrived for \(Self.silenceLimit)"))
            return .close
        }
        return .goOn
    }

    /// The socket is closed: the catch-up it started stops (the next connection redoes it).
    func ended(_ reason: RealtimeFailure) {
        fail(reason)
        live.withLock { $0.catchUp }?.cancel()
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
}
