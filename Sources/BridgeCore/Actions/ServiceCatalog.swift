/// `GET /api/services` in Home Assistant's shape: one domain, one service per instance, each field
/// described the way Home Assistant's frontend and clients expect.
enum ServiceCatalog {
    static func describe(_ instances: [InstanceConfig]) -> JSONValue {
        var services = JSONObject()
        for instance in instances {
            services[instance.actionName] = .object(
                JSONObject([
                    ("name", .string("Execute function on \(instance.name)")),
                    (
                        "description",
                        .string("Runs an Appwrite Function of project \(instance.projectID) at \(instance.baseURL).")
                    ),
                    ("fields", executeFunctionFields),
                    ("response", ["optional": true]),
                ])
            )
        }
        return .array([.object(JSONObject([("domain", .string(ActionName.domain)), ("services", .object(services))]))])
    }

    static let executeFunctionFields: JSONValue = .object(
        JSONObject([
            field("function_id", "Function ID", "ID of the Appwrite Function to run.", required: true, example: "send_report", selector: ["text": [:]]),
            field("function_body", "Body", "Request body passed to the function: a string, or any JSON value (sent serialised).", example: "{\"room\": \"kitchen\"}", selector: ["text": ["multiline": true]]),
            field("function_method", "Method", "HTTP method the function sees: GET, POST, PUT, PATCH, DELETE, OPTIONS or HEAD.", example: "POST", selector: ["select": ["options": ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]]], defaultValue: "GET"),
            field("function_path", "Path", "Path (and query) the function sees.", example: "/lights?room=kitchen", selector: ["text": [:]], defaultValue: "/"),
            field("function_headers", "Headers", "Headers the function sees: names of letters, digits and hyphens, not starting with x-appwrite-.", example: "{\"X-Source\": \"home-assistant\"}", selector: ["object": [:]]),
            field("function_async", "Asynchronous", "Queue the execution and answer at once instead of waiting for the function.", example: "false", selector: ["boolean": [:]], defaultValue: false),
            field("function_scheduled_at", "Scheduled at", "ISO 8601 time with offset, whole minutes, more than a minute ahead; implies asynchronous.", example: "2030-01-01T07:30:00Z", selector: ["datetime": [:]]),
        ])
    )

    private static func field(
        _ key: String,
        _ name: String,
        _ description: String,
        required: Bool = false,
        example: String,
        selector: JSONValue,
        defaultValue: JSONValue? = nil
    ) -> (key: String, value: JSONValue) {
        var object = JSONObject([
            ("name", .string(name)),
            ("description", .string(description)),
            ("required", .bool(required)),
            ("example", .string(example)),
            ("selector", selector),
        ])
        if let defaultValue { object["default"] = defaultValue }
        return (key, .object(object))
    }
}
