import NIOCore
import Synchronization

/// One `/api/events` listener: its filter and its queue of encoded frames. The hub offers frames
/// without waiting; the listener's writer takes everything queued at once, so a burst costs one
/// socket write rather than one per event.
final class EventSubscription: Sendable {
    private struct Queue {
        var frames: [ByteBuffer] = []
        var bytes = 0
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
        /// Closed because it fell too far behind: what is queued is dropped, not written.
        var overflowed = false
    }

    let id: UInt64
    /// The last event it got by replay (or that existed when it came): later ones come live.
    let startsAfter: Int
    private let channels: Set<String>
    private let maySee: @Sendable (String) -> Bool
    private let maximumQueuedBytes: Int
    private let queue = Mutex(Queue())

    init(id: UInt64, startsAfter: Int, channels: Set<String>, maximumQueuedBytes: Int, maySee: @escaping @Sendable (String) -> Bool) {
        self.id = id
        self.startsAfter = startsAfter
        self.channels = channels
        self.maySee = maySee
        self.maximumQueuedBytes = maximumQueuedBytes
    }

    func wants(projectID: String?, channels eventChannels: [String]) -> Bool {
        if let projectID, !maySee(projectID) { return false }
        return channels.isEmpty || eventChannels.contains { channels.contains($0) }
    }

    /// Queues a frame; false when the listener is closed or has fallen too far behind (it is then
    /// closed, and may come back with `Last-Event-ID`).
    func offer(_ frame: ByteBuffer) -> Bool {
        let (accepted, waiter) = queue.withLock { queue -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !queue.closed else { return (false, nil) }
            if queue.bytes + frame.readableBytes > maximumQueuedBytes {
                queue.closed = true
                queue.overflowed = true
                queue.frames = []
                queue.bytes = 0
            } else {
                queue.frames.append(frame)
                queue.bytes += frame.readableBytes
            }
            defer { queue.waiter = nil }
            return (!queue.overflowed, queue.waiter)
        }
        waiter?.resume()
        return accepted
    }

    func close() {
        let waiter = queue.withLock { queue -> CheckedContinuation<Void, Never>? in
            queue.closed = true
            defer { queue.waiter = nil }
            return queue.waiter
        }
        waiter?.resume()
    }

    /// Every frame queued since the last call, waiting for one if there is none; nil once the
    /// listener is closed (what was queued before a graceful close is still handed out).
    func next() async -> [ByteBuffer]? {
        while true {
            if let ready = take() { return ready.isEmpty ? nil : ready }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = queue.withLock { queue -> Bool in
                        if !queue.frames.isEmpty || queue.closed { return true }
                        queue.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                close()
            }
        }
    }

    /// The queued frames; an empty array when closed; nil when there is nothing yet.
    private func take() -> [ByteBuffer]? {
        queue.withLock { queue in
            if queue.overflowed { return [] }
            if !queue.frames.isEmpty {
                defer {
                    queue.frames = []
                    queue.bytes = 0
                }
                return queue.frames
            }
            return queue.closed ? [] : nil
        }
    }
}
