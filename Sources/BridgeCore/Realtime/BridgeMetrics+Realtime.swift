import CoreMetrics

/// The event counters of one instance's subscriptions, made once: looking a counter up in the
/// registry for every event cost more than the rest of counting it.
struct RealtimeCounters: Sendable {
    let live: [CoreMetrics.Counter]
    private let caughtUp: [String: CoreMetrics.Counter]

    init(metrics: BridgeMetrics?, projectID: String, subscriptions: [RealtimeSubscription]) {
        let factory = metrics?.factory
        func counter(_ subscription: String, _ catchUp: Bool) -> CoreMetrics.Counter {
            let dimensions = [("instance", projectID), ("subscription", subscription), ("catch_up", catchUp ? "true" : "false")]
            return factory.map { Counter(label: "appwrite_bridge_realtime_events_total", dimensions: dimensions, factory: $0) }
                ?? Counter(label: "appwrite_bridge_realtime_events_total", dimensions: dimensions, factory: NOOPMetricsHandler.instance)
        }
        live = subscriptions.map { counter($0.name, false) }
        caughtUp = Dictionary(uniqueKeysWithValues: subscriptions.map { ($0.name, counter($0.name, true)) })
    }

    func caughtUp(_ subscription: String) -> CoreMetrics.Counter? { caughtUp[subscription] }
}

extension BridgeMetrics {

    func recordRealtimeReconnect(projectID: String) {
        Counter(label: "appwrite_bridge_realtime_reconnects_total", dimensions: [("instance", projectID)], factory: factory).increment()
    }

    func recordRealtimeGap(projectID: String, subscription: String, caughtUp: Int) {
        Counter(
            label: "appwrite_bridge_realtime_gaps_total",
            dimensions: [("instance", projectID), ("subscription", subscription)],
            factory: factory
        ).increment()
        Counter(
            label: "appwrite_bridge_realtime_catch_up_items_total",
            dimensions: [("instance", projectID), ("subscription", subscription)],
            factory: factory
        ).increment(by: caughtUp)
    }
}
