extension ReloadOutcome {
    /// `POST /api/reload`'s answer: what changed, or where bridge.yaml is wrong.
    var document: JSONValue {
        var object = JSONObject([
            ("reloaded", .bool(succeeded)),
            ("generation", .number(String(generation))),
        ])
        if let error {
            object["error"] = error.document
        } else {
            object["added"] = .array(added.map(JSONValue.string))
            object["removed"] = .array(removed.map(JSONValue.string))
            object["changed"] = .array(changed.map(JSONValue.string))
            object["tokens"] = settings.document
            object["settings"] = .array(settings.sections.map(JSONValue.string))
            object["notes"] = .array(notes.map(JSONValue.string))
        }
        return .object(object)
    }
}
