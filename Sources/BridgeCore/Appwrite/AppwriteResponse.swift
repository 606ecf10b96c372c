/// What an Appwrite server answered, kept as raw bytes so an Execution passes through unchanged.
public struct AppwriteResponse: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// Appwrite's error envelope, when the body is one.
    public var error: AppwriteErrorBody? { AppwriteErrorBody(parsing: body) }

    public var json: JSONValue? { try? JSONParser.parse(body) }
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

    init?(parsing bytes: [UInt8]) {
        guard let json = try? JSONParser.parse(bytes), case .object(let object) = json,
            let type = object["type"]?.stringValue
        else { return nil }
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
