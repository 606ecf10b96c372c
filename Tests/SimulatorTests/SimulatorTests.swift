import AppwriteSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The simulator must answer like Appwrite 1.9.6 (../shared/appwrite-api.md), or the bridge's
/// integration tests prove nothing.
@Suite("Appwrite simulator")
struct SimulatorTests {
    static let key = "sim-key-with-scope"
    static let readOnlyKey = "sim-key-read-only"
    static let expiredKey = "sim-key-expired"

    static let config = SimulatorConfig(
        syncTimeoutSeconds: 1,
        projects: [
            .init(
                id: "p1",
                keys: [
                    .init(secret: key, scopes: ["executions.write", "executions.read"]),
                    .init(secret: readOnlyKey, scopes: ["functions.read"]),
                    .init(secret: expiredKey, scopes: ["executions.write"], expired: true),
                ],
                functions: [
                    .init(id: "echo"), .init(id: "slow", sleepSeconds: 0.3), .init(id: "hang", sleepSeconds: 5),
                    .init(id: "nodeploy", deployment: false), .init(id: "building", buildReady: false),
                ]
            )
        ]
    )

    func withSimulator(_ test: @Sendable @escaping (any TestClientProtocol, SimulatorState) async throws -> Void) async throws {
        let state = SimulatorState(config: Self.config)
        try await buildSimulatorApplication(state: state).test(.live) { client in try await test(client, state) }
    }

    func call(
        _ client: any TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ path: String,
        project: String? = "p1",
        key: String? = key,
        json: String? = nil
    ) async throws -> (status: Int, body: [String: Any]) {
        try await sendToSimulator(client, method, path, project: project, key: key, body: json)
    }

    @Test func health() async throws {
        try await withSimulator { client, _ in
            let ok = try await call(client, .get, "/v1/health")
            #expect(ok.status == 200)
            #expect(ok.body["status"] as? String == "pass")
            let badKey = try await call(client, .get, "/v1/health", key: "nope")
            #expect(badKey.status == 401)
            #expect(badKey.body["type"] as? String == "user_unauthorized")
            #expect(badKey.body["version"] as? String == "1.9.6")
            let expired = try await call(client, .get, "/v1/health", key: Self.expiredKey)
            #expect(expired.body["type"] as? String == "project_key_expired")
            let noProject = try await call(client, .get, "/v1/health", project: "p2")
            #expect(noProject.status == 404)
            #expect(noProject.body["type"] as? String == "project_not_found")
            let missing = try await call(client, .get, "/v1/health", project: nil)
            #expect(missing.status == 403)
            #expect(missing.body["type"] as? String == "project_id_missing")
            let version = try await call(client, .get, "/v1/health/version", project: nil, key: nil)
            #expect(version.body["version"] as? String == "1.9.6")
        }
    }

