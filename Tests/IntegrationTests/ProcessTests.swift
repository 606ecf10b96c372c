import AppwriteSimulator
import BridgeCore
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Counts a request stream from several tasks.
final class LoadStats: Sendable {
    private let state = Mutex<(sent: Int, failures: [String], stopped: Bool)>((0, [], false))

    var sent: Int { state.withLock { $0.sent } }
    var failures: [String] { state.withLock { $0.failures } }
    var stopped: Bool { state.withLock { $0.stopped } }

    func stop() { state.withLock { $0.stopped = true } }

    func record(status: Int, detail: String) {
        state.withLock {
            $0.sent += 1
            if status != 200 { $0.failures.append("\(status) \(detail)") }
        }
    }
}

/// The real binary, real signals, real sockets.
@Suite("the daemon as a process", .serialized)
struct ProcessTests {
    func writeConfig(_ text: String, in folder: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try (Fixtures.homeKey + "\n").write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        let path = folder + "/bridge.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func homeYAML(_ url: String, timeout: Int = 35) -> String {
        """
        listen: 127.0.0.1:0
        instances:
          - project_id: home1234
            url: \(url)
            api_key_file: home.key
            timeout_seconds: \(timeout)
        """
    }

    static func executionCount(_ simulator: TestServers.SimulatorHandle) async -> Int {
        await simulator.state.recordedRequests().filter { $0.path == "/v1/functions/echo/executions" }.count
    }

