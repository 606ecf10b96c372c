import Foundation

/// Everything the simulator remembers: requests received, and executions and messages created, per
/// project. All are capped at `config.retain` (oldest dropped) so a benchmark's millions of calls
/// run in constant memory and constant time per call.
public actor SimulatorState {
    public let config: SimulatorConfig
    private var requests = BoundedLog<RecordedRequest>()
    private var executionStore = ProjectStore<Execution>()
    private var messageStore = ProjectStore<Message>()
    /// Storage buckets' files (SimulatorStorage.swift).
    public nonisolated let storage = SimulatorStorage()
    /// Databases' documents (Databases/), users' sessions (Users/) and Realtime (Realtime/).
    public nonisolated let databases = SimulatorDatabases()
    public nonisolated let users = SimulatorUsers()
    public nonisolated let realtime: RealtimeHub

    public init(config: SimulatorConfig) {
        self.config = config
        self.realtime = RealtimeHub(settings: config.realtime)
    }

    public func recordedRequests() -> [RecordedRequest] { requests.elements }

    public func reset() {
        requests = BoundedLog()
        executionStore = ProjectStore()
        messageStore = ProjectStore()
    }

    /// Executions of a project, oldest first.
    public func executions(projectID: String) -> [Execution] { executionStore.values(projectID: projectID) }

    /// Messages of a project, oldest first.
    public func messages(projectID: String) -> [Message] { messageStore.values(projectID: projectID) }

    func record(_ request: RecordedRequest) { requests.append(request, limit: config.retain) }

    func store(_ execution: Execution, projectID: String) {
        executionStore.store(execution, id: execution.id, projectID: projectID, limit: config.retain)
    }

    func execution(projectID: String, id: String) -> Execution? { executionStore.value(projectID: projectID, id: id) }

    /// Stores a new message; false (and nothing stored) when the project already has one with its ID.
    func insert(_ message: Message, projectID: String) -> Bool {
        guard messageStore.value(projectID: projectID, id: message.id) == nil else { return false }
        messageStore.store(message, id: message.id, projectID: projectID, limit: config.retain)
        return true
    }

    func message(projectID: String, id: String) -> Message? { messageStore.value(projectID: projectID, id: id) }

    /// The "delivery": a processing message becomes sent, counting each topic, user and target once.
    func markSent(projectID: String, id: String, at date: Date) {
        guard var message = messageStore.value(projectID: projectID, id: id), message.status == "processing" else {
            return
        }
        message.status = "sent"
        message.deliveredAt = AppwriteDate.string(date)
        message.updatedAt = message.deliveredAt ?? message.updatedAt
        message.deliveredTotal = message.topics.count + message.users.count + message.targets.count
        messageStore.store(message, id: id, projectID: projectID, limit: config.retain)
    }
}

/// Values by project and ID, each project keeping its newest `limit` in creation order.
struct ProjectStore<Value: Sendable>: Sendable {
    private var order: [String: BoundedLog<String>] = [:]
    private var byKey: [String: Value] = [:]

    func values(projectID: String) -> [Value] {
        (order[projectID]?.elements ?? []).compactMap { byKey[Self.key(projectID, $0)] }
    }

    func value(projectID: String, id: String) -> Value? { byKey[Self.key(projectID, id)] }

    /// Inserts or replaces; a new ID may push the project's oldest out.
    mutating func store(_ value: Value, id: String, projectID: String, limit: Int) {
        if byKey.updateValue(value, forKey: Self.key(projectID, id)) == nil {
            let dropped = order[projectID, default: BoundedLog()].append(id, limit: limit)
            for id in dropped { byKey[Self.key(projectID, id)] = nil }
        }
    }

    private static func key(_ projectID: String, _ id: String) -> String { "\(projectID)/\(id)" }
}

/// An append-only list that keeps its newest `limit` elements, trimming in amortised O(1).
struct BoundedLog<Element: Sendable>: Sendable {
    private var storage: [Element] = []
    private var start = 0

    var elements: [Element] { Array(storage[start...]) }

    /// Appends and returns what fell out of the window.
    @discardableResult
    mutating func append(_ element: Element, limit: Int) -> [Element] {
        storage.append(element)
        guard storage.count - start > limit else { return [] }
        let dropped = storage[start]
        start += 1
        if start >= max(limit, 1024) {
            storage.removeFirst(start)
            start = 0
        }
        return [dropped]
    }
}
