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
                // Enough requests to mean something, however slow the machine: counted, not timed.
                let deadline = ContinuousClock.now + .seconds(30)
                while load.sent <= 24 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
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
            // Shutdown says what it waits for, in the journal and in `systemctl status`.
            #expect(messages.last == "STOPPING=1\nSTATUS=stopping: draining 0 requests (grace 30 s)")
            #expect(bridge.log.contains("<5>notice  stopping: draining 0 requests (grace 30 s)"))
            #expect(notify.received.contains("WATCHDOG=1"))
            // Under journald: priority prefixes, no timestamps of our own.
            #expect(bridge.log.contains("<6>info    appwrite-bridge listening on"))
        }
    }

    @Test func aFailedReloadIsVisibleUntilTheNextGoodOne() async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator()]) { simulators in
            let folder = NSTemporaryDirectory() + "bridge-badreload-\(UUID().uuidString)"
            let path = try writeConfig(homeYAML(simulators[0].baseURL), in: folder)
            let notify = try NotifySocket()
            let bridge = try BridgeProcess(["serve", "--config", path], environment: ["NOTIFY_SOCKET": notify.path])
            let port = try await bridge.waitForPort()
            try await notify.waitFor(count: 1)
            let deadline = ContinuousClock.now + .seconds(20)
            while try await HTTP.get("http://127.0.0.1:\(port)/readyz").status != 200 {
                try #require(ContinuousClock.now < deadline, "the instance never became ok")
                try await Task.sleep(for: .milliseconds(50))
            }

            try (homeYAML(simulators[0].baseURL) + "\n    retries: 3\n").write(toFile: path, atomically: true, encoding: .utf8)
            bridge.signal(SIGHUP)
            try await notify.waitFor(count: 3)
            // "reload failed: <the error, as the log names it>; serving generation 1; 1 instance ok"
            let failed = "reload failed: \(path):7:14: instances[0]: unknown key 'retries'"
            let suffix = "; serving generation 1; 1 instance ok"
            #expect(notify.lifecycle[2].hasPrefix("READY=1\nSTATUS=\(failed)"))
            #expect(notify.lifecycle[2].hasSuffix(suffix))
            #expect(notify.lifecycle[2].split(separator: "\n").count == 2)  // READY=1 and one STATUS= line
            let ready = try await HTTP.get("http://127.0.0.1:\(port)/readyz")
            #expect(ready.status == 200)
            #expect(ready.json["reload"]?["state"] == "failed")
            #expect(ready.json["reload"]?["generation"] == 1)
            #expect(ready.json["reload"]?["error"]?["code"] == "invalid_config")
            #expect(ready.json["reload"]?["error"]?["line"] == 7)
            #expect(ready.json["reload"]?["error"]?["column"] == 14)
            let summary = try #require(ready.json["summary"]?.stringValue)
            #expect(summary.hasPrefix(failed) && summary.hasSuffix(suffix))
            let instances = try await HTTP.get("http://127.0.0.1:\(port)/api/instances")
            #expect(instances.json.arrayValue?.first?["reload"]?["state"] == "failed")
            #expect(instances.json.arrayValue?.first?["state"] == "ok")

            // The next good reload clears it.
            try homeYAML(simulators[0].baseURL, timeout: 20).write(toFile: path, atomically: true, encoding: .utf8)
            bridge.signal(SIGHUP)
            try await notify.waitFor(count: 5)
            #expect(notify.lifecycle[4].hasPrefix("READY=1\nSTATUS="))
            #expect(!notify.lifecycle[4].contains("reload failed"))
            let after = try await HTTP.get("http://127.0.0.1:\(port)/readyz")
            #expect(after.json["reload"]?["state"] == "ok")
            #expect(after.json["reload"]?["generation"] == 2)
            #expect(after.json["summary"] == "1 instance ok")
            bridge.signal(SIGTERM)
            #expect(try await bridge.waitForExit() == 0)
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
            #expect(bridge.log.contains("stopping: draining 1 requests (grace 30 s)"))
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
        // 78 (EX_CONFIG) is in the unit's RestartPreventExitStatus=: no restart loop.
        #expect(try await bridge.waitForExit() == 78)
        #expect(bridge.log.contains("bridge.yaml:1:9: listen:"))
        #expect(!bridge.log.contains("Fatal error"))
        #expect(bridge.log.split(separator: "\n").count == 1)
        #expect(bridge.log.hasPrefix("appwrite-bridge: invalid configuration: "))

        // Under journald the same line carries the error priority, so `journalctl -p err` shows it.
        let journald = try BridgeProcess(["serve", "--config", path], environment: ["JOURNAL_STREAM": "8:1234"])
        #expect(try await journald.waitForExit() == 78)
        #expect(journald.log.hasPrefix("<3>appwrite-bridge: invalid configuration: \(path):1:9: listen:"))
        #expect(journald.log.split(separator: "\n").count == 1)
    }

    @Test func aFatalErrorExitsOneAtErrorPriority() async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator()]) { simulators in
            // The simulator already holds this port: binding fails after the file was accepted.
            let taken = try #require(simulators[0].baseURL.split(separator: ":").last?.split(separator: "/").first)
            let folder = NSTemporaryDirectory() + "bridge-fatal-\(UUID().uuidString)"
            let path = try writeConfig(
                homeYAML(simulators[0].baseURL).replacingOccurrences(of: "127.0.0.1:0", with: "127.0.0.1:\(taken)"),
                in: folder
            )
            let bridge = try BridgeProcess(["serve", "--config", path], environment: ["JOURNAL_STREAM": "8:1234"])
            #expect(try await bridge.waitForExit() == 1)
            let stopped = bridge.log.split(separator: "\n").filter { $0.contains("appwrite-bridge stopped:") }
            #expect(stopped.count == 1)
            #expect(stopped.first?.hasPrefix("<3>appwrite-bridge stopped: ") == true)
        }
    }
}
