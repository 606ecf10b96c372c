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
        }
    }
}
