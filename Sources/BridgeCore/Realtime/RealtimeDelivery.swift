import Foundation

/// Turns what Appwrite sent (a live event, or a document listed after a gap) into `/api/events`
/// events of kind `realtime`, and gaps into `realtime_gap`: the payload cut to the subscription's
/// `fields:`, or to its IDs when it is over 32 KiB (Home Assistant records every bus event in its
/// database), with the action and the resource named so an automation needs no parsing.
enum RealtimeDelivery {
    static let maximumPayloadBytes = 32 * 1024
    /// Kept whatever `fields:` says: what identifies the resource and its version.
    static let identityKeys = ["$id", "$sequence", "$collectionId", "$tableId", "$databaseId", "$bucketId", "$createdAt", "$updatedAt"]

    /// The resource an event is about, read from its specific event name (the first one).
    struct Resource {
        var type: String
        var id: String
        var members: [(String, String)]

        var document: JSONValue {
            var object = JSONObject([("type", .string(type)), ("id", .string(id))])
            for (key, value) in members { object[key] = .string(value) }
            return .object(object)
        }
    }

    static func action(of eventName: String) -> String? {
        let last = eventName.lastIndex(of: ".").map { eventName[eventName.index(after: $0)...] } ?? eventName[...]
        return RealtimeAction(rawValue: String(last))?.rawValue
    }

    static func resource(of eventName: String, payload: JSONObject) -> Resource {
        // By bytes: splitting the String itself walks it character by character.
        let segments = eventName.utf8.split(separator: UInt8(ascii: "."))
        let payloadID = payload["$id"]?.stringValue ?? ""
        func segment(after name: String) -> String? {
            guard let index = segments.firstIndex(where: { $0.elementsEqual(name.utf8) }), index + 1 < segments.count else { return nil }
            return String(Substring(segments[index + 1]))
        }
        if let database = segment(after: "databases") ?? segment(after: "tablesdb") {
            let collection = segment(after: "collections") ?? segment(after: "tables") ?? ""
            let id = segment(after: "documents") ?? segment(after: "rows") ?? payloadID
            return Resource(type: "document", id: id, members: [("database_id", database), ("collection_id", collection)])
        }
        if let bucket = segment(after: "buckets") {
            return Resource(type: "file", id: segment(after: "files") ?? payloadID, members: [("bucket_id", bucket)])
        }
        if let function = segment(after: "functions") {
            return Resource(type: "execution", id: segment(after: "executions") ?? payloadID, members: [("function_id", function)])
        }
        return Resource(type: segments.first.map { String(Substring($0)) } ?? "other", id: payloadID, members: [])
    }

    /// The payload as passed on, and whether it was cut to its IDs.
    /// `knownSmall`: the whole frame it came in was under the bound, so no need to measure.
    static func shape(_ payload: JSONObject, fields: [String]?, knownSmall: Bool) -> (JSONValue, truncated: Bool) {
        var shaped = payload
        if let fields {
            var kept = JSONObject()
            for (key, value) in payload.entries where identityKeys.contains(key) || fields.contains(key) { kept[key] = value }
            shaped = kept
        }
        if !knownSmall, JSONValue.object(shaped).serializedBytes.count > maximumPayloadBytes {
            var kept = JSONObject()
            for (key, value) in payload.entries where identityKeys.contains(key) { kept[key] = value }
            return (.object(kept), true)
        }
        return (.object(shaped), false)
    }

    static func event(
        projectID: String,
        subscription: RealtimeSubscription,
        events: [String],
        channels: [String],
        timestamp: String?,
        payload: JSONObject,
        verbatim: BridgeEvent.Verbatim = .init(),
        catchUp: Bool,
        knownSmall: Bool,
        described: (action: String?, resource: JSONValue)? = nil
    ) -> BridgeEvent {
        let first = events.first ?? ""
        let (action, resource) = described ?? (action(of: first), resource(of: first, payload: payload).document)
        let (shaped, truncated) = shape(payload, fields: subscription.fields, knownSmall: knownSmall)
        var event = BridgeEvent(
            kind: .realtime,
            projectID: projectID,
            events: events,
            channels: channels + ["realtime", "realtime.\(projectID)", "realtime.\(projectID).\(subscription.name)"],
            payload: shaped
        )
        event.timestampText = timestamp
        // What is passed on unchanged goes as Appwrite wrote it.
        event.verbatim = verbatim
        if subscription.fields != nil || truncated { event.verbatim.payload = nil }
        event.leading = JSONObject([
            ("project_id", .string(projectID)),
            ("subscription", .string(subscription.name)),
            ("action", action.map(JSONValue.string) ?? .null),
        ])
        event.trailing = JSONObject([
            ("resource", resource),
            ("catch_up", .bool(catchUp)),
            ("truncated", .bool(truncated)),
        ])
        return event
    }

    /// A document listed after a gap, named as Appwrite would have named its last change: create
    /// when it was never updated since, else update.
    static func caughtUp(projectID: String, subscription: RealtimeSubscription, source: CatchUpSource, document: JSONObject)
        -> BridgeEvent?
    {
        guard let id = document["$id"]?.stringValue else { return nil }
        let isNew = document["$createdAt"] != nil && document["$createdAt"] == document["$updatedAt"]
        let action: RealtimeAction = isNew ? .create : .update
        if let actions = source.actions, !actions.contains(action) { return nil }
        let (base, list) =
            source.api == .rows
            ? ("tablesdb.\(source.databaseID).tables.\(source.collectionID)", "rows")
            : ("databases.\(source.databaseID).collections.\(source.collectionID)", "documents")
        let events = [
            "\(base).\(list).\(id).\(action.rawValue)", "\(base).\(list).\(id)", "\(base).\(list).*.\(action.rawValue)",
            "\(base).\(list).*", base, base.split(separator: ".").prefix(2).joined(separator: "."),
        ]
        let channels = [list, "\(base).\(list)", "\(base).\(list).\(id)", "\(list).\(action.rawValue)", "\(base).\(list).\(action.rawValue)"]
        return event(
            projectID: projectID,
            subscription: subscription,
            events: events,
            channels: channels,
            timestamp: document["$updatedAt"]?.stringValue,
            payload: document,
            catchUp: true,
            knownSmall: false
        )
    }

    /// One per subscription after a reconnect: `caughtUp` is how many listed documents went out
    /// (nil: the subscription cannot be listed again, or the listing failed, see `reason`).
    static func gap(projectID: String, subscription: RealtimeSubscription, from: String, to: String, caughtUp: Int?, reason: String?)
        -> BridgeEvent
    {
        var event = BridgeEvent(
            kind: .realtimeGap,
            projectID: projectID,
            events: ["realtime.\(projectID).\(subscription.name).gap"],
            channels: ["realtime", "realtime.\(projectID)", "realtime.\(projectID).\(subscription.name)"],
            payload: .object(JSONObject())
        )
        event.leading = JSONObject([("project_id", .string(projectID)), ("subscription", .string(subscription.name))])
        event.trailing = JSONObject([
            ("gap", .object(JSONObject([("from", .string(from)), ("to", .string(to))]))),
            ("caught_up", caughtUp.map { .number(String($0)) } ?? .null),
            ("reason", reason.map(JSONValue.string) ?? .null),
        ])
        return event
    }
}
