import Foundation

/// What waits in the outbox: an asynchronous execution or a message.
public enum OutboxRequest: Sendable, Equatable {
    case execution(CreateExecutionRequest)
    case message(CreateMessageRequest)
    /// A file for a bucket, its bytes in a spool file next to the database (QueuedUpload.swift).
    case upload(QueuedUpload)

    /// "execution", "upload", or the message kind: push, email, sms.
    public var kind: String {
        switch self {
        case .execution: "execution"
        case .message(let message): message.kind.rawValue
        case .upload: QueuedUpload.kind
        }
    }

    /// The function ID of an execution, the message ID of a message.
    public var targetID: String {
        switch self {
        case .execution(let execution): execution.functionID
        case .message(let message): message.messageID
        case .upload(let upload): upload.file.fileID
        }
    }

    public var jsonBody: JSONValue {
        switch self {
        case .execution(let execution): execution.jsonBody
        case .message(let message): message.jsonBody
        case .upload(let upload): upload.jsonBody
        }
    }

    /// What `GET /api/outbox?bodies=true` shows: the body Appwrite receives, but for an upload
    /// its parameters and size (its spool file's path is the bridge's business).
    var displayedBody: JSONValue {
        if case .upload(let upload) = self { return upload.displayedBody }
        return jsonBody
    }

    public var scheduledAt: String? {
        switch self {
        case .execution(let execution): execution.scheduledAt
        case .message(let message): message.scheduledAt
        case .upload: nil
        }
    }

    /// The request sent now instead of at its (passed) schedule.
    func withoutSchedule() -> OutboxRequest {
        switch self {
        case .execution(var execution):
            execution.scheduledAt = nil
            execution.isAsync = true
            return .execution(execution)
        case .message(let message):
            return .message(message.withoutSchedule())
        case .upload:
            return self
        }
    }

    init?(kind: String, targetID: String, storedJSON: String) {
        if kind == QueuedUpload.kind {
            guard let upload = QueuedUpload(storedJSON: storedJSON) else { return nil }
            self = .upload(upload)
            return
        }
        if kind == "execution" {
            guard let execution = CreateExecutionRequest(functionID: targetID, storedJSON: storedJSON) else { return nil }
            self = .execution(execution)
            return
        }
        guard let messageKind = MessageKind(rawValue: kind), case .object(let parameters)? = try? JSONParser.parse(storedJSON)
        else { return nil }
        self = .message(CreateMessageRequest(kind: messageKind, messageID: targetID, parameters: parameters))
    }
}

/// One asynchronous execution or message waiting in the outbox for its instance to come back.
public struct OutboxItem: Sendable, Equatable {
    public var id: Int64
    public var projectID: String
    public var request: OutboxRequest
    public var createdAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    /// An earlier attempt may have reached Appwrite: an execution is looked for before a resend.
    public var mayExist: Bool = false

    /// What `GET /api/outbox` shows: never a key, and the body only when asked.
    func document(includeBody: Bool) -> JSONValue {
        var object = JSONObject([
            ("id", .number(String(id))),
            ("project_id", .string(projectID)),
            ("kind", .string(request.kind)),
        ])
        switch request {
        case .execution(let execution):
            object["function_id"] = .string(execution.functionID)
            object["method"] = .string(execution.method)
            object["path"] = .string(execution.path)
        case .message(let message):
            object["message_id"] = .string(message.messageID)
        case .upload(let upload):
            object = JSONObject(object.entries + upload.summary.entries)
        }
        object = JSONObject(
            object.entries + [
                ("scheduled_at", request.scheduledAt.map(JSONValue.string) ?? .null),
                ("created_at", .string(Timestamp.iso8601(createdAt))),
                ("attempts", .number(String(attempts))),
                ("next_attempt_at", .string(Timestamp.iso8601(nextAttemptAt))),
                ("last_error", lastError.map(JSONValue.string) ?? .null),
            ]
        )
        if includeBody { object["request"] = request.displayedBody }
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
    /// `outbox.max_bytes`: queued upload bytes beyond this are refused with 507.
    public var maximumBytes = 1 << 30

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

extension OutboxRequest {
    /// What the pipeline sends for a queued item.
    var upstream: UpstreamRequest {
        switch self {
        case .execution(let execution): .execution(execution)
        case .message(let message): .message(message)
        case .upload(let upload): .upload(upload)
        }
    }
}
