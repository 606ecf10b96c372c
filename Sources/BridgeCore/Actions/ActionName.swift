/// Action (Home Assistant "service") names of the `appwrite` domain.
public enum ActionName {
    public static let domain = "appwrite"
    public static let executeFunctionPrefix = "execute_function_"

    public static func sendMessage(_ kind: MessageKind, projectID: String) -> String {
        "send_\(kind.rawValue)_\(projectID)"
    }

    /// `execute_<project_id>_<function_id>`, both slugified to `[a-z0-9_]` as Home Assistant's
    /// service names are.
    public static func executeConfigured(projectID: String, functionID: String) -> String {
        "execute_\(slug(projectID))_\(slug(functionID))"
    }

    static func slug(_ text: String) -> String {
        String(
            text.lowercased().unicodeScalars.map { scalar -> Character in
                ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" ? Character(scalar) : "_"
            }
        )
    }

    /// The project ID an `execute_function_<project_id>` action targets, or nil for another name.
    public static func executeFunctionProjectID(_ action: String) -> String? {
        guard action.hasPrefix(executeFunctionPrefix) else { return nil }
        let projectID = String(action.dropFirst(executeFunctionPrefix.count))
        return projectID.isEmpty ? nil : projectID
    }
}
