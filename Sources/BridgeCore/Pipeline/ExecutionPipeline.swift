import Logging

/// The one road from "a caller wants this Appwrite request on this instance" to "this answer".
/// The HA-shaped actions, the messaging actions, uploads, the `/v1` gateway, `call --config` and
/// outbox delivery all come through `run`, in this order: authorize, queue behind earlier queued
/// calls, take a concurrency slot, call Appwrite, then record (metrics, one log line, events),
/// follow the execution when asked to, or queue what Appwrite could not take.
public struct ExecutionPipeline: Sendable {
    let client: AppwriteClient
    let limiters: ConcurrencyLimiters
    /// nil where nothing would deliver queued calls later (`call --config`).
    let outbox: Outbox?
    let tracker: ExecutionTracker
    /// nil outside the daemon: then nothing is known about instance health.
    let state: BridgeState?
    let metrics: BridgeMetrics?
    /// Told about instances a call could not reach, so they are checked at once.
    let checkRequests: CheckRequests?
    let logger: Logger

    public init(
        client: AppwriteClient,
        limiters: ConcurrencyLimiters,
        outbox: Outbox?,
        tracker: ExecutionTracker,
        state: BridgeState?,
        metrics: BridgeMetrics?,
        checkRequests: CheckRequests?,
        logger: Logger
    ) {
        self.client = client
        self.limiters = limiters
        self.outbox = outbox
        self.tracker = tracker
        self.state = state
        self.metrics = metrics
        self.checkRequests = checkRequests
        self.logger = logger
    }

    public func run(_ call: PipelineCall) async throws(BridgeError) -> PipelineOutcome {
        try authorize(call)
        var call = call
        call.request = call.request.withConcreteIDs()
        if call.mayQueue { call.request = call.request.withExecutionMarker() }
        if call.mayQueue, let item = call.request.queueable, let outbox, outbox.hasPending(projectID: call.instance.projectID) {
            // Strict order per instance: nothing overtakes what is already queued.
            return .queued(try await queue(item, on: call.instance, reason: Self.behindQueueReason))
        }
        let response: AppwriteResponse
        do {
            response = try await admitted(call) { () async throws(BridgeError) in try await send(call) }
        } catch {
            guard call.mayQueue, let item = call.request.queueable, let failure = Self.outboxReason(for: error) else { throw error }
            return .queued(try await queue(item, on: call.instance, reason: failure.reason, mayExist: failure.mayHaveReached))
        }
        if case .execution = call.request, call.origin != .outbox {
            tracker.created(
                response,
                functionID: call.request.functionID ?? "",
                instance: call.instance,
                callbackURL: call.callbackURL,
                willWait: call.wait != nil
            )
        } else if case .forwarded(let forwarded) = call.request, forwarded.createsExecution, response.isSuccess {
            tracker.created(response, functionID: forwarded.functionID ?? "", instance: call.instance, callbackURL: nil, willWait: false)
        }
        if let wait = call.wait, case .execution(let execution) = call.request {
            return try await follow(response, of: execution, on: call.instance, for: wait, callbackURL: call.callbackURL)
        }
        return .answered(response)
    }

    /// Creating calls wait for the instance's and the function's `max_concurrency` slots; outbox
    /// delivery does not: it sends one item per instance at a time already, and a queued call
    /// must not be refused for the very load it was queued to avoid.
    private func admitted(
        _ call: PipelineCall,
        _ body: () async throws(BridgeError) -> AppwriteResponse
    ) async throws(BridgeError) -> AppwriteResponse {
        guard call.request.isLimited, call.origin != .outbox else { return try await body() }
        do {
            return try await limiters.run(instance: call.instance, functionID: call.request.functionID) { try await body() }
        } catch let refusal as LimitRefusal {
            throw .overloaded(
                limit: refusal.label,
                rejection: refusal.rejection,
                retryAfterSeconds: Int(refusal.limit.queueTimeoutSeconds.rounded(.up))
            )
        } catch let error as BridgeError {
            throw error
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// One upstream call, its metrics and its one log line. Actions and the CLI get Appwrite's
    /// refusals as `upstreamRejected`; the gateway and the outbox read them from the answer.
    private func send(_ call: PipelineCall) async throws(BridgeError) -> AppwriteResponse {
        let instance = call.instance
        let started = ContinuousClock.now
        let response: AppwriteResponse
        do {
            response = try await client.perform(call.request, on: instance)
        } catch {
            metrics?.recordUpstream(
                projectID: instance.projectID,
                outcome: error.isTimeout ? "timeout" : "unreachable",
                duration: .now - started
            )
            logFailure(call, error: error, since: started)
            checkRequests?.request(instance.projectID)
            throw .upstreamFailed(projectID: instance.projectID, error)
        }
        metrics?.recordUpstream(projectID: instance.projectID, outcome: String(response.status), duration: .now - started)
        logAnswer(call, response: response, since: started)
        switch call.origin {
        case .gateway, .outbox:
            return response
        case .action, .commandLine:
            guard response.isSuccess else { throw .upstreamRejected(projectID: instance.projectID, response: response) }
            guard response.object != nil else {
                throw .upstreamFailed(
                    projectID: instance.projectID,
                    .invalidResponse("Appwrite answered HTTP \(response.status) without the created object")
                )
            }
            return response
        }
    }

    /// `function_wait`: follows the created execution to its end (or the limit), then hands the
    /// final Execution to the callback, if any.
    private func follow(
        _ created: AppwriteResponse,
        of execution: CreateExecutionRequest,
        on instance: InstanceConfig,
        for wait: Duration,
        callbackURL: String?
    ) async throws(BridgeError) -> PipelineOutcome {
        guard let object = created.object, let executionID = object["$id"]?.stringValue,
            !ExecutionTracker.finalStatuses.contains(object["status"]?.stringValue ?? "")
        else { return .answered(created) }
        guard
            let final = try await tracker.follow(
                functionID: execution.functionID,
                executionID: executionID,
                lastStatus: object["status"]?.stringValue ?? "",
                instance: instance,
                limit: wait
            )
        else { return .unfinished(created, executionID: executionID, waited: wait) }
        if let callbackURL {
            Task { [tracker] in await tracker.deliverCallback(body: final.body, to: callbackURL, executionID: executionID) }
        }
        return .answered(final)
    }
}
