/// A frame from Appwrite's Realtime server (`app/realtime.php`), as much of it as the bridge reads.
enum RealtimeFrame {
    /// `connected`: the user the socket was accepted as (nil: a guest), and the server's ID of
    /// each query slot.
    case connected(userID: String?, subscriptionIDs: [String: Int])
    /// An event's `data`, and the text of its members that can be passed on as sent.
    case event(JSONObject, verbatim: BridgeEvent.Verbatim)
    case error(code: Int, message: String)
    /// `pong`, `response` and anything newer the bridge does not use.
    case other

    init(parsing bytes: [UInt8]) throws(JSONParseError) {
        let (value, spans) = try JSONParser.parse(bytes, spansOfMembers: ["events", "channels", "payload"], atDepth: 2)
        guard case .object(let frame) = value, let type = frame["type"]?.stringValue else {
            self = .other
            return
        }
        let data = frame["data"]?.objectValue ?? JSONObject()
        switch type {
        case "connected":
            let userID = data["user"]?.objectValue?["$id"]?.stringValue
            var slots: [String: Int] = [:]
            // A JSON list when the slots are 0…n, an object keyed by slot otherwise.
            switch data["subscriptions"] {
            case .array(let ids)?:
                for (slot, id) in ids.enumerated() { if let id = id.stringValue { slots[id] = slot } }
            case .object(let ids)?:
                for (slot, id) in ids.entries { if let id = id.stringValue, let slot = Int(slot) { slots[id] = slot } }
            default:
                break
            }
            self = .connected(userID: userID, subscriptionIDs: slots)
        case "event":
            // An SSE message ends at a line break, which JSON allows between its tokens.
            func text(_ key: String) -> ArraySlice<UInt8>? {
                guard let span = spans[key], !bytes[span].contains(0x0A), !bytes[span].contains(0x0D) else { return nil }
                return bytes[span]
            }
            var verbatim = BridgeEvent.Verbatim()
            if case .object? = data["payload"] { verbatim.payload = text("payload") }
            if case .array(let events)? = data["events"], events.allSatisfy({ $0.stringValue != nil }) { verbatim.events = text("events") }
            if case .array(let channels)? = data["channels"], channels.allSatisfy({ $0.stringValue != nil }) {
                verbatim.channels = text("channels").map { ($0, channels.count) }
            }
            self = .event(data, verbatim: verbatim)
        case "error":
            let code: Int
            switch data["code"] {
            case .number(let text)?: code = Int(text) ?? Int(Double(text) ?? 0)
            case .string(let text)?: code = Int(text) ?? 0
            default: code = 0
            }
            self = .error(code: code, message: data["message"]?.stringValue ?? "")
        default:
            self = .other
        }
    }
}
