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
        await untilGracefulShutdown { [self] in await announce() }
    }

    private func announce() async {
        var announced = Snapshot(state: state, outbox: outbox, previous: nil)
        for await _ in state.changes.changes {
            let now = Snapshot(state: state, outbox: outbox, previous: announced)
            if now.catalogue != announced.catalogue {
                hub.publish(.catalogueChanged(generation: now.generation))
            }
            for (projectID, entry) in now.instances where announced.instances[projectID]?.unstamped != entry.unstamped {
                let document = InstanceDocument.make(
                    entry.instance,
                    health: entry.health,
                    outboxPending: entry.pending,
                    realtime: state.realtime.document(for: entry.instance)
                )
                hub.publish(.instanceChanged(projectID: projectID, document: document))
            }
            announced = now
        }
    }

    /// What the catalogue and the instances look like at one moment. Only
    /// what an event would carry is built: the catalogue once per configuration generation, an
    /// instance's full document only when it is announced.
    private struct Snapshot {
        struct Entry {
            var instance: InstanceConfig
            var health: InstanceHealth
            var pending: Int
            /// The document without `checked_at`, compared, never serialized.
            var unstamped: JSONValue
        }

        var generation: Int
        var catalogue: String
        var instances: [String: Entry] = [:]

        init(state: BridgeState, outbox: Outbox, previous: Snapshot?) {
            let current = state.current
            generation = current.generation
            if let previous, previous.generation == generation {
                catalogue = previous.catalogue
            } else {
                catalogue = ServiceCatalog.describe(current.config.instances).serialized
            }
            instances.reserveCapacity(current.config.instances.count)
            for instance in current.config.instances {
                let health = state.health(of: instance.projectID)
                let pending = outbox.pending(projectID: instance.projectID)
                // A recheck that found the same state only moves checked_at: not worth an event.
                var unstamped = health
                unstamped.checkedAt = nil
                let document = InstanceDocument.make(
                    instance,
                    health: unstamped,
                    outboxPending: pending,
                    realtime: state.realtime.document(for: instance, counters: false)
                )
                instances[instance.projectID] = Entry(instance: instance, health: health, pending: pending, unstamped: document)
            }
        }
    }
}
