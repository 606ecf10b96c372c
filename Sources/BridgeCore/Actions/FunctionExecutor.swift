import Foundation
import Logging

/// Runs `execute_function_<project_id>`: validate, send createExecution, explain the result.
/// Never retries: a synchronous call has a caller waiting, and a repeat could run the function twice.
public struct FunctionExecutor: Sendable {
    let client: AppwriteClient
    let logger: Logger
    let metrics: BridgeMetrics?

    public init(client: AppwriteClient, logger: Logger, metrics: BridgeMetrics? = nil) {
        self.client = client
        self.logger = logger
        self.metrics = metrics
    }

    /// Sends a validated request; returns Appwrite's Execution exactly as Appwrite sent it.
    public func execute(_ request: CreateExecutionRequest, on instance: InstanceConfig) async throws(BridgeError)
        -> AppwriteResponse
    {
        let started = ContinuousClock.now
        var metadata: Logger.Metadata = [
            "project_id": "\(instance.projectID)", "function_id": "\(request.functionID)", "method": "\(request.method)",
            "async": "\(request.isAsync)",
        ]
        if let scheduledAt = request.scheduledAt { metadata["scheduled_at"] = "\(scheduledAt)" }
        let response: AppwriteResponse
        do {
            response = try await client.createExecution(request, on: instance)
        } catch {
            metrics?.recordUpstream(
                projectID: instance.projectID,
                outcome: error.isTimeout ? "timeout" : "unreachable",
                duration: ContinuousClock.now - started
            )
            metadata["duration_ms"] = "\(Self.milliseconds(since: started))"
            metadata["error"] = "\(error.reason)"
            logger.warning("execution not delivered", metadata: metadata)
            throw .upstreamFailed(projectID: instance.projectID, error)
        }
        metrics?.recordUpstream(projectID: instance.projectID, outcome: String(response.status), duration: ContinuousClock.now - started)
        metadata["duration_ms"] = "\(Self.milliseconds(since: started))"
        metadata["upstream_status"] = "\(response.status)"
        guard response.status == 201 || response.status == 202, case .object(let execution)? = response.json else {
            if let error = response.error { metadata["appwrite_type"] = "\(error.type)" }
            logger.warning("execution refused by Appwrite", metadata: metadata)
            if response.isSuccess {
                throw .upstreamFailed(
                    projectID: instance.projectID,
                    .invalidResponse("Appwrite answered HTTP \(response.status) without an Execution")
                )
            }
            throw .upstreamRejected(projectID: instance.projectID, response: response)
        }
        metadata["execution_id"] = "\(execution["$id"]?.stringValue ?? "?")"
        metadata["status"] = "\(execution["status"]?.stringValue ?? "?")"
        logger.info("execution created", metadata: metadata)
        return response
    }

    /// Sends a validated message; returns Appwrite's Message exactly as Appwrite sent it.
    public func send(_ message: CreateMessageRequest, on instance: InstanceConfig) async throws(BridgeError) -> AppwriteResponse {
        let started = ContinuousClock.now
        var metadata: Logger.Metadata = [
            "project_id": "\(instance.projectID)", "kind": "\(message.kind.rawValue)", "message_id": "\(message.messageID)",
        ]
        let response: AppwriteResponse
        do {
            response = try await client.createMessage(message, on: instance)
        } catch {
            metrics?.recordUpstream(
                projectID: instance.projectID,
                outcome: error.isTimeout ? "timeout" : "unreachable",
                duration: ContinuousClock.now - started
            )
            metadata["duration_ms"] = "\(Self.milliseconds(since: started))"
            metadata["error"] = "\(error.reason)"
            logger.warning("message not delivered", metadata: metadata)
            throw .upstreamFailed(projectID: instance.projectID, error)
        }
        metrics?.recordUpstream(projectID: instance.projectID, outcome: String(response.status), duration: ContinuousClock.now - started)
        metadata["duration_ms"] = "\(Self.milliseconds(since: started))"
        metadata["upstream_status"] = "\(response.status)"
        guard response.status == 201 || response.status == 200, case .object(let created)? = response.json else {
            if let error = response.error { metadata["appwrite_type"] = "\(error.type)" }
            logger.warning("message refused by Appwrite", metadata: metadata)
            if response.isSuccess {
                throw .upstreamFailed(
                    projectID: instance.projectID,
                    .invalidResponse("Appwrite answered HTTP \(response.status) without a Message")
                )
            }
            throw .upstreamRejected(projectID: instance.projectID, response: response)
        }
        metadata["message_id"] = "\(created["$id"]?.stringValue ?? message.messageID)"
        metadata["status"] = "\(created["status"]?.stringValue ?? "?")"
        logger.info("message created", metadata: metadata)
        return response
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
