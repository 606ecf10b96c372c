import Yams

/// `realtime:` of an instance as written, before the session is read.
struct RealtimeSection: Decodable {
    var session: SecretSource?
    var guest: Bool?
    var subscriptions: [SubscriptionEntry]
    var reconnectMinSeconds: Double?
    var reconnectMaxSeconds: Double?
    var fields: YAMLFields

    enum CodingKeys: String, CodingKey, CaseIterable {
        case session_file, session_env, session, guest, subscriptions
        case reconnect_min_seconds, reconnect_max_seconds
    }

    init(from decoder: any Decoder) throws {
        fields = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guest = try container.decodeIfPresent(Bool.self, forKey: .guest)
        let sessionKeys: [CodingKeys] = [.session_file, .session_env, .session]
        if sessionKeys.contains(where: container.contains) {
            session = try SecretSource.decode(
                from: container,
                fields: fields,
                file: .session_file,
                environment: .session_env,
                inline: .session
            )
        }
        guard container.contains(.subscriptions) else {
            throw fields.issue(nil, "missing required key 'subscriptions' (a list of {name, channels})")
        }
        subscriptions = try container.decode([SubscriptionEntry].self, forKey: .subscriptions)
        reconnectMinSeconds = try container.decodeIfPresent(Double.self, forKey: .reconnect_min_seconds)
        reconnectMaxSeconds = try container.decodeIfPresent(Double.self, forKey: .reconnect_max_seconds)
    }
}

/// One entry of `subscriptions:`.
struct SubscriptionEntry: Decodable {
    var name: String
    var channels: [String]
    /// Each query as JSON text, with the mark of its entry.
    var queries: [(text: String, index: Int)]
    var fields: [String]?
    var keys: YAMLFields
    /// Marks of each channel, so a bad one is pointed at exactly.
    var channelMarks: [Mark?]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, channels, queries, fields
    }

    init(from decoder: any Decoder) throws {
        keys = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.name) else { throw keys.issue(nil, "missing required key 'name'") }
        guard container.contains(.channels) else { throw keys.issue(nil, "missing required key 'channels' (a list of channels)") }
        name = try container.decode(String.self, forKey: .name)
        var list = try container.nestedUnkeyedContainer(forKey: .channels)
        var channels: [String] = []
        var marks: [Mark?] = []
        while !list.isAtEnd {
            let element = try list.superDecoder()
            marks.append(element.nodeMark)
            channels.append(try element.singleValueContainer().decode(String.self))
        }
        self.channels = channels
        channelMarks = marks
        fields = try container.decodeIfPresent([String].self, forKey: .fields)
        queries = []
        if container.contains(.queries) {
            var entries = try container.nestedUnkeyedContainer(forKey: .queries)
            var index = 0
            while !entries.isAtEnd {
                let element = try entries.superDecoder()
                // A query may be written as Appwrite's JSON text or as a YAML mapping of the same.
                if let text = try? element.singleValueContainer().decode(String.self) {
                    queries.append((text, index))
                } else if let node = (element as? NodeDecoder)?.node {
                    queries.append((try JSONValue(yaml: node, codingPath: element.codingPath).serialized, index))
                }
                index += 1
            }
        }
    }
}
