/// The validated configuration the daemon runs on: secrets resolved, every field checked.
/// A value type, so a reload builds a whole new one and swaps it in at once.
public struct BridgeConfig: Sendable, Equatable {
    public var listen: ListenAddress
    public var tokens: [AccessToken]
    /// In file order; project IDs are unique.
    public var instances: [InstanceConfig]
    /// Larger request bodies are refused with 413 before they are read whole.
    public var maximumBodyBytes: Int = 1 << 20
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

/// One bridge token from `auth.tokens`.
public struct AccessToken: Sendable, Equatable {
    /// Shown in logs and errors instead of the token itself.
    public var name: String
    public var secret: Secret

    public init(name: String, secret: Secret) {
        self.name = name
        self.secret = secret
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

    public init(
        projectID: String,
        name: String? = nil,
        baseURL: String,
        apiKey: Secret,
        timeoutSeconds: Double = InstanceConfig.defaultTimeoutSeconds
    ) {
        self.projectID = projectID
        self.name = name ?? projectID
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.timeoutSeconds = timeoutSeconds
    }

    public var actionName: String { ActionName.executeFunctionPrefix + projectID }
}
