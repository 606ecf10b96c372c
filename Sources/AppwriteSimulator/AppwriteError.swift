/// Appwrite's error answers, with the types and messages of server 1.9.6.
struct AppwriteError: Error, Sendable {
    var status: Int
    var type: String
    var message: String

    static let projectMissing = AppwriteError(
        status: 403,
        type: "project_id_missing",
        message: "When using project API key, make sure to pass x-appwrite-project header with your project ID."
    )
    static let projectNotFound = AppwriteError(
        status: 404,
        type: "project_not_found",
        message:
            "Project with the requested ID could not be found. Please check the value of the X-Appwrite-Project header to ensure the correct project ID is being used."
    )
    static let userUnauthorized = AppwriteError(
        status: 401,
        type: "user_unauthorized",
        message: "The current user is not authorized to perform the requested action."
    )
    static let keyExpired = AppwriteError(
        status: 401,
        type: "project_key_expired",
        message: "The project key has expired. Please generate a new key using the Appwrite console."
    )
    static let functionNotFound = AppwriteError(
        status: 404,
        type: "function_not_found",
        message: "Function with the requested ID could not be found."
    )
    static let deploymentNotFound = AppwriteError(
        status: 404,
        type: "deployment_not_found",
        message: "Deployment not found. Create a deployment before trying to execute a function"
    )
    static let buildNotReady = AppwriteError(
        status: 400,
        type: "build_not_ready",
        message: "Build with the requested ID is building and not ready for execution."
    )
    static let executionNotFound = AppwriteError(
        status: 404,
        type: "execution_not_found",
        message: "Execution with the requested ID could not be found."
    )
    static let syncTimeout = AppwriteError(
        status: 408,
        type: "function_synchronous_timeout",
        message:
            "Synchronous function execution timed out. Use asynchronous execution instead, or ensure the execution duration doesn't exceed 30 seconds."
    )
    static let routeNotFound = AppwriteError(
        status: 404,
        type: "general_route_not_found",
        message:
            "Route not found. Please ensure the endpoint is configured correctly and that the API route is valid for this SDK version. Refer to the API docs for more details."
    )
    static let scheduleNotAsync = AppwriteError(
        status: 400,
        type: "general_bad_request",
        message: "Scheduled executions must run asynchronously. Set scheduledAt to a future date, or set async to true."
    )
    static let scheduleInvalid = AppwriteError(
        status: 400,
        type: "general_bad_request",
        message: "Execution schedule must be a valid date, and at least 1 minute from now"
    )
    static let messageNotFound = AppwriteError(
        status: 404,
        type: "message_not_found",
        message: "Message with the requested ID could not be found."
    )
    static let messageMissingTarget = AppwriteError(
        status: 400,
        type: "message_missing_target",
        message: "Message with the requested ID has no recipients (topics or users or targets)."
    )
    static let messageAlreadyExists = AppwriteError(
        status: 409,
        type: "message_already_exists",
        message: "Message with the requested ID already exists. Try again with a different ID."
    )
    static let messageTargetNotPush = AppwriteError(
        status: 400,
        type: "message_target_not_push",
        message: "Message with the target ID is not a push target."
    )
    static let messageTargetNotEmail = AppwriteError(
        status: 400,
        type: "message_target_not_email",
        message: "Message with the target ID is not an email target."
    )
    static let messageTargetNotSMS = AppwriteError(
        status: 400,
        type: "message_target_not_sms",
        message: "Message with the target ID is not an SMS target."
    )
    /// Appwrite reports header violations with the explanation in `type` and an empty message.
    static let invalidHeaders = AppwriteError(
        status: 400,
        type:
            "Invalid headers: Alphanumeric characters or hyphens only, cannot start with \"x-appwrite\", maximum 100 keys, and total size 16384.",
        message: ""
    )

    /// What Appwrite shows for any failure that is not one of its own errors (a PHP TypeError,
    /// say): the details stay in its logs.
    static let serverError = AppwriteError(status: 500, type: "general_unknown", message: "Server Error")

    /// A guest (no API key) calling a function whose `execute` permissions do not let it in.
    static func executeNotPermitted(_ permissions: [String]) -> AppwriteError {
        guard let last = permissions.last else {
            return AppwriteError(status: 401, type: "user_unauthorized", message: "No permissions provided for action 'execute'")
        }
        let given = "[" + permissions.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        return AppwriteError(
            status: 401,
            type: "user_unauthorized",
            message:
                "Missing \"execute\" permission for role \"\(last)\". Only \"[\"any\",\"guests\"]\" scopes are allowed and \"\(given)\" was given."
        )
    }

    static func queryInvalid(_ reason: String) -> AppwriteError { argumentInvalid("queries", reason) }

    static func argumentInvalid(_ param: String, _ rule: String) -> AppwriteError {
        AppwriteError(status: 400, type: "general_argument_invalid", message: "Invalid `\(param)` param: \(rule)")
    }

    /// A required parameter that is absent from the request.
    static func paramNotOptional(_ param: String) -> AppwriteError {
        AppwriteError(status: 400, type: "general_argument_invalid", message: "Param \"\(param)\" is not optional.")
    }

    /// The answer to a target of another kind than the endpoint's.
    static func messageTargetNot(_ provider: Message.ProviderType) -> AppwriteError {
        switch provider {
        case .push: messageTargetNotPush
        case .email: messageTargetNotEmail
        case .sms: messageTargetNotSMS
        }
    }

    static func missingScopes(_ scopes: [String], actor: String) -> AppwriteError {
        let list = scopes.map { "\"\($0)\"" }.joined(separator: ",")
        return AppwriteError(
            status: 401,
            type: "general_unauthorized_scope",
            message: "\(actor) missing scopes ([\(list)])"
        )
    }
}
