import Foundation

/// One published event (Realtime::send): who may receive it and the `data` of the `event` frame.
struct RealtimeEvent: Sendable {
    var projectID: String
    var events: [String]
    var channels: [String]
    /// Roles that receive it; `any` reaches everyone. Appwrite publishes nothing with no roles.
    var roles: [String]
    var payload: PHPValue
    var timestamp: String = AppwriteDate.string(Date())
}

/// The events the simulator's resources publish, built as Appwrite builds them
/// (src/Appwrite/Event/Realtime.php `trigger`, Messaging/Adapter/Realtime.php `fromPayload`).
enum RealtimeEvents {
    static func document(
        _ action: DocumentAction,
        _ document: StoredDocument,
        collection: SimulatorConfig.Collection,
        projectID: String,
        database: SimulatorConfig.Database
    ) -> RealtimeEvent {
        let events = EventNames.generate(
            "databases.[databaseId].collections.[collectionId].documents.[documentId].\(action.rawValue)",
            params: [
                ("databaseId", database.id), ("collectionId", collection.id), ("tableId", collection.id),
                ("documentId", document.id), ("rowId", document.id),
            ]
        )
        let channels = RealtimeChannels.document(databaseID: database.id, collectionID: collection.id, documentID: document.id)
        let read = collection.roles(for: "read")
        let roles = collection.documentSecurity ? read + PermissionRules.roles(document.permissions, action: "read") : read
        return RealtimeEvent(
            projectID: projectID,
            events: events,
            channels: RealtimeChannels.withActionTwins(channels, event: events[0]),
            roles: roles,
            payload: document.model
        )
    }

    static func file(_ action: DocumentAction, _ file: StoredFile, bucket: SimulatorConfig.Bucket, projectID: String) -> RealtimeEvent {
        let events = EventNames.generate(
            "buckets.[bucketId].files.[fileId].\(action.rawValue)",
            params: [("bucketId", bucket.id), ("fileId", file.id)]
        )
        let read = PermissionRules.roles(bucket.permissions, action: "read")
        let roles = bucket.fileSecurity ? read + PermissionRules.roles(file.permissions, action: "read") : read
        return RealtimeEvent(
            projectID: projectID,
            events: events,
            channels: RealtimeChannels.withActionTwins(RealtimeChannels.file(bucketID: bucket.id, fileID: file.id), event: events[0]),
            roles: roles,
            payload: encodedPayload(file.withoutBytes)
        )
    }

    /// Executions publish only when they carry read permissions (a user's own run, EV6): to
    /// `console`, `projects.P`, `executions`, `executions.E`, `functions.F` and their twins.
    static func execution(_ action: DocumentAction, _ execution: Execution, projectID: String) -> RealtimeEvent {
        let events = EventNames.generate(
            "functions.[functionId].executions.[executionId].\(action.rawValue)",
            params: [("functionId", execution.functionID), ("executionId", execution.id)]
        )
        let channels = [
            "console", "projects.\(projectID)", "executions", "executions.\(execution.id)", "functions.\(execution.functionID)",
        ]
        let read = PermissionRules.roles(execution.permissions, action: "read")
        return RealtimeEvent(
            projectID: projectID,
            events: events,
            channels: read.isEmpty ? [] : RealtimeChannels.withActionTwins(channels, event: events[0]),
            roles: read,
            payload: encodedPayload(execution)
        )
    }

    /// `users.U.sessions.S.create` on `account` and `account.U`, for `user:U` only (no action twins:
    /// the action is not the user event's third segment). Appwrite's payload carries the session
    /// secret here; the simulator blanks it, as no token may travel in an event.
    static func session(_ session: UserSession, model: [String: any Sendable], projectID: String) -> RealtimeEvent {
        var model = model
        model["secret"] = ""
        let data = (try? JSONSerialization.data(withJSONObject: model, options: [.sortedKeys])) ?? Data()
        let events = EventNames.generate(
            "users.[userId].sessions.[sessionId].create",
            params: [("userId", session.userID), ("sessionId", session.id)]
        )
        return RealtimeEvent(
            projectID: projectID,
            events: events,
            channels: RealtimeChannels.withActionTwins(["account", "account.\(session.userID)"], event: events[0]),
            roles: ["user:\(session.userID)"],
            payload: PHPJSONDecoder.decode(Array(data)) ?? .object([])
        )
    }

    /// The Account model of `connected.data.user` and the `authentication` response.
    static func encodedAccount(_ user: SimulatorConfig.User, createdAt: String) -> PHPValue {
        let data =
            (try? JSONSerialization.data(withJSONObject: UserModels.account(user, createdAt: createdAt), options: [.sortedKeys])) ?? Data()
        return PHPJSONDecoder.decode(Array(data)) ?? .object([])
    }

    static func encodedPayload(_ value: some Encodable) -> PHPValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return .object([]) }
        return PHPJSONDecoder.decode(Array(data)) ?? .object([])
    }
}

extension StoredFile {
    /// The model alone: an event never needs the file's bytes.
    var withoutBytes: StoredFile {
        var copy = self
        copy.bytes = []
        return copy
    }
}
