import Foundation

/// Appwrite Messaging's createPush/createEmail/createSms parameters, ready to send.
public struct CreateMessageRequest: Sendable, Equatable {
    public var kind: MessageKind
    public var messageID: String
    /// The body Appwrite receives, keys in the order of its documentation, only fields given.
    public var parameters: JSONObject

    public var scheduledAt: String? { parameters["scheduledAt"]?.stringValue }

    public var jsonBody: JSONValue { .object(parameters) }

    /// The same message without its schedule: sent at once.
    func withoutSchedule() -> CreateMessageRequest {
        var copy = self
        copy.parameters = JSONObject(parameters.entries.filter { $0.key != "scheduledAt" })
        return copy
    }
}

/// The `send_push_/send_email_/send_sms_<project_id>` payloads, shaped like Home Assistant's
/// `notify` actions, and their translation into Appwrite Messaging parameters.
public enum MessagePayload {
    /// A payload field, the Appwrite parameter it becomes, and how it is checked.
    struct Field {
        var name: String
        var upstream: String
        var rule: Rule
    }

    enum Rule: Equatable {
        case text(maximum: Int, required: Bool)
        case ids
        case fileIDs
        case fileID
        case object
        case flag
        case integer
        case priority
        case schedule
        case messageID
    }

    static func fields(for kind: MessageKind) -> [Field] {
        let recipients = [
            Field(name: "topics", upstream: "topics", rule: .ids),
            Field(name: "users", upstream: "users", rule: .ids),
            Field(name: "targets", upstream: "targets", rule: .ids),
        ]
        let messageID = Field(name: "message_id", upstream: "messageId", rule: .messageID)
        let draft = Field(name: "draft", upstream: "draft", rule: .flag)
        let schedule = Field(name: "scheduled_at", upstream: "scheduledAt", rule: .schedule)
        switch kind {
        case .push:
            return [
                messageID, Field(name: "title", upstream: "title", rule: .text(maximum: 256, required: false)),
                Field(name: "message", upstream: "body", rule: .text(maximum: 64_230, required: true)),
            ]
                + recipients
                + [
                    Field(name: "data", upstream: "data", rule: .object),
                    Field(name: "action", upstream: "action", rule: .text(maximum: 256, required: false)),
                    Field(name: "image", upstream: "image", rule: .fileID),
                    Field(name: "icon", upstream: "icon", rule: .text(maximum: 256, required: false)),
                    Field(name: "sound", upstream: "sound", rule: .text(maximum: 256, required: false)),
                    Field(name: "color", upstream: "color", rule: .text(maximum: 256, required: false)),
                    Field(name: "tag", upstream: "tag", rule: .text(maximum: 256, required: false)),
                    Field(name: "badge", upstream: "badge", rule: .integer),
                    draft, schedule,
                    Field(name: "content_available", upstream: "contentAvailable", rule: .flag),
                    Field(name: "critical", upstream: "critical", rule: .flag),
                    Field(name: "priority", upstream: "priority", rule: .priority),
                ]
        case .email:
            return [
                messageID, Field(name: "title", upstream: "subject", rule: .text(maximum: 998, required: true)),
                Field(name: "message", upstream: "content", rule: .text(maximum: 64_230, required: true)),
            ]
                + recipients
                + [
                    Field(name: "cc", upstream: "cc", rule: .ids),
                    Field(name: "bcc", upstream: "bcc", rule: .ids),
                    Field(name: "attachments", upstream: "attachments", rule: .fileIDs),
                    draft,
                    Field(name: "html", upstream: "html", rule: .flag),
                    schedule,
                ]
        case .sms:
            return [messageID, Field(name: "message", upstream: "content", rule: .text(maximum: 64_230, required: true))]
                + recipients + [draft, schedule]
        }
    }

    /// Every field any of the three actions takes, so a field of another kind gets a precise error.
    static let allFieldNames = Set(MessageKind.allCases.flatMap { fields(for: $0).map(\.name) })

