import NIOCore
import NIOPosix

/// Sleeps on a timer of NIO's event loops instead of `Task.sleep`. On Linux `Task.sleep` waits
/// on Dispatch's timers: when one fires, Dispatch's timer thread wakes, then a worker thread to
/// resume the task, then the event loop the task runs on (Swift concurrency runs on NIO's loops
/// here). An event-loop timer wakes only the loop. For the few timers an idle bridge keeps (the
/// watchdog ping, the next health check, a retry) that is the difference between one wake-up and
/// two or three.
enum LoopSleep {
    /// Until `deadline`; throws `CancellationError` when the task is cancelled first.
    static func sleep(until deadline: ContinuousClock.Instant) async throws {
        let delay = ContinuousClock.now.duration(to: deadline)
        guard delay > .zero else { return }
        let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: timeAmount(delay)) {}
        try await withTaskCancellationHandler {
            do {
                try await scheduled.futureResult.get()
            } catch {
                throw CancellationError()
            }
        } onCancel: {
            scheduled.cancel()
        }
    }

    static func sleep(for duration: Duration) async throws {
        try await sleep(until: .now + duration)
    }

    /// `body` every `interval` on an event loop until the returned task is cancelled: one
    /// wake-up per interval, no task hop.
    static func repeating(every interval: Duration, _ body: @escaping @Sendable () -> Void) -> RepeatedTask {
        let delay = timeAmount(interval)
        return MultiThreadedEventLoopGroup.singleton.any().scheduleRepeatedTask(initialDelay: delay, delay: delay) { _ in body() }
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        // A year is "never" for a daemon's timers, and keeps the nanoseconds within Int64.
        let (seconds, attoseconds) = min(duration, .seconds(365 * 86_400)).components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
