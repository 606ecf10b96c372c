import HTTPTypes
import Hummingbird
import NIOCore

/// Error types Appwrite uses when the bridge's own key or project is wrong: the caller cannot fix
/// those, the operator must, so they become 502 rather than Appwrite's 401/403/404.
private let configurationErrorTypes: Set<String> = [
    "user_unauthorized", "project_key_expired", "project_key_invalid", "general_unauthorized_scope",
    "project_not_found", "project_id_missing", "general_access_forbidden", "project_unknown",
]

/// Call errors that automations may want to tell apart; they pass through under Appwrite's name.
private let passThroughTypes: Set<String> = [
    "function_not_found", "deployment_not_found", "build_not_ready", "execution_not_found",
    "function_synchronous_timeout", "general_argument_invalid", "general_bad_request",
]

extension BridgeError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch self {
        case .invalidPayload, .invalidJSON: .badRequest
        case .unsupportedMediaType: .unsupportedMediaType
        case .payloadTooLarge: .contentTooLarge
        case .unauthorized: .unauthorized
        case .forbidden, .functionNotAllowed: .forbidden
        case .unknownAction, .unknownInstance, .routeNotFound: .notFound
        case .upstreamRejected(_, let response): Self.mapUpstream(response).status
        case .upstreamFailed(_, .timeout): .gatewayTimeout
        case .upstreamFailed: .badGateway
        case .internalError: .internalServerError
        case .outboxItemNotFound, .storageNotEnabled: .notFound
        case .outboxUnavailable, .tooManyEventStreams, .shuttingDown: .serviceUnavailable
        case .overloaded: .tooManyRequests
        case .waitUnavailable, .callbackNotAllowed: .badRequest
        case .waitTimedOut: .gatewayTimeout
        case .methodNotAllowed: .methodNotAllowed
        case .requestTimeout: .requestTimeout
        case .notAllowed: .forbidden
        case .sourceFetchFailed: .badGateway
        case .outboxFull: .init(code: 507, reasonPhrase: "Insufficient Storage")
        }
    }

    public var statusCode: Int { Int(status.code) }

    /// The stable, machine-readable name callers branch on.
    public var code: String {
        switch self {
        case .invalidPayload: "invalid_payload"
        case .invalidJSON(.invalidUTF8): "invalid_utf8"
        case .invalidJSON(.tooDeep): "json_too_deep"
        case .invalidJSON(.duplicateKey): "duplicate_key"
        case .invalidJSON: "invalid_json"
        case .unsupportedMediaType: "unsupported_media_type"
        case .payloadTooLarge: "payload_too_large"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .functionNotAllowed: "function_not_allowed"
        case .unknownAction: "unknown_action"
        case .unknownInstance: "unknown_instance"
        case .routeNotFound: "not_found"
        case .upstreamRejected(_, let response): Self.mapUpstream(response).code
        case .upstreamFailed(_, .timeout): "appwrite_timeout"
        case .upstreamFailed(_, .unreachable), .upstreamFailed(_, .answerLost): "appwrite_unreachable"
        case .upstreamFailed(_, .invalidResponse): "appwrite_bad_response"
        case .internalError: "internal_error"
        case .outboxItemNotFound: "outbox_item_not_found"
        case .outboxUnavailable: "outbox_unavailable"
        case .tooManyEventStreams: "too_many_event_streams"
        case .shuttingDown: "shutting_down"
        case .waitUnavailable: "missing_scope"
        case .waitTimedOut: "wait_timeout"
        case .callbackNotAllowed: "invalid_payload"
        case .overloaded(_, .queueFull, _): "queue_full"
        case .overloaded(_, .timedOut, _): "queue_timeout"
        case .methodNotAllowed: "method_not_allowed"
        case .requestTimeout: "request_timeout"
        case .notAllowed: "not_allowed"
        case .storageNotEnabled: "storage_not_enabled"
        case .sourceFetchFailed: "source_fetch_failed"
        case .outboxFull: "outbox_full"
        }
    }

    public var field: String? {
        switch self {
        case .invalidPayload(let error): error.field
        case .invalidJSON(.duplicateKey(let path, _)): path
        case .functionNotAllowed: "function_id"
        case .waitUnavailable(let field, _, _): field
        case .callbackNotAllowed: "function_callback_url"
        case .notAllowed(let field, _): field
        case .sourceFetchFailed: "source_url"
        default: nil
        }
    }

    public var message: String {
        switch self {
        case .invalidPayload(let error): error.message
        case .invalidJSON(let error): error.message
        case .unsupportedMediaType(let type):
            "the body must be JSON (Content-Type: application/json), got '\(type)'"
        case .payloadTooLarge(let limit): "the body is larger than \(limit) bytes"
        case .unauthorized(let reason): reason
        case .forbidden(let tokenName, let projectID): "token '\(tokenName)' may not call instance '\(projectID)'"
        case .functionNotAllowed(let functionID, let by): "function '\(functionID)' is not allowed by \(by)"
        case .unknownAction(let name): "there is no action '\(name)' in the appwrite domain"
        case .unknownInstance(let projectID): "no instance with project ID '\(projectID)' is configured"
        case .routeNotFound(let method, let path): "no endpoint for \(method) \(path)"
        case .upstreamRejected(let projectID, let response):
            Self.mapUpstream(response).message(projectID: projectID)
        case .upstreamFailed(let projectID, let error): "Appwrite instance '\(projectID)': \(error.reason)"
        case .internalError(let detail): detail
        case .outboxItemNotFound(let id): "the outbox has no item \(id) (delivered, dropped or never queued)"
        case .waitUnavailable(let field, let projectID, let reason):
            "\(field) cannot work on instance '\(projectID)': \(reason); give its key executions.read"
        case .waitTimedOut(let executionID, let seconds):
            "execution \(executionID) did not finish within \(seconds) s; it may still complete (GET /api/executions/…/\(executionID))"
        case .callbackNotAllowed(let url):
            "'\(url)' is not on callbacks.allowed_hosts in bridge.yaml"
        case .overloaded(let limit, .queueFull, _):
            "'\(limit)' is at its max_concurrency and its queue (max_queue) is full; try again later"
        case .overloaded(let limit, .timedOut, _):
            "'\(limit)' is at its max_concurrency and the call waited queue_timeout_seconds without a turn"
        case .outboxUnavailable(let projectID, let reason):
            "Appwrite instance '\(projectID)' is unreachable and the outbox could not store the execution: \(reason)"
        case .tooManyEventStreams(let limit):
            "\(limit) event streams are open (limits.max_event_streams); close one or raise the limit"
        case .shuttingDown: "the bridge is shutting down"
        case .methodNotAllowed(let method, let path, let allowed):
            "\(method) is not allowed on \(path); allowed: \(allowed.joined(separator: ", "))"
        case .requestTimeout(let seconds):
            "the request did not arrive whole within \(Self.seconds(seconds)) s (limits.request_timeout_seconds)"
        case .notAllowed(_, let reason): reason
        case .storageNotEnabled(let projectID):
            "instance '\(projectID)' has no storage: set storage: true (or a buckets: list) on it in bridge.yaml"
        case .sourceFetchFailed(let reason): reason
        case .outboxFull(let limit):
            "Appwrite is unreachable and the queued uploads would pass outbox.max_bytes (\(limit) bytes); try again later"
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(envelope, status: status)
        if case .overloaded(_, _, let seconds) = self { response.headers[.retryAfter] = String(max(seconds, 1)) }
        if case .methodNotAllowed(_, _, let allowed) = self { response.headers[.allow] = allowed.joined(separator: ", ") }
        if case .tooManyEventStreams = self { response.headers[.retryAfter] = "5" }
        return response
    }

    /// `{"error": {"code", "field", "message", "upstream"}}`: also written by channel handlers that
    /// answer before any route runs (the request deadline).
    var envelope: JSONValue {
        var error = JSONObject([("code", .string(code))])
        if let field { error["field"] = .string(field) }
        error["message"] = .string(message)
        if case .upstreamRejected(_, let response) = self {
            let upstream = response.error
            error["upstream"] = .object(
                JSONObject([
                    ("status", .number(String(response.status))),
                    ("type", upstream.map { .string($0.type) } ?? .null),
                    ("message", upstream.map { .string($0.explanation) } ?? .null),
                ])
            )
        }
        return .object(JSONObject([("error", .object(error))]))
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// How an Appwrite refusal reaches the caller.
    struct UpstreamMapping {
        var status: HTTPResponse.Status
        var code: String
        var kind: Kind

        enum Kind { case configuration, call, server }

        func message(projectID: String) -> String {
            switch kind {
            case .configuration:
                "Appwrite refused the bridge's credentials for instance '\(projectID)'; check its api key, scopes and project ID"
            case .call: "Appwrite refused the call to instance '\(projectID)'"
            case .server: "Appwrite instance '\(projectID)' failed to handle the call"
            }
        }
    }

    static func mapUpstream(_ response: AppwriteResponse) -> UpstreamMapping {
        let error = response.error
        let type = error?.type ?? ""
        if configurationErrorTypes.contains(type) || response.status == 401 || response.status == 403 {
            return UpstreamMapping(status: .badGateway, code: "instance_misconfigured", kind: .configuration)
        }
        switch response.status {
        case 400..<500:
            let code: String
            if passThroughTypes.contains(type) {
                code = type
            } else if response.status == 429 {
                code = "appwrite_rate_limited"
            } else {
                code = error?.typeCode ?? "appwrite_rejected_call"
            }
            return UpstreamMapping(status: .init(code: response.status), code: code, kind: .call)
        case 500..<600:
            return UpstreamMapping(status: .badGateway, code: "appwrite_error", kind: .server)
        default:
            return UpstreamMapping(status: .badGateway, code: "appwrite_bad_response", kind: .server)
        }
    }
}
