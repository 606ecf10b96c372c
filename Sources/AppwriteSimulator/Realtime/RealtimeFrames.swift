/// The server's frames, all `{"type", "data"}` JSON text (app/realtime.php and the message handlers).
enum RealtimeFrames {
    static func event(_ event: RealtimeEvent, subscriptions: [String]) -> String {
        envelope(
            "event",
            .object([
                ("events", .strings(event.events)), ("channels", .strings(event.channels)), ("timestamp", .string(event.timestamp)),
                ("payload", event.payload), ("subscriptions", .strings(subscriptions)),
            ])
        )
    }

    /// `subscriptions` maps the URL's query slot to its ID: a JSON list when the slots are 0…n-1 in
    /// order (as PHP's json_encode writes such an array), an object otherwise.
    static func connected(channels: [String], subscriptions: [(slot: String, id: String)], user: PHPValue) -> String {
        let isList = subscriptions.enumerated().allSatisfy { $0.offset == Int($0.element.slot) && String($0.offset) == $0.element.slot }
        let mapping: PHPValue =
            isList ? .strings(subscriptions.map(\.id)) : .object(subscriptions.map { ($0.slot, PHPValue.string($0.id)) })
        return envelope("connected", .object([("channels", .strings(channels)), ("subscriptions", mapping), ("user", user)]))
    }

    /// An error; in production Appwrite hides the message of codes 0 and ≥ 500 (which includes
    /// 1003, 1008 and 1013) unless `keepMessage` (a policy violation while connecting).
    static func error(code: Int, message: String, keepMessage: Bool = false) -> String {
        let shown = (code == 0 || code >= 500) && !keepMessage ? "Error: Server Error" : message
        return envelope("error", .object([("code", .int(code)), ("message", .string(shown))]))
    }

    static func response(_ to: String, _ fields: [(key: String, value: PHPValue)]) -> String {
        envelope("response", .object([("to", .string(to)), ("success", .bool(true))] + fields))
    }

    static let pong = #"{"type":"pong"}"#

    private static func envelope(_ type: String, _ data: PHPValue) -> String {
        PHPJSONEncoder.encode(.object([("type", .string(type)), ("data", data)]))
    }
}
