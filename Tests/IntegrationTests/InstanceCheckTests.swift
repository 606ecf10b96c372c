import AppwriteSimulator
import BridgeCore
import Testing

@Suite("instance checks at start")
struct InstanceCheckTests {
    /// Five instances on one simulator and one closed port: each problem gets its own state, and
    /// the healthy instance keeps serving beside them.
    @Test func eachProblemGetsItsStateAndTheOthersKeepServing() async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files.merging(["wrong.key": "not-a-real-key\n"]) { $1 },
            environment: Fixtures.environment,
            bridgeYAML: { urls in
                """
                listen: 127.0.0.1:0
                instances:
                  - project_id: home1234
                    url: \(urls[0])
                    api_key_file: home.key
                  - project_id: garage42
                    url: \(urls[1])
                    api_key_file: wrong.key
                  - project_id: noscope
                    url: \(urls[0])
                    api_key_file: noscope.key
                  - project_id: gone
                    url: http://127.0.0.1:1/v1
                    api_key_file: home.key
                  - project_id: elsewhere
                    url: \(urls[1])
                    api_key_env: GARAGE_KEY
                """
            }
        ) { servers in
            let states = try await servers.waitForChecks()
            #expect(states["home1234"]?["state"] == "ok")
            #expect(states["garage42"]?["state"] == "invalid_key")
            #expect(states["gone"]?["state"] == "unreachable")
            #expect(states["elsewhere"]?["state"] == "project_not_found")
            // "noscope" is not a project of the simulator: project_not_found comes first.
            #expect(states["noscope"]?["state"] == "project_not_found")
            #expect(states["home1234"]?["checked_at"] != .null)
            #expect(states["garage42"]?["reason"]?.stringValue?.isEmpty == false)

            let works = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                json: #"{"function_id": "echo"}"#
            )
            #expect(works.status == 200)
            let wrongKey = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_garage42",
                json: #"{"function_id": "echo"}"#
            )
            #expect(wrongKey.status == 502)
            #expect(wrongKey.json["error"]?["code"] == "instance_misconfigured")
            #expect(wrongKey.json["error"]?["upstream"]?["type"] == "user_unauthorized")
            let unreachable = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_gone",
                json: #"{"function_id": "echo"}"#
            )
            #expect(unreachable.status == 502)
            #expect(unreachable.json["error"]?["code"] == "appwrite_unreachable")

            #expect(servers.bridgeLogs.contains("instance garage42 is invalid_key"))
            #expect(servers.bridgeLogs.contains("instance gone is unreachable"))
        }
    }

    @Test func keyWithoutExecutionScopeIsMissingScope() async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator()],
            files: Fixtures.files,
            bridgeYAML: { urls in
                """
                listen: 127.0.0.1:0
                instances:
                  - project_id: home1234
                    url: \(urls[0])
                    api_key_file: noscope.key
                """
            }
        ) { servers in
            let states = try await servers.waitForChecks()
            #expect(states["home1234"]?["state"] == "missing_scope")
            #expect(states["home1234"]?["reason"]?.stringValue?.contains("executions.write") == true)
            let reply = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                json: #"{"function_id": "echo"}"#
            )
            #expect(reply.status == 502)
            #expect(reply.json["error"]?["code"] == "instance_misconfigured")
            #expect(reply.json["error"]?["upstream"]?["type"] == "general_unauthorized_scope")
            // The probe never ran a function: the simulator created no execution.
            #expect(await servers.simulators[0].state.executions(projectID: "home1234").isEmpty)
            let ready = try await HTTP.get("\(servers.bridgeURL)/readyz")
            #expect(ready.status == 503)
        }
    }

    @Test func oldStyleExecutionScopeIsEnough() async throws {
        try await TestServers.run(
            simulators: [Fixtures.garageSimulator()],
            environment: Fixtures.environment,
            bridgeYAML: { urls in
                "instances:\n  - project_id: garage42\n    url: \(urls[0])\n    api_key_env: GARAGE_KEY\nlisten: 127.0.0.1:0\n"
            }
        ) { servers in
            let states = try await servers.waitForChecks()
            #expect(states["garage42"]?["state"] == "ok")
            let ready = try await HTTP.get("\(servers.bridgeURL)/readyz")
            #expect(ready.status == 200)
            #expect(ready.json["summary"] == "1 instance ok")
        }
    }
}
