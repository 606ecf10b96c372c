import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

@Suite("execute_function over real sockets")
struct ExecuteFunctionTests {
    func withBridge(_ body: (TestServers) async throws -> Void) async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { Fixtures.twoInstanceYAML($0) },
            body
        )
    }

    func call(_ servers: TestServers, _ project: String, _ payload: String, returnResponse: Bool = true) async throws -> HTTP.Reply {
        try await HTTP.post(
            "\(servers.bridgeURL)/api/services/appwrite/execute_function_\(project)\(returnResponse ? "?return_response" : "")",
            json: payload
        )
    }

    func executionRequests(_ simulator: TestServers.SimulatorHandle) async -> [RecordedRequest] {
        await simulator.state.recordedRequests().filter {
            $0.method == "POST" && $0.path.hasSuffix("/executions") && !$0.path.contains("_bridge_scope_probe")
        }
    }

    @Test func syncExecutionReturnsTheExecutionUnchanged() async throws {
        try await withBridge { servers in
            let reply = try await call(
                servers,
                "home1234",
                #"{"function_id": "echo", "function_method": "post", "function_path": "/lights?room=kitchen", "function_headers": {"X-Source": "ha"}, "function_body": {"on": true}}"#
            )
            #expect(reply.status == 200)
            #expect(reply.contentType == "application/json")
            #expect(reply.json["changed_states"] == .array([]))
            let execution = try #require(reply.json["service_response"]?.objectValue)
            #expect(execution["status"] == "completed")
            #expect(execution["functionId"] == "echo")
            #expect(execution["responseStatusCode"] == .number("200"))
            let seen = try JSONParser.parse(try #require(execution["responseBody"]?.stringValue))
            #expect(seen["method"] == "POST")
            #expect(seen["path"] == "/lights?room=kitchen")
            #expect(seen["headers"]?["X-Source"] == "ha" || seen["headers"]?["x-source"] == "ha")
            #expect(seen["body"] == #"{"on":true}"#)

            let sent = try #require(await executionRequests(servers.simulators[0]).last)
            #expect(sent.path == "/v1/functions/echo/executions")
            #expect(sent.headers["x-appwrite-project"] == "home1234")
            #expect(sent.headers["x-appwrite-key"] == Fixtures.homeKey)
            #expect(sent.headers["content-type"] == "application/json")
            #expect(
                sent.body
                    == #"{"body":"{\"on\":true}","async":false,"path":"/lights?room=kitchen","method":"POST","headers":{"X-Source":"ha"}}"#
            )
        }
    }

    /// The payloads of Home Assistant's Appwrite documentation, and the exact JSON Appwrite gets.
    @Test func homeAssistantExamplePayloadsArriveExactly() async throws {
        let schedule = Self.wholeMinute(minutesAhead: 10)
        let cases: [(payload: String, expected: String)] = [
            (#"{"function_id": "echo"}"#, #"{"body":"","async":false,"path":"/","method":"GET","headers":{}}"#),
            (
                #"{"function_id": "echo", "function_body": "{\"key\": \"value\"}", "function_method": "POST", "function_path": "/", "function_headers": {"content-type": "application/json"}, "function_async": false}"#,
                #"{"body":"{\"key\": \"value\"}","async":false,"path":"/","method":"POST","headers":{"content-type":"application/json"}}"#
            ),
            (
                #"{"function_id": "echo", "function_async": true}"#,
                #"{"body":"","async":true,"path":"/","method":"GET","headers":{"agent":"appwrite-bridge/<id>"}}"#
            ),
            (
                #"{"function_id": "echo", "function_scheduled_at": "\#(schedule)", "function_body": "later"}"#,
                #"{"body":"later","async":true,"path":"/","method":"GET","headers":{"agent":"appwrite-bridge/<id>"},"scheduledAt":"\#(schedule)"}"#
            ),
            (
                #"{"function_id": "echo", "function_method": "delete", "function_path": "/items/7", "function_body": [1, 2.50, "x"]}"#,
                #"{"body":"[1,2.50,\"x\"]","async":false,"path":"/items/7","method":"DELETE","headers":{}}"#
            ),
        ]
        try await withBridge { servers in
            for (payload, expected) in cases {
                await servers.simulators[0].state.reset()
                let reply = try await call(servers, "home1234", payload)
                #expect(reply.status == 200, "\(payload): \(reply.text)")
                let sent = await executionRequests(servers.simulators[0])
                #expect(sent.count == 1)
                // A fire-and-forget execution carries the outbox's marker (a fresh ID each call).
                let body = sent.first?.body.replacing(#/appwrite-bridge\/[0-9a-f]{20}/#, with: "appwrite-bridge/<id>")
                #expect(body == expected)
            }
        }
    }

    @Test func withoutReturnResponseTheAnswerIsAnEmptyList() async throws {
        try await withBridge { servers in
            let reply = try await call(servers, "home1234", #"{"function_id": "echo"}"#, returnResponse: false)
            #expect(reply.status == 200)
            #expect(reply.text == "[]")
            #expect(await executionRequests(servers.simulators[0]).count == 1)
        }
    }

    @Test func asyncAndScheduledExecutions() async throws {
        try await withBridge { servers in
            let async = try await call(servers, "home1234", #"{"function_id": "echo", "function_async": true}"#)
            #expect(async.status == 200)
            #expect(async.json["service_response"]?["status"] == "waiting")
            #expect(async.json["service_response"]?["responseBody"] == "")

            let schedule = Self.wholeMinute(minutesAhead: 5)
            let scheduled = try await call(servers, "home1234", #"{"function_id": "echo", "function_scheduled_at": "\#(schedule)"}"#)
            #expect(scheduled.status == 200)
            #expect(scheduled.json["service_response"]?["status"] == "scheduled")
            #expect(scheduled.json["service_response"]?["trigger"] == "schedule")
        }
    }

    @Test func twoInstancesUseTheirOwnURLAndKey() async throws {
        try await withBridge { servers in
            let home = try await call(servers, "home1234", #"{"function_id": "echo"}"#)
            let garage = try await call(servers, "garage42", #"{"function_id": "echo"}"#)
            #expect(home.status == 200)
            #expect(garage.status == 200)
            let homeSent = await executionRequests(servers.simulators[0])
            let garageSent = await executionRequests(servers.simulators[1])
            #expect(homeSent.count == 1)
            #expect(garageSent.count == 1)
            #expect(homeSent.first?.headers["x-appwrite-key"] == Fixtures.homeKey)
            #expect(garageSent.first?.headers["x-appwrite-key"] == Fixtures.garageKey)
            #expect(garageSent.first?.headers["x-appwrite-project"] == "garage42")
        }
    }

    @Test func functionFailureIsStillAnExecution() async throws {
        try await withBridge { servers in
            let reply = try await call(servers, "home1234", #"{"function_id": "broken"}"#)
            #expect(reply.status == 200)
            #expect(reply.json["service_response"]?["status"] == "failed")
            #expect(reply.json["service_response"]?["responseStatusCode"] == .number("500"))
        }
    }

    @Test func localValidationErrorsNeverReachAppwrite() async throws {
        let bad: [(String, String?)] = [
            (#"{"function_method": "GET"}"#, "function_id"),
            (#"{"function_id": "_x"}"#, "function_id"),
            (#"{"function_id": "echo", "function_method": "FETCH"}"#, "function_method"),
            (#"{"function_id": "echo", "function_path": ""}"#, "function_path"),
            (#"{"function_id": "echo", "function_headers": {"x-appwrite-key": "steal"}}"#, "function_headers"),
            (#"{"function_id": "echo", "function_async": "maybe"}"#, "function_async"),
            (#"{"function_id": "echo", "function_scheduled_at": "2020-01-01T00:00:00Z"}"#, "function_scheduled_at"),
            (#"{"function_id": "echo", "function_wait": false, "function_wait_timeout": 0}"#, "function_wait_timeout"),
            (#"{"function_id": "echo", "bogus": 1}"#, "bogus"),
        ]
        try await withBridge { servers in
            for (payload, field) in bad {
                let reply = try await call(servers, "home1234", payload)
                #expect(reply.status == 400, "\(payload)")
                #expect(reply.json["error"]?["code"] == "invalid_payload", "\(payload)")
                #expect(reply.json["error"]?["field"]?.stringValue == field, "\(payload)")
                #expect(reply.json["error"]?["message"]?.stringValue?.isEmpty == false)
            }
            let malformed = try await call(servers, "home1234", #"{"function_id": "echo""#)
            #expect(malformed.status == 400)
            #expect(malformed.json["error"]?["code"] == "invalid_json")
            let wrongType = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                json: "function_id=echo",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(wrongType.status == 415)
            #expect(wrongType.json["error"]?["code"] == "unsupported_media_type")
            #expect(await executionRequests(servers.simulators[0]).isEmpty)
        }
    }

    @Test func upstreamErrorsAreExplained() async throws {
        try await withBridge { servers in
            let missing = try await call(servers, "home1234", #"{"function_id": "nosuchfunction"}"#)
            #expect(missing.status == 404)
            #expect(missing.json["error"]?["code"] == "function_not_found")
            #expect(missing.json["error"]?["upstream"]?["status"] == .number("404"))
            #expect(missing.json["error"]?["upstream"]?["type"] == "function_not_found")

            let undeployed = try await call(servers, "home1234", #"{"function_id": "undeployed"}"#)
            #expect(undeployed.status == 404)
            #expect(undeployed.json["error"]?["code"] == "deployment_not_found")

            let building = try await call(servers, "home1234", #"{"function_id": "building"}"#)
            #expect(building.status == 400)
            #expect(building.json["error"]?["code"] == "build_not_ready")

            // timeout_seconds is 2 for home1234; the function sleeps 3 s.
            let slow = try await call(servers, "home1234", #"{"function_id": "slow"}"#)
            #expect(slow.status == 504)
            #expect(slow.json["error"]?["code"] == "appwrite_timeout")
        }
    }

    @Test func unknownActionsAndInstances() async throws {
        try await withBridge { servers in
            let unknownInstance = try await call(servers, "nope", #"{"function_id": "echo"}"#)
            #expect(unknownInstance.status == 404)
            #expect(unknownInstance.json["error"]?["code"] == "unknown_instance")
            let unknownAction = try await HTTP.post("\(servers.bridgeURL)/api/services/appwrite/restart", json: "{}")
            #expect(unknownAction.status == 404)
            #expect(unknownAction.json["error"]?["code"] == "unknown_action")
            let otherDomain = try await HTTP.post("\(servers.bridgeURL)/api/services/light/execute_function_home1234", json: "{}")
            #expect(otherDomain.status == 404)
            #expect(otherDomain.json["error"]?["code"] == "unknown_action")
            let noRoute = try await HTTP.get("\(servers.bridgeURL)/nothing/here")
            #expect(noRoute.status == 404)
            #expect(noRoute.json["error"]?["code"] == "not_found")
        }
    }

    /// A whole minute at least `minutesAhead` minutes from now, in UTC with a Z.
    static func wholeMinute(minutesAhead: Int) -> String {
        let date = Date().addingTimeInterval(TimeInterval(60 * (minutesAhead + 1)))
        let seconds = floor(date.timeIntervalSince1970 / 60) * 60
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
