import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The outbox on a full disk: Appwrite accepts a queued execution, SQLite cannot delete it
/// ("database or disk is full"). It must not be sent again, and the queue behind it must move.
@Suite("the outbox on a full disk", .serialized)
struct OutboxFullDiskTests {
    /// Whether this machine lets the test mount a tmpfs in a mount namespace of its own.
    static let canMountTmpfs: Bool = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        probe.arguments = ["-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? ProcessLaunch.run(probe)) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    /// Fills the tmpfs the bridge sees at `stateDir` (through its /proc root) until a write fails.
    static func fill(_ bridge: WrappedProcess, stateDir: String) throws -> String {
        let path = "/proc/\(bridge.pid)/root\(stateDir)/filler"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw RawSocketError.failed("open filler", errno) }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0, count: 4_096)
        while chunk.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        return path
    }

    /// A folder with bridge.yaml (one instance on `upstreamPort`, state_dir inside) and its key.
    static func configFolder(upstreamPort port: Int) throws -> (folder: String, stateDir: String) {
        let folder = NSTemporaryDirectory() + "bridge-fulldisk-\(UUID().uuidString)"
        let stateDir = folder + "/state"
        try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        try (Fixtures.homeKey + "\n").write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        try """
        listen: 127.0.0.1:0
        state_dir: \(stateDir)
        instances:
          - project_id: home1234
            url: http://127.0.0.1:\(port)/v1
            api_key_file: home.key
            timeout_seconds: 2
        """.write(toFile: folder + "/bridge.yaml", atomically: true, encoding: .utf8)
        return (folder, stateDir)
    }

    @Test(.enabled(if: canMountTmpfs, "needs unshare and a tmpfs mount (user namespaces); skipped: cannot mount one here"))
    func aDeliveredItemIsNotSentAgainWhenItsDeleteFailsAndTheQueueMoves() async throws {
        let port = try unusedLoopbackPort()
        let (folder, stateDir) = try Self.configFolder(upstreamPort: port)
        // A 256 KiB tmpfs over state_dir, in a mount namespace of the bridge's own.
        let bridge = try WrappedProcess(
            script: "mount -t tmpfs -o size=256k tmpfs '\(stateDir)' && exec \"$@\"",
            launcher: ["/usr/bin/unshare", "-rm"],
            arguments: ["serve", "--config", folder + "/bridge.yaml", "--offline"]
        )
        let bridgePort = try await bridge.waitForPort()
        let url = "http://127.0.0.1:\(bridgePort)/api/services/appwrite/execute_function_home1234"
        for seq in 0..<5 {
            let reply = try await HTTP.post(url, json: OutboxIntegrationTests.payload(seq))
            #expect(reply.status == 202, "\(reply.text)")
        }
        let filler = try Self.fill(bridge, stateDir: stateDir)

        try await TestServers.withSimulators([Fixtures.homeSimulator()], fixedPorts: [port]) { simulators in
            let deadline = ContinuousClock.now + .seconds(30)
            var delivered: [Int] = []
            while delivered.count < 5 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                delivered = OutboxIntegrationTests.deliveredSequence(await simulators[0].state.recordedRequests(), project: "home1234")
            }
            #expect(delivered == [0, 1, 2, 3, 4], "delivered: \(delivered)\n\(bridge.log.suffix(3_000))")
            let listing = try await HTTP.get("http://127.0.0.1:\(bridgePort)/api/outbox")
            #expect(listing.json["pending"] == .number("0"))
            #expect(bridge.log.contains("it will not be sent again"))

            // Room again: the rows are deleted from disk, and still nothing is sent twice.
            unlink(filler)
            try await bridge.waitForLog("delivered item(s) from the outbox", timeout: .seconds(10))
            delivered = OutboxIntegrationTests.deliveredSequence(await simulators[0].state.recordedRequests(), project: "home1234")
            #expect(delivered == [0, 1, 2, 3, 4])
        }
    }

    /// Across a restart while the disk is still full, an item goes out at most twice: once per
    /// process. Once there is room, the rows go and a third process sends nothing.
    @Test(.enabled(if: canMountTmpfs, "needs unshare and a tmpfs mount (user namespaces); skipped: cannot mount one here"))
    func aRestartOnAFullDiskSendsAnItemAtMostTwice() async throws {
        let port = try unusedLoopbackPort()
        let (folder, stateDir) = try Self.configFolder(upstreamPort: port)
        // The tmpfs lives as long as this holder, so it outlives each bridge.
        let holder = try WrappedProcess(
            script: "mount -t tmpfs -o size=256k tmpfs '\(stateDir)' && echo mounted && exec sleep 600",
            launcher: ["/usr/bin/unshare", "-rm"],
            arguments: []
        )
        try await holder.waitForLog("mounted")
        func startBridge() async throws -> (WrappedProcess, Int) {
            let bridge = try WrappedProcess(
                script: "exec \"$@\"",
                launcher: ["/usr/bin/nsenter", "-t", "\(holder.pid)", "-U", "-m", "--preserve-credentials"],
                arguments: ["serve", "--config", folder + "/bridge.yaml", "--offline"]
            )
            return (bridge, try await bridge.waitForPort())
        }

        var (bridge, bridgePort) = try await startBridge()
        for seq in 0..<3 {
            let reply = try await HTTP.post(
                "http://127.0.0.1:\(bridgePort)/api/services/appwrite/execute_function_home1234",
                json: OutboxIntegrationTests.payload(seq)
            )
            #expect(reply.status == 202, "\(reply.text)")
        }
        // The head's first attempt (Appwrite down) is made at once and flags it as possibly sent
        // while there is still room; the items behind it were never tried.
        try await bridge.waitForLog("are waiting")
        let filler = try Self.fill(holder, stateDir: stateDir)

        try await TestServers.withSimulators([Fixtures.homeSimulator()], fixedPorts: [port]) { simulators in
            func delivered(count: Int) async throws -> [Int] {
                let deadline = ContinuousClock.now + .seconds(30)
                var seen: [Int] = []
                while seen.count < count && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    seen = OutboxIntegrationTests.deliveredSequence(await simulators[0].state.recordedRequests(), project: "home1234")
                }
                return seen
            }
            #expect(try await delivered(count: 3) == [0, 1, 2])
            kill(bridge.pid, SIGKILL)
            _ = try await bridge.waitForExit()

            // The disk is still full: the new process sends each once more, and only once; the head,
            // flagged, is found in Appwrite instead of being sent again.
            (bridge, bridgePort) = try await startBridge()
            #expect(try await delivered(count: 5) == [0, 1, 2, 1, 2])
            try await bridge.waitForLog("it will not be sent again")
            // Two retries of the DELETE later, still nothing more went out.
            try await Task.sleep(for: .seconds(5))
            #expect(try await delivered(count: 5).count == 5)

            unlink(filler)
            try await bridge.waitForLog("delivered item(s) from the outbox", timeout: .seconds(10))
            kill(bridge.pid, SIGKILL)
            _ = try await bridge.waitForExit()
            (bridge, bridgePort) = try await startBridge()
            let listing = try await HTTP.get("http://127.0.0.1:\(bridgePort)/api/outbox")
            #expect(listing.json["pending"] == .number("0"))
            #expect(try await delivered(count: 5).count == 5)
        }
        kill(holder.pid, SIGKILL)
    }
}
