import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

@Suite("HA-compatible API surface")
struct APITests {
    @Test func discoveryEndpoints() async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { Fixtures.twoInstanceYAML($0) }
        ) { servers in
            let root = try await HTTP.get("\(servers.bridgeURL)/api/")
            #expect(root.status == 200)
            #expect(root.json["message"] == "API running.")
            #expect(root.json["bridge_id"]?.stringValue?.isEmpty == false)

            let services = try await HTTP.get("\(servers.bridgeURL)/api/services")
            let domains = try #require(services.json.arrayValue)
            #expect(domains.count == 1)
            #expect(domains[0]["domain"] == "appwrite")
            let byName = try #require(domains[0]["services"]?.objectValue)
            #expect(byName.keys == ["execute_function_home1234", "execute_function_garage42"])
            let fields = try #require(byName["execute_function_home1234"]?["fields"]?.objectValue)
            #expect(fields.keys == ExecuteFunctionPayload.fieldNames)
            #expect(fields["function_id"]?["required"] == true)
            #expect(fields["function_method"]?["default"] == "GET")
            #expect(byName["execute_function_home1234"]?["name"] == "Execute function on Home")

            let instances = try await HTTP.get("\(servers.bridgeURL)/api/instances")
            #expect(instances.json.arrayValue?.count == 2)
            #expect(instances.json.arrayValue?.first?["url"]?.stringValue == servers.simulators[0].baseURL)

            let alive = try await HTTP.get("\(servers.bridgeURL)/healthz")
            #expect(alive.status == 200)
            for secret in Fixtures.allSecrets {
                #expect(!services.text.contains(secret))
                #expect(!instances.text.contains(secret))
            }
        }
    }

    @Test func tokensGuardTheAPI() async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { Fixtures.twoInstanceYAML($0, extra: "auth:\n  tokens:\n    - name: home-assistant\n      token_file: token") }
        ) { servers in
            let url = "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234"
            let none = try await HTTP.post(url, json: #"{"function_id": "echo"}"#)
            #expect(none.status == 401)
            #expect(none.json["error"]?["code"] == "unauthorized")
            let wrong = try await HTTP.post(url, json: #"{"function_id": "echo"}"#, headers: [("Authorization", "Bearer nope")])
            #expect(wrong.status == 401)
            let basic = try await HTTP.post(url, json: #"{"function_id": "echo"}"#, headers: [("Authorization", "Basic abc")])
            #expect(basic.status == 401)
            let listing = try await HTTP.get("\(servers.bridgeURL)/api/services")
            #expect(listing.status == 401)
            #expect(await servers.simulators[0].state.recordedRequests().allSatisfy { !$0.path.contains("/functions/echo/") })

            let right = try await HTTP.post(
                url,
                json: #"{"function_id": "echo"}"#,
                headers: [("Authorization", "Bearer \(Fixtures.bridgeToken)")]
            )
            #expect(right.status == 200)
            let probe = try await HTTP.get("\(servers.bridgeURL)/healthz")
            #expect(probe.status == 200)
        }
    }

    @Test func reloadSwapsTheWholeConfigAndKeepsItOnError() async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { urls in
                "listen: 127.0.0.1:0\ninstances:\n  - project_id: home1234\n    url: \(urls[0])\n    api_key_file: home.key\n"
            }
        ) { servers in
            let broken =
                "listen: 127.0.0.1:0\ninstances:\n  - project_id: home1234\n    url: \(servers.simulators[0].baseURL)\n    api_key_file: home.key\n    colour: blue\n"
            try broken.write(toFile: servers.configPath, atomically: true, encoding: .utf8)
            let failed = try await HTTP.post("\(servers.bridgeURL)/api/reload")
            #expect(failed.status == 422)
            #expect(failed.json["reloaded"] == false)
            #expect(failed.json["error"]?["line"] == .number("6"))
            #expect(failed.json["error"]?["column"] == .number("13"))
            #expect(servers.bridgeLogs.contains("bridge.yaml:6:13"))
            let stillServing = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                json: #"{"function_id": "echo"}"#
            )
            #expect(stillServing.status == 200)

            let fixed = """
                listen: 127.0.0.1:0
                instances:
                  - project_id: garage42
                    url: \(servers.simulators[1].baseURL)
                    api_key_env: GARAGE_KEY
                """
            try fixed.write(toFile: servers.configPath, atomically: true, encoding: .utf8)
            let reloaded = try await HTTP.post("\(servers.bridgeURL)/api/reload")
            #expect(reloaded.status == 200)
            #expect(reloaded.json["generation"] == .number("2"))
            #expect(reloaded.json["added"] == ["garage42"])
            #expect(reloaded.json["removed"] == ["home1234"])
            let services = try await HTTP.get("\(servers.bridgeURL)/api/services")
            #expect(services.json.arrayValue?.first?["services"]?.objectValue?.keys == ["execute_function_garage42"])
            let removed = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                json: #"{"function_id": "echo"}"#
            )
            #expect(removed.status == 404)
            let added = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_garage42",
                json: #"{"function_id": "echo"}"#
            )
            #expect(added.status == 200)
            let states = try await servers.waitForChecks()
            #expect(states["garage42"]?["state"] == "ok")
            #expect(reloaded.json["tokens"] == ["added": [], "removed": [], "changed": []])
            #expect(reloaded.json["settings"] == [])

            // Tokens (by name, never their value) and callbacks are part of what changed.
            let secured =
                fixed
                + "\nauth:\n  tokens:\n    - name: ha\n      token: reload-token-0123456789\ncallbacks:\n  allowed_hosts: [\"127.0.0.1\"]\n"
            try secured.write(toFile: servers.configPath, atomically: true, encoding: .utf8)
            let tokenAdded = try await HTTP.post("\(servers.bridgeURL)/api/reload")
            #expect(tokenAdded.status == 200, "\(tokenAdded.text)")
            #expect(tokenAdded.json["tokens"] == ["added": ["ha"], "removed": [], "changed": []])
            #expect(tokenAdded.json["settings"] == ["callbacks.allowed_hosts"])
            #expect(!tokenAdded.text.contains("reload-token-0123456789"))
            let rotated = secured.replacingOccurrences(of: "reload-token-0123456789", with: "reload-token-9876543210")
            try rotated.write(toFile: servers.configPath, atomically: true, encoding: .utf8)
            let tokenChanged = try await HTTP.post(
                "\(servers.bridgeURL)/api/reload",
                headers: [("Authorization", "Bearer reload-token-0123456789")]
            )
            #expect(tokenChanged.json["tokens"] == ["added": [], "removed": [], "changed": ["ha"]], "\(tokenChanged.text)")
            #expect(tokenChanged.json["settings"] == [])
            #expect(servers.bridgeLogs.contains("tokens changed [\"ha\"]"))
            #expect(!servers.bridgeLogs.contains("reload-token-9876543210"))
        }
    }

    @Test func noSecretEverReachesALogLine() async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { Fixtures.twoInstanceYAML($0, extra: "auth:\n  tokens:\n    - token_file: token") }
        ) { servers in
            let auth = [("Authorization", "Bearer \(Fixtures.bridgeToken)")]
            for payload in [#"{"function_id": "echo"}"#, #"{"function_id": "nosuch"}"#, #"{"function_id": "slow"}"#, "{"] {
                _ = try await HTTP.post(
                    "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234?return_response",
                    json: payload,
                    headers: auth
                )
            }
            _ = try await HTTP.post("\(servers.bridgeURL)/api/reload", headers: auth)
            _ = try await servers.waitForChecks(token: Fixtures.bridgeToken)
            let lines = servers.bridgeLogs.all
            #expect(lines.count > 5)
            for secret in Fixtures.allSecrets {
                #expect(!lines.contains { $0.contains(secret) }, "a log line holds a secret")
            }
        }
    }
}
