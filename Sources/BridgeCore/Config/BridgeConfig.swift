import Foundation

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
    /// `callbacks.allowed_hosts`: where `function_callback_url` may point ("host" or "host:port").
    public var callbackHosts: [String] = []
    /// `fetch:`: where an upload's `source_url` may point, and the headers sent there.
    public var fetch = FetchSettings()
    /// Warnings to log once the logger is up (e.g. a secret written inline in the file).
    public var warnings: [String]
    /// The file it was read from, for messages that tell the user what to edit.
    public var file = "bridge.yaml"

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

    /// What STATUS=, /readyz and `check` say while `instances` is empty (a fresh install).
    public var noInstancesMessage: String {
        "no instances configured: edit \(file), then systemctl reload appwrite-bridge"
    }

    public func instance(projectID: String) -> InstanceConfig? {
        instances.first { $0.projectID == projectID }
    }

    public var requiresToken: Bool { !tokens.isEmpty }

    /// The token whose secret is `presented`. Every token is compared, even after a match, so the
    /// time taken does not tell which one matched.
    public func token(matching presented: some StringProtocol) -> AccessToken? {
        var matched: AccessToken?
        for token in tokens where token.secret.constantTimeEquals(presented) { matched = matched ?? token }
        return matched
    }

    /// Whether a callback URL's host (and port) is on `callbacks.allowed_hosts`.
    public func allowsCallback(to url: String) -> Bool {
        guard let components = URLComponents(string: url), let host = components.host?.lowercased() else { return false }
        let port = components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)
        return callbackHosts.contains { entry in
            let allowed = entry.lowercased()
            return allowed == host || allowed == "\(host):\(port)" || allowed == "[\(host)]:\(port)"
        }
    }

    /// Every action name of every instance, in file order.
    public var actions: [(name: String, target: ActionTarget)] {
        instances.flatMap { instance -> [(name: String, target: ActionTarget)] in
            var actions: [(name: String, target: ActionTarget)] = [(instance.actionName, .executeFunction(projectID: instance.projectID))]
            if instance.messaging {
                for kind in MessageKind.allCases {
                    actions.append(
                        (
                            ActionName.sendMessage(kind, projectID: instance.projectID),
                            .sendMessage(projectID: instance.projectID, kind: kind)
                        )
                    )
                }
            }
            for action in instance.functionActions {
                actions.append((action.actionName, .executeConfigured(projectID: instance.projectID, functionID: action.functionID)))
            }
            return actions
        }
    }

    /// The target of an action name, or nil when no instance defines it.
    public func target(ofAction name: String) -> ActionTarget? {
        if let projectID = ActionName.executeFunctionProjectID(name), instance(projectID: projectID) != nil {
            return .executeFunction(projectID: projectID)
        }
        return actions.first { $0.name == name }?.target
    }
}

/// Bounds on what a client may send, so a hostile or broken client cannot tie the bridge up.
public struct RequestLimits: Sendable, Equatable {
    /// Larger request bodies are refused with 413 before they are read whole.
    public var maximumBodyBytes = 1 << 20
    public var maximumHeaderCount = 100
    public var maximumHeaderBytes = 32 * 1024
    /// A connection that sends nothing for this long is closed (slow or stuck clients).
    public var idleTimeoutSeconds = 30.0
    /// Open `GET /api/events` streams; one more is refused with 503.
    public var maximumEventStreams = 128
    /// The longest a request may take to arrive whole, head to last body byte: a body trickled
    /// in a byte at a time resets the idle timeout forever, this deadline it does not.
    public var requestTimeoutSeconds = 30.0
    /// Open client connections at most; nil derives it from the descriptor limit at start
    /// (`ConnectionLimit.defaultMaximum`). When reached, the oldest idle connection is closed.
    public var maximumConnections: Int?
    /// Bodies of `POST /api/files/...` (and fetched `source_url`s); larger ones are refused with 413.
    public var maximumUploadBytes = 50 << 20

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
    /// The object entries of `functions:`: each is an action of its own.
    public var functionActions: [FunctionAction] = []
    /// `messaging: true`: send_push/send_email/send_sms actions and a messages.write check.
    public var messaging = false
    /// `max_concurrency` for every call to this instance.
    public var limit: ConcurrencyLimit?
    /// `storage: true` (and `buckets:`): the upload_file action and `/api/files` (nil: off).
    public var storage: StorageSettings?
    /// `realtime:`: the Realtime subscriptions this instance delivers to `/api/events` (nil: none).
    public var realtime: RealtimeSettings?

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

    /// The function action for a function ID, if `functions:` has an object entry for it.
    public func functionAction(_ functionID: String) -> FunctionAction? {
        functionActions.first { $0.functionID == functionID }
    }
}

/// `execute_<project_id>_<function_id>`: one configured function as an action of its own.
public struct FunctionAction: Sendable, Equatable {
    public var functionID: String
    public var actionName: String
    public var name: String
    public var description: String
    /// execute_function payload fields applied under the caller's payload.
    public var defaults: JSONObject
    public var limit: ConcurrencyLimit?
}

/// At most `maxConcurrency` calls at once; later ones wait in a FIFO queue of `maxQueue` for at
/// most `queueTimeoutSeconds`, then are refused with 429.
public struct ConcurrencyLimit: Sendable, Equatable {
    public static let defaultMaximumQueue = 100
    public static let defaultQueueTimeoutSeconds = 30.0

    public var maxConcurrency: Int
    public var maxQueue: Int = ConcurrencyLimit.defaultMaximumQueue
    public var queueTimeoutSeconds: Double = ConcurrencyLimit.defaultQueueTimeoutSeconds

    public init(
        maxConcurrency: Int,
        maxQueue: Int = ConcurrencyLimit.defaultMaximumQueue,
        queueTimeoutSeconds: Double = ConcurrencyLimit.defaultQueueTimeoutSeconds
    ) {
        self.maxConcurrency = maxConcurrency
        self.maxQueue = maxQueue
        self.queueTimeoutSeconds = queueTimeoutSeconds
    }
}

/// What an action name resolves to.
public enum ActionTarget: Sendable, Equatable {
    case executeFunction(projectID: String)
    case executeConfigured(projectID: String, functionID: String)
    case sendMessage(projectID: String, kind: MessageKind)

    public var projectID: String {
        switch self {
        case .executeFunction(let projectID), .executeConfigured(let projectID, _), .sendMessage(let projectID, _): projectID
        }
    }
}

/// Appwrite Messaging's three providers.
public enum MessageKind: String, Sendable, Equatable, CaseIterable {
    case push, email, sms

    var displayName: String {
        switch self {
        case .push: "push notification"
        case .email: "email"
        case .sms: "SMS"
        }
    }

    var article: String { self == .push ? "a" : "an" }
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
