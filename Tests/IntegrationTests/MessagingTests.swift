import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

/// send_push/send_email/send_sms against the simulator: the exact JSON Appwrite receives, local
/// validation, and the messages.write check.
@Suite("messaging actions over real sockets")
struct MessagingTests {
    static func simulators() -> [SimulatorConfig] {
        var home = Fixtures.homeSimulator()
        home.projects[0].keys[0].scopes.append("messages.write")
        home.projects[0].targets = [.init(id: "kitchen-tablet", type: .push), .init(id: "owner-email", type: .email)]
        return [home, Fixtures.garageSimulator()]
    }

    func withBridge(_ body: (TestServers) async throws -> Void) async throws {
        try await TestServers.run(
            simulators: Self.simulators(),
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { urls in
                """
                listen: 127.0.0.1:0
                instances:
                  - project_id: home1234
                    url: \(urls[0])
                    api_key_file: home.key
                    messaging: true
                  - project_id: garage42
                    url: \(urls[1])
                    api_key_env: GARAGE_KEY
                    messaging: true
                """
            },
            body
        )
    }

    func send(_ servers: TestServers, _ kind: String, _ payload: String, project: String = "home1234") async throws -> HTTP.Reply {
        try await HTTP.post("\(servers.bridgeURL)/api/services/appwrite/send_\(kind)_\(project)?return_response", json: payload)
    }

    func lastBody(_ servers: TestServers, _ kind: String) async -> String? {
        await servers.simulators[0].state.recordedRequests().last {
            $0.path == "/v1/messaging/messages/\(kind)" && !$0.body.contains(AppwriteClient.scopeProbeFunctionID)
        }?.body
    }

    @Test(arguments: [
        (
            "push", #"{"message": "Garage door open", "topics": ["family"]}"#,
            #"{"messageId":"unique()","body":"Garage door open","topics":["family"]}"#
        ),
        (
            "push",
            #"{"message_id": "garage-1", "title": "Garage", "message": "Door open", "topics": ["family"], "users": ["u1"], "targets": ["kitchen-tablet"], "data": {"door": "garage"}, "action": "open_camera", "image": "snaps:garage", "icon": "garage", "sound": "chime", "color": "red", "tag": "garage", "badge": 2, "draft": false, "scheduled_at": "2030-01-01T07:30:00Z", "content_available": true, "critical": true, "priority": "normal"}"#,
            #"{"messageId":"garage-1","title":"Garage","body":"Door open","topics":["family"],"users":["u1"],"targets":["kitchen-tablet"],"data":{"door":"garage"},"action":"open_camera","image":"snaps:garage","icon":"garage","sound":"chime","color":"red","tag":"garage","badge":2,"draft":false,"scheduledAt":"2030-01-01T07:30:00Z","contentAvailable":true,"critical":true,"priority":"normal"}"#
        ),
        (
            "email", #"{"title": "Report", "message": "All fine", "users": ["u1"]}"#,
            #"{"messageId":"unique()","subject":"Report","content":"All fine","users":["u1"]}"#
        ),
        (
            "email",
            #"{"message_id": "report-1", "title": "Report", "message": "<b>All fine</b>", "topics": ["t"], "users": ["u1"], "targets": ["owner-email"], "cc": ["c1"], "bcc": ["b1"], "attachments": ["reports:march"], "draft": false, "html": true, "scheduled_at": "2030-01-01T07:30:00Z"}"#,
            #"{"messageId":"report-1","subject":"Report","content":"<b>All fine</b>","topics":["t"],"users":["u1"],"targets":["owner-email"],"cc":["c1"],"bcc":["b1"],"attachments":["reports:march"],"draft":false,"html":true,"scheduledAt":"2030-01-01T07:30:00Z"}"#
        ),
        ("sms", #"{"message": "Alarm!", "targets": ["phone1"]}"#, #"{"messageId":"unique()","content":"Alarm!","targets":["phone1"]}"#),
        (
            "sms",
            #"{"message_id": "alarm-1", "message": "Alarm!", "topics": ["t"], "users": ["u1"], "targets": ["phone1"], "draft": true, "scheduled_at": "2030-01-01T07:30:00Z"}"#,
            #"{"messageId":"alarm-1","content":"Alarm!","topics":["t"],"users":["u1"],"targets":["phone1"],"draft":true,"scheduledAt":"2030-01-01T07:30:00Z"}"#
        ),
    ])
    func payloadsArriveExactly(kind: String, payload: String, expected: String) async throws {
        try await withBridge { servers in
            let reply = try await send(servers, kind, payload)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["service_response"]?["providerType"] == .string(kind))
            let id = try #require(reply.json["service_response"]?["$id"]?.stringValue)
            // unique() is replaced before the first attempt by a concrete ID of the same shape.
            let placeholder = #""messageId":"unique()""#
            if expected.contains(placeholder) {
                #expect(id.count == 20 && id.allSatisfy(\.isHexDigit))
                #expect(await lastBody(servers, kind) == expected.replacingOccurrences(of: placeholder, with: #""messageId":"\#(id)""#))
            } else {
                #expect(await lastBody(servers, kind) == expected)
            }
        }
    }

