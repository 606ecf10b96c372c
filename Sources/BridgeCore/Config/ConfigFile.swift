import Yams

/// bridge.yaml as written, before secrets are resolved. Each type refuses unknown keys and keeps
/// the positions its later validation needs.
struct ConfigFile: Decodable {
    var listen: String?
    var auth: AuthSection?
    var limits: LimitsSection?
    var stateDirectory: String?
    var outbox: OutboxSection?
    var callbacks: CallbacksSection?
    var fetch: FetchSection?
    var instances: [InstanceEntry]
    var fields: YAMLFields

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen, auth, limits, state_dir, outbox, callbacks, instances
        case fetch
    }

    init(from decoder: any Decoder) throws {
        fields = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        listen = try container.decodeIfPresent(String.self, forKey: .listen)
        auth = try container.decodeIfPresent(AuthSection.self, forKey: .auth)
        limits = try container.decodeIfPresent(LimitsSection.self, forKey: .limits)
        stateDirectory = try container.decodeIfPresent(String.self, forKey: .state_dir)
        outbox = try container.decodeIfPresent(OutboxSection.self, forKey: .outbox)
        callbacks = try container.decodeIfPresent(CallbacksSection.self, forKey: .callbacks)
        fetch = try container.decodeIfPresent(FetchSection.self, forKey: .fetch)
        guard container.contains(.instances) else {
            throw fields.issue(nil, "missing required key 'instances' (a list of Appwrite instances)")
        }
        instances = try container.decode([InstanceEntry].self, forKey: .instances)
    }
}

struct AuthSection: Decodable {
    var tokens: [TokenEntry]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case tokens
    }

    init(from decoder: any Decoder) throws {
        _ = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try container.decodeIfPresent([TokenEntry].self, forKey: .tokens) ?? []
    }
}

/// `limits:`. Each key is one optional field; `ConfigLoader.validateLimits` holds the ranges, so a
/// new limit is one line here and one there.
struct LimitsSection: Decodable {
    var maxBodyBytes: Int?
    var maxHeaderCount: Int?
    var maxHeaderBytes: Int?
    var idleTimeoutSeconds: Double?
    var requestTimeoutSeconds: Double?
    var maxConnections: Int?
    var maxEventStreams: Int?
    var maxUploadBytes: Int?
    var fields: YAMLFields

    enum CodingKeys: String, CodingKey, CaseIterable {
        case max_body_bytes, max_header_count, max_header_bytes, idle_timeout_seconds, request_timeout_seconds
        case max_connections, max_event_streams
        case max_upload_bytes
    }

    init(from decoder: any Decoder) throws {
        fields = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maxBodyBytes = try container.decodeIfPresent(Int.self, forKey: .max_body_bytes)
        maxHeaderCount = try container.decodeIfPresent(Int.self, forKey: .max_header_count)
        maxHeaderBytes = try container.decodeIfPresent(Int.self, forKey: .max_header_bytes)
        idleTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .idle_timeout_seconds)
        maxEventStreams = try container.decodeIfPresent(Int.self, forKey: .max_event_streams)
        requestTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .request_timeout_seconds)
        maxConnections = try container.decodeIfPresent(Int.self, forKey: .max_connections)
        maxUploadBytes = try container.decodeIfPresent(Int.self, forKey: .max_upload_bytes)
    }
}

struct CallbacksSection: Decodable {
    var allowedHosts: [String]
    var fields: YAMLFields

    enum CodingKeys: String, CodingKey, CaseIterable {
        case allowed_hosts
    }

    init(from decoder: any Decoder) throws {
        fields = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        allowedHosts = try container.decodeIfPresent([String].self, forKey: .allowed_hosts) ?? []
    }
}

struct OutboxSection: Decodable {
    /// "24h", "90m", "3600s", "2d" or a number of seconds.
    var maxAge: String?
    var lateSchedule: String?
    var maxBytes: Int?
    var fields: YAMLFields

    enum CodingKeys: String, CodingKey, CaseIterable {
        case max_age, late_schedule
        case max_bytes
    }

    init(from decoder: any Decoder) throws {
        fields = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maxAge = try container.decodeIfPresent(String.self, forKey: .max_age)
        lateSchedule = try container.decodeIfPresent(String.self, forKey: .late_schedule)
        maxBytes = try container.decodeIfPresent(Int.self, forKey: .max_bytes)
    }
}

struct TokenEntry: Decodable {
    var name: String?
    var source: SecretSource
    var instances: [String]?
    var functions: [String]?
    var fields: YAMLFields

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, token_file, token_env, token, instances, functions
    }

    init(from decoder: any Decoder) throws {
        fields = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        instances = try container.decodeIfPresent([String].self, forKey: .instances)
        functions = try container.decodeIfPresent([String].self, forKey: .functions)
        source = try SecretSource.decode(
            from: container,
            fields: fields,
            file: .token_file,
            environment: .token_env,
            inline: .token
        )
    }
}

struct InstanceEntry: Decodable {
    var projectID: String
    var name: String?
    var url: String
    var apiKey: SecretSource
    var timeoutSeconds: Double?
    var functions: [FunctionEntry]?
    var caFile: String?
    var tlsInsecure: Bool?
    var messaging: Bool?
    var storage: Bool?
    var buckets: [String]?
    var realtime: RealtimeSection?
    var limits: ConcurrencyEntry
    var fields: YAMLFields

