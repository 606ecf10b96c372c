import ServiceLifecycle
import Synchronization

/// One sleeper's alarm: `wait(until:)` returns when `ring()` was called since the last wait, when
/// the deadline passes or when the task is cancelled, whichever comes first. A ring while nobody
/// waits is kept (many as one), so a change between looking and going to sleep is never missed.
///
/// A sleeper with nothing due costs nothing: without a deadline no timer is armed, and a deadline
/// is one event-loop timer (`LoopSleep`), so an idle daemon is not woken to find out that nothing
/// happened. One waiter at a time.
public final class Wakeup: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let signals: [ChangeSignal]

    public convenience init() { self.init(rungBy: []) }

    /// Rung at every `notify()` of `signals`, until `stopListening()`.
    init(rungBy signals: [ChangeSignal]) {
        self.signals = signals
        for signal in signals { signal.subscribe(self) }
    }

    func stopListening() {
        for signal in signals { signal.unsubscribe(self) }
    }

    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Until rung, or until `deadline` when there is one.
    public func wait(until deadline: ContinuousClock.Instant?) async {
        guard let deadline else { return await waitForRing() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForRing() }
            group.addTask { try? await LoopSleep.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
        }
    }

    /// As `wait(until:)`, and also when graceful shutdown begins: a service's idle sleep.
    func waitUnlessShuttingDown(until deadline: ContinuousClock.Instant?) async {
        await withGracefulShutdownHandler {
            await wait(until: deadline)
        } onGracefulShutdown: {
            self.ring()
        }
    }

    private func waitForRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    // Cancellation sets the flag before it runs the handler below: either the
                    // handler finds this waiter, or this check sees the flag.
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return true
                    }
                    precondition(state.waiter == nil, "a Wakeup has one waiter at a time")
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
