import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

/// `appwrite-bridge call`, the real binary, through a running bridge and straight to Appwrite.
@Suite("the call command")
struct CallCommandTests {
    func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = try BridgeProcess(["call"] + arguments, environment: Fixtures.environment)
        let status = try await process.waitForExit(timeout: .seconds(60))
        return (status, process.log)
    }

    func withBridge(_ body: (TestServers) async throws -> Void) async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { Fixtures.twoInstanceYAML($0).replacingOccurrences(of: "timeout_seconds: 2", with: "timeout_seconds: 10") },
            body
        )
    }

    @Test func viaARunningBridge() async throws {
        try await withBridge { servers in
            let via = ["--via", servers.bridgeURL]
            let ok = try await run(
                ["home1234", "echo", "--method", "POST", "--path", "/lights", "--header", "X-Source=cron", "--body", "on"] + via
            )
            #expect(ok.status == 0, "\(ok.output)")
            #expect(ok.output.contains(#""status":"completed""#))
            #expect(ok.output.contains(#"\"X-Source\":\"cron\""#))

            let failed = try await run(["home1234", "broken"] + via)
            #expect(failed.status == 2, "\(failed.output)")

            let queued = try await run(["home1234", "echo", "--async"] + via)
            #expect(queued.status == 3, "\(queued.output)")
            #expect(queued.output.contains(#""status":"waiting""#))

            let waited = try await run(["home1234", "slow", "--wait"] + via)
            #expect(waited.status == 0, "\(waited.output)")

            let later = try await run(["home1234", "echo", "--in", "15m"] + via)
            #expect(later.status == 3, "\(later.output)")
            #expect(later.output.contains(#""status":"scheduled""#))
            let scheduled = await servers.simulators[0].state.recordedRequests().last { $0.path == "/v1/functions/echo/executions" }
            let at = try #require(scheduled.flatMap { try? JSONParser.parse($0.body) }?["scheduledAt"]?.stringValue)
            let date = try #require(ScheduleTime(parsing: at))
            #expect(date.isWholeMinute)
            #expect(date.date.timeIntervalSinceNow > 14 * 60 && date.date.timeIntervalSinceNow <= 16 * 60)

            // Appwrite's refusal keeps its type and message, not only the bridge's summary.
            let missing = try await run(["home1234", "no_such_function"] + via)
            #expect(missing.status == 1)
            #expect(missing.output.contains("HTTP 404 function_not_found"), "\(missing.output)")
            #expect(
                missing.output.contains("(Appwrite 404 function_not_found: Function with the requested ID could not be found."),
                "\(missing.output)"
            )

            let unknown = try await run(["nope", "echo"] + via)
            #expect(unknown.status == 1)
            #expect(unknown.output.contains("no instance with project ID 'nope'"))
        }
    }

    @Test func straightToAppwriteWithTheConfigsKey() async throws {
        try await withBridge { servers in
            let config = ["--config", servers.configPath]
            let ok = try await run(["garage42", "echo", "--body", "hello"] + config)
            #expect(ok.status == 0, "\(ok.output)")
            #expect(ok.output.contains(#""responseStatusCode":200"#))
            let sent = await servers.simulators[1].state.recordedRequests().last { $0.path == "/v1/functions/echo/executions" }
            #expect(sent?.headers["x-appwrite-key"] == Fixtures.garageKey)
            #expect(!ok.output.contains(Fixtures.garageKey))

            let waited = try await run(["home1234", "slow", "--async", "--wait", "--wait-timeout", "30"] + config)
            #expect(waited.status == 0, "\(waited.output)")
            #expect(waited.output.contains(#""status":"completed""#))

            let bad = try await run(["home1234", "echo", "--method", "FETCH"] + config)
            #expect(bad.status == 1)
            #expect(bad.output.contains("function_method"))

            let missing = try await run(["home1234", "no_such_function"] + config)
            #expect(missing.status == 1)
            #expect(missing.output.contains("HTTP 404 function_not_found"), "\(missing.output)")
            #expect(
                missing.output.contains("(Appwrite 404 function_not_found: Function with the requested ID could not be found."),
                "\(missing.output)"
            )
        }
    }

    /// `call --via` goes through the bridge's pipeline: a full `max_concurrency` queue refuses it
    /// (429, Retry-After) and it never reaches Appwrite.
    @Test func viaARunningBridgeHonoursConcurrencyLimits() async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: {
                Fixtures.twoInstanceYAML($0).replacingOccurrences(
                    of: "timeout_seconds: 2",
                    with: "timeout_seconds: 10\n    max_concurrency: 1\n    max_queue: 0\n    queue_timeout_seconds: 4"
                )
            }
        ) { servers in
            let holder = Task { try await run(["home1234", "slow", "--via", servers.bridgeURL]) }
            // The first call holds the only slot once the gauge says so; no sleep guesses it.
            let deadline = ContinuousClock.now + .seconds(20)
            var held = false
            while !held, ContinuousClock.now < deadline {
                let metrics = try await HTTP.get("\(servers.bridgeURL)/metrics").text
                held = metrics.contains(#"appwrite_bridge_concurrency_in_flight{limit="home1234"} 1"#)
                if !held { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(held, "the first call never took the slot")
            let refused = try await run(["home1234", "echo", "--via", servers.bridgeURL])
            #expect(refused.status == 1, "\(refused.output)")
            #expect(refused.output.contains("HTTP 429"), "\(refused.output)")
            #expect(refused.output.contains("max_concurrency"), "\(refused.output)")
            #expect(refused.output.contains("Retry-After: 4 s"), "\(refused.output)")
            #expect(try await holder.value.status == 0)
            let created = await servers.simulators[0].state.recordedRequests().filter { $0.path == "/v1/functions/echo/executions" }
            #expect(created.isEmpty, "the refused call never reached Appwrite")
            let metrics = try await HTTP.get("\(servers.bridgeURL)/metrics").text
            #expect(metrics.contains(#"appwrite_bridge_concurrency_rejected_total{limit="home1234",reason="queue_full"} 1"#), "\(metrics)")
        }
    }
}
