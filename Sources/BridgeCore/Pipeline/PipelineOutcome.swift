/// What became of a call.
public enum PipelineOutcome: Sendable {
    /// Appwrite's answer, decoded once. For actions and the CLI it is a success; gateway and
    /// outbox callers get refusals here too, to read themselves.
    case answered(AppwriteResponse)
    /// `function_wait` ran out: the last Execution seen, not finished yet.
    case unfinished(AppwriteResponse, executionID: String, waited: Duration)
    /// Kept in the outbox for later delivery.
    case queued(OutboxReceipt)
}

/// The outbox's receipt for a queued call.
public struct OutboxReceipt: Sendable {
    public var outboxID: Int64
    public var projectID: String
    public var request: OutboxRequest
    public var reason: String
}
