import Synchronization

/// "Something changed, look again": a wake-up without a payload. Signals that arrive while the
/// observer is busy collapse into one, so a burst of changes costs one look.
public final class ChangeSignal: Sendable {
    private let continuation: AsyncStream<Void>.Continuation
    let changes: AsyncStream<Void>

    public init() {
        (changes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func notify() { continuation.yield() }
}
