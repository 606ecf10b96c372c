import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The bridge process killed (SIGKILL) after Appwrite acted on the outbox's request and before the
/// answer was settled: after the restart nothing is there twice.
@Suite("SIGKILL between Appwrite's answer and the outbox delete", .serialized)
struct LostAnswerProcessTests {
    @Test(arguments: ["upload", "message", "execution"])
    func restartSendsNothingTwice(kind: String) async throws {
        let folder = NSTemporaryDirectory() + "bridge-lost-kill-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try (Fixtures.homeKey + "\n").write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        try await TestServers.withSimulators([LostAnswerTests.simulator()]) { simulators in
            let simulator = simulators[0]
            let configPath = folder + "/bridge.yaml"
            try """
            listen: 127.0.0.1:0
            state_dir: state
            instances:
              - project_id: home1234
                url: \(simulator.baseURL)
                api_key_file: home.key
                timeout_seconds: 30
                messaging: true
                storage: true
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
            let (route, action, payload) = Self.call(kind)
            let control = "http://127.0.0.1:\(simulator.port)/_simulator/faults"
            // The caller's attempt meets a 503 (queued, nothing stored); the outbox's first attempt
            // is stored and its answer held while the bridge is killed.
            for rule in [
                #"{"method": "POST", "path": "\#(route)", "attempts": [1], "action": "fail"}"#,
                #"{"method": "POST", "path": "\#(route)", "attempts": [2], "action": "hold", "seconds": 6}"#,
            ] {
                #expect(try await HTTP.post(control, json: rule).status == 201)
            }
            let bridge = try BridgeProcess(["serve", "--config", configPath])
            let port = try await bridge.waitForPort()
            let reply = try await HTTP.post("http://127.0.0.1:\(port)/api/services/appwrite/\(action)", json: payload)
            #expect(reply.status == 202, "\(reply.text)")

            let deadline = ContinuousClock.now + .seconds(30)
            while await Self.stored(kind, simulator) == 0 {
                guard ContinuousClock.now < deadline else {
                    Issue.record("Appwrite never got the outbox's attempt; log:\n\(bridge.log)")
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            bridge.signal(SIGKILL)
            _ = try await bridge.waitForExit()

            let restarted = try BridgeProcess(["serve", "--config", configPath])
            let newPort = try await restarted.waitForPort()
            var listing = JSONValue.null
            let drained = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < drained {
                listing = try await HTTP.get("http://127.0.0.1:\(newPort)/api/outbox").json
                if listing["pending"] == .number("0") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(listing["pending"] == .number("0"), "\(restarted.log)")
            #expect(await Self.stored(kind, simulator) == 1)
            let entry = listing["history"]?.arrayValue?.first
            #expect(entry?["outcome"] == "delivered")
            #expect(entry?["note"]?.stringValue?.contains("earlier attempt") == true, "\(listing)")
            restarted.signal(SIGTERM)
            _ = try await restarted.waitForExit()
        }
    }

    static func call(_ kind: String) -> (route: String, action: String, payload: String) {
        switch kind {
        case "upload":
            (
                LostAnswerTests.filesPath, "upload_file_home1234",
                #"{"bucket_id": "snapshots", "file_name": "door.jpg", "content_base64": "aGVsbG8gZG9vcg=="}"#
            )
        case "message":
            ("/v1/messaging/messages/push", "send_push_home1234", #"{"title": "Door", "message": "Open", "targets": ["tablet"]}"#)
        default:
            (
                "/v1/functions/echo/executions", "execute_function_home1234",
                #"{"function_id": "echo", "function_async": true, "function_path": "/door"}"#
            )
        }
    }

    /// How many files, messages or executions Appwrite holds.
    static func stored(_ kind: String, _ simulator: TestServers.SimulatorHandle) async -> Int {
        switch kind {
        case "upload": await LostAnswerTests.createdFileIDs(simulator).count
        case "message": await simulator.state.messages(projectID: "home1234").count
        default: await simulator.state.executions(projectID: "home1234").count
        }
    }
}
