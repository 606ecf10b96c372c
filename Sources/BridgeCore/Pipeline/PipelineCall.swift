import NIOHTTP1

/// Where a call came from. It decides what the pipeline may do with it: only an action's
/// fire-and-forget call may be queued, only outbox delivery skips the concurrency limits (it is
/// the queue), and only gateway and outbox callers read Appwrite's refusals themselves.
public enum CallOrigin: String, Sendable {
    /// `POST /api/services/appwrite/<action>`: Home Assistant, Node-RED, `call --via`, curl.
    case action
    /// `/v1/…`: Appwrite's own SDKs.
    case gateway
    /// A queued item handed to Appwrite after an outage.
    case outbox
    /// `appwrite-bridge call --config`: straight from bridge.yaml, no outbox behind it.
    case commandLine = "command_line"
}

/// One Appwrite request a caller wants made on one instance.
public enum UpstreamRequest: Sendable {
    case execution(CreateExecutionRequest)
    case message(CreateMessageRequest)
    case upload(QueuedUpload)
    case readExecution(functionID: String, executionID: String)
    /// A gateway call, sent on as the SDK wrote it.
    case forwarded(ForwardedRequest)

    /// The function the call runs or reads, for the `functions:` allowlists and the limits.
    var functionID: String? {
        switch self {
        case .execution(let execution): execution.functionID
        case .readExecution(let functionID, _): functionID
        case .forwarded(let forwarded): forwarded.functionID
        case .message, .upload: nil
        }
    }

    /// Whether the instance's key goes with the call (all but a gateway guest's).
    var sendsKey: Bool {
        if case .forwarded(let forwarded) = self { return forwarded.sendsKey }
        return true
    }

    /// Calls that make something upstream wait for a slot; reads never do.
    var isLimited: Bool {
        switch self {
        case .execution, .message, .upload: true
        case .readExecution: false
        case .forwarded(let forwarded): forwarded.createsExecution
        }
    }

    /// What the outbox can keep for later.
    var queueable: OutboxRequest? {
        switch self {
        case .execution(let execution): execution.isAsync ? .execution(execution) : nil
        case .message(let message): .message(message)
        case .upload(let upload): .upload(upload)
        case .readExecution, .forwarded: nil
        }
    }
}

/// A gateway request: method, path, body and the headers Appwrite reads, and whether the
/// instance's key and project go with it (a guest caller goes on without the key).
public struct ForwardedRequest: Sendable {
    public var method: HTTPMethod
    public var pathAndQuery: String
    public var body: [UInt8]?
    public var headers: [(String, String)]
    public var functionID: String?
    public var createsExecution: Bool
    public var sendsKey: Bool
    public var sendsProject: Bool
}

/// Everything the pipeline needs to decide about one call.
public struct PipelineCall: Sendable {
    public var origin: CallOrigin
    /// The configuration snapshot the caller resolved the instance in: one snapshot per call.
    public var config: BridgeConfig
    public var instance: InstanceConfig
    public var request: UpstreamRequest
    /// The bridge token the caller presented; nil when bridge.yaml has none, or for the CLI.
    public var token: AccessToken?
    /// `function_wait`: follow the execution until it ends, at most this long.
    public var wait: Duration?
    /// `function_callback_url`: POST the final Execution there.
    public var callbackURL: String?

    public init(
        origin: CallOrigin,
        config: BridgeConfig,
        instance: InstanceConfig,
        request: UpstreamRequest,
        token: AccessToken? = nil,
        wait: Duration? = nil,
        callbackURL: String? = nil
    ) {
        self.origin = origin
        self.config = config
        self.instance = instance
        self.request = request
        self.token = token
        self.wait = wait
        self.callbackURL = callbackURL
    }

    /// Only a call nobody waits for may be kept for later: a synchronous caller is waiting for
    /// the answer, and one waiting for the end of the execution is waiting too.
    var mayQueue: Bool { origin == .action && wait == nil && request.queueable != nil }
}
