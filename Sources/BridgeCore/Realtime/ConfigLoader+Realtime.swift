import Foundation
import Yams

extension ConfigLoader {
    /// The query methods Appwrite 1.9 accepts on Realtime (`RuntimeQuery.php`); `select` only as
    /// `select(["*"])`.
    static let realtimeQueryMethods: Set<String> = [
        "equal", "notEqual", "lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "isNull", "isNotNull", "and", "or",
        "select",
    ]

    /// `realtime:` of an instance; nil when it has none. The session is read now (a reload
    /// re-reads it) and must name its user, whom the bridge then expects in `connected`.
    func validateRealtime(_ section: RealtimeSection?, folder: String, warnings: inout [String]) throws -> RealtimeSettings? {
        guard let section else { return nil }
        let fields = section.fields
        let credentials: RealtimeSettings.Credentials
        switch (section.session, section.guest ?? false) {
        case (nil, false):
            throw fields.issue(
                nil,
                "needs the session of a dedicated Appwrite user (session_file, session_env or session; make one with `appwrite-bridge realtime-session`) or guest: true"
            )
        case (.some, true):
            throw fields.issue("guest", "set either a session or guest: true, not both")
        case (nil, true):
            credentials = .guest
        case (let source?, false):
            if case .inline = source {
                warnings.append("\(fields.path): the Realtime session is written inline in the config file; prefer session_file or session_env")
            }
            let secret = try resolve(source, fields: fields, keys: ("session_file", "session_env"), folder: folder)
            let key: String
            switch source {
            case .file: key = "session_file"
            case .environment: key = "session_env"
            case .inline: key = "session"
            }
            guard let userID = Self.sessionUserID(secret.value) else {
                throw fields.issue(
                    key,
                    "does not hold an Appwrite session: expected the `secret` that POST /v1/users/{userId}/sessions returns (base64 of {\"id\",\"secret\"}); make one with `appwrite-bridge realtime-session`"
                )
            }
            credentials = .session(secret, userID: userID)
        }

        guard !section.subscriptions.isEmpty else { throw fields.issue("subscriptions", "needs at least one subscription") }
        var subscriptions: [RealtimeSubscription] = []
        for entry in section.subscriptions {
            subscriptions.append(try Self.validateSubscription(entry, taken: subscriptions.map(\.name)))
        }
        var settings = RealtimeSettings(credentials: credentials, subscriptions: subscriptions)
        if let minimum = section.reconnectMinSeconds {
            guard minimum >= 0.01 && minimum <= 60 else { throw fields.issue("reconnect_min_seconds", "must be between 0.01 and 60") }
            settings.initialBackoff = .milliseconds(Int64(minimum * 1000))
        }
        if let maximum = section.reconnectMaxSeconds {
            guard maximum >= 0.01 && maximum <= 3_600 else { throw fields.issue("reconnect_max_seconds", "must be between 0.01 and 3600") }
            settings.maximumBackoff = .milliseconds(Int64(maximum * 1000))
        }
        guard settings.maximumBackoff >= settings.initialBackoff else {
            throw fields.issue("reconnect_max_seconds", "must not be below reconnect_min_seconds")
        }
        return settings
    }

    private static func validateSubscription(_ entry: SubscriptionEntry, taken: [String]) throws -> RealtimeSubscription {
        let keys = entry.keys
        let nameIsValid =
            !entry.name.isEmpty && entry.name.count <= 64
            && entry.name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
        guard nameIsValid else {
            throw keys.issue("name", "'\(entry.name)' is not a subscription name: 1 to 64 of a-z, 0-9 and _ (it becomes part of entity IDs)")
        }
        guard !taken.contains(entry.name) else { throw keys.issue("name", "the subscription name '\(entry.name)' is used twice") }
        guard !entry.channels.isEmpty else { throw keys.issue("channels", "needs at least one channel") }
        for (index, channel) in entry.channels.enumerated() where RealtimeChannel(parsing: channel) == nil {
            let mark = entry.channelMarks[index]
            throw ConfigIssue(
                line: mark?.line,
                column: mark?.column,
                path: "\(keys.path).channels[\(index)]",
                message: "'\(channel)' is not an Appwrite Realtime channel; the forms are \(RealtimeChannel.forms.joined(separator: ", ")) (each also with .create, .update, .upsert or .delete)"
            )
        }
        var queries: [String] = []
        for (text, index) in entry.queries {
            queries.append(try validateQuery(text, index: index, keys: keys))
        }
        if let fields = entry.fields, fields.contains(where: \.isEmpty) {
            throw keys.issue("fields", "field names must not be empty")
        }
        var subscription = RealtimeSubscription(name: entry.name, channels: entry.channels, queries: queries, fields: entry.fields)
        // select("*") filters nothing: it is what a subscription without queries sends.
        subscription.queries = queries.filter { !$0.contains("\"select\"") }
        return subscription
    }

    /// One query: Appwrite's JSON form with a method Realtime takes (1.9 refuses others with 1008
    /// at connect, which would take the whole instance's socket down).
    private static func validateQuery(_ text: String, index: Int, keys: YAMLFields) throws -> String {
        let refusal = { (why: String) in keys.issue("queries", "query \(index + 1): \(why)") }
        guard let value = try? JSONParser.parse(text), let object = value.objectValue else {
            throw refusal(#"is not a query in Appwrite's JSON form, e.g. {"method":"equal","attribute":"status","values":["open"]}"#)
        }
        try checkQuery(object, refusal: refusal)
        return value.serialized
    }

    private static func checkQuery(_ object: JSONObject, refusal: (String) -> ConfigIssue) throws {
        guard let method = object["method"]?.stringValue else { throw refusal("has no \"method\"") }
        guard realtimeQueryMethods.contains(method) else {
            throw refusal(
                "method '\(method)' is not allowed on Realtime; allowed: \(realtimeQueryMethods.sorted().joined(separator: ", "))"
            )
        }
        let values: [JSONValue]
        if case .array(let list)? = object["values"] { values = list } else { values = [] }
        switch method {
        case "select":
            guard values == [.string("*")] else { throw refusal("Realtime takes select only as select([\"*\"])") }
        case "and", "or":
            guard !values.isEmpty else { throw refusal("\(method) needs a list of queries in \"values\"") }
            for value in values {
                guard let nested = value.objectValue else { throw refusal("\(method) takes queries in \"values\"") }
                try checkQuery(nested, refusal: refusal)
            }
        default:
            guard let attribute = object["attribute"]?.stringValue, !attribute.isEmpty else {
                throw refusal("\(method) needs an \"attribute\"")
            }
        }
    }

    /// The user a session value stands for: utopia-php/auth's `Store` encodes it as base64 of
    /// `{"id":"<userId>","secret":"<secret>"}`.
    static func sessionUserID(_ value: String) -> String? {
        guard let data = Data(base64Encoded: value), let object = try? JSONParser.parse(Array(data)).objectValue,
            let id = object["id"]?.stringValue, !id.isEmpty, object["secret"]?.stringValue?.isEmpty == false
        else { return nil }
        return id
    }
}
