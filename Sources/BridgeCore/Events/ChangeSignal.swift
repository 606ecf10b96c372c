import Synchronization

/// "Something changed, look again": a wake-up without a payload. Signals that arrive while the
/// observer is busy collapse into one, so a burst of changes costs one look.
///
/// `changes` has one reader (the `/api/events` announcements); services that also sleep until a
/// deadline (outbox delivery, the instance monitor) subscribe a `Wakeup` of their own instead.
public final class ChangeSignal: Sendable {
    private let continuation: AsyncStream<Void>.Continuation
    let changes: AsyncStream<Void>
    private let wakeups = Mutex<[ObjectIdentifier: Wakeup]>([:])

    public init() {
        (changes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func notify() {
        continuation.yield()
        for wakeup in wakeups.withLock({ Array($0.values) }) { wakeup.ring() }
    }

    /// Rings `wakeup` at every `notify()` until `unsubscribe`.
    func subscribe(_ wakeup: Wakeup) {
        wakeups.withLock { $0[ObjectIdentifier(wakeup)] = wakeup }
    }

    func unsubscribe(_ wakeup: Wakeup) {
        wakeups.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(wakeup)) }
    }
}
