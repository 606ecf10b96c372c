import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Follows executions made through the bridge: publishes their creation and every status change
/// to `/api/events`, waits for them on `function_wait`, and POSTs the final Execution to a
/// `function_callback_url`.
public struct ExecutionTracker: Sendable {
    let client: AppwriteClient
    let hub: BridgeEventHub
    let logger: Logger
    /// How long a background follow (events, callbacks) polls before giving up.
    let followLimit: Duration
    let callbackRetries: Int

    public init(
        client: AppwriteClient,
        hub: BridgeEventHub,
        logger: Logger,
        followLimit: Duration = .seconds(900),
        callbackRetries: Int = 8
    ) {
        self.client = client
        self.hub = hub
        self.logger = logger
        self.followLimit = followLimit
        self.callbackRetries = callbackRetries
    }

    static let finalStatuses: Set<String> = ["completed", "failed"]

    /// A created Execution: announce it, and follow it in the background when someone listens
    /// or a callback waits for its end. `waiting` callers follow it themselves.
    public func created(_ response: AppwriteResponse, functionID: String, instance: InstanceConfig, callbackURL: String?, willWait: Bool) {
        // The common case, nobody listening and no callback, costs nothing (not even a parse).
        guard callbackURL != nil || hub.isWatched else { return }
        guard case .object(let execution)? = response.json, let executionID = execution["$id"]?.stringValue else { return }
        publish(.create, execution: .object(execution), functionID: functionID, executionID: executionID, projectID: instance.projectID)
        let status = execution["status"]?.stringValue ?? ""
        if Self.finalStatuses.contains(status) {
            if let callbackURL { Task { await deliverCallback(body: response.body, to: callbackURL, executionID: executionID) } }
            return
        }
        guard !willWait, callbackURL != nil || hub.isWatched else { return }
        Task {
            var final: AppwriteResponse?
            var reason = "it did not finish within \(followLimit)"
            do throws(BridgeError) {
                final = try await follow(
                    functionID: functionID,
                    executionID: executionID,
                    lastStatus: status,
                    instance: instance,
                    limit: followLimit
                )
            } catch {
                reason = error.message
            }
            guard let callbackURL else { return }
            guard let final else {
                // A callback the bridge cannot send must not vanish without a word.
                logger.error(
                    "callback not sent: \(reason)",
                    metadata: ["execution_id": "\(executionID)", "instance": "\(instance.projectID)", "url": "\(callbackURL)"]
                )
                return
            }
            await deliverCallback(body: final.body, to: callbackURL, executionID: executionID)
        }
    }

    /// Polls the execution with backoff until it is completed or failed, publishing each status
    /// change. Returns the final Execution, or nil when `limit` passed first.
    public func follow(functionID: String, executionID: String, lastStatus: String, instance: InstanceConfig, limit: Duration)
        async throws(BridgeError) -> AppwriteResponse?
    {
        let deadline = ContinuousClock.now + limit
        var delay = Duration.milliseconds(250)
        var status = lastStatus
        while ContinuousClock.now < deadline {
            do {
                try await Task.sleep(for: min(delay, deadline - ContinuousClock.now))
            } catch {
                return nil
            }
            delay = min(delay * 1.5, .seconds(5))
            let response: AppwriteResponse
            do {
                response = try await client.getExecution(functionID: functionID, executionID: executionID, on: instance)
            } catch {
                continue  // a blip while polling is not the execution's failure; try again
            }
            guard response.status == 200, case .object(let execution)? = response.json else {
                if response.status == 401, response.error?.type == "general_unauthorized_scope" {
                    throw .waitUnavailable(
                        field: "function_wait",
                        projectID: instance.projectID,
                        reason: "the API key lacks the executions.read scope"
                    )
                }
                if response.status == 404 { throw .upstreamRejected(projectID: instance.projectID, response: response) }
                continue
            }
            let current = execution["status"]?.stringValue ?? ""
            if current != status {
                status = current
                publish(
                    .update,
                    execution: .object(execution),
                    functionID: functionID,
                    executionID: executionID,
                    projectID: instance.projectID
                )
            }
            if Self.finalStatuses.contains(current) { return response }
        }
        return nil
    }

    private func publish(_ action: ExecutionEvent.Action, execution: JSONValue, functionID: String, executionID: String, projectID: String)
    {
        hub.publish(
            ExecutionEvent(
                projectID: projectID,
                functionID: functionID,
                executionID: executionID,
                action: action,
                timestamp: Date(),
                payload: execution
            )
        )
    }

    /// POSTs the final Execution, retrying with backoff on connection errors, 408, 429 and 5xx.
    /// The Appwrite key is never sent: this is a plain request to the caller's receiver.
    func deliverCallback(body: [UInt8], to url: String, executionID: String) async {
        var delay = Duration.seconds(1)
        for attempt in 1...max(callbackRetries, 1) {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: client.userAgent)
            request.body = .bytes(ByteBuffer(bytes: body))
            var outcome: String
            do {
                let response = try await client.httpClient.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 20)
                let status = Int(response.status.code)
                if (200..<300).contains(status) {
                    logger.info("callback delivered", metadata: ["execution_id": "\(executionID)", "url": "\(url)", "status": "\(status)"])
                    return
                }
                outcome = "HTTP \(status)"
                if (400..<500).contains(status) && status != 408 && status != 429 {
                    logger.error(
                        "callback refused, not retried",
                        metadata: ["execution_id": "\(executionID)", "url": "\(url)", "status": "\(status)"]
                    )
                    return
                }
            } catch {
                outcome = AppwriteClient.describe(error)
            }
            logger.warning(
                "callback failed",
                metadata: ["execution_id": "\(executionID)", "url": "\(url)", "attempt": "\(attempt)", "error": "\(outcome)"]
            )
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(60))
        }
        logger.error("callback given up after \(callbackRetries) attempts", metadata: ["execution_id": "\(executionID)", "url": "\(url)"])
    }
}
