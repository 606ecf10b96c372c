import Foundation

/// An execution's creation or status change, named as Appwrite's Realtime API names it.
public struct ExecutionEvent: Sendable {
    public enum Action: String, Sendable { case create, update }

    public var projectID: String
    public var functionID: String
    public var executionID: String
    public var action: Action
    public var timestamp: Date
    /// The Execution as Appwrite sent it.
    public var payload: JSONValue

    public init(projectID: String, functionID: String, executionID: String, action: Action, timestamp: Date, payload: JSONValue) {
        self.projectID = projectID
        self.functionID = functionID
        self.executionID = executionID
        self.action = action
        self.timestamp = timestamp
        self.payload = payload
    }

    /// Appwrite's event names: the exact one and its wildcard generalisations.
    public var events: [String] {
        let function = "functions.\(functionID)"
        let anyFunction = "functions.*"
        var names: [String] = []
        for prefix in [function, anyFunction] {
            for execution in [executionID, "*"] {
                names.append("\(prefix).executions.\(execution).\(action.rawValue)")
                names.append("\(prefix).executions.\(execution)")
            }
            names.append(prefix)
        }
        return names
    }

    /// Appwrite's channels, plus `instances.<project_id>` so a bridge with several instances can
    /// be filtered by instance.
    public var channels: [String] {
        ["executions", "executions.\(executionID)", "functions.\(functionID)", "instances.\(projectID)"]
    }

    public var bridgeEvent: BridgeEvent {
        BridgeEvent(kind: .execution, projectID: projectID, events: events, channels: channels, timestamp: timestamp, payload: payload)
    }
}
