import CoreMetrics
import NIOCore
import Synchronization

/// Every open client connection and whether it is idle (no request in flight), so that at
/// `limits.max_connections` the oldest idle one makes room for a new one, as nginx does with its
/// keep-alive connections. A house full of idle or trickling sockets then cannot lock `/healthz`
/// or a real call out, and the bridge never runs into its descriptor limit.
final class ConnectionRegistry: Sendable {
    let maximum: Int
    private let metrics: BridgeMetrics
    private let gauges: (open: CoreMetrics.Gauge, idle: CoreMetrics.Gauge, maximum: CoreMetrics.Gauge)
    private let table = Mutex(Table())

    private struct Entry {
        let channel: any Channel
        /// When the connection last became idle (a sequence number, so "oldest" needs no clock);
        /// nil while a request is in flight.
        var idleSince: UInt64?
        var closing = false
    }

    private struct Table {
        var entries: [ObjectIdentifier: Entry] = [:]
        var idle = 0
        /// Evicted connections whose close has not completed yet.
        var closing = 0
        var sequence: UInt64 = 0

        mutating func next() -> UInt64 {
            sequence &+= 1
            return sequence
        }

        var counts: (open: Int, idle: Int) { (entries.count, idle) }
    }

    init(maximum: Int, metrics: BridgeMetrics) {
        self.maximum = maximum
        self.metrics = metrics
        gauges = metrics.connectionGauges()
        gauges.maximum.record(maximum)
        record((0, 0))
    }

    var openCount: Int { table.withLock { $0.entries.count } }

    /// A freshly accepted connection counts as idle: it has not sent a whole request yet.
    func opened(_ channel: any Channel) {
        let counts = table.withLock { table in
            let now = table.next()
            table.entries[ObjectIdentifier(channel)] = Entry(channel: channel, idleSince: now)
            table.idle += 1
            record(table.counts)
            return table.counts
        }
        if counts.open > maximum { evictOldestIdle() }
    }

    func closed(_ channel: any Channel) {
        table.withLock { table in
            if let entry = table.entries.removeValue(forKey: ObjectIdentifier(channel)) {
                if entry.closing { table.closing -= 1 }
                if entry.idleSince != nil { table.idle -= 1 }
            }
            record(table.counts)
        }
    }

    func requestStarted(on channel: any Channel) {
        table.withLock { table in
            let key = ObjectIdentifier(channel)
            guard table.entries[key]?.idleSince != nil else { return }
            table.entries[key]?.idleSince = nil
            table.idle -= 1
            record(table.counts)
        }
    }

    func requestFinished(on channel: any Channel) {
        table.withLock { table in
            let key = ObjectIdentifier(channel)
            guard let entry = table.entries[key], entry.idleSince == nil else { return }
            let now = table.next()
            table.entries[key]?.idleSince = now
            table.idle += 1
            record(table.counts)
        }
    }

    /// Under the lock, so the gauges never end on a stale value.
    private func record(_ counts: (open: Int, idle: Int)) {
        gauges.open.record(counts.open)
        gauges.idle.record(counts.idle)
    }

    /// Whether one more connection may be accepted now. At the limit, the oldest idle connection
    /// is closed and the answer is no until a connection has closed.
    func admitsAnother() -> Bool {
        let (open, closing) = table.withLock { ($0.entries.count, $0.closing) }
        if open < maximum { return true }
        // One eviction at a time: its close brings the next accept.
        if closing == 0 { evictOldestIdle() }
        return false
    }

    /// Closes the connection idle the longest; false when every connection has a request in
    /// flight (or is closing already).
    @discardableResult
    func evictOldestIdle(reason: String = "max_connections") -> Bool {
        let victim: (any Channel)? = table.withLock { table in
            var oldest: (key: ObjectIdentifier, since: UInt64)?
            for (key, entry) in table.entries where !entry.closing {
                guard let since = entry.idleSince else { continue }
                if oldest.map({ since < $0.since }) ?? true { oldest = (key, since) }
            }
            guard let oldest else { return nil }
            table.entries[oldest.key]?.closing = true
            table.closing += 1
            return table.entries[oldest.key]?.channel
        }
        guard let victim else { return false }
        metrics.recordConnectionRejected(reason: reason)
        victim.close(promise: nil)
        return true
    }
}
