extension ActionName {
    public static let uploadFilePrefix = "upload_file_"

    /// `upload_file_<project_id>` of an instance with `storage: true`.
    public static func uploadFile(projectID: String) -> String { uploadFilePrefix + projectID }

    /// The project ID an `upload_file_<project_id>` action targets, or nil for another name.
    public static func uploadFileProjectID(_ action: String) -> String? {
        guard action.hasPrefix(uploadFilePrefix) else { return nil }
        let projectID = String(action.dropFirst(uploadFilePrefix.count))
        return projectID.isEmpty ? nil : projectID
    }
}

extension BridgeConfig {
    /// The instance `projectID` names, if it has `storage: true`.
    func storageInstance(projectID: String) -> InstanceConfig? {
        instance(projectID: projectID).flatMap { $0.storage != nil ? $0 : nil }
    }

    /// The instance an `upload_file_<project_id>` action uploads to: nil for another name, or an
    /// instance without `storage: true`.
    func uploadInstance(ofAction action: String) -> InstanceConfig? {
        ActionName.uploadFileProjectID(action).flatMap(storageInstance(projectID:))
    }
}
