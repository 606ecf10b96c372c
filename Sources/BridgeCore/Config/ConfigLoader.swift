import Foundation
import Yams

/// Reads bridge.yaml into a `BridgeConfig`, turning every problem into one located `ConfigError`.
public struct ConfigLoader: Sendable {
    public var environment: [String: String]

    /// YAML 1.1's implicit tags without `timestamp` (and `value`): bridge.yaml holds no dates, and
    /// the timestamp pattern was the costliest of the regular expressions run on every scalar.
    static let resolver = Resolver.default.removing(.timestamp).removing(.value)

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func load(path: String) throws(ConfigError) -> BridgeConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, message: "cannot read the file: \(Self.reason(error))")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, file: path, folder: folder)
    }

    /// `folder` anchors relative `*_file` paths: they are relative to the config file, not the
    /// working directory, so the same file works from systemd and from a shell.
    public func parse(_ text: String, file: String, folder: String) throws(ConfigError) -> BridgeConfig {
        let document: ConfigFile
        do {
            guard let node = try Yams.compose(yaml: text, Self.resolver) else {
                throw ConfigError(file: file, line: 1, column: 1, message: "the file is empty; it needs 'instances'")
            }
            do {
                document = try NodeDecoder.decode(ConfigFile.self, from: node)
            } catch let error as DecodingError {
                throw Self.locate(error, in: node).located(in: file)
            }
        } catch let error as ConfigError {
            throw error
        } catch let issue as ConfigIssue {
            throw issue.located(in: file)
        } catch let error as YamlError {
            throw Self.locate(error, file: file)
        } catch {
            throw ConfigError(file: file, message: Self.reason(error))
        }
        do {
            var config = try validate(document, folder: folder)
            config.file = file
            return config
        } catch let issue as ConfigIssue {
            throw issue.located(in: file)
        } catch {
            throw ConfigError(file: file, message: Self.reason(error))
        }
    }

    private func validate(_ document: ConfigFile, folder: String) throws -> BridgeConfig {
        var warnings: [String] = []
        let listen: ListenAddress
        if let text = document.listen {
            guard let parsed = ListenAddress(parsing: text) else {
                throw document.fields.issue("listen", "'\(text)' is not host:port (e.g. 127.0.0.1:8787 or [::1]:8787)")
            }
            listen = parsed
        } else {
            listen = .defaultValue
        }

        let limits = try Self.validateLimits(document.limits)
        let projectIDs = Set(document.instances.map(\.projectID))
        var tokens: [AccessToken] = []
        for (index, entry) in (document.auth?.tokens ?? []).enumerated() {
            let name = entry.name ?? "token\(index + 1)"
            if case .inline = entry.source {
                warnings.append(
                    "\(entry.fields.path): token '\(name)' is written inline in the config file; prefer token_file or token_env"
                )
            }
            for projectID in entry.instances ?? [] where projectID != "*" && !projectIDs.contains(projectID) {
                throw entry.fields.issue("instances", "token '\(name)' names project '\(projectID)', which no instance has")
            }
            for functionID in entry.functions ?? [] where functionID != "*" && !AppwriteRules.isValidID(functionID) {
                throw entry.fields.issue("functions", "'\(functionID)' is not a valid Appwrite function ID")
            }
            let secret = try resolve(entry.source, fields: entry.fields, keys: ("token_file", "token_env"), folder: folder)
            try Self.refuseUnusableToken(secret, name: name, source: entry.source, fields: entry.fields)
            if let clash = tokens.first(where: { $0.secret == secret }) {
                throw entry.fields.issue(nil, "token '\(name)' has the same secret as token '\(clash.name)'")
            }
            tokens.append(
                AccessToken(name: name, secret: secret, instances: Scope(entry.instances), functions: Scope(entry.functions))
            )
        }
        if tokens.isEmpty && !listen.isLoopback {
            throw document.fields.issue(
                "listen",
                "listening on \(listen) reaches other machines, so auth.tokens must name at least one token (or listen on 127.0.0.1)"
            )
        }

        // An empty list is allowed: a freshly installed package starts with none, says so in
        // STATUS= and /readyz, and waits for the user's first edit and reload.
        var instances: [InstanceConfig] = []
        var firstLineByProject: [String: Int] = [:]
        for entry in document.instances {
            let fields = entry.fields
            guard AppwriteRules.isValidID(entry.projectID) else {
                throw fields.issue(
                    "project_id",
                    "'\(entry.projectID)' is not a valid Appwrite project ID (\(AppwriteRules.idRuleDescription))"
                )
            }
            if let firstLine = firstLineByProject[entry.projectID] {
                throw fields.issue("project_id", "project ID '\(entry.projectID)' is already used by the instance on line \(firstLine)")
            }
            firstLineByProject[entry.projectID] = fields.mark?.line ?? 0
            let baseURL = try Self.validateBaseURL(entry.url, fields: fields)
            if let timeout = entry.timeoutSeconds, !(timeout > 0 && timeout <= 900) {
                throw fields.issue("timeout_seconds", "must be between 0 and 900 seconds")
            }
            if case .inline = entry.apiKey {
                warnings.append(
                    "\(fields.path): the API key of '\(entry.projectID)' is written inline in the config file; prefer api_key_file or api_key_env"
                )
            }
            for function in entry.functions ?? [] where function.id != "*" && !AppwriteRules.isValidID(function.id) {
                throw (function.details?.fields ?? fields).issue(
                    function.details == nil ? "functions" : "id",
                    "'\(function.id)' is not a valid Appwrite function ID (\(AppwriteRules.idRuleDescription))"
                )
            }
            let key = try resolve(entry.apiKey, fields: fields, keys: ("api_key_file", "api_key_env"), folder: folder)
            let tls = try validateTLS(entry, baseURL: baseURL, folder: folder, warnings: &warnings)
            instances.append(
                InstanceConfig(
                    projectID: entry.projectID,
                    name: entry.name,
                    baseURL: baseURL,
                    apiKey: key,
                    timeoutSeconds: entry.timeoutSeconds ?? InstanceConfig.defaultTimeoutSeconds,
                    functions: Scope(entry.functions.map { $0.map(\.id) })
                )
            )
            instances[instances.count - 1].tls = tls
            instances[instances.count - 1].messaging = entry.messaging ?? false
            instances[instances.count - 1].storage = try Self.validateStorage(entry)
            instances[instances.count - 1].realtime = try validateRealtime(entry.realtime, folder: folder, warnings: &warnings)
            instances[instances.count - 1].limit = try Self.validateLimit(entry.limits, fields: fields, inherited: nil)
            instances[instances.count - 1].functionActions = try (entry.functions ?? []).compactMap { function in
                try Self.validateFunctionAction(function, projectID: entry.projectID, instanceLimit: entry.limits)
            }
        }
        try Self.refuseActionClashes(instances, entries: document.instances)
        var config = BridgeConfig(listen: listen, tokens: tokens, instances: instances, warnings: warnings)
        config.limits = limits
        config.outbox = try validateOutbox(document, folder: folder)
        for host in document.callbacks?.allowedHosts ?? [] {
            guard !host.isEmpty, !host.contains("/"), URLComponents(string: "http://\(host)")?.host?.isEmpty == false else {
                throw document.callbacks!.fields.issue(
                    "allowed_hosts",
                    "'\(host)' is not a host or host:port (e.g. homeassistant.local:8123)"
                )
            }
        }
        config.callbackHosts = document.callbacks?.allowedHosts ?? []
        config.fetch = try validateFetch(document.fetch, folder: folder)
        return config
    }

    /// Limits of an instance, or of a function (which inherits the instance's queue settings).
    private static func validateLimit(_ entry: ConcurrencyEntry, fields: YAMLFields, inherited: ConcurrencyEntry?) throws
        -> ConcurrencyLimit?
    {
        if entry.maxConcurrency == nil {
            for key in ["max_queue", "queue_timeout_seconds"] where fields.has(key) && inherited == nil {
                throw fields.issue(key, "only applies together with max_concurrency")
            }
        }
        guard let maxConcurrency = entry.maxConcurrency else { return nil }
        guard (1...10_000).contains(maxConcurrency) else {
            throw fields.issue("max_concurrency", "must be between 1 and 10000")
        }
        var limit = ConcurrencyLimit(maxConcurrency: maxConcurrency)
        if let maxQueue = entry.maxQueue ?? inherited?.maxQueue {
            guard (0...100_000).contains(maxQueue) else {
                throw fields.issue(fields.has("max_queue") ? "max_queue" : nil, "max_queue must be between 0 and 100000")
            }
            limit.maxQueue = maxQueue
        }
        if let timeout = entry.queueTimeoutSeconds ?? inherited?.queueTimeoutSeconds {
            guard timeout > 0 && timeout <= 3_600 else {
                throw fields.issue(
                    fields.has("queue_timeout_seconds") ? "queue_timeout_seconds" : nil,
                    "queue_timeout_seconds must be between 0 and 3600"
                )
            }
            limit.queueTimeoutSeconds = timeout
        }
        return limit
    }

    private static func validateFunctionAction(_ entry: FunctionEntry, projectID: String, instanceLimit: ConcurrencyEntry) throws
        -> FunctionAction?
    {
        guard let details = entry.details else { return nil }
        // The defaults must make a valid payload on their own: a bad method or path is a
        // configuration error now, not a 400 for every caller later.
        var payload = JSONObject(details.defaults)
        payload["function_id"] = .string(entry.id)
        do {
            _ = try ExecuteFunctionPayload.translate(.object(payload))
        } catch {
            let key = error.field.map { String($0.dropFirst("function_".count).split(separator: ".").first ?? "") }
            throw details.fields.issue(key, error.message)
        }
        return FunctionAction(
            functionID: entry.id,
            actionName: ActionName.executeConfigured(projectID: projectID, functionID: entry.id),
            name: details.name ?? "Run \(entry.id)",
            description: details.description ?? "Runs the Appwrite Function \(entry.id) of project \(projectID).",
            defaults: JSONObject(details.defaults),
            limit: try validateLimit(details.limits, fields: details.fields, inherited: instanceLimit)
        )
    }

    /// Slugs can collide (`a-b` and `a_b`); two actions with one name is an error at the later one.
    private static func refuseActionClashes(_ instances: [InstanceConfig], entries: [InstanceEntry]) throws {
        var seen: [String: String] = [:]
        func claim(_ name: String, by owner: String, fields: YAMLFields, key: String?) throws {
            if let earlier = seen[name] {
                throw fields.issue(key, "the action name '\(name)' of \(owner) clashes with \(earlier); rename one of them")
            }
            seen[name] = owner
        }
        for (instance, entry) in zip(instances, entries) {
            try claim(instance.actionName, by: "instance '\(instance.projectID)'", fields: entry.fields, key: "project_id")
            if instance.messaging {
                for kind in MessageKind.allCases {
                    try claim(
                        ActionName.sendMessage(kind, projectID: instance.projectID),
                        by: "instance '\(instance.projectID)'",
                        fields: entry.fields,
                        key: "messaging"
                    )
                }
            }
            for function in entry.functions ?? [] {
                guard let details = function.details else { continue }
                try claim(
                    ActionName.executeConfigured(projectID: instance.projectID, functionID: function.id),
                    by: "function '\(function.id)' of instance '\(instance.projectID)'",
                    fields: details.fields,
                    key: "id"
                )
            }
        }
    }

    private func validateTLS(
        _ entry: InstanceEntry,
        baseURL: String,
        folder: String,
        warnings: inout [String]
    ) throws -> UpstreamTLS {
        var tls = UpstreamTLS(insecure: entry.tlsInsecure ?? false)
        let isHTTPS = baseURL.lowercased().hasPrefix("https:")
        if let caFile = entry.caFile {
            guard isHTTPS else { throw entry.fields.issue("ca_file", "only applies to an https url") }
            let path = caFile.hasPrefix("/") ? caFile : folder + "/" + caFile
            guard let pem = FileManager.default.contents(atPath: path) else {
                throw entry.fields.issue("ca_file", "cannot read CA file \(path)")
            }
            guard String(decoding: pem, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
                throw entry.fields.issue("ca_file", "\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
            }
            tls.caFile = path
        }
        if tls.insecure {
            guard isHTTPS else { throw entry.fields.issue("tls_insecure", "only applies to an https url") }
            warnings.append(
                "\(entry.fields.path): tls_insecure is set for '\(entry.projectID)': its TLS certificate is NOT verified, so anyone on the path can read its API key; use ca_file instead"
            )
        }
        return tls
    }

    private func validateOutbox(_ document: ConfigFile, folder: String) throws -> OutboxSettings {
        let directory: String
        if let configured = document.stateDirectory {
            guard !configured.isEmpty else { throw document.fields.issue("state_dir", "must not be empty") }
            directory = configured.hasPrefix("/") ? configured : (folder.isEmpty ? configured : folder + "/" + configured)
        } else if let systemd = environment["STATE_DIRECTORY"]?.split(separator: ":").first, !systemd.isEmpty {
            // systemd's StateDirectory=; several are separated by colons, the first is ours.
            directory = String(systemd)
        } else {
            directory = folder.isEmpty ? "state" : folder + "/state"
        }
        var settings = OutboxSettings(stateDirectory: directory)
        guard let section = document.outbox else { return settings }
        if let text = section.maxAge {
            guard let seconds = Self.parseDuration(text), seconds >= 60, seconds <= 30 * 86_400 else {
                throw section.fields.issue("max_age", "'\(text)' is not a duration between 1m and 30d (e.g. 90m, 24h, 7d)")
            }
            settings.maximumAge = .seconds(seconds)
        }
        if let text = section.lateSchedule {
            guard let policy = LateSchedulePolicy(rawValue: text) else {
                throw section.fields.issue("late_schedule", "'\(text)' is not drop or run")
            }
            settings.lateSchedule = policy
        }
        if let bytes = section.maxBytes {
            guard bytes >= 1_024 else { throw section.fields.issue("max_bytes", "must be at least 1024") }
            settings.maximumBytes = bytes
        }
        return settings
    }

    /// "90s", "15m", "24h", "7d" or plain seconds.
    static func parseDuration(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        if let last = trimmed.last, let unit = units[last], let value = Int(trimmed.dropLast()), value >= 0 {
            return value.multipliedReportingOverflow(by: unit).overflow ? nil : value * unit
        }
        return Int(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }

    private static func validateLimits(_ section: LimitsSection?) throws -> RequestLimits {
        var limits = RequestLimits()
        guard let section else { return limits }
        func check<T: Comparable>(_ value: T?, _ key: String, _ range: ClosedRange<T>) throws -> T? {
            guard let value else { return nil }
            guard range.contains(value) else {
                throw section.fields.issue(key, "must be between \(range.lowerBound) and \(range.upperBound)")
            }
            return value
        }
        if let value = try check(section.maxBodyBytes, "max_body_bytes", 1_024...(64 << 20)) { limits.maximumBodyBytes = value }
        if let value = try check(section.maxHeaderCount, "max_header_count", 8...1_000) { limits.maximumHeaderCount = value }
        if let value = try check(section.maxHeaderBytes, "max_header_bytes", 1_024...(1 << 20)) {
            limits.maximumHeaderBytes = value
        }
        if let value = try check(section.idleTimeoutSeconds, "idle_timeout_seconds", 1...3_600) {
            limits.idleTimeoutSeconds = value
        }
        if let value = try check(section.maxEventStreams, "max_event_streams", 1...10_000) { limits.maximumEventStreams = value }
        if let value = try check(section.requestTimeoutSeconds, "request_timeout_seconds", 0.1...3_600) {
            limits.requestTimeoutSeconds = value
        }
        if let value = try check(section.maxConnections, "max_connections", 4...1_000_000) { limits.maximumConnections = value }
        if let value = try check(section.maxUploadBytes, "max_upload_bytes", 1_024...(1 << 40)) { limits.maximumUploadBytes = value }
        return limits
    }

    /// Every message quotes the URL without its user info: a password written there must not reach
    /// a terminal or a journal. User info is refused outright, as Appwrite takes none.
    private static func validateBaseURL(_ text: String, fields: YAMLFields) throws -> String {
        let shown = redactingUserInfo(text)
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard shown == text else {
            throw fields.issue(
                "url",
                "'\(shown)' must not carry user info (user:password@): Appwrite takes its key from api_key_file, api_key_env or api_key"
            )
        }
        guard let components = URLComponents(string: trimmed),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else {
            throw fields.issue("url", "'\(shown)' is not an http or https URL")
        }
        guard components.query == nil, components.fragment == nil, components.user == nil, components.password == nil else {
            throw fields.issue("url", "'\(shown)' must not carry a query, fragment or user info")
        }
        guard components.path.hasSuffix("/v1") else {
            throw fields.issue("url", "'\(shown)' must end with the API version /v1 (e.g. https://cloud.appwrite.io/v1)")
        }
        return trimmed
    }

    /// `http://user:pass@host/v1` → `http://***@host/v1`. Textual, so it also covers text that
    /// does not parse as a URL: the authority is what follows `://` (or the start) up to the first
    /// `/`, `?` or `#`, and everything in it up to its last `@` is user info.
    static func redactingUserInfo(_ text: String) -> String {
        let authorityStart = text.range(of: "://")?.upperBound ?? text.startIndex
        let rest = text[authorityStart...]
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? text.endIndex
        guard let at = text[authorityStart..<authorityEnd].lastIndex(of: "@") else { return text }
        return String(text[..<authorityStart]) + "***" + String(text[at...])
    }

    /// A token with surrounding whitespace or none at all can never match: HTTP strips the
    /// whitespace around a header value, so no client could present it.
    private static func refuseUnusableToken(_ secret: Secret, name: String, source: SecretSource, fields: YAMLFields) throws {
        let key: String
        switch source {
        case .file: key = "token_file"
        case .environment: key = "token_env"
        case .inline: key = "token"
        }
        let origin: String
        switch source {
        case .file(let path): origin = "the file \(path)"
        case .environment(let variable): origin = "environment variable \(variable)"
        case .inline: origin = "the config file"
        }
        if secret.value.allSatisfy(\.isWhitespace) {
            throw fields.issue(key, "token '\(name)' from \(origin) is blank")
        }
        if secret.value.first?.isWhitespace == true || secret.value.last?.isWhitespace == true {
            throw fields.issue(
                key,
                "token '\(name)' from \(origin) starts or ends with whitespace, which no client can send in an Authorization header; remove it"
            )
        }
    }

    func resolve(
        _ source: SecretSource,
        fields: YAMLFields,
        keys: (file: String, environment: String),
        folder: String
    ) throws -> Secret {
        switch source {
        case .inline(let value):
            return Secret(value)
        case .environment(let name):
            guard let value = environment[name] else {
                throw fields.issue(keys.environment, "environment variable \(name) is not set")
            }
            guard !value.isEmpty else { throw fields.issue(keys.environment, "environment variable \(name) is empty") }
            return Secret(value)
        case .file(let path):
            let resolved = resolveSecretPath(path, folder: folder)
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: resolved))
            } catch {
                throw fields.issue(keys.file, "cannot read secret file \(resolved): \(Self.reason(error))")
            }
            guard var value = String(data: data, encoding: .utf8) else {
                throw fields.issue(keys.file, "secret file \(resolved) is not UTF-8 text")
            }
            // Scalars, not Characters: "\r\n" is one Character in Swift.
            if value.unicodeScalars.last == "\n" { value.unicodeScalars.removeLast() }
            if value.unicodeScalars.last == "\r" { value.unicodeScalars.removeLast() }
            guard !value.isEmpty else { throw fields.issue(keys.file, "secret file \(resolved) is empty") }
            guard !value.contains(where: \.isNewline) else {
                throw fields.issue(keys.file, "secret file \(resolved) holds more than one line")
            }
            return Secret(value)
        }
    }

    /// A bare name is a systemd credential when the unit passes any (`LoadCredential=`);
    /// otherwise paths are relative to the config file's folder.
    func resolveSecretPath(_ path: String, folder: String) -> String {
        if !path.contains("/"), let credentials = environment["CREDENTIALS_DIRECTORY"], !credentials.isEmpty {
            return credentials + "/" + path
        }
        if path.hasPrefix("/") { return path }
        return folder.isEmpty ? path : folder + "/" + path
    }

    private static func locate(_ error: DecodingError, in root: Node) -> ConfigIssue {
        let codingPath: [any CodingKey]
        let message: String
        switch error {
        case .keyNotFound(let key, let context):
            codingPath = context.codingPath
            message = "missing required key '\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            codingPath = context.codingPath
            message = "expected \(describe(type)) here"
        case .valueNotFound(let type, let context):
            codingPath = context.codingPath
            message = "expected \(describe(type)) here, found nothing"
        case .dataCorrupted(let context):
            codingPath = context.codingPath
            message = context.debugDescription
        @unknown default:
            codingPath = []
            message = String(describing: error)
        }
        var node: Node? = root
        var mark = root.mark
        for key in codingPath {
            if let index = key.intValue, let sequence = node?.sequence, index < sequence.count {
                node = sequence[index]
            } else {
                node = node?[key.stringValue]
            }
            if let found = node?.mark { mark = found }
        }
        return ConfigIssue(line: mark?.line, column: mark?.column, path: YAMLFields.describe(codingPath), message: message)
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Double.Type, is Int.Type: "a number"
        case is Bool.Type: "true or false"
        default:
            String(describing: type).hasPrefix("Array") || String(describing: type).contains("Sequence")
                ? "a list" : "a mapping of keys to values"
        }
    }

    private static func locate(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return ConfigError(file: file, line: mark.line, column: mark.column, message: "YAML syntax error: \(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(
                file: file,
                line: context.mark.line,
                column: context.mark.column,
                message: "duplicate key \(duplicates.joined(separator: ", ")) in one mapping"
            )
        default:
            return ConfigError(file: file, message: "YAML error: \(error)")
        }
    }

    static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return (error as NSError).localizedDescription
    }
}
