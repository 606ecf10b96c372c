import HTTPTypes
import Hummingbird

/// An answer the gateway gives itself, in Appwrite's error envelope and with Appwrite 1.9.6's own
/// types and messages (app/config/errors.php), so an SDK cannot tell it from Appwrite's.
struct GatewayRefusal: Error, Sendable {
    var status: Int
    var type: String
    var message: String
    var retryAfterSeconds: Int?

    /// `{"message", "code", "type", "version"}`; `version` is the upstream's when known.
    func response(version: String) -> Response {
        let body = JSONObject([
            ("message", .string(message)),
            ("code", .number(String(status))),
            ("type", .string(type)),
            ("version", .string(version)),
        ])
        var response = JSONResponse.make(.object(body), status: .init(code: status))
        if let retryAfterSeconds { response.headers[.retryAfter] = String(max(retryAfterSeconds, 1)) }
        return response
    }

    static let projectMissing = GatewayRefusal(
        status: 403,
        type: "project_id_missing",
        message: "When using project API key, make sure to pass x-appwrite-project header with your project ID."
    )
    static let projectNotFound = GatewayRefusal(
        status: 404,
        type: "project_not_found",
        message:
            "Project with the requested ID could not be found. Please check the value of the X-Appwrite-Project header to ensure the correct project ID is being used."
    )
    static let userUnauthorized = GatewayRefusal(
        status: 401,
        type: "user_unauthorized",
        message: "The current user is not authorized to perform the requested action."
    )

    /// What Appwrite answers a caller lacking every scope the route accepts (shared/api.php).
    static func missingScopes(_ scopes: [String], actor: String) -> GatewayRefusal {
        let list = scopes.map { "\"\($0)\"" }.joined(separator: ",")
        return GatewayRefusal(status: 401, type: "general_unauthorized_scope", message: "\(actor) missing scopes ([\(list)])")
    }

    /// A path ID that breaks Utopia's UID rule: never sent on.
    static func invalidID(_ param: String) -> GatewayRefusal {
        GatewayRefusal(
            status: 400,
            type: "general_argument_invalid",
            message: "Invalid `\(param)` param: \(AppwriteRules.uidDescription)"
        )
    }

    /// A `max_concurrency` limit refused the call: Appwrite's own rate-limit answer, with Retry-After.
    static func rateLimited(retryAfterSeconds: Int) -> GatewayRefusal {
        GatewayRefusal(
            status: 429,
            type: "general_rate_limit_exceeded",
            message: "Rate limit for the current endpoint has been exceeded. Please try again after some time.",
            retryAfterSeconds: retryAfterSeconds
        )
    }

    static func tooLarge(limit: Int) -> GatewayRefusal {
        GatewayRefusal(status: 413, type: "general_argument_invalid", message: "The request body is larger than \(limit) bytes.")
    }

    /// The instance could not be reached: the one answer with no Appwrite equivalent.
    static func unavailable(_ instance: InstanceConfig, reason: String, timeout: Bool) -> GatewayRefusal {
        GatewayRefusal(
            status: timeout ? 504 : 502,
            type: "bridge_upstream_unavailable",
            message: "Appwrite instance '\(instance.projectID)': \(reason)"
        )
    }

    static let routeNotFound = GatewayRefusal(
        status: 404,
        type: "general_route_not_found",
        message:
            "Route not found. Please ensure the endpoint is configured correctly and that the API route is valid for this SDK version. Refer to the API docs for more details."
    )

    var isUpstreamFailure: Bool { type == "bridge_upstream_unavailable" }

    static let internalFailure = GatewayRefusal(status: 500, type: "general_unknown", message: "Server Error")
}

extension GatewayRefusal {
    /// The pipeline's refusals in Appwrite's terms: a full `max_concurrency` queue is Appwrite's
    /// rate limit, an unreachable instance the bridge's own 502/504.
    init(_ error: BridgeError, instance: InstanceConfig) {
        switch error {
        case .overloaded(_, _, let retryAfterSeconds):
            self = .rateLimited(retryAfterSeconds: retryAfterSeconds)
        case .upstreamFailed(_, let failure):
            let timeout = failure.isTimeout
            let reason = timeout ? "no answer within \(instance.timeoutSeconds) s" : failure.reason
            self = .unavailable(instance, reason: reason, timeout: timeout)
        case .forbidden, .functionNotAllowed:
            self = .missingScopes(GatewayRoutes.writeScopes, actor: GatewayAccess.keyActor(of: instance))
        default:
            self = .internalFailure
        }
    }
}
