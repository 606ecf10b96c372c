/// Action (Home Assistant "service") names of the `appwrite` domain.
public enum ActionName {
    public static let domain = "appwrite"
    public static let executeFunctionPrefix = "execute_function_"

    /// The project ID an `execute_function_<project_id>` action targets, or nil for another name.
    public static func executeFunctionProjectID(_ action: String) -> String? {
        guard action.hasPrefix(executeFunctionPrefix) else { return nil }
        let projectID = String(action.dropFirst(executeFunctionPrefix.count))
        return projectID.isEmpty ? nil : projectID
    }
}
