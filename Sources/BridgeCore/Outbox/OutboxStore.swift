import Foundation
import GRDB
import Synchronization

/// The durable queue behind the outbox: an SQLite file under the state directory. Every insert is
/// committed with `synchronous = FULL`, so the row is on disk (fsync'd) before the caller hears 202,
/// and survives SIGKILL and power loss.
public final class OutboxStore: Sendable {
    private let database: DatabaseQueue
    /// Items removed in this process whose DELETE failed (a full disk: SQLite needs room for its
    /// journal even to delete), by ID with their project. Every read leaves them out, so a
    /// delivered item is never handed out again; `purgeBuried` retries the DELETE.
    private let buried = Mutex<[Int64: String]>([:])

    public init(path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try PrivateFiles.makeFolder(folder)
        try Self.verifyWritable(folder: folder)
        // SQLite gives its journal files the database's mode, so one private file keeps them all so.
        try PrivateFiles.makeFile(path)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try DatabaseQueue(path: path, configuration: configuration)
        // Versioned schema: a later release migrates the file a running system already has.
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        project_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        target_id TEXT NOT NULL,
                        request TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL NOT NULL,
                        last_error TEXT
                    );
                    CREATE INDEX outbox_by_project ON outbox(project_id, id);
                    """
            )
        }
        // v2: whether an earlier attempt may have reached Appwrite (an execution is then looked
        // for before it is sent again), and what became of the items that left the queue.
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    ALTER TABLE outbox ADD COLUMN may_exist INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE outbox_history (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        outbox_id INTEGER NOT NULL,
                        project_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        target_id TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        created_id TEXT,
                        note TEXT,
                        attempts INTEGER NOT NULL,
                        at REAL NOT NULL
                    );
                    """
            )
        }
        try migrator.migrate(database)
    }

    /// Appends a request; returns its id once it is on disk.
    /// `mayExist`: the attempt that failed may have reached Appwrite (see `markMayExist`).
    public func enqueue(_ request: OutboxRequest, projectID: String, error: String?, mayExist: Bool = false, now: Date = Date())
        async throws -> Int64
    {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO outbox (project_id, kind, target_id, request, created_at, attempts, next_attempt_at, last_error, may_exist)
                    VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)
                    """,
                arguments: [
                    projectID, request.kind, request.targetID, request.jsonBody.serialized, now.timeIntervalSince1970,
                    now.timeIntervalSince1970, error, mayExist,
                ]
            )
            return db.lastInsertedRowID
        }
    }

    public func pendingCount(projectID: String) async throws -> Int {
        let exclusion = buriedExclusion()
        return try await database.read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM outbox WHERE project_id = ?\(exclusion.and)",
                arguments: [projectID] + exclusion.arguments
            ) ?? 0
        }
    }

    public func count() async throws -> Int {
        let exclusion = buriedExclusion()
        return try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox\(exclusion.where)", arguments: exclusion.arguments) ?? 0
        }
    }

    /// Every pending item, oldest first.
    public func all() async throws -> [OutboxItem] {
        let exclusion = buriedExclusion()
        return try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox\(exclusion.where) ORDER BY id", arguments: exclusion.arguments)
                .compactMap(Self.item)
        }
    }

    /// One item, or nil when it was delivered, dropped or never queued.
    public func item(id: Int64) async throws -> OutboxItem? {
        guard !isBuried(id) else { return nil }
        return try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]).flatMap(Self.item)
        }
    }

    /// The oldest item of each instance: delivery is strictly in order per instance.
    public func heads() async throws -> [OutboxItem] {
        let exclusion = buriedExclusion()
        return try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM outbox WHERE id IN (SELECT MIN(id) FROM outbox\(exclusion.where) GROUP BY project_id) ORDER BY id
                    """,
                arguments: exclusion.arguments
            ).compactMap(Self.item)
        }
    }

    /// Deletes an item; returns its project ID, or nil when there was no such item (or it was
    /// buried already).
    /// `history` is recorded in the same transaction.
    @discardableResult
    public func remove(id: Int64, history: OutboxHistoryEntry? = nil) async throws -> String? {
        if isBuried(id) { return nil }
        return try await database.write { db in
            let projectID = try String.fetchOne(db, sql: "DELETE FROM outbox WHERE id = ? RETURNING project_id", arguments: [id])
            if projectID != nil, let history { try history.insert(db) }
            return projectID
        }
    }

    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await database.read(body)
    }

    /// Removes an item from everything this process reads, when its DELETE failed; returns its
    /// project ID, or nil when there is no such item.
    public func bury(id: Int64) async throws -> String? {
        guard
            let projectID = try await database.read({ db in
                try String.fetchOne(db, sql: "SELECT project_id FROM outbox WHERE id = ?", arguments: [id])
            })
        else { return nil }
        buried.withLock { $0[id] = projectID }
        return projectID
    }

    public func isBuried(_ id: Int64) -> Bool { buried.withLock { $0[id] != nil } }

    public var buriedCount: Int { buried.withLock { $0.count } }

    /// Retries the DELETE of every buried item; returns how many are still on disk.
    @discardableResult
    public func purgeBuried() async throws -> Int {
        let ids = buried.withLock { Array($0.keys) }
        guard !ids.isEmpty else { return 0 }
        try await database.write { db in
            for id in ids { try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id]) }
        }
        return buried.withLock { table in
            for id in ids { table[id] = nil }
            return table.count
        }
    }

    /// How many items each instance has waiting.
    public func countsByProject() async throws -> [String: Int] {
        let exclusion = buriedExclusion()
        return try await database.read { db in
            var counts: [String: Int] = [:]
            let sql = "SELECT project_id, COUNT(*) AS n FROM outbox\(exclusion.where) GROUP BY project_id"
            for row in try Row.fetchAll(db, sql: sql, arguments: exclusion.arguments) {
                counts[row["project_id"]] = row["n"]
            }
            return counts
        }
    }

    /// `WHERE id NOT IN (…)` for the buried items, empty when there are none (the usual case).
    private func buriedExclusion() -> (where: String, and: String, arguments: StatementArguments) {
        let ids = buried.withLock { Array($0.keys) }
        guard !ids.isEmpty else { return ("", "", []) }
        let clause = "id NOT IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))"
        return (" WHERE \(clause)", " AND \(clause)", StatementArguments(ids))
    }

    public func recordFailure(id: Int64, error: String, nextAttemptAt: Date) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                arguments: [error, nextAttemptAt.timeIntervalSince1970, id]
            )
        }
    }

    /// Written (and fsync'd) before an attempt that may reach Appwrite: if the process dies before
    /// the answer is settled, the next delivery knows to look before it sends again.
    public func markMayExist(id: Int64) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE outbox SET may_exist = 1 WHERE id = ? AND may_exist = 0", arguments: [id])
        }
    }

    private static func item(_ row: Row) -> OutboxItem? {
        guard let request = OutboxRequest(kind: row["kind"], targetID: row["target_id"], storedJSON: row["request"]) else {
            return nil
        }
        return OutboxItem(
            id: row["id"],
            projectID: row["project_id"],
            request: request,
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            attempts: row["attempts"],
            nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]),
            lastError: row["last_error"],
            mayExist: row["may_exist"]
        )
    }
}