    @Test func scopeIsCheckedBeforeParameters() async throws {
        try await withSimulator { client, _ in
            let withScope = try await call(client, .post, "/v1/functions/_probe/executions", json: "{}")
            #expect(withScope.status == 400)
            #expect(withScope.body["type"] as? String == "general_argument_invalid")
            let withoutScope = try await call(client, .post, "/v1/functions/_probe/executions", key: Self.readOnlyKey, json: "{}")
            #expect(withoutScope.status == 401)
            #expect(withoutScope.body["type"] as? String == "general_unauthorized_scope")
            #expect(
                (withoutScope.body["message"] as? String)?.hasSuffix(
                    #"(role: applications) missing scopes (["executions.write","execution.write"])"#
                ) == true
            )
            let badKeyBadParam = try await call(client, .post, "/v1/functions/_probe/executions", key: "nope", json: "{}")
            #expect(badKeyBadParam.status == 401)
            #expect(badKeyBadParam.body["type"] as? String == "user_unauthorized")
        }
    }

    @Test func parameterErrors() async throws {
        try await withSimulator { client, state in
            let cases: [(String, String, String)] = [
                (#"{"body": 5}"#, "general_argument_invalid", "Invalid `body` param"),
                (#"{"async": "yes"}"#, "general_argument_invalid", "Invalid `async` param"),
                (#"{"path": ""}"#, "general_argument_invalid", "Invalid `path` param"),
                (#"{"method": "get"}"#, "general_argument_invalid", "Invalid `method` param"),
                (
                    #"{"headers": {"x-appwrite-key": "k"}}"#,
                    "Invalid headers: Alphanumeric characters or hyphens only, cannot start with \"x-appwrite\", maximum 100 keys, and total size 16384.",
                    ""
                ),
                (
                    #"{"headers": {"bad header": "v"}}"#,
                    "Invalid headers: Alphanumeric characters or hyphens only, cannot start with \"x-appwrite\", maximum 100 keys, and total size 16384.",
                    ""
                ),
                (#"{"scheduledAt": "2099-01-01T00:00:00Z"}"#, "general_bad_request", "Scheduled executions must run asynchronously"),
                (
                    #"{"async": true, "scheduledAt": "2099-01-01T00:00:30Z"}"#, "general_bad_request",
                    "Execution schedule must be a valid date"
                ),
                (
                    #"{"async": true, "scheduledAt": "2000-01-01T00:00:00Z"}"#, "general_bad_request",
                    "Execution schedule must be a valid date"
                ),
            ]
            for (json, type, message) in cases {
                let reply = try await call(client, .post, "/v1/functions/echo/executions", json: json)
                #expect(reply.status == 400, "\(json)")
                #expect(reply.body["type"] as? String == type, "\(json)")
                let text = reply.body["message"] as? String ?? "?"
                #expect(message.isEmpty ? text.isEmpty : text.hasPrefix(message), "\(json): \(text)")
            }
            #expect(await state.executions(projectID: "p1").isEmpty)
        }
    }

    @Test func syncExecutionEchoes() async throws {
        try await withSimulator { client, state in
            let reply = try await call(
                client,
                .post,
                "/v1/functions/echo/executions",
                json: #"{"body": "hi", "method": "PUT", "path": "/a?b=1", "headers": {"X-One": "1", "Content-Type": "text/plain"}}"#
            )
            #expect(reply.status == 201)
            #expect(reply.body["status"] as? String == "completed")
            #expect(reply.body["trigger"] as? String == "http")
            #expect(reply.body["responseStatusCode"] as? Int == 200)
            #expect(reply.body["scheduledAt"] is NSNull)
            #expect((reply.body["$createdAt"] as? String)?.hasSuffix("+00:00") == true)
            let seen = try #require(
                try JSONSerialization.jsonObject(with: Data((reply.body["responseBody"] as? String ?? "").utf8)) as? [String: Any]
            )
            #expect(seen["method"] as? String == "PUT")
            #expect(seen["path"] as? String == "/a?b=1")
            #expect(seen["body"] as? String == "hi")
            #expect((seen["headers"] as? [String: String])?["X-One"] == "1")
            let headers = reply.body["requestHeaders"] as? [[String: String]] ?? []
            // Stored names as given, only the allowlist (not X-One), plus the caller's address.
            #expect(headers.map { $0["name"] } == ["Content-Type", "x-appwrite-client-ip"])
            let recorded = await state.recordedRequests()
            #expect(recorded.last?.body.contains(#""method": "PUT""#) == true)
            #expect(recorded.last?.headers["x-appwrite-key"] == Self.key)
        }
    }

    @Test func defaultsAndFunctionErrors() async throws {
        try await withSimulator { client, _ in
            let defaults = try await call(client, .post, "/v1/functions/echo/executions")
            #expect(defaults.status == 201)
            #expect(defaults.body["requestMethod"] as? String == "POST")
            #expect(defaults.body["requestPath"] as? String == "/")
            let missing = try await call(client, .post, "/v1/functions/nope/executions", json: "{}")
            #expect(missing.status == 404)
            #expect(missing.body["type"] as? String == "function_not_found")
            let undeployed = try await call(client, .post, "/v1/functions/nodeploy/executions", json: "{}")
            #expect(undeployed.body["type"] as? String == "deployment_not_found")
            let building = try await call(client, .post, "/v1/functions/building/executions", json: "{}")
            #expect(building.status == 400)
            #expect(building.body["type"] as? String == "build_not_ready")
            let hang = try await call(client, .post, "/v1/functions/hang/executions", json: "{}")
            #expect(hang.status == 408)
            #expect(hang.body["type"] as? String == "function_synchronous_timeout")
        }
    }

    @Test func asyncProgressesAndScheduledStays() async throws {
        try await withSimulator { client, _ in
            let created = try await call(client, .post, "/v1/functions/slow/executions", json: #"{"async": "true"}"#)
            #expect(created.status == 202)
            #expect(created.body["status"] as? String == "waiting")
            let id = try #require(created.body["$id"] as? String)
            try await Task.sleep(for: .milliseconds(800))
            let done = try await call(client, .get, "/v1/functions/slow/executions/\(id)")
            #expect(done.status == 200)
            #expect(done.body["status"] as? String == "completed")
            #expect(done.body["responseBody"] as? String == "")
            let noScope = try await call(client, .get, "/v1/functions/slow/executions/\(id)", key: Self.readOnlyKey)
            #expect(noScope.status == 401)
            let unknown = try await call(client, .get, "/v1/functions/slow/executions/nope")
            #expect(unknown.body["type"] as? String == "execution_not_found")

            let minute = (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 + 600
            let at = Date(timeIntervalSince1970: minute).formatted(.iso8601)
            let scheduled = try await call(
                client,
                .post,
                "/v1/functions/echo/executions",
                json: #"{"async": true, "scheduledAt": "\#(at)"}"#
            )
            #expect(scheduled.status == 202)
            #expect(scheduled.body["status"] as? String == "scheduled")
            #expect(scheduled.body["trigger"] as? String == "schedule")
            #expect((scheduled.body["scheduledAt"] as? String)?.hasSuffix(":00.000+00:00") == true)
            let list = try await call(client, .get, "/v1/functions/echo/executions")
            #expect(list.body["total"] as? Int == 1)
        }
    }

    @Test func unknownRoutesUseTheEnvelope() async throws {
        try await withSimulator { client, _ in
            let reply = try await call(client, .get, "/v1/nothing")
            #expect(reply.status == 404)
            #expect(reply.body["type"] as? String == "general_route_not_found")
        }
    }

    @Test func loadsTheDemoConfig() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/simulator.yaml").path
        let config = try SimulatorConfig.load(path: path)
        #expect(config.projects.map(\.id) == ["home1234", "garage42"])
        #expect(config.projects[0].functions.first { $0.id == "slow" }?.sleepSeconds == 3)
        #expect(config.projects[0].keys[0].scopes.contains("messages.write"))
        #expect(config.projects[0].targets.map(\.type) == [.push, .email, .sms])
        #expect(config.projects[1].targets.isEmpty)
        // The demo keeps the test controls off; its database and user serve the Realtime demo.
        #expect(config.testControls == false)
        #expect(config.realtime.messagesPerMinute == 32 && config.realtime.connectsPerMinute == 128)
        #expect(config.projects[0].databases.first?.collections.first?.permissions == [#"read("label:bridge")"#])
        #expect(config.projects[0].users.first?.labels == ["bridge"])
    }
}
