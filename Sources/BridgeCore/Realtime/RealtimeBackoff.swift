import DequeModule
import Foundation

/// The wait before the next Realtime connect: exponential with jitter from `initial` to `maximum`
/// for ordinary losses, reset once a connection has stayed up a minute; longer, fixed floors for
/// what retrying soon cannot fix (a rejected session, a refused configuration, Appwrite's own
/// connect limit), so a broken setup costs Appwrite at most a handful of connects a minute.
struct RealtimeBackoff {
    let initial: Duration
    let maximum: Duration
    private var attempts = 0
    private var refusals = 0

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    /// A connection that stayed up this long proves the setup works: start over.
    static let stableAfter: Duration = .seconds(60)

    mutating func reset() {
        attempts = 0
        refusals = 0
    }

    mutating func delay(after failure: RealtimeFailure) -> Duration {
        switch failure.kind {
        case .unauthorized:
            // At most 6 connects a minute, then fewer: the session will not heal by itself.
            refusals += 1
            return Self.doubling(from: .seconds(10), times: refusals - 1, upTo: .seconds(300))
        case .misconfigured:
            refusals += 1
            return Self.doubling(from: .seconds(60), times: refusals - 1, upTo: .seconds(900))
        case .rateLimited:
            // Appwrite counts connects per clock minute: the next one may open a new window.
            return .seconds(61)
        case .lost:
            let base = Self.doubling(from: initial, times: attempts, upTo: maximum)
            attempts += 1
            // Half fixed, half random: many bridges behind one restarted Appwrite spread out.
            let half = base / 2
            return half + half * Double.random(in: 0...1)
        }
    }

    private static func doubling(from start: Duration, times: Int, upTo cap: Duration) -> Duration {
        var value = start
        for _ in 0..<min(times, 20) where value < cap { value = value * 2 }
        return min(value, cap)
    }
}

/// At most `limit` connects in any `window`, whatever the backoff says: Appwrite refuses a client
/// address past 128 a minute, and several instances may share that address.
struct ConnectLimiter {
    let limit: Int
    let window: Duration
    private var recent: Deque<ContinuousClock.Instant> = []

    init(limit: Int = 30, window: Duration = .seconds(60)) {
        self.limit = limit
        self.window = window
    }

    /// When the next connect is allowed; nil: now.
    mutating func nextAllowed() -> ContinuousClock.Instant? {
        let now = ContinuousClock.now
        while let oldest = recent.first, now - oldest >= window { recent.removeFirst() }
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return oldest + window
    }

    /// Waits until a connect is allowed, then counts it.
    mutating func acquire() async throws {
        if let allowed = nextAllowed() {
            try await LoopSleep.sleep(until: allowed)
            recent.removeFirst()
        }
        recent.append(.now)
    }
}

/// Why a Realtime connection ended, and how the next attempt should wait.
struct RealtimeFailure: Error, Sendable {
    enum Kind: Sendable {
        case lost
        case unauthorized
        case misconfigured
        case rateLimited
    }

    var kind: Kind
    var reason: String

    static func lost(_ reason: String) -> Self { Self(kind: .lost, reason: reason) }

    /// An `error` frame: before `connected` it ends the attempt; after it, only 1008 closes the
    /// socket (Appwrite keeps it open for 1003 and 1013). In production Appwrite replaces the
    /// message of codes ≥ 500 (the realtime ones) after connect, so the code decides.
    static func fromError(code: Int, message: String) -> Self {
        let shown = message.isEmpty ? "no message" : message
        switch code {
        case 1008: return Self(kind: .misconfigured, reason: "Appwrite refused the Realtime connection (1008): \(shown)")
        case 401, 403: return Self(kind: .unauthorized, reason: "Appwrite refused the Realtime credentials (\(code)): \(shown)")
        case 1013: return Self(kind: .rateLimited, reason: "Appwrite's Realtime connect limit was reached (1013): \(shown)")
        default: return Self(kind: .lost, reason: "Appwrite's Realtime server answered error \(code): \(shown)")
        }
    }
}