    public static func translate(_ payload: JSONValue, kind: MessageKind, now: Date = Date()) throws(PayloadError)
        -> CreateMessageRequest
    {
        guard case .object(let given) = payload else {
            throw PayloadError(field: nil, "the payload must be a JSON object, got \(payload.typeName)")
        }
        let fields = fields(for: kind)
        let names = fields.map(\.name)
        for key in given.keys where !names.contains(key) {
            if allFieldNames.contains(key) {
                throw PayloadError(field: key, "send_\(kind.rawValue) does not take '\(key)'")
            }
            throw PayloadError(field: key, "unknown field '\(key)'; allowed fields are \(names.joined(separator: ", "))")
        }
        var parameters = JSONObject()
        var messageID = "unique()"
        for field in fields {
            let value = given[field.name]
            guard let checked = try check(value, field, now: now) else { continue }
            if field.rule == .messageID, case .string(let id) = checked { messageID = id }
            parameters[field.upstream] = checked
        }
        if parameters["messageId"] == nil {
            parameters = JSONObject([("messageId", .string(messageID))] + parameters.entries)
        }
        let isDraft = parameters["draft"] == .bool(true)
        let recipients = ["topics", "users", "targets"].reduce(0) { count, key in
            if case .array(let list)? = parameters[key] { return count + list.count }
            return count
        }
        if recipients == 0 && !isDraft {
            throw PayloadError(field: "targets", "at least one recipient is needed in topics, users or targets")
        }
        return CreateMessageRequest(kind: kind, messageID: messageID, parameters: parameters)
    }

    private static func check(_ value: JSONValue?, _ field: Field, now: Date) throws(PayloadError) -> JSONValue? {
        guard let value, value != .null else {
            if case .text(_, true) = field.rule { throw PayloadError(field: field.name, "\(field.name) is required") }
            return nil
        }
        switch field.rule {
        case .text(let maximum, let required):
            guard case .string(let text) = value else { throw PayloadError(field: field.name, "must be a string, got \(value.typeName)") }
            if required && text.isEmpty { throw PayloadError(field: field.name, "must not be empty") }
            guard text.unicodeScalars.count <= maximum else {
                throw PayloadError(
                    field: field.name,
                    "is \(text.unicodeScalars.count) characters long; Appwrite accepts at most \(maximum)"
                )
            }
            return value
        case .ids, .fileIDs:
            guard case .array(let list) = value else {
                throw PayloadError(field: field.name, "must be a list of IDs, got \(value.typeName)")
            }
            guard list.count <= 100 else { throw PayloadError(field: field.name, "Appwrite accepts at most 100 entries") }
            for element in list {
                guard case .string(let id) = element else {
                    throw PayloadError(field: field.name, "must hold strings, got \(element.typeName)")
                }
                let valid = field.rule == .ids ? AppwriteRules.isValidID(id) : isFileID(id)
                guard valid else { throw PayloadError(field: field.name, invalidIDMessage(id, file: field.rule == .fileIDs)) }
            }
            return value
        case .fileID:
            guard case .string(let id) = value, isFileID(id) else {
                throw PayloadError(field: field.name, "must be a string '<bucketId>:<fileId>'")
            }
            return value
        case .object:
            guard case .object = value else { throw PayloadError(field: field.name, "must be an object, got \(value.typeName)") }
            return value
        case .flag:
            return try ExecuteFunctionPayload.flag(value, field: field.name).map(JSONValue.bool)
        case .integer:
            guard case .number(let text) = value, Int(text) != nil else {
                throw PayloadError(field: field.name, "must be a whole number, got \(value.typeName)")
            }
            return value
        case .priority:
            guard case .string(let text) = value, text == "normal" || text == "high" else {
                throw PayloadError(field: field.name, "must be 'normal' or 'high'")
            }
            return value
        case .schedule:
            guard case .string(let text) = value else {
                throw PayloadError(field: field.name, "must be an ISO 8601 string, got \(value.typeName)")
            }
            guard let time = ScheduleTime(parsing: text) else {
                throw PayloadError(
                    field: field.name,
                    "'\(text)' is not an ISO 8601 date-time with an offset or Z (e.g. 2030-01-01T07:30:00Z)"
                )
            }
            guard time.date > now else { throw PayloadError(field: field.name, "must be in the future") }
            return value
        case .messageID:
            guard case .string(let id) = value else { throw PayloadError(field: field.name, "must be a string, got \(value.typeName)") }
            guard id == "unique()" || AppwriteRules.isValidID(id) else {
                throw PayloadError(field: field.name, "'\(id)' is not a valid message ID (\(AppwriteRules.idRuleDescription)), or unique()")
            }
            return value
        }
    }

    private static func isFileID(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { AppwriteRules.isValidID(String($0)) }
    }

    private static func invalidIDMessage(_ id: String, file: Bool) -> String {
        file ? "'\(id)' is not '<bucketId>:<fileId>'" : "'\(id)' is not a valid Appwrite ID (\(AppwriteRules.idRuleDescription))"
    }
}
