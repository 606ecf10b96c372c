extension AppwriteClient {
    /// The pipeline's one entry into the client: each request to its Appwrite endpoint.
    func perform(_ request: UpstreamRequest, on instance: InstanceConfig) async throws(AppwriteClientError) -> AppwriteResponse {
        switch request {
        case .execution(let execution): try await createExecution(execution, on: instance)
        case .message(let message): try await createMessage(message, on: instance)
        case .upload(let upload): try await createFile(upload.file, from: upload.spool, on: instance)
        case .readExecution(let functionID, let executionID):
            try await getExecution(functionID: functionID, executionID: executionID, on: instance)
        case .forwarded(let forwarded): try await forward(forwarded, to: instance)
        }
    }
}
