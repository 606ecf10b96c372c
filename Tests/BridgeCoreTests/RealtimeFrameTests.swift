import Foundation
import Testing

@testable import BridgeCore

@Suite("Realtime frames passed on as Appwrite wrote them")
struct RealtimeFrameTests {
    static let event = #"""
        {"type":"event","data":{"events":["databases.home.collections.c.documents.d1.create","databases.home.collections.c.documents.*"],"channels":["documents","databases.home.collections.c.documents"],"timestamp":"2026-12-02T12:00:00.000+00:00","payload":{"$id":"d1","$updatedAt":"2026-12-02T12:00:00.000+00:00","note":"a \"quoted\" \/ path","n":1.50},"subscriptions":["s1"]}}
        """#

    @Test func theSpansOfNestedMembersAreTheirTextAndOnlyAtThatDepth() throws {
        let bytes = Array(#"{"payload":1,"data":{"x":[{"payload":2}],"payload":{"a":[1, 2]},"events":[ ]}}"#.utf8)
        let (value, spans) = try JSONParser.parse(bytes, spansOfMembers: ["payload", "events", "missing"], atDepth: 2)
        let payload = try #require(spans["payload"])
        #expect(String(decoding: bytes[payload], as: UTF8.self) == #"{"a":[1, 2]}"#)
        #expect(String(decoding: bytes[try #require(spans["events"])], as: UTF8.self) == "[ ]")
        #expect(spans["missing"] == nil)
        #expect(value["data"]?["payload"]?["a"] == .array([.number("1"), .number("2")]))
    }

    @Test func anEventKeepsItsTextAndTheEnvelopeIsTheSameJSON() throws {
        let frame = try RealtimeFrame(parsing: Array(Self.event.utf8))
        guard case .event(let data, let verbatim) = frame, let payloadText = verbatim.payload else {
            Issue.record("not an event with its payload's text: \(frame)")
            return
        }
        // Appwrite's own escapes (`\/`) and number text stay as sent.
        #expect(String(decoding: payloadText, as: UTF8.self).contains(#"a \"quoted\" \/ path"#))
        #expect(verbatim.events != nil)
        #expect(verbatim.channels?.count == 2)
        guard case .object(let payload)? = data["payload"], case .array(let events)? = data["events"],
            case .array(let channels)? = data["channels"]
        else {
            Issue.record("no payload, events or channels")
            return
        }
        var event = BridgeEvent(
            kind: .realtime,
            projectID: "p1",
            events: events.compactMap(\.stringValue),
            // The bridge's own channels follow Appwrite's.
            channels: channels.compactMap(\.stringValue) + ["realtime", "realtime.p1"],
            payload: .object(payload)
        )
        event.timestampText = "2026-12-02T12:00:00.000+00:00"
        event.leading = JSONObject([("project_id", .string("p1"))])
        event.trailing = JSONObject([("catch_up", .bool(false))])
        let written = event.serializedEnvelope
        event.verbatim = verbatim
        let copied = event.serializedEnvelope
        #expect(String(decoding: copied, as: UTF8.self).contains(#""payload":{"$id":"d1""#))
        #expect(String(decoding: copied, as: UTF8.self).contains(#""databases.home.collections.c.documents","realtime","realtime.p1"]"#))
        #expect(try JSONParser.parse(copied) == JSONParser.parse(written))
        #expect(try JSONParser.parse(written) == event.envelope)
    }

    @Test func channelsAddedToAnEmptyListStayOneArray() throws {
        var event = BridgeEvent(kind: .realtime, projectID: "p1", events: [], channels: ["realtime"], payload: .null)
        event.verbatim.channels = (Array("[]".utf8)[...], 0)
        #expect(try JSONParser.parse(event.serializedEnvelope)["channels"] == .array([.string("realtime")]))
    }

    @Test func textWithALineBreakBetweenItsTokensIsWrittenAgain() throws {
        // Valid JSON, but its text would end the SSE message at the line break.
        let text = #"{"type":"event","data":{"events":[],"channels":[\#n],"payload":{"$id":"d1",\#n"x":1}}}"#
        let frame = try RealtimeFrame(parsing: Array(text.utf8))
        guard case .event(_, let verbatim) = frame else {
            Issue.record("not an event: \(frame)")
            return
        }
        #expect(verbatim.payload == nil)
        #expect(verbatim.channels == nil)
        #expect(verbatim.events != nil)
    }
}