    @Test func localValidationErrorsNeverReachAppwrite() async throws {
        let bad: [(String, String, String)] = [
            ("push", #"{"topics": ["family"]}"#, "message"),
            ("push", #"{"message": "x"}"#, "targets"),
            ("push", #"{"message": "x", "topics": ["_bad"]}"#, "topics"),
            ("push", #"{"message": "x", "topics": ["t"], "priority": "urgent"}"#, "priority"),
            ("push", #"{"message": "x", "topics": ["t"], "title": "\#(String(repeating: "a", count: 257))"}"#, "title"),
            ("push", #"{"message": "x", "topics": ["t"], "image": "no-colon"}"#, "image"),
            ("push", #"{"message": "x", "topics": ["t"], "html": true}"#, "html"),
            ("push", #"{"message": "x", "topics": ["t"], "scheduled_at": "2020-01-01T00:00:00Z"}"#, "scheduled_at"),
            ("push", #"{"message": "x", "topics": ["t"], "message_id": "-bad"}"#, "message_id"),
            ("email", #"{"message": "x", "users": ["u"]}"#, "title"),
            ("email", #"{"title": "s", "message": "x", "users": ["u"], "data": {}}"#, "data"),
            ("sms", #"{"title": "t", "message": "x", "targets": ["p"]}"#, "title"),
            ("sms", #"{"message": "x", "targets": ["p"], "bogus": 1}"#, "bogus"),
        ]
        try await withBridge { servers in
            for (kind, payload, field) in bad {
                let reply = try await send(servers, kind, payload)
                #expect(reply.status == 400, "\(kind) \(payload)")
                #expect(reply.json["error"]?["code"] == "invalid_payload", "\(kind) \(payload)")
                #expect(reply.json["error"]?["field"]?.stringValue == field, "\(kind) \(payload): \(reply.text)")
            }
            let sent = await servers.simulators[0].state.recordedRequests().filter {
                $0.path.hasPrefix("/v1/messaging/") && !$0.body.contains("_bridge_scope_probe")
            }
            #expect(sent.isEmpty)
        }
    }

    @Test func appwriteRefusalsPassThroughWithTheirCodes() async throws {
        try await withBridge { servers in
            let first = try await send(servers, "push", #"{"message": "x", "topics": ["t"], "message_id": "once"}"#)
            #expect(first.status == 200)
            let again = try await send(servers, "push", #"{"message": "x", "topics": ["t"], "message_id": "once"}"#)
            #expect(again.status == 409)
            #expect(again.json["error"]?["code"] == "message_already_exists")
            let wrongKind = try await send(servers, "email", #"{"title": "s", "message": "x", "targets": ["kitchen-tablet"]}"#)
            #expect(wrongKind.status == 400)
            #expect(wrongKind.json["error"]?["code"] == "message_target_not_email")
        }
    }

    @Test func aKeyWithoutMessagesWriteIsMissingScopeForMessagingOnly() async throws {
        try await withBridge { servers in
            let states = try await servers.waitForChecks()
            #expect(states["home1234"]?["capabilities"]?["messaging"]?["state"] == "ok")
            #expect(states["garage42"]?["state"] == "ok")
            #expect(states["garage42"]?["capabilities"]?["execute"]?["state"] == "ok")
            #expect(states["garage42"]?["capabilities"]?["messaging"]?["state"] == "missing_scope")
            #expect(states["garage42"]?["capabilities"]?["messaging"]?["reason"]?.stringValue?.contains("messages.write") == true)
            let services = try await HTTP.get("\(servers.bridgeURL)/api/services")
            let names = services.json.arrayValue?.first?["services"]?.objectValue?.keys ?? []
            #expect(Set(["send_push_home1234", "send_email_home1234", "send_sms_home1234", "send_sms_garage42"]).isSubset(of: Set(names)))
        }
    }

    @Test func messagesSentDuringAnOutageAreQueuedAndDelivered() async throws {
        let port = try unusedLoopbackPort()
        try await TestServers.withAppwriteDown(port: port, instanceExtra: "    messaging: true") { servers in
            let reply = try await send(servers, "push", #"{"message": "Water leak!", "topics": ["family"], "message_id": "leak-1"}"#)
            #expect(reply.status == 202)
            #expect(reply.json["queued"] == .bool(true))
            #expect(reply.json["message_id"] == "leak-1")
            try await TestServers.withSimulators(Array(Self.simulators().prefix(1)), fixedPorts: [port]) { simulators in
                let deadline = ContinuousClock.now + .seconds(20)
                while await simulators[0].state.messages(projectID: "home1234").isEmpty, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
                let messages = await simulators[0].state.messages(projectID: "home1234")
                #expect(messages.map(\.id) == ["leak-1"])
            }
        }
    }
}
