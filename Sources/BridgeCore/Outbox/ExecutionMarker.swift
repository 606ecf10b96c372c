/// The mark that lets the outbox recognise an execution an earlier attempt created.
///
/// Appwrite gives executions no client-chosen ID and keeps none of the body, but it stores a
/// short allowlist of request headers with each execution (`FUNCTION_ALLOWLIST_HEADERS_REQUEST`:
/// content-type, agent, content-length, host), async and scheduled alike. `agent` is the one no
/// HTTP stack gives a meaning to, so a fire-and-forget execution that may be queued carries
/// `agent: appwrite-bridge/<unique id>`; the same header goes with every resend of it.
enum ExecutionMarker {
    static let headerName = "agent"
    static let prefix = "appwrite-bridge/"

    /// The execution with a marker, unless its caller set an `agent` header of its own (that
    /// value is then what reconciliation looks for, and it may not be unique).
    static func marked(_ execution: CreateExecutionRequest) -> CreateExecutionRequest {
        guard value(of: execution) == nil else { return execution }
        var marked = execution
        marked.headers.append((headerName, prefix + AppwriteID.unique()))
        return marked
    }

    /// The `agent` header's value, any case of its name.
    static func value(of execution: CreateExecutionRequest) -> String? {
        execution.headers.first { $0.name.lowercased() == headerName }?.value
    }

    /// Whether the value is one the bridge made (unique), not the caller's own.
    static func isBridgeMade(_ value: String) -> Bool { value.hasPrefix(prefix) }
}
