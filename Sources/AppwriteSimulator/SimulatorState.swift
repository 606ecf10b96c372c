import Foundation

/// Everything the simulator remembers: requests received and executions created, per project.
/// Both are capped at `config.retain` (oldest dropped) so a benchmark's millions of calls run in
/// constant memory and constant time per call.
public actor SimulatorState {
    public let config: SimulatorConfig
    private var requests = BoundedLog<RecordedRequest>()
    private var executionOrder: [String: BoundedLog<String>] = [:]
    private var executionsByKey: [String: Execution] = [:]

    public init(config: SimulatorConfig) {
        self.config = config
    }

    public func recordedRequests() -> [RecordedRequest] { requests.elements }

    public func reset() {
        requests = BoundedLog()
        executionOrder = [:]
        executionsByKey = [:]
    }

    /// Executions of a project, oldest first.
    public func executions(projectID: String) -> [Execution] {
        (executionOrder[projectID]?.elements ?? []).compactMap { executionsByKey[Self.key(projectID, $0)] }
    }

    func record(_ request: RecordedRequest) { requests.append(request, limit: config.retain) }

    func store(_ execution: Execution, projectID: String) {
        let key = Self.key(projectID, execution.id)
        if executionsByKey.updateValue(execution, forKey: key) == nil {
            let dropped = executionOrder[projectID, default: BoundedLog()].append(execution.id, limit: config.retain)
            for id in dropped { executionsByKey[Self.key(projectID, id)] = nil }
        }
    }

    func execution(projectID: String, id: String) -> Execution? {
        executionsByKey[Self.key(projectID, id)]
    }

    private static func key(_ projectID: String, _ executionID: String) -> String { "\(projectID)/\(executionID)" }
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
