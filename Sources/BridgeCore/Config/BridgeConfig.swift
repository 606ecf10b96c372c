/// The validated configuration the daemon runs on: secrets resolved, every field checked.
/// A value type, so a reload builds a whole new one and swaps it in at once.
public struct BridgeConfig: Sendable, Equatable {
    public var listen: ListenAddress
    public var tokens: [AccessToken]
    /// In file order; project IDs are unique.
    public var instances: [InstanceConfig]
    public var limits: RequestLimits = RequestLimits()
    /// Where the outbox keeps asynchronous executions while Appwrite is unreachable.
    public var outbox: OutboxSettings = OutboxSettings(stateDirectory: "state")
    /// Warnings to log once the logger is up (e.g. a secret written inline in the file).
    public var warnings: [String]

    public init(
        listen: ListenAddress = .defaultValue,
        tokens: [AccessToken] = [],
        instances: [InstanceConfig],
        warnings: [String] = []
    ) {
        self.listen = listen
        self.tokens = tokens
        self.instances = instances
        self.warnings = warnings
    }

    public func instance(projectID: String) -> InstanceConfig? {
        instances.first { $0.projectID == projectID }
    }

    public var requiresToken: Bool { !tokens.isEmpty }
}

/// Bounds on what a client may send, so a hostile or broken client cannot tie the bridge up.
public struct RequestLimits: Sendable, Equatable {
    /// Larger request bodies are refused with 413 before they are read whole.
    public var maximumBodyBytes = 1 << 20
    public var maximumHeaderCount = 100
    public var maximumHeaderBytes = 32 * 1024
    /// A connection that sends nothing for this long is closed (slow or stuck clients).
    public var idleTimeoutSeconds = 30.0

    public init() {}
}

/// Which instances or functions a token may reach: everything, or a named set.
public enum Scope: Sendable, Equatable {
    case all
    case only(Set<String>)

    public func allows(_ name: String) -> Bool {
        switch self {
        case .all: true
        case .only(let names): names.contains(name)
        }
    }

    init(_ list: [String]?) {
        guard let list, !list.contains("*") else {
            self = .all
            return
        }
        self = .only(Set(list))
    }
}

/// One bridge token from `auth.tokens`.
public struct AccessToken: Sendable, Equatable {
    /// Shown in logs and errors instead of the token itself.
    public var name: String
    public var secret: Secret
    public var instances: Scope
    public var functions: Scope

    public init(name: String, secret: Secret, instances: Scope = .all, functions: Scope = .all) {
        self.name = name
        self.secret = secret
        self.instances = instances
        self.functions = functions
    }
}

/// One Appwrite instance, keyed by its project ID.
public struct InstanceConfig: Sendable, Equatable {
    public static let defaultTimeoutSeconds = 35.0

    public var projectID: String
    public var name: String
    /// Base URL including `/v1`, without a trailing slash.
    public var baseURL: String
    public var apiKey: Secret
    public var timeoutSeconds: Double
    /// The `functions:` allowlist; `.all` when the file has none.
    public var functions: Scope
    public var tls: UpstreamTLS = UpstreamTLS()

    public init(
        projectID: String,
        name: String? = nil,
        baseURL: String,
        apiKey: Secret,
        timeoutSeconds: Double = InstanceConfig.defaultTimeoutSeconds,
        functions: Scope = .all
    ) {
        self.projectID = projectID
        self.name = name ?? projectID
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.timeoutSeconds = timeoutSeconds
        self.functions = functions
    }

    public var actionName: String { ActionName.executeFunctionPrefix + projectID }
}

/// How the bridge verifies an https instance. The default is the system's trust store.
public struct UpstreamTLS: Sendable, Equatable {
    /// A PEM file of the CA(s) to trust instead of the system's, for a self-hosted Appwrite
    /// behind a private CA. Absolute, resolved at load.
    public var caFile: String?
    /// Skip certificate verification entirely (warned about at every load).
    public var insecure = false

    public init(caFile: String? = nil, insecure: Bool = false) {
        self.caFile = caFile
        self.insecure = insecure
    }
}
