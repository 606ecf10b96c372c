import Foundation

/// What the last check found out about one instance.
public enum InstanceState: String, Sendable, Equatable, CaseIterable {
    /// Not checked yet (the first check is under way).
    case pending
    case ok
    case unreachable
    case invalidKey = "invalid_key"
    case projectNotFound = "project_not_found"
    case missingScope = "missing_scope"
    case error
    /// Network checks are off (`serve --offline`): calls go through unverified.
    case unchecked
}

public struct InstanceHealth: Sendable, Equatable {
    public var state: InstanceState
    /// Why the state is not `ok`, in words an operator can act on. Never holds the key.
    public var reason: String?
    public var checkedAt: Date?
    /// The Appwrite error type behind the state, when Appwrite gave one.
    public var appwriteType: String?
    /// `messaging: true` instances: the state of the messages.write check. `state` above is the
    /// execute capability's (the instance's main job).
    public var messaging: CapabilityHealth?
    /// executions.read, which function_wait, callbacks and execution updates need.
    public var read: CapabilityHealth?
    /// `storage: true` instances: files.write (uploads) and files.read (resuming one).
    public var storage: CapabilityHealth?
    public var storageRead: CapabilityHealth?

    public init(state: InstanceState, reason: String? = nil, checkedAt: Date? = nil, appwriteType: String? = nil) {
        self.state = state
        self.reason = reason
        self.checkedAt = checkedAt
        self.appwriteType = appwriteType
    }

    /// One state for every capability the instance has: when the instance as a whole is
    /// unreachable, refuses the key, or was not checked, no capability was proven either.
    init(wholly state: InstanceState, reason: String?, checkedAt: Date?, appwriteType: String? = nil, for instance: InstanceConfig) {
        self.init(state: state, reason: reason, checkedAt: checkedAt, appwriteType: appwriteType)
        read = CapabilityHealth(state: state, reason: reason)
        if instance.messaging { messaging = CapabilityHealth(state: state, reason: reason) }
        if instance.storage != nil {
            storage = CapabilityHealth(state: state, reason: reason)
            storageRead = storage
        }
    }

    public static let pending = InstanceHealth(state: .pending, reason: "first check under way")

    /// Equal for logging purposes: a state change is worth a log line, a new timestamp is not.
    func sameOutcome(as other: InstanceHealth) -> Bool {
        state == other.state && reason == other.reason && messaging == other.messaging && read == other.read
            && storage == other.storage && storageRead == other.storageRead
    }
}

/// The state of one capability of an instance (`execute`, `messaging`).
public struct CapabilityHealth: Sendable, Equatable {
    public var state: InstanceState
    public var reason: String?

    public init(state: InstanceState, reason: String? = nil) {
        self.state = state
        self.reason = reason
    }
}
