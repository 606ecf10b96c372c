import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

/// One action per configured function, and max_concurrency, over real sockets.
@Suite("per-function actions and concurrency limits")
struct FunctionActionTests {
    static func simulator() -> SimulatorConfig {
        var config = Fixtures.homeSimulator()
        config.projects[0].functions.append(.init(id: "open_gate", sleepSeconds: 1))
        return config
    }

    func withBridge(_ body: (TestServers) async throws -> Void) async throws {
        try await TestServers.run(
            simulators: [Self.simulator()],
            files: Fixtures.files,
            bridgeYAML: { urls in
                """
                listen: 127.0.0.1:0
                instances:
                  - project_id: home1234
                    url: \(urls[0])
                    api_key_file: home.key
                    functions:
                      - id: open_gate
                        name: Open the gate
                        description: Opens the garden gate for 30 seconds
                        method: POST
                        path: /open
                        headers: {X-Source: bridge}
                        max_concurrency: 1
                        max_queue: 4
                      - echo
                """
            },
            body
        )
    }

    @Test func theActionAppliesItsDefaultsAndIsListed() async throws {
        try await withBridge { servers in
            let services = try await HTTP.get("\(servers.bridgeURL)/api/services")
            let action = services.json.arrayValue?.first?["services"]?["execute_home1234_open_gate"]
            #expect(action?["name"] == "Open the gate on home1234")
            #expect(action?["description"] == "Opens the garden gate for 30 seconds")
            #expect(action?["fields"]?["function_id"] == nil)
            #expect(action?["fields"]?["function_path"]?["default"] == "/open")

            let reply = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_home1234_open_gate?return_response",
                json: #"{"function_body": {"seconds": 30}, "function_headers": {"X-Caller": "test"}}"#
            )
            #expect(reply.status == 200, "\(reply.text)")
            let sent = await servers.simulators[0].state.recordedRequests().last { $0.path == "/v1/functions/open_gate/executions" }
            #expect(
                sent?.body
                    == #"{"body":"{\"seconds\":30}","async":false,"path":"/open","method":"POST","headers":{"X-Source":"bridge","X-Caller":"test"}}"#
            )

            let refused = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_home1234_open_gate",
                json: #"{"function_id": "echo"}"#
            )
            #expect(refused.status == 400)
            #expect(refused.json["error"]?["field"] == "function_id")
        }
    }

    @Test func maxConcurrencyOneRunsCallsOneAfterAnotherAndAFullQueueGets429() async throws {
        try await withBridge { servers in
            let url = "\(servers.bridgeURL)/api/services/appwrite/execute_home1234_open_gate?return_response"
            // Six at once on a 1 s function with max_concurrency 1 and max_queue 4: one runs, four
            // wait, and the sixth finds the queue full and is refused at once.
            let replies = try await withThrowingTaskGroup(of: (HTTP.Reply, Duration).self) { group in
                for seq in 0..<6 {
                    group.addTask {
                        let started = ContinuousClock.now
                        let reply = try await HTTP.post(url, json: #"{"function_body": "\#(seq)"}"#)
                        return (reply, ContinuousClock.now - started)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let refused = replies.filter { $0.0.status == 429 }
            #expect(refused.count == 1, "\(replies.map { $0.0.status })")
            #expect(refused.first?.0.json["error"]?["code"] == "queue_full")
            #expect(refused.first?.0.retryAfter == "30")
            // Refused at once: sooner than any accepted call, each of which waited for a 1 s run.
            let fastestAccepted = replies.filter { $0.0.status != 429 }.map(\.1).min() ?? .zero
            #expect((refused.first?.1 ?? .seconds(99)) < fastestAccepted)

            var runs: [(start: Date, end: Date)] = []
            for (reply, _) in replies where reply.status != 429 {
                #expect(reply.status == 200, "\(reply.text)")
                let seen = try JSONParser.parse(try #require(reply.json["service_response"]?["responseBody"]?.stringValue))
                let start = try #require(seen["startedAt"]?.stringValue.flatMap(Self.date))
                let end = try #require(seen["finishedAt"]?.stringValue.flatMap(Self.date))
                runs.append((start, end))
            }
            runs.sort { $0.start < $1.start }
            #expect(runs.count == 5)
            for (earlier, later) in zip(runs, runs.dropFirst()) {
                #expect(later.start >= earlier.end, "two runs overlapped")
            }
            let metrics = try await HTTP.get("\(servers.bridgeURL)/metrics").text
            #expect(metrics.contains(#"appwrite_bridge_concurrency_rejected_total{limit="home1234/open_gate",reason="queue_full"} 1"#))
        }
    }

    static func date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
