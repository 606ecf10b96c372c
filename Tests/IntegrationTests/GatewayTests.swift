import AppwriteSimulator
import AsyncHTTPClient
import BridgeCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Testing

/// The Appwrite-compatible gateway, function_wait, /api/events and callbacks, over real sockets.
@Suite("gateway, waiting, events and callbacks")
struct GatewayTests {
    func withBridge(extra: String = "", _ body: (TestServers) async throws -> Void) async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: {
                Fixtures.twoInstanceYAML($0, extra: extra).replacingOccurrences(of: "timeout_seconds: 2", with: "timeout_seconds: 10")
            },
            body
        )
    }

    static let tokens = "auth:\n  tokens:\n    - name: sdk\n      token_file: token"

    @Test func theOfficialPythonSDKRunsFunctionsThroughTheGatewayWithoutTheKey() async throws {
        try await withBridge(extra: Self.tokens) { servers in
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("sdk/gateway_with_python_sdk.py").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, "\(servers.bridgeURL)/v1", "home1234", Fixtures.bridgeToken]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = OutputBuffer()
            // A thread of its own: a blocking read must not hold one of the few concurrency threads.
            let handle = pipe.fileHandleForReading
            let finished = Mutex(false)
            Thread.detachNewThread {
                output.append(String(decoding: handle.readDataToEndOfFile(), as: UTF8.self))
                finished.withLock { $0 = true }
            }
            while process.isRunning || !finished.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
            if output.text.contains("No module named 'appwrite'") {
                Issue.record("the Appwrite SDK for Python is missing: python3 -m pip install appwrite (Tests/run does it)")
            }
            #expect(process.terminationStatus == 0, "\(output.text)")
            #expect(output.text.contains("sdk checks: passed"), "\(output.text)")

            let executions = await servers.simulators[0].state.recordedRequests().filter {
                $0.path.hasPrefix("/v1/functions/echo/executions")
            }
            #expect(executions.count >= 4)
            #expect(executions.allSatisfy { $0.headers["x-appwrite-key"] == Fixtures.homeKey })
            #expect(!executions.contains { $0.body.contains(Fixtures.bridgeToken) || $0.headers.values.contains(Fixtures.bridgeToken) })
        }
    }

    @Test func gatewayAnswersInAppwritesOwnEnvelope() async throws {
        try await withBridge(extra: Self.tokens) { servers in
            let url = "\(servers.bridgeURL)/v1/functions/echo/executions"
            let wrong = try await HTTP.post(url, json: "{}", headers: [("X-Appwrite-Project", "home1234"), ("X-Appwrite-Key", "nope")])
            #expect(wrong.status == 401)
            #expect(wrong.json["type"] == "user_unauthorized")
            #expect(wrong.json["code"] == .number("401"))
            let unknown = try await HTTP.post(
                url,
                json: "{}",
                headers: [("X-Appwrite-Project", "nope"), ("X-Appwrite-Key", Fixtures.bridgeToken)]
            )
            #expect(unknown.status == 404)
            #expect(unknown.json["type"] == "project_not_found")
            // Appwrite's own refusal passes through unchanged.
            let missing = try await HTTP.post(
                "\(servers.bridgeURL)/v1/functions/nosuch/executions",
                json: "{}",
                headers: [("X-Appwrite-Project", "home1234"), ("Authorization", "Bearer \(Fixtures.bridgeToken)")]
            )
            #expect(missing.status == 404)
            #expect(missing.json["type"] == "function_not_found")
            let health = try await HTTP.get(
                "\(servers.bridgeURL)/v1/health",
                headers: [("X-Appwrite-Project", "garage42"), ("X-Appwrite-Key", Fixtures.bridgeToken)]
            )
            #expect(health.status == 200)
            #expect(health.json["status"] == "pass")
        }
    }

    @Test func functionWaitReturnsTheCompletedExecutionOfASlowAsyncFunction() async throws {
        try await withBridge { servers in
            let started = ContinuousClock.now
            let reply = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                json: #"{"function_id": "slow", "function_wait": true, "function_wait_timeout": 30}"#
            )
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["service_response"]?["status"] == "completed")
            #expect(reply.json["service_response"]?["responseStatusCode"] == .number("200"))
            #expect(ContinuousClock.now - started >= .seconds(3))
            let sent = await servers.simulators[0].state.recordedRequests().first { $0.path == "/v1/functions/slow/executions" }
            #expect(sent?.body.contains(#""async":true"#) == true)

            // The garage key lacks executions.read: a clear 400, found by the instance check.
            _ = try await servers.waitForChecks()
            let refused = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_garage42",
                json: #"{"function_id": "echo", "function_wait": true}"#
            )
            #expect(refused.status == 400)
            #expect(refused.json["error"]?["code"] == "missing_scope")
            #expect(refused.json["error"]?["field"] == "function_wait")
            let instances = try await HTTP.get("\(servers.bridgeURL)/api/instances")
            let garage = instances.json.arrayValue?.first { $0["project_id"] == "garage42" }
            #expect(garage?["capabilities"]?["read"]?["state"] == "missing_scope")
            #expect(garage?["capabilities"]?["execute"]?["state"] == "ok")
        }
    }

    @Test func eventsStreamCreateThenUpdatesOfOneExecutionInOrder() async throws {
        try await withBridge { servers in
            var request = HTTPClientRequest(url: "\(servers.bridgeURL)/api/events?channels=functions.slow")
            request.method = .GET
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            let trigger = Task {
                try await Task.sleep(for: .milliseconds(200))
                _ = try await HTTP.post(
                    "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                    json: #"{"function_id": "echo", "function_async": true}"#
                )
                return try await HTTP.post(
                    "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234?return_response",
                    json: #"{"function_id": "slow", "function_async": true}"#
                )
            }
            var text = ""
            var envelopes: [JSONValue] = []
            for try await buffer in response.body {
                text += String(buffer: buffer)
                envelopes = text.split(separator: "\n").filter { $0.hasPrefix("data: ") }.compactMap {
                    try? JSONParser.parse(String($0.dropFirst(6)))
                }
                if envelopes.contains(where: { $0["payload"]?["status"] == "completed" }) { break }
            }
            let created = try await trigger.value
            let executionID = try #require(created.json["service_response"]?["$id"]?.stringValue)
            #expect(envelopes.allSatisfy { $0["payload"]?["$id"]?.stringValue == executionID }, "echo was filtered out by channel")
            let events = envelopes.compactMap { $0["events"]?.arrayValue?.first?.stringValue }
            #expect(events.first == "functions.slow.executions.\(executionID).create")
            #expect(events.dropFirst().allSatisfy { $0 == "functions.slow.executions.\(executionID).update" })
            #expect(envelopes.map { $0["payload"]?["status"]?.stringValue ?? "" } == ["waiting", "processing", "completed"])
            let channels = envelopes.first?["channels"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(
                channels.contains("executions") && channels.contains("executions.\(executionID)") && channels.contains("functions.slow")
            )
            #expect(envelopes.first?["timestamp"]?.stringValue != nil)
        }
    }

    @Test func callbackReceivesTheFinalExecution() async throws {
        let received = Mutex<[String]>([])
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            received.withLock { $0.append(String(buffer: body)) }
            return .ok
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let receiver = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: TestServers.quiet
        )
        let group = ServiceGroup(services: [receiver], logger: TestServers.quiet)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await withBridge(extra: "callbacks:\n  allowed_hosts: [\"127.0.0.1\"]") { servers in
                let reply = try await HTTP.post(
                    "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                    json: #"{"function_id": "slow", "function_async": true, "function_callback_url": "http://127.0.0.1:\#(port)/hook"}"#
                )
                #expect(reply.status == 200, "\(reply.text)")
                let deadline = ContinuousClock.now + .seconds(20)
                while received.withLock({ $0.isEmpty }), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
                let bodies = received.withLock { $0 }
                #expect(bodies.count == 1)
                let final = try JSONParser.parse(try #require(bodies.first))
                #expect(final["status"] == "completed")
                #expect(final["functionId"] == "slow")
                #expect(!bodies.joined().contains(Fixtures.homeKey))

                let refused = try await HTTP.post(
                    "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                    json: #"{"function_id": "echo", "function_callback_url": "http://evil.example/steal"}"#
                )
                #expect(refused.status == 400)
                #expect(refused.json["error"]?["field"] == "function_callback_url")
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
