import ServiceLifecycle

/// Announces on `/api/events` what `GET /api/services` and `GET /api/instances` would now show
/// differently: a `catalogue` event when the set of actions changed, an `instance` event for each
/// instance whose document changed (state, reason, capabilities, outbox backlog). It wakes on the
/// state's and the outbox's change signal and compares with what it announced last, so repeated
/// checks that find nothing new announce nothing.
struct StateEventsService: Service {
    let state: BridgeState
    let outbox: Outbox
    let hub: BridgeEventHub

    func run() async {
        var announced = Snapshot(state: state, outbox: outbox)
        for await _ in state.changes.changes.cancelOnGracefulShutdown() {
            let now = Snapshot(state: state, outbox: outbox)
            if now.catalogue != announced.catalogue {
                hub.publish(.catalogueChanged(generation: now.generation))
            }
            for (projectID, document) in now.instances where announced.instances[projectID]?.text != document.text {
                hub.publish(.instanceChanged(projectID: projectID, document: document.value))
            }
            announced = now
        }
    }

    /// What the catalogue and the instances look like at one moment, as compact JSON text.
    private struct Snapshot {
        var generation: Int
        var catalogue: String
        var instances: [String: (value: JSONValue, text: String)] = [:]

        init(state: BridgeState, outbox: Outbox) {
            let current = state.current
            generation = current.generation
            catalogue = ServiceCatalog.describe(current.config.instances).serialized
            for instance in current.config.instances {
                let health = state.health(of: instance.projectID)
                let pending = outbox.pending(projectID: instance.projectID)
                let document = InstanceDocument.make(instance, health: health, outboxPending: pending)
                // A recheck that found the same state only moves checked_at: not worth an event.
                var unstamped = health
                unstamped.checkedAt = nil
                instances[instance.projectID] = (
                    document, InstanceDocument.make(instance, health: unstamped, outboxPending: pending).serialized
                )
            }
        }
    }
}
