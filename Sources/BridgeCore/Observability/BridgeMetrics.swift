import CoreMetrics
import Prometheus
import Synchronization

/// The bridge's metrics, recorded through swift-metrics into a Prometheus registry owned by this
/// application (not the process-global one), so two bridges in one test process never mix counts.
public struct BridgeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let lastStates = LastStates()

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
            .seconds(30),
        ]
        self.factory = factory
        exposeRareMetricsAtZero()
    }

    /// Metrics that move only on rare events exist at zero from the start, so a dashboard or an
    /// alert on `rate()` finds them before the first event instead of "no data". Metrics labelled
    /// by action, instance or limit appear with the first call, check or queue that names them.
    private func exposeRareMetricsAtZero() {
        Gauge(label: "appwrite_bridge_event_listeners", factory: factory).record(0)
        _ = Counter(label: "appwrite_bridge_event_listeners_dropped_total", factory: factory)
        _ = Counter(label: "appwrite_bridge_event_listeners_refused_total", factory: factory)
        for result in ["ok", "failed"] {
            _ = Counter(label: "appwrite_bridge_reloads_total", dimensions: [("result", result)], factory: factory)
        }
        for reason in ["max_connections", "descriptors", "request_timeout"] {
            _ = Counter(label: "appwrite_bridge_connections_rejected_total", dimensions: [("reason", reason)], factory: factory)
        }
    }

    /// One API call to an action, by the HTTP status it got.
    func recordRequest(action: String, status: Int) {
        Counter(
            label: "appwrite_bridge_requests_total",
            dimensions: [("action", action), ("status", String(status))],
            factory: factory
        ).increment()
    }

    /// Time Appwrite took to answer a createExecution, by instance and outcome.
    func recordUpstream(projectID: String, outcome: String, duration: Duration) {
        Timer(
            label: "appwrite_bridge_upstream_duration_seconds",
            dimensions: [("instance", projectID), ("outcome", outcome)],
            factory: factory
        ).recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// `appwrite_bridge_instance_state{instance,state}` is 1 for the current state; a state the
    /// instance left drops to 0. States it never had are not emitted: registering all of them for
    /// every instance made a start with 1,000 instances take seconds (the registry copies a
    /// metric family on every new label set).
    func recordState(projectID: String, state current: InstanceState) {
        let previous = lastStates.swap(projectID, current)
        if let previous, previous != current {
            Gauge(
                label: "appwrite_bridge_instance_state",
                dimensions: [("instance", projectID), ("state", previous.rawValue)],
                factory: factory
            )
            .record(0)
        }
        Gauge(
            label: "appwrite_bridge_instance_state",
            dimensions: [("instance", projectID), ("state", current.rawValue)],
            factory: factory
        )
        .record(1)
    }

    func recordReload(succeeded: Bool, generation: Int) {
        Counter(label: "appwrite_bridge_reloads_total", dimensions: [("result", succeeded ? "ok" : "failed")], factory: factory)
            .increment()
        recordGeneration(generation)
    }

    func recordGeneration(_ generation: Int) {
        Gauge(label: "appwrite_bridge_config_generation", factory: factory).record(generation)
    }

    func recordInstanceCheck(projectID: String, state: InstanceState) {
        Counter(
            label: "appwrite_bridge_instance_checks_total",
            dimensions: [("instance", projectID), ("state", state.rawValue)],
            factory: factory
        ).increment()
        recordState(projectID: projectID, state: state)
    }

    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}

extension BridgeMetrics {
    func recordOutboxPending(projectID: String, count: Int) {
        Gauge(label: "appwrite_bridge_outbox_pending", dimensions: [("instance", projectID)], factory: factory).record(count)
    }

    /// queued, delivered, dropped or deleted.
    func recordOutboxEvent(_ event: String, projectID: String) {
        Counter(
            label: "appwrite_bridge_outbox_events_total",
            dimensions: [("instance", projectID), ("event", event)],
            factory: factory
        ).increment()
    }
}

extension BridgeMetrics {
    func recordConcurrency(label: String, inFlight: Int, queued: Int) {
        Gauge(label: "appwrite_bridge_concurrency_in_flight", dimensions: [("limit", label)], factory: factory).record(inFlight)
        Gauge(label: "appwrite_bridge_concurrency_queued", dimensions: [("limit", label)], factory: factory).record(queued)
    }

    func recordConcurrencyRejection(label: String, reason: ConcurrencyRejection) {
        Counter(
            label: "appwrite_bridge_concurrency_rejected_total",
            dimensions: [("limit", label), ("reason", reason == .queueFull ? "queue_full" : "queue_timeout")],
            factory: factory
        ).increment()
    }
}

/// The state last exported per instance, so a change only touches two gauges.
private final class LastStates: Sendable {
    private let states = Mutex<[String: InstanceState]>([:])

    func swap(_ projectID: String, _ state: InstanceState) -> InstanceState? {
        states.withLock { $0.updateValue(state, forKey: projectID) }
    }
}

extension BridgeMetrics {
    /// `appwrite_bridge_connections_open`, `_idle` (no request in flight) and `_max`: handles the
    /// connection registry keeps, as it records them on every request.
    func connectionGauges() -> (open: CoreMetrics.Gauge, idle: CoreMetrics.Gauge, maximum: CoreMetrics.Gauge) {
        (
            Gauge(label: "appwrite_bridge_connections_open", factory: factory),
            Gauge(label: "appwrite_bridge_connections_idle", factory: factory),
            Gauge(label: "appwrite_bridge_connections_max", factory: factory)
        )
    }

    /// A connection the bridge closed or could not take: `max_connections` (an idle one closed to
    /// make room), `descriptors` (accept failed: out of file descriptors), `request_timeout`.
    func recordConnectionRejected(reason: String) {
        Counter(label: "appwrite_bridge_connections_rejected_total", dimensions: [("reason", reason)], factory: factory).increment()
    }
}
