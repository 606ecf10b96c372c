import Foundation

/// One asynchronous execution waiting in the outbox for its instance to come back.
public struct OutboxItem: Sendable, Equatable {
    public var id: Int64
    public var projectID: String
    public var request: CreateExecutionRequest
    public var createdAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?

    /// What `GET /api/outbox` shows: never a key, and the body only when asked.
    func document(includeBody: Bool) -> JSONValue {
        var object = JSONObject([
            ("id", .number(String(id))),
            ("project_id", .string(projectID)),
            ("function_id", .string(request.functionID)),
            ("method", .string(request.method)),
            ("path", .string(request.path)),
            ("scheduled_at", request.scheduledAt.map(JSONValue.string) ?? .null),
            ("created_at", .string(Timestamp.iso8601(createdAt))),
            ("attempts", .number(String(attempts))),
            ("next_attempt_at", .string(Timestamp.iso8601(nextAttemptAt))),
            ("last_error", lastError.map(JSONValue.string) ?? .null),
        ])
        if includeBody { object["request"] = request.jsonBody }
        return .object(object)
    }
}

/// What the outbox does with a schedule that is already past when delivery finally happens.
public enum LateSchedulePolicy: String, Sendable, Equatable {
    /// Drop the execution and log it: running a 07:00 wake-up routine at noon is worse than not.
    case drop
    /// Run it now, without `scheduledAt`.
    case run
}

public struct OutboxSettings: Sendable, Equatable {
    public var stateDirectory: String
    public var maximumAge: Duration = .seconds(24 * 3600)
    public var lateSchedule: LateSchedulePolicy = .drop

    public init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }

    public var databasePath: String { stateDirectory + "/outbox.sqlite" }
}

extension CreateExecutionRequest {
    /// Rebuilds a request from the JSON the outbox stored (the body Appwrite receives).
    init?(functionID: String, storedJSON: String) {
        guard case .object(let object)? = try? JSONParser.parse(storedJSON) else { return nil }
        var headers: [(name: String, value: String)] = []
        for (name, value) in object["headers"]?.objectValue?.entries ?? [] {
            guard case .string(let text) = value else { return nil }
            headers.append((name, text))
        }
        guard case .bool(let isAsync)? = object["async"] else { return nil }
        self.init(
            functionID: functionID,
            body: object["body"]?.stringValue ?? "",
            isAsync: isAsync,
            path: object["path"]?.stringValue ?? "/",
            method: object["method"]?.stringValue ?? "GET",
            headers: headers,
            scheduledAt: object["scheduledAt"]?.stringValue
        )
    }
}
