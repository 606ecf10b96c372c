import AppwriteSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Appwrite Messaging as the simulator answers it (../shared/appwrite-api.md, "Messaging").
@Suite("Appwrite simulator: messaging")
struct MessagingTests {
    static let writer = "sim-key-messages"
    static let executor = "sim-key-executions-only"

    static let config = SimulatorConfig(
        projects: [
            .init(
                id: "p1",
                keys: [
                    .init(secret: writer, scopes: ["messages.write", "messages.read"]),
                    .init(secret: executor, scopes: ["executions.write"]),
                ],
                functions: [],
                targets: [.init(id: "phone", type: .push), .init(id: "inbox", type: .email), .init(id: "mobile", type: .sms)]
            )
        ]
    )

    func withSimulator(_ test: @Sendable @escaping (any TestClientProtocol, SimulatorState) async throws -> Void) async throws {
        let state = SimulatorState(config: Self.config)
        try await buildSimulatorApplication(state: state).test(.live) { client in try await test(client, state) }
    }

    func post(
        _ client: any TestClientProtocol,
        _ provider: String,
        _ json: String,
        key: String = writer,
        contentType: String = "application/json"
    ) async throws -> (status: Int, body: [String: Any]) {
        try await sendToSimulator(
            client,
            .post,
            "/v1/messaging/messages/\(provider)",
            project: "p1",
            key: key,
            body: json,
            contentType: contentType
        )
    }

    @Test func pushIsCreated() async throws {
        try await withSimulator { client, state in
            let reply = try await post(
                client,
                "push",
                #"{"messageId": "door-open", "title": "Door", "body": "The front door opened", "users": ["u1"], "targets": ["phone"], "data": {"room": "hall"}, "badge": 2, "critical": true, "ignored": 1}"#
            )
            #expect(reply.status == 201)
            #expect(reply.body["$id"] as? String == "door-open")
            #expect(reply.body["providerType"] as? String == "push")
            #expect(reply.body["status"] as? String == "processing")
            #expect(reply.body["topics"] as? [String] == [])
            #expect(reply.body["users"] as? [String] == ["u1"])
            #expect(reply.body["targets"] as? [String] == ["phone"])
            #expect(reply.body["scheduledAt"] is NSNull)
            #expect(reply.body["deliveredAt"] is NSNull)
            #expect((reply.body["deliveryErrors"] as? [Any])?.isEmpty == true)
            #expect(reply.body["deliveredTotal"] as? Int == 0)
            #expect((reply.body["$createdAt"] as? String)?.hasSuffix("+00:00") == true)
            #expect(reply.body["$updatedAt"] as? String == reply.body["$createdAt"] as? String)
            let data = try #require(reply.body["data"] as? [String: Any])
            #expect(data["title"] as? String == "Door")
            #expect(data["body"] as? String == "The front door opened")
            #expect((data["data"] as? [String: String]) == ["room": "hall"])
            #expect(data["badge"] as? Int == 2)
            #expect(data["critical"] as? Bool == true)
            #expect(data["priority"] as? String == "high")
            #expect(Set(data.keys) == ["title", "body", "data", "badge", "critical", "priority"])
            #expect(await state.messages(projectID: "p1").map(\.id) == ["door-open"])
        }
    }

    @Test func emailIsCreated() async throws {
        try await withSimulator { client, _ in
            let reply = try await post(
                client,
                "email",
                #"{"messageId": "weekly", "subject": "Weekly report", "content": "<p>All fine</p>", "html": true, "targets": ["inbox"], "cc": ["inbox"], "attachments": ["reports:week-12"]}"#
            )
            #expect(reply.status == 201)
            #expect(reply.body["providerType"] as? String == "email")
            #expect(reply.body["status"] as? String == "processing")
            let data = try #require(reply.body["data"] as? [String: Any])
            #expect(data["subject"] as? String == "Weekly report")
            #expect(data["content"] as? String == "<p>All fine</p>")
            #expect(data["html"] as? Bool == true)
            #expect(data["cc"] as? [String] == ["inbox"])
            #expect(data["bcc"] as? [String] == [])
            #expect(data["attachments"] as? [String] == ["reports:week-12"])
        }
    }

