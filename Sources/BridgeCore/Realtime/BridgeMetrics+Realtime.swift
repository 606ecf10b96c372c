import CoreMetrics

extension BridgeMetrics {
    func recordRealtimeEvent(projectID: String, subscription: String, catchUp: Bool) {
        Counter(
            label: "appwrite_bridge_realtime_events_total",
            dimensions: [("instance", projectID), ("subscription", subscription), ("catch_up", catchUp ? "true" : "false")],
            factory: factory
        ).increment()
    }

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
