import Foundation
import Synchronization

/// The durable outbox: asynchronous executions that could not reach Appwrite wait here, on disk,
/// until `OutboxDelivery` hands them over in order.
///
/// An item is deleted only after Appwrite answered 201/202 (or showed that an earlier attempt got
/// through), so a crash between that answer and the delete, or a lost answer, sends it again;
/// what makes the second attempt harmless is in `OutboxDelivery` and `ExecutionReconciler`.
public final class Outbox: Sendable {
    public let store: OutboxStore
    public let path: String
    /// Items per instance, mirrored in memory so the hot path never reads SQLite.
    private let pendingByProject: Mutex<[String: Int]>
    private let metrics: BridgeMetrics?
    /// Told whenever an instance's backlog changes (the `instance` events carry it).
    private let changes: ChangeSignal?
    /// Told whenever an item is queued or removed: `OutboxDelivery` sleeps on it.
    let backlogChanged = ChangeSignal()

    public init(path: String, metrics: BridgeMetrics? = nil, changes: ChangeSignal? = nil) async throws {
        self.path = path
        store = try OutboxStore(path: path)
        self.metrics = metrics
        self.changes = changes
        let counts = try await store.countsByProject()
        pendingByProject = Mutex(counts)
        for (projectID, count) in counts { metrics?.recordOutboxPending(projectID: projectID, count: count) }
    }

    /// Upstream answers worth waiting out: the instance is overloaded, down or being restarted.
    public static let retryableStatuses: Set<Int> = [429, 500, 502, 503, 504]

    public func hasPending(projectID: String) -> Bool {
        pendingByProject.withLock { ($0[projectID] ?? 0) > 0 }
    }

    public func pending(projectID: String) -> Int {
        pendingByProject.withLock { $0[projectID] ?? 0 }
    }

    public var isEmpty: Bool { pendingByProject.withLock { $0.values.allSatisfy { $0 == 0 } } }

    /// Stores the request durably; returns its outbox ID once it is fsync'd.
    public func enqueue(_ request: OutboxRequest, projectID: String, reason: String, mayExist: Bool = false) async throws -> Int64 {
        let id = try await store.enqueue(request, projectID: projectID, error: reason, mayExist: mayExist)
        adjust(projectID: projectID, by: 1)
        metrics?.recordOutboxEvent("queued", projectID: projectID)
        return id
    }

    /// Removes an item (delivered, dropped or deleted by the operator); nil when it is not there.
    ///
    /// When SQLite cannot delete it (a full disk: even a DELETE needs room for the journal), the
    /// item is buried instead: gone for this process, so a delivered item is never sent again,
    /// and deleted from disk by `purgeBuried` once there is room. Only a restart before that
    /// can deliver it once more.
    @discardableResult
    public func remove(id: Int64, outcome: String, history: OutboxHistoryEntry? = nil) async throws -> String? {
        let projectID: String
        do {
            guard let removed = try await store.remove(id: id, history: history) else { return nil }
            projectID = removed
        } catch {
            guard let buried = try await store.bury(id: id) else { throw error }
            projectID = buried
        }
        adjust(projectID: projectID, by: -1)
        metrics?.recordOutboxEvent(outcome, projectID: projectID)
        return projectID
    }

    private func adjust(projectID: String, by delta: Int) {
        let count = pendingByProject.withLock { table in
            let next = max((table[projectID] ?? 0) + delta, 0)
            table[projectID] = next
            return next
        }
        metrics?.recordOutboxPending(projectID: projectID, count: count)
        backlogChanged.notify()
        changes?.notify()
    }
}
