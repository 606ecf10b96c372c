/// Besides instances, what a reload changed that callers feel at once: tokens (by name, never
/// their value) and the other sections of bridge.yaml.
public struct SettingsChanges: Sendable, Equatable {
    public var tokensAdded: [String] = []
    public var tokensRemoved: [String] = []
    /// Same name, another secret or scope.
    public var tokensChanged: [String] = []
    /// Sections that changed, as bridge.yaml names them: `callbacks.allowed_hosts`, `limits`, …
    public var sections: [String] = []

    init() {}

    init(from old: BridgeConfig, to new: BridgeConfig) {
        let oldByName = Dictionary(old.tokens.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.tokens.map(\.name))
        tokensRemoved = old.tokens.map(\.name).filter { !newNames.contains($0) }
        for token in new.tokens {
            guard let previous = oldByName[token.name] else {
                tokensAdded.append(token.name)
                continue
            }
            if previous != token { tokensChanged.append(token.name) }
        }
        if old.callbackHosts != new.callbackHosts { sections.append("callbacks.allowed_hosts") }
        if old.fetch != new.fetch { sections.append("fetch") }
        if old.limits != new.limits { sections.append("limits") }
        if old.outbox != new.outbox { sections.append("outbox") }
    }

    var document: JSONValue {
        .object(
            JSONObject([
                ("added", .array(tokensAdded.map(JSONValue.string))),
                ("removed", .array(tokensRemoved.map(JSONValue.string))),
                ("changed", .array(tokensChanged.map(JSONValue.string))),
            ])
        )
    }

    /// For the reload's log line: `tokens added [ha]; callbacks.allowed_hosts changed`.
    var summary: String {
        var parts: [String] = []
        if !tokensAdded.isEmpty { parts.append("tokens added \(tokensAdded)") }
        if !tokensRemoved.isEmpty { parts.append("tokens removed \(tokensRemoved)") }
        if !tokensChanged.isEmpty { parts.append("tokens changed \(tokensChanged)") }
        if !sections.isEmpty { parts.append("\(sections.joined(separator: ", ")) changed") }
        return parts.isEmpty ? "none" : parts.joined(separator: "; ")
    }
}
