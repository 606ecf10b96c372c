import Foundation

/// Everything the simulator remembers: requests received and executions created, per project.
public actor SimulatorState {
    public let config: SimulatorConfig
    private var requests: [RecordedRequest] = []
    private var executionsByProject: [String: [Execution]] = [:]

    public init(config: SimulatorConfig) {
        self.config = config
    }

    public func recordedRequests() -> [RecordedRequest] { requests }

    public func reset() {
        requests = []
        executionsByProject = [:]
    }

    /// Executions of a project, oldest first.
    public func executions(projectID: String) -> [Execution] { executionsByProject[projectID] ?? [] }

    func record(_ request: RecordedRequest) { requests.append(request) }

    func store(_ execution: Execution, projectID: String) {
        var list = executionsByProject[projectID] ?? []
        if let index = list.firstIndex(where: { $0.id == execution.id }) {
            list[index] = execution
        } else {
            list.append(execution)
        }
        executionsByProject[projectID] = list
    }

    func execution(projectID: String, id: String) -> Execution? {
        executionsByProject[projectID]?.first { $0.id == id }
    }
}
