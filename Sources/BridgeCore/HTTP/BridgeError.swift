/// Everything the HTTP API can refuse or fail with. `BridgeError+HTTP.swift` is the one place
/// that turns these into status codes and JSON bodies.
public enum BridgeError: Error, Sendable {
    case invalidPayload(PayloadError)
    case invalidJSON(JSONParseError)
    case unsupportedMediaType(String)
    case payloadTooLarge(limit: Int)
    case unauthorized(String)
    /// The token is valid but its scope does not cover this instance.
    case forbidden(tokenName: String, projectID: String)
    /// The function is outside the token's or the instance's `functions:` list.
    case functionNotAllowed(functionID: String, by: String)
    case unknownAction(String)
    case unknownInstance(String)
    case routeNotFound(method: String, path: String)
    /// Appwrite answered, but not with success.
    case upstreamRejected(projectID: String, response: AppwriteResponse)
    case upstreamFailed(projectID: String, AppwriteClientError)
    case internalError(String)
    case outboxItemNotFound(Int64)
    /// function_wait or function_callback_url (`field`) cannot work on this instance: its key
    /// cannot read executions, so the bridge could never see how the execution ended.
    case waitUnavailable(field: String, projectID: String, reason: String)
    /// function_wait_timeout passed before the execution finished.
    case waitTimedOut(executionID: String, seconds: Int)
    /// function_callback_url points at a host not in callbacks.allowed_hosts.
    case callbackNotAllowed(String)
    /// A `max_concurrency` limit's queue was full, or the call waited too long in it.
    case overloaded(limit: String, rejection: ConcurrencyRejection, retryAfterSeconds: Int)
    /// The outbox could not store an execution Appwrite could not take either.
    case outboxUnavailable(projectID: String, reason: String)
    /// `limits.max_event_streams` listeners are already connected to `/api/events`.
    case tooManyEventStreams(limit: Int)
    /// The bridge is stopping and takes no new long-lived streams.
    case shuttingDown
    /// The path exists, but not for this method; `allowed` becomes the `Allow` header.
    case methodNotAllowed(method: String, path: String, allowed: [String])
    /// The request did not arrive whole within `limits.request_timeout_seconds`.
    case requestTimeout(seconds: Double)
    /// An upload names a bucket off the instance's `buckets:` list, or a `source_url` host off
    /// `fetch.allowed_hosts`.
    case notAllowed(field: String, String)
    /// The instance exists but was configured without `storage: true` (or a `buckets:` list).
    case storageNotEnabled(projectID: String)
    /// An upload's `source_url` could not be read.
    case sourceFetchFailed(String)
    /// Queued uploads would pass `outbox.max_bytes`.
    case outboxFull(limit: Int)
}
