/// What an Appwrite server answered: the raw bytes, so an Execution passes through unchanged, and
/// the document they hold, decoded once on arrival. The HTTP mapping, the outbox, the events and
/// the log line all read `json` and `error`; nothing parses `body` again.
public struct AppwriteResponse: Sendable {
    public let status: Int
    public let body: [UInt8]
    /// The body as JSON; nil when it is empty or not JSON.
    public let json: JSONValue?

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
        self.json = body.isEmpty ? nil : try? JSONParser.parse(body)
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// Appwrite's error envelope, when the body is one.
    public var error: AppwriteErrorBody? { json.flatMap(AppwriteErrorBody.init(document:)) }

    /// The created or read object (an Execution, a Message), when the answer is a success with one.
    public var object: JSONObject? {
        guard isSuccess, case .object(let object)? = json else { return nil }
        return object
    }
}

/// Appwrite's error envelope: `{"message", "code", "type", "version"}`.
public struct AppwriteErrorBody: Sendable, Equatable {
    public var message: String
    public var type: String
    public var code: Int?
    public var version: String?

    public init(message: String, type: String, code: Int? = nil, version: String? = nil) {
        self.message = message
        self.type = type
        self.code = code
        self.version = version
    }

    init?(document: JSONValue) {
        guard case .object(let object) = document, let type = object["type"]?.stringValue else { return nil }
        self.type = type
        self.message = object["message"]?.stringValue ?? ""
        if case .number(let text)? = object["code"] { self.code = Int(text) }
        self.version = object["version"]?.stringValue
    }

    /// Appwrite answers some header errors with the explanation in `type` and an empty `message`;
    /// a caller should always read something useful.
    public var explanation: String { message.isEmpty ? type : message }

    /// A short machine-readable name: Appwrite's `type` when it is one (snake_case), else nil.
    public var typeCode: String? {
        type.utf8.allSatisfy { AppwriteRules.isAlphanumeric($0) || $0 == UInt8(ascii: "_") } ? type : nil
    }
}