    @Test func sighupUnderLoadDropsNothingAndSwitchesConfig() async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator(), Fixtures.homeSimulator()]) { simulators in
            let folder = NSTemporaryDirectory() + "bridge-hup-\(UUID().uuidString)"
            let path = try writeConfig(homeYAML(simulators[0].baseURL), in: folder)
            let bridge = try BridgeProcess(["serve", "--config", path])
            let port = try await bridge.waitForPort()
            let url = "http://127.0.0.1:\(port)/api/services/appwrite/execute_function_home1234"

            let load = LoadStats()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        while !load.stopped {
                            let reply = try await HTTP.post(url, json: #"{"function_id": "echo"}"#)
                            load.record(status: reply.status, detail: reply.text)
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(500))
                try homeYAML(simulators[1].baseURL).write(toFile: path, atomically: true, encoding: .utf8)
                bridge.signal(SIGHUP)
                try await bridge.waitForLog("configuration generation 2 active")
                try await Task.sleep(for: .milliseconds(500))

                // A broken file: the running configuration stays, the log names line and column.
                try (homeYAML(simulators[1].baseURL) + "\n    retries: 3\n").write(toFile: path, atomically: true, encoding: .utf8)
                bridge.signal(SIGHUP)
                try await bridge.waitForLog("reload failed, still serving generation 2")
                try await Task.sleep(for: .milliseconds(300))
                load.stop()
                try await group.waitForAll()
            }
            #expect(load.failures.isEmpty)
            #expect(load.sent > 20)
            #expect(bridge.log.contains("bridge.yaml:7:14: instances[0]: unknown key 'retries'"))

            // After the reload every request lands on the second simulator.
            let firstBefore = await Self.executionCount(simulators[0])
            let secondBefore = await Self.executionCount(simulators[1])
            #expect(firstBefore > 0)
            #expect(secondBefore > 0)
            for _ in 0..<10 {
                let reply = try await HTTP.post(url, json: #"{"function_id": "echo"}"#)
                #expect(reply.status == 200)
            }
            #expect(await Self.executionCount(simulators[0]) == firstBefore)
            #expect(await Self.executionCount(simulators[1]) == secondBefore + 10)
            bridge.signal(SIGTERM)
            #expect(try await bridge.waitForExit() == 0)
        }
    }

    @Test func speaksTheSystemdNotifyProtocolInOrder() async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator()]) { simulators in
            let folder = NSTemporaryDirectory() + "bridge-notify-\(UUID().uuidString)"
            let path = try writeConfig(homeYAML(simulators[0].baseURL), in: folder)
            let notify = try NotifySocket()
            let bridge = try BridgeProcess(
                ["serve", "--config", path],
                environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000", "JOURNAL_STREAM": "8:1234"]
            )
            try await notify.waitFor(count: 1)
            bridge.signal(SIGHUP)
            try await notify.waitFor(count: 3)
            bridge.signal(SIGTERM)
            try await notify.waitFor(count: 4)
            #expect(try await bridge.waitForExit() == 0)

            let messages = notify.lifecycle
            #expect(messages[0].hasPrefix("READY=1\nSTATUS="))
            #expect(messages[1].hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
            let microseconds = UInt64(messages[1].split(separator: "=").last ?? "") ?? 0
            #expect(microseconds > 0)
            #expect(messages[2].hasPrefix("READY=1\nSTATUS="))
            #expect(messages.last == "STOPPING=1")
            #expect(notify.received.contains("WATCHDOG=1"))
            // Under journald: priority prefixes, no timestamps of our own.
            #expect(bridge.log.contains("<6>info    appwrite-bridge listening on"))
        }
    }

    @Test func sigtermLetsARunningExecutionFinish() async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator()]) { simulators in
            let folder = NSTemporaryDirectory() + "bridge-term-\(UUID().uuidString)"
            let path = try writeConfig(homeYAML(simulators[0].baseURL), in: folder)
            let bridge = try BridgeProcess(["serve", "--config", path])
            let port = try await bridge.waitForPort()
            async let slow = HTTP.post(
                "http://127.0.0.1:\(port)/api/services/appwrite/execute_function_home1234?return_response",
                json: #"{"function_id": "slow"}"#
            )
            try await Task.sleep(for: .milliseconds(700))
            bridge.signal(SIGTERM)
            let reply = try await slow
            #expect(reply.status == 200)
            #expect(reply.json["service_response"]?["status"] == "completed")
            #expect(try await bridge.waitForExit() == 0)
        }
    }

    @Test func checkExitCodes() async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator()]) { simulators in
            let folder = NSTemporaryDirectory() + "bridge-check-\(UUID().uuidString)"
            let good = try writeConfig(homeYAML(simulators[0].baseURL), in: folder)
            let ok = try BridgeProcess(["check", "--config", good])
            #expect(try await ok.waitForExit() == 0)
            #expect(ok.log.contains("home1234"))
            #expect(ok.log.contains(" ok"))

            let invalid = try writeConfig("instances:\n  - project_id: home1234\n", in: folder + "/bad")
            let bad = try BridgeProcess(["check", "--config", invalid])
            #expect(try await bad.waitForExit() == 1)
            #expect(bad.log.contains("bridge.yaml:2:5"))

            let wrongKey = try writeConfig(
                "instances:\n  - project_id: home1234\n    url: \(simulators[0].baseURL)\n    api_key: wrong-key-for-test\n",
                in: folder + "/wrong"
            )
            let notOK = try BridgeProcess(["check", "--config", wrongKey])
            #expect(try await notOK.waitForExit() == 2)
            #expect(notOK.log.contains("invalid_key"))
            #expect(!notOK.log.contains("wrong-key-for-test"))

            let offline = try BridgeProcess(["check", "--config", wrongKey, "--offline"])
            #expect(try await offline.waitForExit() == 0)

            let version = try BridgeProcess(["--version"])
            #expect(try await version.waitForExit() == 0)
            #expect(version.log.trimmingCharacters(in: .whitespacesAndNewlines) == BridgeVersion.current)
        }
    }

    @Test func invalidConfigAtStartExitsNonZeroWithoutAStackTrace() async throws {
        let folder = NSTemporaryDirectory() + "bridge-badstart-\(UUID().uuidString)"
        let path = try writeConfig(
            "listen: 0.0.0.0:8787\ninstances:\n  - project_id: p\n    url: http://a/v1\n    api_key_file: home.key\n",
            in: folder
        )
        let bridge = try BridgeProcess(["serve", "--config", path])
        #expect(try await bridge.waitForExit() == 1)
        #expect(bridge.log.contains("bridge.yaml:1:9: listen:"))
        #expect(!bridge.log.contains("Fatal error"))
        #expect(bridge.log.split(separator: "\n").count == 1)
    }
}