    @Test func smsIsCreated() async throws {
        try await withSimulator { client, _ in
            let reply = try await post(client, "sms", #"{"messageId": "smoke", "content": "Smoke in the kitchen", "topics": ["family"]}"#)
            #expect(reply.status == 201)
            #expect(reply.body["providerType"] as? String == "sms")
            #expect(reply.body["status"] as? String == "processing")
            #expect(reply.body["topics"] as? [String] == ["family"])
            #expect((reply.body["data"] as? [String: String]) == ["content": "Smoke in the kitchen"])
        }
    }

    @Test func scheduledMessageIsScheduled() async throws {
        try await withSimulator { client, _ in
            let at = Date().addingTimeInterval(3600).formatted(.iso8601)
            let reply = try await post(client, "sms", #"{"messageId": "later", "content": "Hi", "users": ["u1"], "scheduledAt": "\#(at)"}"#)
            #expect(reply.status == 201)
            #expect(reply.body["status"] as? String == "scheduled")
            #expect((reply.body["scheduledAt"] as? String)?.hasSuffix("+00:00") == true)
            let past = try await post(
                client,
                "sms",
                #"{"messageId": "past", "content": "Hi", "users": ["u1"], "scheduledAt": "2000-01-01T00:00:00Z"}"#
            )
            #expect(past.status == 400)
            #expect(past.body["message"] as? String == "Invalid `scheduledAt` param: Value must be valid date in future.")
        }
    }

    @Test func processingMessageIsSentAndCanBeRead() async throws {
        try await withSimulator { client, _ in
            let created = try await post(client, "push", #"{"messageId": "ping", "title": "Ping", "users": ["u1"], "targets": ["phone"]}"#)
            #expect(created.status == 201)
            var fetched: (status: Int, body: [String: Any]) = (0, [:])
            for _ in 0..<50 {
                fetched = try await sendToSimulator(client, .get, "/v1/messaging/messages/ping", project: "p1", key: Self.writer, body: nil)
                if fetched.body["status"] as? String == "sent" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(fetched.status == 200)
            #expect(fetched.body["status"] as? String == "sent")
            #expect(fetched.body["deliveredTotal"] as? Int == 2)
            #expect((fetched.body["deliveredAt"] as? String)?.hasSuffix("+00:00") == true)
            let missing = try await sendToSimulator(client, .get, "/v1/messaging/messages/nope", project: "p1", key: Self.writer, body: nil)
            #expect(missing.status == 404)
            #expect(missing.body["type"] as? String == "message_not_found")
            let noScope = try await sendToSimulator(
                client,
                .get,
                "/v1/messaging/messages/ping",
                project: "p1",
                key: Self.executor,
                body: nil
            )
            #expect(noScope.status == 401)
            #expect(noScope.body["type"] as? String == "general_unauthorized_scope")
        }
    }

    @Test func uniqueLetsTheServerPickTheID() async throws {
        try await withSimulator { client, state in
            let first = try await post(client, "sms", #"{"messageId": "unique()", "content": "One", "users": ["u1"]}"#)
            let second = try await post(client, "sms", #"{"messageId": "unique()", "content": "Two", "users": ["u1"]}"#)
            #expect(first.status == 201)
            #expect(second.status == 201)
            let id = try #require(first.body["$id"] as? String)
            #expect(id.count == 20)
            #expect(id.allSatisfy { "0123456789abcdef".contains($0) })
            #expect(second.body["$id"] as? String != id)
            #expect(await state.messages(projectID: "p1").count == 2)
        }
    }

    @Test func scopeIsCheckedBeforeParameters() async throws {
        try await withSimulator { client, state in
            for provider in ["push", "email", "sms"] {
                let withScope = try await post(client, provider, #"{"messageId": "_probe"}"#)
                #expect(withScope.status == 400, "\(provider)")
                #expect(withScope.body["type"] as? String == "general_argument_invalid", "\(provider)")
                #expect((withScope.body["message"] as? String)?.hasPrefix("Invalid `messageId` param: ") == true)
                let withoutScope = try await post(client, provider, #"{"messageId": "_probe"}"#, key: Self.executor)
                #expect(withoutScope.status == 401, "\(provider)")
                #expect(withoutScope.body["type"] as? String == "general_unauthorized_scope", "\(provider)")
                #expect(
                    (withoutScope.body["message"] as? String)?.hasSuffix(#"(role: applications) missing scopes (["messages.write"])"#)
                        == true
                )
            }
            #expect(await state.messages(projectID: "p1").isEmpty)
        }
    }

    @Test func messageWithoutRecipientsIsRefused() async throws {
        try await withSimulator { client, state in
            let reply = try await post(client, "push", #"{"messageId": "nobody", "title": "Hi", "topics": [], "users": []}"#)
            #expect(reply.status == 400)
            #expect(reply.body["type"] as? String == "message_missing_target")
            #expect(reply.body["message"] as? String == "Message with the requested ID has no recipients (topics or users or targets).")
            #expect(await state.messages(projectID: "p1").isEmpty)
        }
    }

    @Test func targetOfTheWrongKindIsRefused() async throws {
        try await withSimulator { client, state in
            let cases: [(String, String, String)] = [
                ("push", #"{"messageId": "m1", "title": "Hi", "targets": ["inbox"]}"#, "message_target_not_push"),
                ("email", #"{"messageId": "m2", "subject": "Hi", "content": "Hi", "targets": ["phone"]}"#, "message_target_not_email"),
                (
                    "email", #"{"messageId": "m3", "subject": "Hi", "content": "Hi", "targets": ["inbox"], "bcc": ["mobile"]}"#,
                    "message_target_not_email"
                ),
                ("sms", #"{"messageId": "m4", "content": "Hi", "users": ["u1"], "targets": ["phone"]}"#, "message_target_not_sms"),
            ]
            for (provider, json, type) in cases {
                let reply = try await post(client, provider, json)
                #expect(reply.status == 400, "\(json)")
                #expect(reply.body["type"] as? String == type, "\(json)")
            }
            #expect(await state.messages(projectID: "p1").isEmpty)
        }
    }

    @Test func unknownTargetsAreAccepted() async throws {
        try await withSimulator { client, _ in
            let reply = try await post(client, "sms", #"{"messageId": "m1", "content": "Hi", "targets": ["not-configured"]}"#)
            #expect(reply.status == 201)
            #expect(reply.body["targets"] as? [String] == ["not-configured"])
        }
    }

    @Test func usedIDIsAConflict() async throws {
        try await withSimulator { client, state in
            let first = try await post(client, "push", #"{"messageId": "once", "title": "Hi", "users": ["u1"]}"#)
            #expect(first.status == 201)
            let again = try await post(client, "push", #"{"messageId": "once", "title": "Again", "users": ["u1"]}"#)
            #expect(again.status == 409)
            #expect(again.body["type"] as? String == "message_already_exists")
            let otherKind = try await post(client, "sms", #"{"messageId": "once", "content": "Hi", "users": ["u1"]}"#)
            #expect(otherKind.status == 409)
            #expect(otherKind.body["type"] as? String == "message_already_exists")
            #expect(await state.messages(projectID: "p1").map { $0.data["title"] } == [.string("Hi")])
        }
    }

    @Test func tooLongTitleIsInvalid() async throws {
        try await withSimulator { client, _ in
            let tooLong = String(repeating: "é", count: 257)
            let reply = try await post(client, "push", #"{"messageId": "long", "title": "\#(tooLong)", "users": ["u1"]}"#)
            #expect(reply.status == 400)
            #expect(reply.body["type"] as? String == "general_argument_invalid")
            #expect(
                reply.body["message"] as? String
                    == "Invalid `title` param: Value must be a valid string and at least 1 chars and no longer than 256 chars"
            )
            let longest = String(repeating: "é", count: 256)
            let fits = try await post(client, "push", #"{"messageId": "long", "title": "\#(longest)", "users": ["u1"]}"#)
            #expect(fits.status == 201)
        }
    }

    @Test func unknownPriorityIsInvalid() async throws {
        try await withSimulator { client, _ in
            let reply = try await post(client, "push", #"{"messageId": "p", "title": "Hi", "users": ["u1"], "priority": "urgent"}"#)
            #expect(reply.status == 400)
            #expect(reply.body["type"] as? String == "general_argument_invalid")
            #expect(reply.body["message"] as? String == "Invalid `priority` param: Value must be one of (normal, high)")
            let normal = try await post(client, "push", #"{"messageId": "p", "title": "Hi", "users": ["u1"], "priority": "normal"}"#)
            #expect(normal.status == 201)
            #expect((normal.body["data"] as? [String: Any])?["priority"] as? String == "normal")
        }
    }

    @Test func emailWithoutSubjectIsInvalid() async throws {
        try await withSimulator { client, _ in
            let reply = try await post(client, "email", #"{"messageId": "e", "content": "Hi", "targets": ["inbox"]}"#)
            #expect(reply.status == 400)
            #expect(reply.body["type"] as? String == "general_argument_invalid")
            #expect(reply.body["message"] as? String == #"Param "subject" is not optional."#)
        }
    }

    @Test func draftNeedsNoRecipients() async throws {
        try await withSimulator { client, state in
            let reply = try await post(client, "push", #"{"messageId": "idea", "title": "Maybe later", "draft": true}"#)
            #expect(reply.status == 201)
            #expect(reply.body["status"] as? String == "draft")
            try await Task.sleep(for: .milliseconds(100))
            #expect(await state.messages(projectID: "p1").map(\.status) == ["draft"])
        }
    }

    @Test func bodyIsJSONOnlyWithTheJSONContentType() async throws {
        try await withSimulator { client, _ in
            let reply = try await post(
                client,
                "sms",
                #"{"messageId": "m", "content": "Hi", "users": ["u1"]}"#,
                contentType: "text/plain"
            )
            #expect(reply.status == 400)
            #expect(reply.body["type"] as? String == "general_argument_invalid")
            #expect(reply.body["message"] as? String == #"Param "messageId" is not optional."#)
        }
    }
}