    enum CodingKeys: String, CodingKey, CaseIterable {
        case project_id, name, url, api_key_file, api_key_env, api_key, timeout_seconds, functions, ca_file, tls_insecure
        case messaging, max_concurrency, max_queue, queue_timeout_seconds
        case storage, buckets
        case realtime
    }

    init(from decoder: any Decoder) throws {
        fields = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.project_id) else { throw fields.issue(nil, "missing required key 'project_id'") }
        guard container.contains(.url) else { throw fields.issue(nil, "missing required key 'url'") }
        projectID = try container.decode(String.self, forKey: .project_id)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        url = try container.decode(String.self, forKey: .url)
        timeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .timeout_seconds)
        functions = try container.decodeIfPresent([FunctionEntry].self, forKey: .functions)
        messaging = try container.decodeIfPresent(Bool.self, forKey: .messaging)
        storage = try container.decodeIfPresent(Bool.self, forKey: .storage)
        buckets = try container.decodeIfPresent([String].self, forKey: .buckets)
        realtime = try container.decodeIfPresent(RealtimeSection.self, forKey: .realtime)
        limits = try ConcurrencyEntry(decoder: decoder)
        caFile = try container.decodeIfPresent(String.self, forKey: .ca_file)
        tlsInsecure = try container.decodeIfPresent(Bool.self, forKey: .tls_insecure)
        apiKey = try SecretSource.decode(
            from: container,
            fields: fields,
            file: .api_key_file,
            environment: .api_key_env,
            inline: .api_key
        )
    }
}

/// `max_concurrency`, `max_queue` and `queue_timeout_seconds`, on an instance or a function.
struct ConcurrencyEntry {
    var maxConcurrency: Int?
    var maxQueue: Int?
    var queueTimeoutSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case max_concurrency, max_queue, queue_timeout_seconds
    }

    init(decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maxConcurrency = try container.decodeIfPresent(Int.self, forKey: .max_concurrency)
        maxQueue = try container.decodeIfPresent(Int.self, forKey: .max_queue)
        queueTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .queue_timeout_seconds)
    }
}

/// One entry of an instance's `functions:` list: a plain ID (allowed), or an object that also
/// defines its own action with defaults and limits.
struct FunctionEntry: Decodable {
    var id: String
    var details: Details?

    struct Details {
        var name: String?
        var description: String?
        /// The defaults as execute_function payload fields (function_method, …), in file order.
        var defaults: [(key: String, value: JSONValue)]
        var limits: ConcurrencyEntry
        var fields: YAMLFields
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, description, method, path, headers, body, async, max_concurrency, max_queue, queue_timeout_seconds
    }

    init(from decoder: any Decoder) throws {
        if let plain = try? decoder.singleValueContainer().decode(String.self) {
            id = plain
            return
        }
        let fields = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.id) else { throw fields.issue(nil, "missing required key 'id' (the function ID)") }
        id = try container.decode(String.self, forKey: .id)
        var defaults: [(key: String, value: JSONValue)] = []
        if let method = try container.decodeIfPresent(String.self, forKey: .method) {
            defaults.append(("function_method", .string(method)))
        }
        if let path = try container.decodeIfPresent(String.self, forKey: .path) {
            defaults.append(("function_path", .string(path)))
        }
        if container.contains(.headers) {
            let headers = try container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .headers)
            var object = JSONObject()
            for key in headers.allKeys { object[key.stringValue] = .string(try headers.decode(String.self, forKey: key)) }
            defaults.append(("function_headers", .object(object)))
        }
        if container.contains(.body), let node = (try container.superDecoder(forKey: .body) as? NodeDecoder)?.node {
            // Text is sent as written; a mapping or list is serialised as JSON, as function_body is.
            defaults.append(("function_body", try JSONValue(yaml: node, codingPath: container.codingPath + [CodingKeys.body])))
        }
        if let isAsync = try container.decodeIfPresent(Bool.self, forKey: .async) {
            defaults.append(("function_async", .bool(isAsync)))
        }
        details = Details(
            name: try container.decodeIfPresent(String.self, forKey: .name),
            description: try container.decodeIfPresent(String.self, forKey: .description),
            defaults: defaults,
            limits: try ConcurrencyEntry(decoder: decoder),
            fields: fields
        )
    }
}

extension SecretSource {
    /// Exactly one of the three keys must be present; naming the three keeps the error actionable.
    static func decode<Key: CodingKey>(
        from container: KeyedDecodingContainer<Key>,
        fields: YAMLFields,
        file: Key,
        environment: Key,
        inline: Key
    ) throws -> SecretSource {
        let present = [file, environment, inline].filter { container.contains($0) }
        let names = "\(file.stringValue), \(environment.stringValue) or \(inline.stringValue)"
        guard present.count == 1, let key = present.first else {
            if present.isEmpty { throw fields.issue(nil, "missing secret: set one of \(names)") }
            throw fields.issue(present[1].stringValue, "set only one of \(names)")
        }
        let value = try container.decode(String.self, forKey: key)
        guard !value.isEmpty else { throw fields.issue(key.stringValue, "must not be empty") }
        switch key.stringValue {
        case file.stringValue: return .file(value)
        case environment.stringValue: return .environment(value)
        default: return .inline(value)
        }
    }
}
