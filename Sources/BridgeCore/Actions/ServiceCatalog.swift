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
            if instance.messaging {
                for kind in MessageKind.allCases {
                    services[ActionName.sendMessage(kind, projectID: instance.projectID)] = .object(
                        JSONObject([
                            ("name", .string("Send \(kind.displayName) on \(instance.name)")),
                            (
                                "description",
                                .string(
                                    "Sends \(kind.article) \(kind.displayName) through Appwrite Messaging of project \(instance.projectID)."
                                )
                            ),
                            ("fields", messageFields(kind)),
                            ("response", ["optional": true]),
                        ])
                    )
                }
            }
            if instance.storage != nil { services[ActionName.uploadFile(projectID: instance.projectID)] = uploadFileService(instance) }
            for action in instance.functionActions {
                services[action.actionName] = .object(
                    JSONObject([
                        // Named after its instance too: Home Assistant lists every bridge's
                        // actions together, and two instances may both have a "Backup".
                        ("name", .string("\(action.name) on \(instance.name)")),
                        ("description", .string(action.description)),
                        ("fields", configuredFunctionFields(action)),
                        ("response", ["optional": true]),
                    ])
                )
            }
        }
        return .array([.object(JSONObject([("domain", .string(ActionName.domain)), ("services", .object(services))]))])
    }

    static let executeFunctionFields: JSONValue = .object(
        JSONObject([
            field(
                "function_id",
                "Function ID",
                "ID of the Appwrite Function to run.",
                required: true,
                example: "send_report",
                selector: ["text": [:]]
            ),
            field(
                "function_body",
                "Body",
                "Request body passed to the function: a string, or any JSON value (sent serialised).",
                example: "{\"room\": \"kitchen\"}",
                selector: ["text": ["multiline": true]]
            ),
            field(
                "function_method",
                "Method",
                "HTTP method the function sees: GET, POST, PUT, PATCH, DELETE, OPTIONS or HEAD.",
                example: "POST",
                selector: ["select": ["options": ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]]],
                defaultValue: "GET"
            ),
            field(
                "function_path",
                "Path",
                "Path (and query) the function sees.",
                example: "/lights?room=kitchen",
                selector: ["text": [:]],
                defaultValue: "/"
            ),
            field(
                "function_headers",
                "Headers",
                "Headers the function sees: names of letters, digits and hyphens, not starting with x-appwrite-.",
                example: "{\"X-Source\": \"home-assistant\"}",
                selector: ["object": [:]]
            ),
            field(
                "function_async",
                "Asynchronous",
                "Queue the execution and answer at once instead of waiting for the function. A schedule or Wait always runs asynchronously.",
                example: "false",
                selector: ["boolean": [:]],
                defaultValue: false
            ),
            field(
                "function_scheduled_at",
                "Scheduled at",
                "Date and time to run at, whole minutes, more than a minute ahead; implies asynchronous. Home Assistant sends its own time zone; other callers without an offset mean UTC.",
                example: "2030-01-01T07:30:00Z",
                selector: ["datetime": [:]]
            ),
            field(
                "function_scheduled_in",
                "Scheduled in",
                "Run after this long (\"90s\", \"15m\", \"2h\"), rounded up to the next whole minute; implies asynchronous.",
                example: "15m",
                selector: ["text": [:]]
            ),
            field(
                "function_wait",
                "Wait",
                "Run asynchronously, then wait until the execution completed or failed and answer the final Execution (needs executions.read).",
                example: "true",
                selector: ["boolean": [:]],
                defaultValue: false
            ),
            field(
                "function_wait_timeout",
                "Wait timeout",
                "Seconds to wait when Wait is on (1 to 900); ignored otherwise.",
                example: "60",
                selector: ["number": ["min": 1, "max": 900]],
                defaultValue: 60
            ),
            field(
                "function_callback_url",
                "Callback URL",
                "POST the final Execution here when it completes (host must be in callbacks.allowed_hosts).",
                example: "http://homeassistant.local:8123/api/webhook/appwrite_done",
                selector: ["text": [:]]
            ),
        ])
    )

    /// The execute_function fields without function_id, each default the configured one.
    static func configuredFunctionFields(_ action: FunctionAction) -> JSONValue {
        guard case .object(let all) = executeFunctionFields else { return executeFunctionFields }
        var fields = JSONObject()
        for (key, value) in all.entries where key != "function_id" {
            guard var field = value.objectValue else { continue }
            if let configured = action.defaults[key] { field["default"] = configured }
            fields[key] = .object(field)
        }
        return .object(fields)
    }

    static func messageFields(_ kind: MessageKind) -> JSONValue {
        let recipients = "IDs; at least one recipient in topics, users or targets."
        var fields: [(key: String, value: JSONValue)] = [
            field(
                "message",
                "Message",
                kind == .push ? "The notification text." : "The message text.",
                required: true,
                example: "The garage door is open",
                selector: ["text": ["multiline": true]]
            )
        ]
        switch kind {
        case .push:
            fields.append(field("title", "Title", "The notification title (≤ 256 characters).", example: "Garage", selector: ["text": [:]]))
        case .email:
            fields.append(
                field(
                    "title",
                    "Subject",
                    "The email subject (≤ 998 characters).",
                    required: true,
                    example: "Garage door",
                    selector: ["text": [:]]
                )
            )
        case .sms: break
        }
        fields += [
            field("topics", "Topics", "Topic \(recipients)", example: "[\"family\"]", selector: ["object": [:]]),
            field("users", "Users", "User \(recipients)", example: "[\"user1\"]", selector: ["object": [:]]),
            field("targets", "Targets", "Target \(recipients)", example: "[\"phone1\"]", selector: ["object": [:]]),
        ]
        switch kind {
        case .push:
            fields += [
                field("data", "Data", "Extra key-value data for the app.", example: "{\"door\": \"garage\"}", selector: ["object": [:]]),
                field(
                    "action",
                    "Action",
                    "Action for the app when the notification is opened.",
                    example: "open_camera",
                    selector: ["text": [:]]
                ),
                field("image", "Image", "An image file as <bucketId>:<fileId>.", example: "snapshots:garage", selector: ["text": [:]]),
                field("icon", "Icon", "Icon name.", example: "garage", selector: ["text": [:]]),
                field("sound", "Sound", "Sound name.", example: "default", selector: ["text": [:]]),
                field("color", "Color", "Icon color (Android).", example: "#ff0000", selector: ["text": [:]]),
                field("tag", "Tag", "Notifications with one tag replace each other (Android).", example: "garage", selector: ["text": [:]]),
                field("badge", "Badge", "App badge count (iOS).", example: "1", selector: ["number": [:]]),
                field(
                    "priority",
                    "Priority",
                    "normal or high.",
                    example: "high",
                    selector: ["select": ["options": ["normal", "high"]]],
                    defaultValue: "high"
                ),
                field("critical", "Critical", "Critical alert (iOS).", example: "false", selector: ["boolean": [:]]),
                field(
                    "content_available",
                    "Content available",
                    "Wake the app in the background (iOS).",
                    example: "false",
                    selector: ["boolean": [:]]
                ),
            ]
        case .email:
            fields += [
                field("html", "HTML", "The message is HTML.", example: "false", selector: ["boolean": [:]], defaultValue: false),
                field("cc", "CC", "Target IDs to copy.", example: "[\"target2\"]", selector: ["object": [:]]),
                field("bcc", "BCC", "Target IDs to copy blindly.", example: "[\"target3\"]", selector: ["object": [:]]),
                field(
                    "attachments",
                    "Attachments",
                    "Files as <bucketId>:<fileId>.",
                    example: "[\"reports:march\"]",
                    selector: ["object": [:]]
                ),
            ]
        case .sms: break
        }
        fields += [
            field(
                "draft",
                "Draft",
                "Save as a draft instead of sending.",
                example: "false",
                selector: ["boolean": [:]],
                defaultValue: false
            ),
            field(
                "scheduled_at",
                "Scheduled at",
                "Date and time in the future to send at. Home Assistant sends its own time zone; other callers without an offset mean UTC.",
                example: "2030-01-01T07:30:00Z",
                selector: ["datetime": [:]]
            ),
            field(
                "message_id",
                "Message ID",
                "A custom message ID, or unique() to have the bridge pick one before the first attempt.",
                example: "garage-2030-01-01",
                selector: ["text": [:]],
                defaultValue: "unique()"
            ),
        ]
        return .object(JSONObject(fields))
    }

    static func field(
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
