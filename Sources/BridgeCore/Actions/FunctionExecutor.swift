import Foundation
import Logging

/// Runs `execute_function_<project_id>`: validate, send createExecution, explain the result.
/// Never retries: a synchronous call has a caller waiting, and a repeat could run the function twice.
public struct FunctionExecutor: Sendable {
    let client: AppwriteClient
    let logger: Logger
    let metrics: BridgeMetrics?
    /// Told about instances a call could not reach, so they are checked at once.
    let checkRequests: CheckRequests?

    public init(client: AppwriteClient, logger: Logger, metrics: BridgeMetrics? = nil, checkRequests: CheckRequests? = nil) {
        self.client = client
        self.logger = logger
        self.metrics = metrics
        self.checkRequests = checkRequests
    }

    /// Sends a validated request; returns Appwrite's Execution exactly as Appwrite sent it.
    public func execute(_ request: CreateExecutionRequest, on instance: InstanceConfig) async throws(BridgeError)
        -> AppwriteResponse
    {
        var metadata: Logger.Metadata = [
            "project_id": "\(instance.projectID)", "function_id": "\(request.functionID)", "method": "\(request.method)",
            "async": "\(request.isAsync)",
        ]
        if let scheduledAt = request.scheduledAt { metadata["scheduled_at"] = "\(scheduledAt)" }
        return try await perform(.execution, metadata: metadata, on: instance) { () async throws(AppwriteClientError) in
            try await client.createExecution(request, on: instance)
        }
    }

    /// Sends a validated message; returns Appwrite's Message exactly as Appwrite sent it.
    public func send(_ message: CreateMessageRequest, on instance: InstanceConfig) async throws(BridgeError) -> AppwriteResponse {
        let metadata: Logger.Metadata = [
            "project_id": "\(instance.projectID)", "kind": "\(message.kind.rawValue)", "message_id": "\(message.messageID)",
        ]
        return try await perform(.message, metadata: metadata, on: instance) { () async throws(AppwriteClientError) in
            try await client.createMessage(message, on: instance)
        }
    }

    /// What was created upstream: it names the log lines and the object Appwrite answers with.
    private enum Created: String {
        case execution, message

        var article: String { self == .execution ? "an" : "a" }
        var model: String { self == .execution ? "Execution" : "Message" }
    }

    /// One upstream call with its metrics and its one log line; Appwrite's answer unchanged.
    private func perform(
        _ created: Created,
        metadata: Logger.Metadata,
        on instance: InstanceConfig,
        _ call: () async throws(AppwriteClientError) -> AppwriteResponse
    ) async throws(BridgeError) -> AppwriteResponse {
        let started = ContinuousClock.now
        var metadata = metadata
        let response: AppwriteResponse
        do {
            response = try await call()
        } catch {
            metrics?.recordUpstream(
                projectID: instance.projectID,
                outcome: error.isTimeout ? "timeout" : "unreachable",
                duration: ContinuousClock.now - started
            )
            metadata["duration_ms"] = "\(Self.milliseconds(since: started))"
            metadata["error"] = "\(error.reason)"
            logger.warning("\(created.rawValue) not delivered", metadata: metadata)
            checkRequests?.request(instance.projectID)
            throw .upstreamFailed(projectID: instance.projectID, error)
        }
        metrics?.recordUpstream(projectID: instance.projectID, outcome: String(response.status), duration: ContinuousClock.now - started)
        metadata["duration_ms"] = "\(Self.milliseconds(since: started))"
        metadata["upstream_status"] = "\(response.status)"
        guard (200..<300).contains(response.status), case .object(let object)? = response.json else {
            if let error = response.error { metadata["appwrite_type"] = "\(error.type)" }
            logger.warning("\(created.rawValue) refused by Appwrite", metadata: metadata)
            if response.isSuccess {
                throw .upstreamFailed(
                    projectID: instance.projectID,
                    .invalidResponse("Appwrite answered HTTP \(response.status) without \(created.article) \(created.model)")
                )
            }
            throw .upstreamRejected(projectID: instance.projectID, response: response)
        }
        metadata["\(created.rawValue)_id"] = "\(object["$id"]?.stringValue ?? "?")"
        metadata["status"] = "\(object["status"]?.stringValue ?? "?")"
        logger.info("\(created.rawValue) created", metadata: metadata)
        return response
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
