import Foundation

/// One message of `GET /api/events`: an execution's progress, or a change of the bridge itself,
/// all in the envelope of Appwrite's Realtime API (`events`, `channels`, `timestamp`, `payload`).
public struct BridgeEvent: Sendable {
    /// The SSE `event:` field, so a client can dispatch without parsing event names.
    public enum Kind: String, Sendable {
        case execution
        /// The set of actions changed (a reload added or removed an instance or function).
        case catalogue
        /// An instance's state, capabilities or outbox backlog changed.
        case instance
        /// The client's `Last-Event-ID` is unknown here: it must re-read what it caches.
        case resync
        /// An event of one of an instance's Realtime subscriptions (live, or listed after a gap).
        case realtime
        /// A Realtime subscription was disconnected for a while: what happened meanwhile and
        /// could not be listed again (deletes, files) is not in the stream.
        case realtimeGap = "realtime_gap"
    }

    public var kind: Kind
    /// The instance the event is about; nil for events about the whole bridge, which every
    /// listener may see.
    public var projectID: String?
    public var events: [String]
    public var channels: [String]
    public var timestamp: Date
    public var payload: JSONValue
    /// Appwrite's own timestamp text, passed on as it came (Realtime events), instead of `timestamp`.
    public var timestampText: String?
    /// Top-level members before the envelope's (`project_id`, `subscription`, …), after it
    /// (`catch_up`, …).
    public var leading = JSONObject()
    public var trailing = JSONObject()
    /// Members as their source wrote them, copied into `serializedEnvelope` instead of written
    /// again: a Realtime event passes Appwrite's text on (most of the cost of writing it).
    var verbatim = Verbatim()

    /// Compact JSON text, one line each (an SSE message ends at a line break).
    struct Verbatim: Sendable {
        var payload: ArraySlice<UInt8>?
        var events: ArraySlice<UInt8>?
        /// The text of an array holding the first `count` of `channels`.
        var channels: (text: ArraySlice<UInt8>, count: Int)?
    }

    public init(kind: Kind, projectID: String?, events: [String], channels: [String], timestamp: Date = Date(), payload: JSONValue) {
        self.kind = kind
        self.projectID = projectID
        self.events = events
        self.channels = channels
        self.timestamp = timestamp
        self.payload = payload
    }

    public var envelope: JSONValue {
        var object = leading
        object["events"] = .array(events.map(JSONValue.string))
        object["channels"] = .array(channels.map(JSONValue.string))
        object["timestamp"] = .string(timestampText ?? Timestamp.iso8601(timestamp))
        object["payload"] = payload
        for (key, value) in trailing.entries { object[key] = value }
        return .object(object)
    }

    /// `envelope` as compact JSON text, written member by member (no object is built for it:
    /// `leading` and `trailing` never use the envelope's own keys), `verbatim`'s parts copied.
    var serializedEnvelope: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((verbatim.payload?.count ?? 0) + 1024)
        output.append(UInt8(ascii: "{"))
        for (key, value) in leading.entries { Self.write(key, into: &output) { value.write(into: &$0) } }
        Self.write("events", into: &output) { output in
            if let text = verbatim.events { output.append(contentsOf: text) } else { Self.writeStrings(events[...], into: &output) }
        }
        Self.write("channels", into: &output) { output in
            guard let (text, count) = verbatim.channels, count <= channels.count, text.last == UInt8(ascii: "]") else {
                Self.writeStrings(channels[...], into: &output)
                return
            }
            // Appwrite's channels as sent, then the bridge's own after them in the same array.
            output.append(contentsOf: text.dropLast())
            for (offset, channel) in channels[count...].enumerated() {
                if count > 0 || offset > 0 { output.append(UInt8(ascii: ",")) }
                JSONValue.writeString(channel, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        Self.write("timestamp", into: &output) { JSONValue.writeString(timestampText ?? Timestamp.iso8601(timestamp), into: &$0) }
        Self.write("payload", into: &output) { output in
            if let text = verbatim.payload { output.append(contentsOf: text) } else { payload.write(into: &output) }
        }
        for (key, value) in trailing.entries { Self.write(key, into: &output) { value.write(into: &$0) } }
        output.append(UInt8(ascii: "}"))
        return output
    }

    private static func write(_ key: String, into output: inout [UInt8], value: (inout [UInt8]) -> Void) {
        if output.count > 1 { output.append(UInt8(ascii: ",")) }
        JSONValue.writeString(key, into: &output)
        output.append(UInt8(ascii: ":"))
        value(&output)
    }

    private static func writeStrings(_ strings: ArraySlice<String>, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "["))
        for (index, string) in strings.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONValue.writeString(string, into: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// The channel of events about the bridge itself.
    public static let bridgeChannel = "bridge"

    public static func catalogueChanged(generation: Int) -> BridgeEvent {
        BridgeEvent(
            kind: .catalogue,
            projectID: nil,
            events: ["bridge.catalogue.update"],
            channels: [bridgeChannel],
            payload: .object(JSONObject([("generation", .number(String(generation)))]))
        )
    }

    /// `document` is the instance exactly as `GET /api/instances` shows it.
    public static func instanceChanged(projectID: String, document: JSONValue) -> BridgeEvent {
        BridgeEvent(
            kind: .instance,
            projectID: projectID,
            events: ["instances.\(projectID).update"],
            channels: ["instances", "instances.\(projectID)"],
            payload: document
        )
    }

    public static func resync(reason: String) -> BridgeEvent {
        BridgeEvent(
            kind: .resync,
            projectID: nil,
            events: ["bridge.resync"],
            channels: [bridgeChannel],
            payload: .object(JSONObject([("reason", .string(reason))]))
        )
    }
}
