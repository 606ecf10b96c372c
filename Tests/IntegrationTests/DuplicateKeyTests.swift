import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

/// A payload that names a key twice is refused before anything reaches Appwrite, whatever level
/// the key is at: Appwrite's PHP would silently take the last value, which is not what a caller who
/// wrote `"function_async": true` first meant.
@Suite("duplicate JSON keys over real sockets")
struct DuplicateKeyTests {
    func withBridge(_ body: (TestServers) async throws -> Void) async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { Fixtures.twoInstanceYAML($0) },
            body
        )
    }

    func execute(_ servers: TestServers, _ payload: String) async throws -> HTTP.Reply {
        try await HTTP.post("\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234?return_response", json: payload)
    }

    func executions(_ servers: TestServers) async -> [RecordedRequest] {
        await servers.simulators[0].state.recordedRequests().filter {
            $0.method == "POST" && $0.path.hasSuffix("/executions") && !$0.path.contains("_bridge_scope_probe")
        }
    }

    @Test func aRepeatedTopLevelFieldIsRefusedAndNothingIsSent() async throws {
        try await withBridge { servers in
            let before = await executions(servers).count
            let reply = try await execute(servers, #"{"function_id": "echo", "function_async": true, "function_async": false}"#)
            #expect(reply.status == 400)
            #expect(reply.json["error"]?["code"] == "duplicate_key")
            #expect(reply.json["error"]?["field"] == "function_async")
            #expect(reply.json["error"]?["message"]?.stringValue?.contains("'function_async'") == true)
            #expect(await executions(servers).count == before)

            // The same call without the repeat goes through, so the count above could have moved.
            let fine = try await execute(servers, #"{"function_id": "echo", "function_async": false}"#)
            #expect(fine.status == 200)
            #expect(await executions(servers).count == before + 1)
        }
    }

    @Test func aRepeatedKeyInsideFunctionBodyIsRefusedWithItsPath() async throws {
        try await withBridge { servers in
            let before = await executions(servers).count
            let reply = try await execute(
                servers,
                #"{"function_id": "echo", "function_body": {"lights": [{"id": 1}, {"id": 2, "on": true, "id": 3}]}}"#
            )
            #expect(reply.status == 400)
            #expect(reply.json["error"]?["code"] == "duplicate_key")
            #expect(reply.json["error"]?["field"] == "function_body.lights[1].id")
            #expect(await executions(servers).count == before)
        }
    }

    @Test func aKeyWrittenWithAnEscapeStillCountsAsTheSameKey() async throws {
        try await withBridge { servers in
            let reply = try await execute(servers, #"{"function_id": "echo", "function_\u0061sync": true, "function_async": false}"#)
            #expect(reply.status == 400)
            #expect(reply.json["error"]?["field"] == "function_async")
        }
    }

    /// Names compare by their bytes, like Appwrite's PHP: "é" precomposed and "e" + U+0301 are two
    /// keys, and Appwrite receives both exactly as written.
    @Test func canonicallyEquivalentKeysAreDistinctAndSentAsWritten() async throws {
        try await withBridge { servers in
            let reply = try await execute(servers, "{\"function_id\": \"echo\", \"function_body\": {\"caf\u{E9}\": 1, \"cafe\u{301}\": 2}}")
            #expect(reply.status == 200)
            let sent = try #require(await executions(servers).last)
            let body = try #require(try JSONParser.parse(sent.body)["body"]?.stringValue)
            #expect(Array(body.utf8) == Array("{\"caf\u{E9}\":1,\"cafe\u{301}\":2}".utf8))
        }
    }
}
