import BridgeCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Descriptors, idle connections and slow requests: what a client can hold, against a real bridge
/// process started with a low open-files limit, over plain sockets.
@Suite("connection limits over real sockets", .serialized)
struct ConnectionLimitTests {
    /// A bridge.yaml in a fresh folder, with an instance nobody needs to reach (`--offline`).
    static func configFolder(limits: String = "") throws -> String {
        let folder = NSTemporaryDirectory() + "bridge-limits-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Fixtures.files.forEach { try $0.value.write(toFile: folder + "/" + $0.key, atomically: true, encoding: .utf8) }
        let yaml = """
            listen: 127.0.0.1:0
            \(limits)
            instances:
              - project_id: home1234
                url: http://127.0.0.1:9/v1
                api_key_file: home.key
            """
        try yaml.write(toFile: folder + "/bridge.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    static func startBridge(ulimit: String, folder: String) async throws -> (WrappedProcess, Int) {
        let bridge = try WrappedProcess(
            script: "\(ulimit) && exec \"$@\"",
            arguments: ["serve", "--config", folder + "/bridge.yaml", "--offline"]
        )
        return (bridge, try await bridge.waitForPort())
    }

    /// GET /healthz on a new connection; nil when no answer came within `timeout`.
    static func healthz(port: Int, timeout: Duration) async throws -> (status: String, elapsed: Duration)? {
        let started = ContinuousClock.now
        let socket = try await RawSocket.connected(port: port)
        try socket.send("GET /healthz HTTP/1.1\r\nHost: bridge\r\n\r\n")
        let answer = await socket.read(timeout: timeout) { $0.text.contains("\r\n\r\n") && $0.text.contains("alive") }
        guard answer.text.contains("alive") else { return nil }
        return (String(answer.text.prefix(12)), ContinuousClock.now - started)
    }

    /// Waits until the bridge has taken in what it will: its descriptor count has not changed for a
    /// second (or `timeout` passed). Returns the count.
    static func waitForDescriptorsToSettle(_ bridge: WrappedProcess, timeout: Duration = .seconds(20)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        var seen = bridge.descriptorCount
        var stableSince = ContinuousClock.now
        while ContinuousClock.now < deadline, ContinuousClock.now - stableSince < .seconds(1) {
            try await Task.sleep(for: .milliseconds(100))
            let now = bridge.descriptorCount
            if now != seen {
                seen = now
                stableSince = .now
            }
        }
        return seen
    }

    /// Opens `count` idle connections a batch at a time, each batch once the bridge has accepted
    /// the one before (its descriptors grew by it, up to the `keeping` connections it keeps).
    /// Opened all at once, they overflow the listen backlog: the kernel then drops handshakes and
    /// retries them seconds apart, and on a busy machine the bridge had not seen max_connections'
    /// worth of them by the time the test looked.
    static func openIdleConnections(_ count: Int, port: Int, bridge: WrappedProcess, keeping: Int) async throws -> [RawSocket] {
        let before = bridge.descriptorCount
        var idle: [RawSocket] = []
        while idle.count < count {
            for _ in 0..<min(64, count - idle.count) { idle.append(try RawSocket(port: port, blocking: false)) }
            let expected = before + min(idle.count, keeping - 8)
            let deadline = ContinuousClock.now + .seconds(10)
            while bridge.descriptorCount < expected, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        return idle
    }

    /// The probe's figures: 1,100 idle connections under a soft and hard limit of 1,024. Before,
    /// every accept failed with EMFILE, the loop spun on a full core and /healthz timed out.
    @Test func idleConnectionsBeyondTheDescriptorLimitLeaveHealthzAnswering() async throws {
        // This process opens the idle sockets: it needs a limit above the bridge's (under a shell's
        // usual 1,024 the figures shrink in proportion, the shape of the test stays).
        let ours = DescriptorLimit.raiseToHardLimit().after
        let limit = min(1_024, (ours - 200) / 2)
        let connections = limit * 1_100 / 1_024
        let folder = try Self.configFolder()
        let (bridge, port) = try await Self.startBridge(ulimit: "ulimit -n \(limit)", folder: folder)
        #expect(bridge.openFilesLimit?.soft == limit)

        let maximum = ConnectionLimit.defaultMaximum(descriptorLimit: limit)
        let idle = try await Self.openIdleConnections(connections, port: port, bridge: bridge, keeping: maximum)
        // The bridge holds descriptors for as many as it keeps: wait until it has taken them in.
        let held = try await Self.waitForDescriptorsToSettle(bridge)
        #expect(held >= limit * 2 / 3, "the bridge took in only \(held) descriptors")

        let answer = try await Self.healthz(port: port, timeout: .seconds(2))
        #expect(answer?.status == "HTTP/1.1 200", "no /healthz answer within 2 s:\n\(bridge.log.suffix(2_000))")

        let cpuBefore = bridge.cpuTime
        let wallBefore = ContinuousClock.now
        try await Task.sleep(for: .seconds(2))
        let cores = (bridge.cpuTime - cpuBefore) / (ContinuousClock.now - wallBefore)
        #expect(cores < 0.3, "the bridge used \(cores) cores while holding idle connections")
        print(
            "idle \(connections) / limit \(limit): /healthz in \(answer?.elapsed ?? .zero), \(String(format: "%.3f", cores)) cores, \(held) descriptors"
        )

        let metrics = try await Self.get(port: port, path: "/metrics")
        #expect(metrics.contains("appwrite_bridge_connections_open "))
        #expect(metrics.contains("appwrite_bridge_connections_idle "))
        #expect(metrics.contains("appwrite_bridge_connections_max \(maximum)"))
        #expect(metrics.contains(#"appwrite_bridge_connections_rejected_total{reason="max_connections"}"#))
        #expect(bridge.log.contains("limits.max_connections (\(maximum)) reached"))
        #expect(
            bridge.log.contains("max_connections \(maximum)"),
            "\(bridge.log.prefix(2_000))"
        )
        withExtendedLifetime(idle) {}
    }

    /// With a descriptor limit below max_connections (set too high on purpose), accept itself fails;
    /// the bridge must close idle connections and back off instead of spinning.
    @Test func acceptFailingForLackOfDescriptorsNeitherSpinsNorLocksOut() async throws {
        let folder = try Self.configFolder(limits: "limits:\n  max_connections: 5000")
        _ = DescriptorLimit.raiseToHardLimit()
        let (bridge, port) = try await Self.startBridge(ulimit: "ulimit -n 256", folder: folder)
        var idle: [RawSocket] = []
        for _ in 0..<400 { idle.append(try RawSocket(port: port, blocking: false)) }
        let held = try await Self.waitForDescriptorsToSettle(bridge)
        #expect(held >= 200, "the bridge took in only \(held) descriptors")

        let answer = try await Self.healthz(port: port, timeout: .seconds(3))
        #expect(answer?.status == "HTTP/1.1 200", "no /healthz answer:\n\(bridge.log.suffix(2_000))")
        let cpuBefore = bridge.cpuTime
        let wallBefore = ContinuousClock.now
        try await Task.sleep(for: .seconds(2))
        let cores = (bridge.cpuTime - cpuBefore) / (ContinuousClock.now - wallBefore)
        #expect(cores < 0.3, "the bridge used \(cores) cores on failing accepts")
        #expect(bridge.log.contains("cannot accept connections"))
        idle.removeAll()
    }

    @Test func theSoftDescriptorLimitIsRaisedToTheHardOneAndLogged() async throws {
        let folder = try Self.configFolder()
        // A hard limit this process may set (lowering is always allowed).
        let hard = min(4_096, DescriptorLimit.raiseToHardLimit().after)
        let (bridge, _) = try await Self.startBridge(ulimit: "ulimit -Sn 256 && ulimit -Hn \(hard)", folder: folder)
        let limits = try #require(bridge.openFilesLimit)
        #expect(limits.soft == hard && limits.hard == hard)
        #expect(bridge.log.contains("open files limit raised from 256 to \(hard)"), "\(bridge.log.prefix(2_000))")
        #expect(bridge.log.contains("max_connections \(ConnectionLimit.defaultMaximum(descriptorLimit: hard))"))
    }

    /// A body trickled a byte at a time resets the idle timeout forever; the request deadline
    /// answers 408 and closes.
    @Test func aBodyTrickledInIsCutOffAtTheRequestDeadline() async throws {
        let folder = try Self.configFolder(limits: "limits:\n  request_timeout_seconds: 1\n  idle_timeout_seconds: 30")
        let (bridge, port) = try await Self.startBridge(ulimit: "true", folder: folder)
        let socket = try await RawSocket.connected(port: port)
        let started = ContinuousClock.now
        try socket.send(
            "POST /api/services/appwrite/execute_function_home1234 HTTP/1.1\r\nHost: bridge\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        var answer: [UInt8] = []
        var closed = false
        // One byte every 200 ms: well inside the idle timeout, never a whole body.
        for _ in 0..<50 where !closed {
            let chunk = await socket.readUntilClosed(timeout: .milliseconds(200))
            answer += chunk.bytes
            closed = chunk.closed
            if !closed { try? socket.send(" ") }
        }
        let elapsed = ContinuousClock.now - started
        #expect(closed, "the connection was still open after \(elapsed)")
        #expect(elapsed < .seconds(3))
        #expect(answer.text.hasPrefix("HTTP/1.1 408"), "\(answer.text)")
        #expect(answer.text.contains(#""code":"request_timeout""#))
        let metrics = try await Self.get(port: port, path: "/metrics")
        #expect(metrics.contains(#"appwrite_bridge_connections_rejected_total{reason="request_timeout"} 1"#))
        _ = bridge
    }

    /// At max_connections the oldest idle connection makes room; a busy one is never closed.
    @Test func atMaxConnectionsTheOldestIdleConnectionMakesRoom() async throws {
        let folder = try Self.configFolder(limits: "limits:\n  max_connections: 8")
        let (bridge, port) = try await Self.startBridge(ulimit: "true", folder: folder)
        // A request in flight: its body is still coming. Wait until the bridge counts it busy
        // (the only other connection, the /metrics one, is busy while it asks).
        let busy = try await RawSocket.connected(port: port)
        try busy.send(
            "POST /api/services/appwrite/execute_function_home1234 HTTP/1.1\r\nHost: bridge\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{"
        )
        let deadline = ContinuousClock.now + .seconds(5)
        while !(try await Self.get(port: port, path: "/metrics")).contains("appwrite_bridge_connections_idle 0"),
            ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        var idle: [RawSocket] = []
        for _ in 0..<7 { idle.append(try await RawSocket.connected(port: port)) }
        for _ in 0..<3 {
            let answer = try await Self.healthz(port: port, timeout: .seconds(2))
            #expect(answer?.status == "HTTP/1.1 200")
        }
        // The oldest idle ones were closed (end of stream), the busy one is still open.
        let first = await idle[0].readUntilClosed(timeout: .seconds(2))
        #expect(first.closed)
        try busy.send("}        ")
        let reply = await busy.read(timeout: .seconds(5)) { $0.text.contains("\r\n\r\n") }
        #expect(reply.text.hasPrefix("HTTP/1.1 "), "the busy connection was closed")
        _ = bridge
    }

    static func get(port: Int, path: String) async throws -> String {
        let socket = try await RawSocket.connected(port: port)
        try socket.send("GET \(path) HTTP/1.1\r\nHost: bridge\r\nConnection: close\r\n\r\n")
        return await socket.readUntilClosed(timeout: .seconds(5)).bytes.text
    }
}
