import CoreMetrics

extension BridgeMetrics {
    /// Open `/api/events` streams.
    func recordEventListeners(_ count: Int) {
        Gauge(label: "appwrite_bridge_event_listeners", factory: factory).record(count)
    }

    /// Listeners closed because they fell too far behind (they may resume with Last-Event-ID).
    func recordEventListenersDropped(_ count: Int) {
        Counter(label: "appwrite_bridge_event_listeners_dropped_total", factory: factory).increment(by: count)
    }

    /// `/api/events` streams refused because `limits.max_event_streams` were open.
    func recordEventListenerRefused() {
        Counter(label: "appwrite_bridge_event_listeners_refused_total", factory: factory).increment()
    }
}
