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
            let (status, output) = try await runSDKScript("gateway_with_python_sdk.py", servers: servers)
            #expect(status == 0, "\(output)")
            #expect(output.contains("sdk checks: passed"), "\(output)")

            let executions = await servers.simulators[0].state.recordedRequests().filter {
                $0.path.hasPrefix("/v1/functions/echo/executions")
            }
            #expect(executions.count >= 4)
            #expect(executions.allSatisfy { $0.headers["x-appwrite-key"] == Fixtures.homeKey })
            #expect(!executions.contains { $0.body.contains(Fixtures.bridgeToken) || $0.headers.values.contains(Fixtures.bridgeToken) })
        }
    }

    /// A Python with the SDK releases built for Appwrite 1.9.6 (Tests/sdk/requirements.txt; the
    /// newest on PyPI expect a newer server's models): Tests/run's, or else the same cached venv,
    /// made by Tests/python-env when `swift test` runs alone.
    static func pinnedPython() async throws -> String {
        if let python = ProcessInfo.processInfo.environment["APPWRITE_BRIDGE_TEST_PYTHON"] { return python }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let venv = Process()
        venv.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        venv.arguments = ["bash", repository.appendingPathComponent("Tests/python-env").path]
        let output = try await runToEnd(venv)
        // The venv's path is the script's last line; pip's and apt's messages come before it.
        return (output.split(separator: "\n").last.map(String.init) ?? "") + "/bin/python"
    }

    /// Runs one of Tests/sdk's scripts against the gateway, as a device on the LAN would.
    func runSDKScript(_ name: String, servers: TestServers) async throws -> (status: Int32, output: String) {
        let sdkFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sdk")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let python = try await SDKInstallation.shared.python { try await Self.pinnedPython() }
        process.arguments = [
            python, sdkFolder.appendingPathComponent(name).path, "\(servers.bridgeURL)/v1", "home1234", Fixtures.bridgeToken,
        ]
        let output = try await Self.runToEnd(process)
        if output.contains("No module named 'appwrite") {
            Issue.record("an Appwrite SDK for Python is missing from \(python): bash Tests/python-env makes the venv")
        }
        return (process.terminationStatus, output)
    }

    @Test func appwritesConsoleSDKForPythonReadsEveryExecutionTheGatewayPassesOn() async throws {
        try await withBridge(extra: Self.tokens) { servers in
            let (status, output) = try await runSDKScript("gateway_with_python_console_sdk.py", servers: servers)
            #expect(status == 0, "\(output)")
            #expect(output.contains("sdk checks: passed"), "\(output)")
        }
    }

    /// Runs a process to its end, its output read on a thread of its own (a blocking read must not
    /// hold one of the few concurrency threads).
    static func runToEnd(_ process: Process) async throws -> String {
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try ProcessLaunch.run(process)
        let output = OutputBuffer()
        let handle = pipe.fileHandleForReading
        let finished = Mutex(false)
        Thread.detachNewThread {
            output.append(String(decoding: handle.readDataToEndOfFile(), as: UTF8.self))
            finished.withLock { $0 = true }
        }
        while process.isRunning || !finished.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
        return output.text
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

    @Test func pathTricksAreRefusedBeforeAnythingReachesAppwrite() async throws {
        try await withBridge(extra: Self.tokens) { servers in
            let headers = [("X-Appwrite-Project", "home1234"), ("X-Appwrite-Key", Fixtures.bridgeToken)]
            let tricks = [
                ("GET", "/v1/functions/echo/executions/..", "executionId"),
                ("GET", "/v1/functions/echo/executions/a%2F..%2F..%2Fhealth", "executionId"),
                ("GET", "/v1/functions/echo%3Fx=1/executions/abc", "functionId"),
                ("GET", "/v1/functions/..%2Fhealth/executions", "functionId"),
                ("POST", "/v1/functions/echo%2F..%2F..%2Fusers/executions", "functionId"),
                ("POST", "/v1/functions/%2E%2E/executions", "functionId"),
            ]
            for (method, path, param) in tricks {
                let reply = try await HTTP.send(
                    method,
                    servers.bridgeURL + path,
                    body: method == "POST" ? Array("{}".utf8) : nil,
                    headers: headers
                )
                #expect(reply.status == 400, "\(path): \(reply.text)")
                #expect(reply.json["type"] == "general_argument_invalid", "\(path)")
                #expect(reply.json["message"]?.stringValue?.hasPrefix("Invalid `\(param)` param: UID must contain") == true, "\(path)")
                #expect(reply.json["version"] == "1.9.6", "\(path): the upstream's version")
            }
            // Only the instance check's own probes may have arrived.
            let reached = await servers.simulators[0].state.recordedRequests().map(\.path)
                .filter { $0.hasPrefix("/v1/functions") && !$0.contains(AppwriteClient.scopeProbeFunctionID) }
            #expect(reached.isEmpty, "\(reached)")
        }
    }

    @Test func refusalsOfTheGatewayCarryTheInstancesOwnVersion() async throws {
        var home = Fixtures.homeSimulator()
        home.version = "1.8.1"
        try await TestServers.run(
            simulators: [home, Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { Fixtures.twoInstanceYAML($0, extra: Self.tokens) }
        ) { servers in
            let wrongToken = try await HTTP.post(
                "\(servers.bridgeURL)/v1/functions/echo/executions",
                json: "{}",
                headers: [("X-Appwrite-Project", "home1234"), ("X-Appwrite-Key", "standard_not_a_token")]
            )
            #expect(wrongToken.status == 401)
            #expect(wrongToken.json["type"] == "user_unauthorized")
            #expect(wrongToken.json["version"] == "1.8.1")
            let garage = try await HTTP.get(
                "\(servers.bridgeURL)/v1/functions/_bad/executions",
                headers: [("X-Appwrite-Project", "garage42"), ("X-Appwrite-Key", Fixtures.bridgeToken)]
            )
            #expect(garage.status == 400, "\(garage.text)")
            #expect(garage.json["version"] == "1.9.6")
        }
    }

    @Test func gatewayCallsCountAgainstConcurrencyLimitsAndUpstreamMetrics() async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: {
                Fixtures.twoInstanceYAML($0, extra: Self.tokens).replacingOccurrences(
                    of: "timeout_seconds: 2",
                    with: "timeout_seconds: 10\n    max_concurrency: 1\n    max_queue: 0\n    queue_timeout_seconds: 7"
                )
            }
        ) { servers in
            let url = "\(servers.bridgeURL)/v1/functions/slow/executions"
            let headers = [("X-Appwrite-Project", "home1234"), ("X-Appwrite-Key", Fixtures.bridgeToken)]
            let first = Task { try await HTTP.post(url, json: "{}", headers: headers) }
            // The first call holds the only slot once the gauge says so; no sleep guesses it.
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                let metrics = try await HTTP.get("\(servers.bridgeURL)/metrics").text
                if metrics.contains(#"appwrite_bridge_concurrency_in_flight{limit="home1234"} 1"#) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let second = try await HTTP.post(url, json: "{}", headers: headers)
            #expect(second.status == 429, "\(second.text)")
            #expect(second.json["type"] == "general_rate_limit_exceeded")
            #expect(second.json["code"] == .number("429"))
            #expect(second.json["version"] == "1.9.6")
            #expect(second.retryAfter == "7")
            #expect(try await first.value.status == 201)
            let metrics = try await HTTP.get("\(servers.bridgeURL)/metrics").text
            #expect(metrics.contains(#"appwrite_bridge_concurrency_rejected_total{limit="home1234",reason="queue_full"} 1"#), "\(metrics)")
            #expect(
                metrics.contains(#"appwrite_bridge_upstream_duration_seconds_count{instance="home1234",outcome="201"} 1"#),
                "\(metrics)"
            )
            let created = await servers.simulators[0].state.recordedRequests().filter { $0.path == "/v1/functions/slow/executions" }
            #expect(created.count == 1, "the refused call never reached Appwrite")
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

                // The garage key lacks executions.read: the callback could never be sent, so the
                // call is refused like function_wait instead of answering 200 and staying silent.
                _ = try await servers.waitForChecks()
                let unreadable = try await HTTP.post(
                    "\(servers.bridgeURL)/api/services/appwrite/execute_function_garage42",
                    json: #"{"function_id": "echo", "function_callback_url": "http://127.0.0.1:\#(port)/hook"}"#
                )
                #expect(unreadable.status == 400, "\(unreadable.text)")
                #expect(unreadable.json["error"]?["code"] == "missing_scope")
                #expect(unreadable.json["error"]?["field"] == "function_callback_url")
                #expect(unreadable.json["error"]?["message"]?.stringValue?.contains("executions.read") == true)
                let sent = await servers.simulators[0].state.recordedRequests().filter { $0.path == "/v1/functions/echo/executions" }
                #expect(sent.isEmpty, "the refused call never reached Appwrite")
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// One installation of the pinned SDKs for all tests that run in parallel: the first caller
/// installs, the others wait for it.
actor SDKInstallation {
    static let shared = SDKInstallation()
    private var installing: Task<String, any Error>?

    func python(_ install: @escaping @Sendable () async throws -> String) async throws -> String {
        if let installing { return try await installing.value }
        let task = Task { try await install() }
        installing = task
        return try await task.value
    }
}
