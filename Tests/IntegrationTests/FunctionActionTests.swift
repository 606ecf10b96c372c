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
            #expect(action?["name"] == "Open the gate")
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
            let runs = try await withThrowingTaskGroup(of: (Int, HTTP.Reply).self) { group in
                for seq in 0..<5 {
                    group.addTask { (seq, try await HTTP.post(url, json: #"{"function_body": "\#(seq)"}"#)) }
                }
                // Fired at once: wait (well within the first 1 s run) until one runs and four wait.
                let deadline = ContinuousClock.now + .seconds(5)
                while ContinuousClock.now < deadline {
                    let metrics = try await HTTP.get("\(servers.bridgeURL)/metrics").text
                    if metrics.contains(#"appwrite_bridge_concurrency_queued{limit="home1234/open_gate"} 4"#) { break }
                    try await Task.sleep(for: .milliseconds(5))
                }
                // One running, four waiting: the sixth finds the queue full and is refused at once.
                let started = ContinuousClock.now
                let sixth = try await HTTP.post(url, json: #"{"function_body": "6"}"#)
                #expect(ContinuousClock.now - started < .milliseconds(500))
                #expect(sixth.status == 429)
                #expect(sixth.json["error"]?["code"] == "queue_full")
                #expect(sixth.retryAfter == "30")

                var runs: [(seq: Int, start: Date, end: Date)] = []
                for try await (seq, reply) in group {
                    #expect(reply.status == 200, "\(reply.text)")
                    let seen = try JSONParser.parse(try #require(reply.json["service_response"]?["responseBody"]?.stringValue))
                    let start = try #require(seen["startedAt"]?.stringValue.flatMap(Self.date))
                    let end = try #require(seen["finishedAt"]?.stringValue.flatMap(Self.date))
                    runs.append((seq, start, end))
                }
                return runs.sorted { $0.start < $1.start }
            }
            #expect(runs.count == 5)
            for (earlier, later) in zip(runs, runs.dropFirst()) {
                #expect(later.start >= earlier.end, "run \(later.seq) started before run \(earlier.seq) ended")
            }
            let metrics = try await HTTP.get("\(servers.bridgeURL)/metrics").text
            #expect(metrics.contains(#"appwrite_bridge_concurrency_rejected_total{limit="home1234/open_gate",reason="queue_full"} 1"#))
        }
    }

    static func date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
