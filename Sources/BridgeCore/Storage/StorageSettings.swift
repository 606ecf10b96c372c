/// An instance's `storage: true` and optional `buckets:` allowlist.
public struct StorageSettings: Sendable, Equatable {
    /// `.all` without a `buckets:` list.
    public var buckets: Scope

    public init(buckets: Scope = .all) { self.buckets = buckets }
}

/// `fetch:` in bridge.yaml: the hosts a `source_url` may name, each with the headers the bridge
/// sends there (read from secret files, so a Home Assistant token stays out of bridge.yaml).
public struct FetchSettings: Sendable, Equatable {
    public struct Host: Sendable, Equatable {
        /// "host" or "host:port", lower-cased.
        public var host: String
        public var headers: [FetchHeader]
    }

    public var allowedHosts: [Host] = []

    public init(allowedHosts: [Host] = []) { self.allowedHosts = allowedHosts }

    /// The entry a URL's host (and port) matches, as `callbacks.allowed_hosts` matches.
    public func host(for url: String) -> Host? {
        guard let components = URLParts(url), ["http", "https"].contains(components.scheme) else { return nil }
        return allowedHosts.first { entry in
            entry.host == components.host || entry.host == "\(components.host):\(components.port)"
                || entry.host == "[\(components.host)]:\(components.port)"
        }
    }
}

/// One header sent with a fetch; the value is a secret and never printed.
public struct FetchHeader: Sendable, Equatable {
    public var name: String
    public var value: Secret
}
