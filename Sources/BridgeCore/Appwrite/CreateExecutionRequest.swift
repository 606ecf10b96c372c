/// Appwrite's createExecution parameters, ready to send.
public struct CreateExecutionRequest: Sendable, Equatable {
    public var functionID: String
    public var body: String
    public var isAsync: Bool
    public var path: String
    public var method: String
    public var headers: [(name: String, value: String)]
    /// The caller's text, passed on unchanged: Appwrite parses it itself.
    public var scheduledAt: String?

    public init(
        functionID: String,
        body: String = "",
        isAsync: Bool = false,
        path: String = "/",
        method: String = "GET",
        headers: [(name: String, value: String)] = [],
        scheduledAt: String? = nil
    ) {
        self.functionID = functionID
        self.body = body
        self.isAsync = isAsync
        self.path = path
        self.method = method
        self.headers = headers
        self.scheduledAt = scheduledAt
    }

    /// The JSON Appwrite receives, keys in the order of its documentation.
    /// `scheduledAt` is left out when there is no schedule, as Appwrite's SDKs do.
    public var jsonBody: JSONValue {
        var object = JSONObject([
            ("body", .string(body)),
            ("async", .bool(isAsync)),
            ("path", .string(path)),
            ("method", .string(method)),
            ("headers", .object(JSONObject(headers.map { ($0.name, .string($0.value)) }))),
        ])
        if let scheduledAt { object["scheduledAt"] = .string(scheduledAt) }
        return .object(object)
    }

    public static func == (lhs: CreateExecutionRequest, rhs: CreateExecutionRequest) -> Bool {
        lhs.jsonBody == rhs.jsonBody && lhs.functionID == rhs.functionID
    }
}
