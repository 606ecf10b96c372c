/// What makes a second attempt recognisable: a message or a file gets its ID before the first
/// attempt (Appwrite then refuses a second copy), and an asynchronous execution that may be
/// queued carries a marker Appwrite stores with it (the outbox looks for it before resending).
extension UpstreamRequest {
    func withConcreteIDs() -> UpstreamRequest {
        switch self {
        case .message(var message) where message.messageID == AppwriteID.placeholder:
            message.messageID = AppwriteID.unique()
            message.parameters["messageId"] = .string(message.messageID)
            return .message(message)
        case .upload(var upload) where upload.file.fileID == AppwriteID.placeholder:
            upload.file.fileID = AppwriteID.unique()
            return .upload(upload)
        default:
            return self
        }
    }

    /// Adds the attempt marker to an asynchronous execution (ExecutionMarker.swift).
    func withExecutionMarker() -> UpstreamRequest {
        guard case .execution(let execution) = self, execution.isAsync else { return self }
        return .execution(ExecutionMarker.marked(execution))
    }
}
