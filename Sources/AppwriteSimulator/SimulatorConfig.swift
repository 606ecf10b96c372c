import Foundation
import Yams

/// What the simulated Appwrite server knows: projects, their API keys with scopes, functions with a
/// scripted behaviour, and messaging targets. Loaded from YAML (or JSON) with snake_case keys.
public struct SimulatorConfig: Codable, Sendable {
    public var version: String
    /// Synchronous executions running longer than this answer 408, as Appwrite's 30 s limit does.
    public var syncTimeoutSeconds: Double
    public var projects: [Project]
    /// How many recorded requests, and executions and messages per project, are kept (oldest dropped).
    public var retain: Int
    /// Realtime's abuse limits (Realtime/SimulatorConfig+Realtime.swift).
    public var realtime = RealtimeSettings()
    /// The `/_simulator/realtime/...` controls; the demo's configuration turns them off.
    public var testControls = true

    public struct Project: Codable, Sendable {
        public var id: String
        public var keys: [Key]
        public var functions: [Function]
        /// Messaging targets the project knows, so a target of the wrong kind can be refused.
        public var targets: [Target]
        /// Storage buckets (see SimulatorConfig+Bucket.swift).
        public var buckets: [Bucket] = []
        /// Databases and their collections (Databases/SimulatorConfig+Database.swift).
        public var databases: [Database] = []
        /// Users who may be given sessions and JWTs (Users/SimulatorConfig+User.swift).
        public var users: [User] = []

        public init(id: String, keys: [Key], functions: [Function], targets: [Target] = []) {
            self.id = id
            self.keys = keys
            self.functions = functions
            self.targets = targets
        }

        enum CodingKeys: String, CodingKey { case id, keys, functions, targets, buckets, databases, users }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            keys = try container.decode([Key].self, forKey: .keys)
            functions = try container.decode([Function].self, forKey: .functions)
            targets = try container.decodeIfPresent([Target].self, forKey: .targets) ?? []
            buckets = try container.decodeIfPresent([Bucket].self, forKey: .buckets) ?? []
            databases = try container.decodeIfPresent([Database].self, forKey: .databases) ?? []
            users = try container.decodeIfPresent([User].self, forKey: .users) ?? []
        }
    }

    /// A messaging target (a user's device, address or phone number) and its kind: push, email or sms.
    public struct Target: Codable, Sendable {
        public var id: String
        public var type: Message.ProviderType

        public init(id: String, type: Message.ProviderType) {
            self.id = id
            self.type = type
        }
    }

    public struct Key: Codable, Sendable {
        public var secret: String
        public var scopes: [String]
        public var expired: Bool

        public init(secret: String, scopes: [String], expired: Bool = false) {
            self.secret = secret
            self.scopes = scopes
            self.expired = expired
        }

        enum CodingKeys: String, CodingKey { case secret, scopes, expired }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            secret = try container.decode(String.self, forKey: .secret)
            scopes = try container.decodeIfPresent([String].self, forKey: .scopes) ?? []
            expired = try container.decodeIfPresent(Bool.self, forKey: .expired) ?? false
        }
    }

    public struct Function: Codable, Sendable {
        public var id: String
        /// How long the function "runs".
        public var sleepSeconds: Double
        /// The status code the function answers with; ≥ 500 makes the execution `failed`.
        public var responseStatus: Int
        /// false: no active deployment (404 deployment_not_found).
        public var deployment: Bool
        /// false: the build is not ready (400 build_not_ready).
        public var buildReady: Bool
        /// false: a disabled function; API keys may still run and read it, guests get 404.
        public var enabled: Bool
        /// The function's `execute` permissions (roles such as "any", "guests", "users"): who may
        /// run it without an API key. Keys bypass them.
        public var execute: [String]

        public init(
            id: String,
            sleepSeconds: Double = 0,
            responseStatus: Int = 200,
            deployment: Bool = true,
            buildReady: Bool = true,
            enabled: Bool = true,
            execute: [String] = []
        ) {
            self.id = id
            self.sleepSeconds = sleepSeconds
            self.responseStatus = responseStatus
            self.deployment = deployment
            self.buildReady = buildReady
            self.enabled = enabled
            self.execute = execute
        }

        enum CodingKeys: String, CodingKey {
            case id
            case sleepSeconds = "sleep_seconds"
            case responseStatus = "response_status"
            case deployment
            case buildReady = "build_ready"
            case enabled, execute
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            sleepSeconds = try container.decodeIfPresent(Double.self, forKey: .sleepSeconds) ?? 0
            responseStatus = try container.decodeIfPresent(Int.self, forKey: .responseStatus) ?? 200
            deployment = try container.decodeIfPresent(Bool.self, forKey: .deployment) ?? true
            buildReady = try container.decodeIfPresent(Bool.self, forKey: .buildReady) ?? true
            enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
            execute = try container.decodeIfPresent([String].self, forKey: .execute) ?? []
        }
    }

    public init(version: String = "1.9.6", syncTimeoutSeconds: Double = 30, projects: [Project], retain: Int = 100_000) {
        self.retain = retain
        self.version = version
        self.syncTimeoutSeconds = syncTimeoutSeconds
        self.projects = projects
    }

    enum CodingKeys: String, CodingKey {
        case version
        case syncTimeoutSeconds = "sync_timeout_seconds"
        case projects
        case retain
        case realtime
        case testControls = "test_controls"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decodeIfPresent(String.self, forKey: .version) ?? "1.9.6"
        syncTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .syncTimeoutSeconds) ?? 30
        projects = try container.decode([Project].self, forKey: .projects)
        retain = max(try container.decodeIfPresent(Int.self, forKey: .retain) ?? 100_000, 1)
        realtime = try container.decodeIfPresent(RealtimeSettings.self, forKey: .realtime) ?? RealtimeSettings()
        testControls = try container.decodeIfPresent(Bool.self, forKey: .testControls) ?? true
    }

    public static func load(path: String) throws -> SimulatorConfig {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try YAMLDecoder().decode(SimulatorConfig.self, from: text)
    }

    func project(_ id: String) -> Project? { projects.first { $0.id == id } }
}
