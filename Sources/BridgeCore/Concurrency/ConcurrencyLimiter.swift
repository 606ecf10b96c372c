import Foundation
import Synchronization

/// Why a call did not get a slot.
public enum ConcurrencyRejection: Error, Sendable, Equatable {
    /// `max_queue` calls were already waiting.
    case queueFull
    /// It waited `queue_timeout_seconds` without getting a slot.
    case timedOut
}

/// A FIFO gate: at most `maxConcurrency` holders; later callers wait in arrival order in a queue
/// of at most `maxQueue`, each for at most `queueTimeoutSeconds`.
///
/// A released slot is handed straight to the oldest waiter, so nobody can overtake the queue.
public final class ConcurrencyLimiter: Sendable {
    public let label: String
    private let state: Mutex<State>
    private let metrics: BridgeMetrics?

    private struct Waiter {
        var ticket: UInt64
        var continuation: CheckedContinuation<Void, any Error>
        /// Ends the wait after `queueTimeoutSeconds`; cancelled when the slot comes first.
        var timer: Task<Void, any Error>

        func grant() {
            timer.cancel()
            continuation.resume()
        }
    }

    private struct State {
        var limit: ConcurrencyLimit
        var inFlight = 0
        var waiters: [Waiter] = []
        var nextTicket: UInt64 = 0
    }

    public init(label: String, limit: ConcurrencyLimit, metrics: BridgeMetrics? = nil) {
        self.label = label
        self.metrics = metrics
        state = Mutex(State(limit: limit))
    }

    public var limit: ConcurrencyLimit { state.withLock { $0.limit } }
    public var inFlight: Int { state.withLock { $0.inFlight } }
    public var queued: Int { state.withLock { $0.waiters.count } }

    /// A reload may change the numbers; waiters keep their place.
    public func update(_ limit: ConcurrencyLimit) {
        let granted = state.withLock { state -> [Waiter] in
            state.limit = limit
            return Self.grantFree(&state)
        }
        for waiter in granted { waiter.grant() }
        publish()
    }

    /// Runs `body` holding a slot; throws `ConcurrencyRejection` when no slot came in time.
    public func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    func acquire() async throws {
        let ticket = state.withLock { state -> UInt64 in
            state.nextTicket += 1
            return state.nextTicket
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Bool, ConcurrencyRejection> in
                    if state.inFlight < state.limit.maxConcurrency && state.waiters.isEmpty {
                        state.inFlight += 1
                        return .success(true)
                    }
                    guard state.waiters.count < state.limit.maxQueue else { return .failure(.queueFull) }
                    let timeout = state.limit.queueTimeoutSeconds
                    let timer = Task { [weak self] in
                        try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                        self?.abandon(ticket, with: ConcurrencyRejection.timedOut)
                    }
                    state.waiters.append(Waiter(ticket: ticket, continuation: continuation, timer: timer))
                    return .success(false)
                }
                switch outcome {
                case .success(true): continuation.resume()
                case .success(false): break
                case .failure(let rejection):
                    metrics?.recordConcurrencyRejection(label: label, reason: rejection)
                    continuation.resume(throwing: rejection)
                }
                publish()
            }
        } onCancel: {
            abandon(ticket, with: CancellationError())
        }
        publish()
    }

    func release() {
        let next = state.withLock { state -> Waiter? in
            guard !state.waiters.isEmpty, state.inFlight <= state.limit.maxConcurrency else {
                state.inFlight -= 1
                return nil
            }
            // The slot passes to the oldest waiter: inFlight stays the same.
            return state.waiters.removeFirst()
        }
        next?.grant()
        publish()
    }

    private func abandon(_ ticket: UInt64, with error: any Error) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
            return state.waiters.remove(at: index)
        }
        guard let waiter else { return }
        waiter.timer.cancel()
        if let rejection = error as? ConcurrencyRejection { metrics?.recordConcurrencyRejection(label: label, reason: rejection) }
        waiter.continuation.resume(throwing: error)
        publish()
    }

    private static func grantFree(_ state: inout State) -> [Waiter] {
        var granted: [Waiter] = []
        while state.inFlight < state.limit.maxConcurrency, !state.waiters.isEmpty {
            state.inFlight += 1
            granted.append(state.waiters.removeFirst())
        }
        return granted
    }

    private func publish() {
        let (inFlight, queued) = state.withLock { ($0.inFlight, $0.waiters.count) }
        metrics?.recordConcurrency(label: label, inFlight: inFlight, queued: queued)
    }
}

/// A call refused by one limit of an instance or function.
public struct LimitRefusal: Error, Sendable {
    /// "home1234" or "home1234/open_gate".
    public var label: String
    public var rejection: ConcurrencyRejection
    public var limit: ConcurrencyLimit
}

/// The limiters of the running configuration, by label ("home1234", "home1234/open_gate"). Kept
/// across reloads so waiting callers are not dropped; a reload only updates the numbers.
public final class ConcurrencyLimiters: Sendable {
    private let limiters = Mutex<[String: ConcurrencyLimiter]>([:])
    private let metrics: BridgeMetrics?

    public init(metrics: BridgeMetrics? = nil) {
        self.metrics = metrics
    }

    public func limiter(_ label: String, limit: ConcurrencyLimit?) -> ConcurrencyLimiter? {
        guard let limit else { return nil }
        let (limiter, changed) = limiters.withLock { table -> (ConcurrencyLimiter, Bool) in
            if let existing = table[label] { return (existing, existing.limit != limit) }
            let created = ConcurrencyLimiter(label: label, limit: limit, metrics: metrics)
            table[label] = created
            return (created, false)
        }
        if changed { limiter.update(limit) }
        return limiter
    }

    /// Runs `body` inside the instance's and then the function's limits (outermost first).
    public func run<T: Sendable>(
        instance: InstanceConfig,
        functionID: String?,
        _ body: () async throws -> T
    ) async throws -> T {
        let instanceLimiter = limiter(instance.projectID, limit: instance.limit)
        let functionLimiter = functionID.flatMap { id in
            limiter("\(instance.projectID)/\(id)", limit: instance.functionAction(id)?.limit)
        }
        // The function's queue first: waiting for a serial function must not hold an instance slot.
        if let functionLimiter {
            return try await Self.enter(functionLimiter) {
                if let instanceLimiter { return try await Self.enter(instanceLimiter, body) }
                return try await body()
            }
        }
        if let instanceLimiter { return try await Self.enter(instanceLimiter, body) }
        return try await body()
    }

    /// Holds a slot of `limiter` around `body`; a refusal names the limit that refused, so the
    /// caller learns which queue was full and how long it waits.
    private static func enter<T: Sendable>(_ limiter: ConcurrencyLimiter, _ body: () async throws -> T) async throws -> T {
        do {
            try await limiter.acquire()
        } catch let rejection as ConcurrencyRejection {
            throw LimitRefusal(label: limiter.label, rejection: rejection, limit: limiter.limit)
        }
        defer { limiter.release() }
        return try await body()
    }
}
