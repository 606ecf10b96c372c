import Foundation
import GRDB

/// What became of an item that left the queue: delivered (and how that was established), dropped,
/// or deleted by the operator. `GET /api/outbox` lists the latest under `history`.
public struct OutboxHistoryEntry: Sendable, Equatable {
    public var outboxID: Int64
    public var projectID: String
    public var kind: String
    public var targetID: String
    /// delivered, dropped, deleted.
    public var outcome: String
    /// The execution, message or file Appwrite holds for it, when delivered.
    public var createdID: String?
    /// How delivery was established, or why it could not be (e.g. resent without being able to
    /// look for an earlier attempt's execution).
    public var note: String?
    public var attempts: Int
    public var at: Date

    /// How many entries the database keeps.
    static let kept = 500

    init(_ item: OutboxItem, outcome: String, createdID: String? = nil, note: String? = nil, at: Date = Date()) {
        outboxID = item.id
        projectID = item.projectID
        kind = item.request.kind
        targetID = item.request.targetID
        self.outcome = outcome
        self.createdID = createdID
        self.note = note
        attempts = item.attempts
        self.at = at
    }

    init(row: Row) {
        outboxID = row["outbox_id"]
        projectID = row["project_id"]
        kind = row["kind"]
        targetID = row["target_id"]
        outcome = row["outcome"]
        createdID = row["created_id"]
        note = row["note"]
        attempts = row["attempts"]
        at = Date(timeIntervalSince1970: row["at"])
    }

    func insert(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO outbox_history (outbox_id, project_id, kind, target_id, outcome, created_id, note, attempts, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [outboxID, projectID, kind, targetID, outcome, createdID, note, attempts, at.timeIntervalSince1970]
        )
        try db.execute(
            sql: "DELETE FROM outbox_history WHERE id <= (SELECT MAX(id) FROM outbox_history) - ?",
            arguments: [Self.kept]
        )
    }

    var document: JSONValue {
        .object(
            JSONObject([
                ("outbox_id", .number(String(outboxID))),
                ("project_id", .string(projectID)),
                ("kind", .string(kind)),
                ("target_id", .string(targetID)),
                ("outcome", .string(outcome)),
                ("created_id", createdID.map(JSONValue.string) ?? .null),
                ("note", note.map(JSONValue.string) ?? .null),
                ("attempts", .number(String(attempts))),
                ("at", .string(Timestamp.iso8601(at))),
            ])
        )
    }
}

extension OutboxStore {
    /// The latest entries, newest first.
    public func history(limit: Int = 100) async throws -> [OutboxHistoryEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox_history ORDER BY id DESC LIMIT ?", arguments: [limit])
                .map(OutboxHistoryEntry.init(row:))
        }
    }
}
