import Logging

extension ExecutionPipeline {
    /// The call's one log line: what was created (or read, or refused), read from the answer's
    /// decoded document. Never a key: the metadata names IDs, statuses and durations only.
    func logAnswer(_ call: PipelineCall, response: AppwriteResponse, since started: ContinuousClock.Instant) {
        var metadata = Self.metadata(of: call)
        metadata["duration_ms"] = "\(Self.milliseconds(since: started))"
        metadata["upstream_status"] = "\(response.status)"
        let noun = Self.noun(of: call.request)
        guard let object = response.object else {
            if let error = response.error { metadata["appwrite_type"] = "\(error.type)" }
            // The gateway and the outbox read refusals themselves; theirs are not the bridge's warnings.
            let level: Logger.Level = call.origin == .gateway ? .info : .warning
            logger.log(level: level, "\(noun) refused by Appwrite", metadata: metadata)
            return
        }
        metadata["\(noun)_id"] = "\(object["$id"]?.stringValue ?? "?")"
        if let status = object["status"]?.stringValue { metadata["status"] = "\(status)" }
        switch call.request {
        case .readExecution:
            logger.debug("execution read", metadata: metadata)
        case .forwarded(let forwarded) where !forwarded.createsExecution:
            logger.debug("gateway call answered", metadata: metadata)
        default:
            logger.info("\(noun) created", metadata: metadata)
        }
    }

    func logFailure(_ call: PipelineCall, error: AppwriteClientError, since started: ContinuousClock.Instant) {
        var metadata = Self.metadata(of: call)
        metadata["duration_ms"] = "\(Self.milliseconds(since: started))"
        metadata["error"] = "\(error.reason)"
        logger.warning("\(Self.noun(of: call.request)) not delivered", metadata: metadata)
    }

    private static func noun(of request: UpstreamRequest) -> String {
        switch request {
        case .execution, .readExecution, .forwarded: "execution"
        case .message: "message"
        case .upload: "file"
        }
    }

    private static func metadata(of call: PipelineCall) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["project_id": "\(call.instance.projectID)"]
        if call.origin != .action { metadata["via"] = "\(call.origin.rawValue)" }
        switch call.request {
        case .execution(let request):
            metadata["function_id"] = "\(request.functionID)"
            metadata["method"] = "\(request.method)"
            metadata["async"] = "\(request.isAsync)"
            if let scheduledAt = request.scheduledAt { metadata["scheduled_at"] = "\(scheduledAt)" }
        case .message(let message):
            metadata["kind"] = "\(message.kind.rawValue)"
            metadata["message_id"] = "\(message.messageID)"
        case .upload(let upload):
            metadata["bucket_id"] = "\(upload.file.bucketID)"
            metadata["file_id"] = "\(upload.file.fileID)"
            metadata["bytes"] = "\(upload.spool.size)"
        case .readExecution(let functionID, let executionID):
            metadata["function_id"] = "\(functionID)"
            metadata["execution_id"] = "\(executionID)"
        case .forwarded(let forwarded):
            metadata["method"] = "\(forwarded.method)"
            if let functionID = forwarded.functionID { metadata["function_id"] = "\(functionID)" }
        }
        return metadata
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
