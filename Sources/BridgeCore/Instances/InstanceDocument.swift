/// How `GET /api/instances`, `/readyz` and the `instance` events show one instance.
public enum InstanceDocument {
    /// `reload` is the bridge-wide state of the last reload, which the API repeats in each entry
    /// (the events leave it out: it is not the instance's).
    public static func make(
        _ instance: InstanceConfig,
        health: InstanceHealth,
        outboxPending: Int,
        realtime: JSONValue = .null,
        reload: JSONValue? = nil
    ) -> JSONValue {
        var document = JSONObject([
            ("project_id", .string(instance.projectID)),
            ("name", .string(instance.name)),
            ("url", .string(instance.baseURL)),
            ("action", .string("\(ActionName.domain).\(instance.actionName)")),
            ("state", .string(health.state.rawValue)),
            ("reason", health.reason.map(JSONValue.string) ?? .null),
            ("checked_at", health.checkedAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
            ("capabilities", capabilities(health, instance: instance)),
            ("outbox_pending", .number(String(outboxPending))),
            ("realtime", realtime),
        ])
        if let reload { document["reload"] = reload }
        return .object(document)
    }

    /// One state per capability: `execute` and `read` always, `messaging` and `storage` (with
    /// `storage_read`) when the instance has them.
    static func capabilities(_ health: InstanceHealth, instance: InstanceConfig) -> JSONValue {
        func document(_ state: InstanceState, _ reason: String?) -> JSONValue {
            .object(JSONObject([("state", .string(state.rawValue)), ("reason", reason.map(JSONValue.string) ?? .null)]))
        }
        var capabilities = JSONObject([("execute", document(health.state, health.reason))])
        if instance.messaging {
            let messaging = health.messaging ?? CapabilityHealth(state: health.state, reason: health.reason)
            capabilities["messaging"] = document(messaging.state, messaging.reason)
        }
        let read = health.read ?? CapabilityHealth(state: health.state, reason: health.reason)
        capabilities["read"] = document(read.state, read.reason)
        if instance.storage != nil {
            let storage = health.storage ?? CapabilityHealth(state: health.state, reason: health.reason)
            capabilities["storage"] = document(storage.state, storage.reason)
            let storageRead = health.storageRead ?? CapabilityHealth(state: health.state, reason: health.reason)
            capabilities["storage_read"] = document(storageRead.state, storageRead.reason)
        }
        return .object(capabilities)
    }
}
