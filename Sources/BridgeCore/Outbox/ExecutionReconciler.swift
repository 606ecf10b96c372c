import Foundation

/// Before the outbox sends an execution again whose earlier attempt may have reached Appwrite,
/// asks Appwrite whether that attempt created one: listExecutions of the function, created since
/// the item was first tried, with the same path and method (attributes XList may filter on),
/// then the one whose stored `agent` request header is the item's marker (ExecutionMarker.swift).
struct ExecutionReconciler: Sendable {
    let client: AppwriteClient

    enum Finding: Sendable, Equatable {
        case found(executionID: String)
        case notFound
        /// The question has no answer (no executions.read, several candidates, a server that
        /// refuses the queries): the item is sent again and may run twice.
        case unknown(reason: String)
        /// Appwrite could not be asked now: try again later rather than risk a duplicate.
        case unavailable(reason: String)
    }

    static let pageSize = 100
    /// Beyond this many executions of the same path since the attempt, the bridge stops looking.
    static let maximumPages = 10
    /// Appwrite stamps `$createdAt` with its own clock: look this far before the attempt, so a
    /// clock that runs behind the bridge's still finds it (the marker keeps the match exact).
    static let clockAllowance: TimeInterval = 15 * 60

    func look(for execution: CreateExecutionRequest, queuedAt: Date, on instance: InstanceConfig) async -> Finding {
        guard let marker = ExecutionMarker.value(of: execution) else {
            return .unknown(reason: "it carries no agent header to recognise it by (queued by an older version)")
        }
        // The first attempt started at most one timeout before the item was queued.
        let since = queuedAt.addingTimeInterval(-instance.timeoutSeconds - Self.clockAllowance)
        var matches: [String] = []
        for page in 0..<Self.maximumPages {
            let queries: [JSONValue] = [
                Self.query("greaterThanEqual", "$createdAt", .string(Self.appwriteDate(since))),
                Self.query("equal", "requestPath", .string(execution.path)),
                Self.query("equal", "requestMethod", .string(execution.method)),
                Self.query("limit", nil, .number(String(Self.pageSize))),
                Self.query("offset", nil, .number(String(page * Self.pageSize))),
            ]
            let response: AppwriteResponse
            do {
                response = try await client.listExecutions(functionID: execution.functionID, queries: queries, on: instance)
            } catch {
                return .unavailable(reason: "cannot list its executions: \(error.reason)")
            }
            if let refusal = Self.refusal(response) { return refusal }
            guard case .array(let executions)? = response.json?["executions"] else {
                return .unknown(reason: "listExecutions answered HTTP \(response.status) without a list of executions")
            }
            matches += executions.compactMap { Self.id(of: $0, markedWith: marker) }
            if executions.count < Self.pageSize { return Self.verdict(matches, marker: marker) }
        }
        if !matches.isEmpty { return Self.verdict(matches, marker: marker) }
        return .unknown(
            reason:
                "more than \(Self.pageSize * Self.maximumPages) executions of \(execution.method) \(execution.path) since the first attempt"
        )
    }

    private static func verdict(_ matches: [String], marker: String) -> Finding {
        if matches.isEmpty { return .notFound }
        if matches.count == 1 || ExecutionMarker.isBridgeMade(marker) { return .found(executionID: matches[0]) }
        return .unknown(reason: "\(matches.count) executions carry the caller's own agent header '\(marker)'")
    }

    /// What an answer other than the list means.
    private static func refusal(_ response: AppwriteResponse) -> Finding? {
        if response.isSuccess { return nil }
        let type = response.error?.type ?? "HTTP \(response.status)"
        if response.status == 404, type == "function_not_found" { return .notFound }
        if response.status == 401, type == "general_unauthorized_scope" {
            return .unknown(reason: "the API key lacks the executions.read scope, so earlier executions cannot be listed")
        }
        if Outbox.retryableStatuses.contains(response.status) {
            return .unavailable(reason: "listExecutions answered HTTP \(response.status) \(type)")
        }
        return .unknown(reason: "listExecutions answered HTTP \(response.status) \(type): \(response.error?.explanation ?? "")")
    }

    private static func id(of execution: JSONValue, markedWith marker: String) -> String? {
        guard case .array(let headers)? = execution["requestHeaders"] else { return nil }
        let marked = headers.contains { header in
            header["name"]?.stringValue?.lowercased() == ExecutionMarker.headerName && header["value"]?.stringValue == marker
        }
        return marked ? execution["$id"]?.stringValue : nil
    }

    private static func query(_ method: String, _ attribute: String?, _ value: JSONValue?) -> JSONValue {
        var object = JSONObject([("method", .string(method))])
        if let attribute { object["attribute"] = .string(attribute) }
        if let value { object["values"] = .array([value]) }
        return .object(object)
    }

    /// Appwrite's own date format, `2025-01-01T12:00:00.000+00:00`.
    static func appwriteDate(_ date: Date) -> String {
        String(Timestamp.iso8601(date).dropLast()) + "+00:00"
    }
}
