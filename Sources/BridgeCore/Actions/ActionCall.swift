/// An action's payload decoded into the pipeline's terms: what to send, and whether the caller
/// waits for the execution's end or wants it POSTed somewhere.
struct ActionCall: Sendable {
    var request: UpstreamRequest
    var wait: Duration?
    var callbackURL: String?

    /// Validates the payload with Appwrite's rules for the action's target.
    static func decode(_ payload: JSONValue, for target: ActionTarget, on instance: InstanceConfig) throws(PayloadError) -> ActionCall {
        switch target {
        case .executeFunction:
            return ActionCall(try ExecuteFunctionPayload.translateCall(payload))
        case .executeConfigured(_, let functionID):
            let defaults = instance.functionAction(functionID)?.defaults ?? JSONObject()
            return ActionCall(try ExecuteFunctionPayload.translateCall(merge(payload, under: defaults, functionID: functionID)))
        case .sendMessage(_, let kind):
            return ActionCall(request: .message(try MessagePayload.translate(payload, kind: kind)))
        }
    }

    private init(_ call: ExecuteFunctionPayload.Call) {
        self.init(request: .execution(call.request), wait: call.wait, callbackURL: call.callbackURL)
    }

    private init(request: UpstreamRequest, wait: Duration? = nil, callbackURL: String? = nil) {
        self.request = request
        self.wait = wait
        self.callbackURL = callbackURL
    }

    /// A configured function's action: its defaults under the caller's payload (headers merged,
    /// the caller's winning), and its function ID, which the caller may not change.
    static func merge(_ payload: JSONValue, under defaults: JSONObject, functionID: String) throws(PayloadError) -> JSONValue {
        guard case .object(let given) = payload else {
            throw PayloadError(field: nil, "the payload must be a JSON object, got \(payload.typeName)")
        }
        if given["function_id"] != nil {
            throw PayloadError(field: "function_id", "this action always runs '\(functionID)'; leave function_id out")
        }
        var merged = defaults
        for (key, value) in given.entries {
            if key == "function_headers", case .object(let callerHeaders) = value,
                case .object(let defaultHeaders)? = defaults["function_headers"]
            {
                let overridden = Set(callerHeaders.keys.map { $0.lowercased() })
                let kept = defaultHeaders.entries.filter { !overridden.contains($0.key.lowercased()) }
                merged[key] = .object(JSONObject(kept + callerHeaders.entries))
            } else {
                merged[key] = value
            }
        }
        merged["function_id"] = .string(functionID)
        return .object(merged)
    }
}
