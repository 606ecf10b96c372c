import Foundation
import Testing

@testable import BridgeCore

@Suite("Realtime frames passed on as Appwrite wrote them")
struct RealtimeFrameTests {
    static let event = #"""
        {"type":"event","data":{"events":["databases.home.collections.c.documents.d1.create","databases.home.collections.c.documents.*"],"channels":["documents","databases.home.collections.c.documents"],"timestamp":"2026-12-02T12:00:00.000+00:00","payload":{"$id":"d1","$updatedAt":"2026-12-02T12:00:00.000+00:00","note":"a \"quoted\" \/ path","n":1.50},"subscriptions":["s1"]}}
        """#

    @Test func theSpanOfANestedMemberIsItsTextAndOnlyAtThatDepth() throws {
        let bytes = Array(#"{"payload":1,"data":{"x":[{"payload":2}],"payload":{"a":[1, 2]}}}"#.utf8)
        let (value, span) = try JSONParser.parse(bytes, spanOfMember: "payload", atDepth: 2)
        let found = try #require(span)
        #expect(String(decoding: bytes[found], as: UTF8.self) == #"{"a":[1, 2]}"#)
        #expect(value["data"]?["payload"]?["a"] == .array([.number("1"), .number("2")]))
        #expect(try JSONParser.parse(bytes, spanOfMember: "missing", atDepth: 2).span == nil)
    }

    @Test func anEventKeepsItsPayloadTextAndTheEnvelopeIsTheSameJSON() throws {
        let frame = try RealtimeFrame(parsing: Array(Self.event.utf8))
        guard case .event(let data, let text?) = frame else {
            Issue.record("not an event with its payload's text: \(frame)")
            return
        }
        // Appwrite's own escapes (`\/`) and number text stay as sent.
        #expect(String(decoding: text, as: UTF8.self).contains(#"a \"quoted\" \/ path"#))
        guard case .object(let payload)? = data["payload"] else {
            Issue.record("no payload object")
            return
        }
        var event = BridgeEvent(kind: .realtime, projectID: "p1", events: ["e"], channels: ["c"], payload: .object(payload))
        event.timestampText = "2026-12-02T12:00:00.000+00:00"
        event.leading = JSONObject([("project_id", .string("p1"))])
        event.trailing = JSONObject([("catch_up", .bool(false))])
        let written = event.serializedEnvelope
        event.payloadText = text
        let copied = event.serializedEnvelope
        #expect(String(decoding: copied, as: UTF8.self).contains(#""payload":{"$id":"d1""#))
        #expect(try JSONParser.parse(copied) == JSONParser.parse(written))
        #expect(try JSONParser.parse(written) == event.envelope)
    }

    @Test func aPayloadWithALineBreakBetweenItsTokensIsWrittenAgain() throws {
        // Valid JSON, but its text would end the SSE message at the line break.
        let text = #"{"type":"event","data":{"events":[],"channels":[],"payload":{"$id":"d1",\#n"x":1}}}"#
        let frame = try RealtimeFrame(parsing: Array(text.utf8))
        guard case .event(_, let payloadText) = frame else {
            Issue.record("not an event: \(frame)")
            return
        }
        #expect(payloadText == nil)
    }
}
