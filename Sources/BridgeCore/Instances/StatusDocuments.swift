/// The documents `/readyz` and `/api/instances` answer with, from one read of the live state.
struct StatusDocuments: Sendable {
    let state: BridgeState
    let outbox: Outbox

    /// Every instance the caller may see; each entry carries the bridge-wide reload state, so the
    /// response stays an array.
    func instances(visible: (String) -> Bool = { _ in true }) -> JSONValue {
        let reload = state.reloadDocument
        return .array(
            state.current.config.instances.filter { visible($0.projectID) }.map { instance in
                InstanceDocument.make(
                    instance,
                    health: state.health(of: instance.projectID),
                    outboxPending: outbox.pending(projectID: instance.projectID),
                    realtime: state.realtime.document(for: instance),
                    reload: reload
                )
            }
        )
    }

    /// Ready when at least one instance is `ok`.
    func readiness() -> (ready: Bool, document: JSONValue) {
        let snapshot = state.current
        let ready = snapshot.config.instances.contains { state.health(of: $0.projectID).state == .ok }
        let document: JSONValue = .object(
            JSONObject([
                ("ready", .bool(ready)),
                ("generation", .number(String(snapshot.generation))),
                ("summary", .string(state.summary)),
                ("reload", state.reloadDocument),
                ("instances", instances()),
            ])
        )
        return (ready, document)
    }
}
