import AppwriteSimulator
import AsyncHTTPClient
import BridgeCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Real servers on loopback ports: Appwrite simulators and one bridge, as a user would run them.
struct TestServers {
    let simulators: [SimulatorHandle]
    let bridgePort: Int
    let bridgeLogs: LogCapture
    let configPath: String

    var bridgeURL: String { "http://127.0.0.1:\(bridgePort)" }

    struct SimulatorHandle {
        let port: Int
        let state: SimulatorState
        var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    }

    /// Starts one simulator per config, writes bridge.yaml from `bridgeYAML` (given the simulators'
    /// base URLs) into a fresh folder with `files`, runs the bridge, then `body`, then stops all.
    static func run(
        simulators configs: [SimulatorConfig],
        files: [String: String] = [:],
        environment: [String: String] = [:],
        bridgeYAML: ([String]) -> String,
        _ body: (TestServers) async throws -> Void
    ) async throws {
        try await withSimulators(configs) { handles in
            let folder = NSTemporaryDirectory() + "bridge-it-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, content) in files {
                try content.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
            }
            let configPath = folder + "/bridge.yaml"
            try bridgeYAML(handles.map(\.baseURL)).write(toFile: configPath, atomically: true, encoding: .utf8)
            let loader = ConfigLoader(environment: environment)
            let config = try loader.load(path: configPath)
            let logs = LogCapture()
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let (bridge, _) = try await BridgeApplication.make(
                config: config,
                options: .init(
                    configPath: configPath,
                    recheckInterval: .seconds(300),
                    firstRetry: .seconds(1),
                    handleSIGHUP: false,
                    environment: [:]
                ),
                loader: loader,
                logger: logs.logger(label: "appwrite-bridge")
            ) { port in continuation.yield(port) }
            let bridgeGroup = ServiceGroup(services: [bridge], logger: Self.quiet)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await bridgeGroup.run() }
                var iterator = ports.makeAsyncIterator()
                let bridgePort = try #require(await iterator.next())
                let servers = TestServers(simulators: handles, bridgePort: bridgePort, bridgeLogs: logs, configPath: configPath)
                do {
                    try await body(servers)
                } catch {
                    await bridgeGroup.triggerGracefulShutdown()
                    throw error
                }
                await bridgeGroup.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    /// A bridge with one instance, home1234, whose Appwrite at `port` is down (nothing listens).
    static func withAppwriteDown(
        port: Int,
        instanceExtra: String = "",
        _ body: (TestServers) async throws -> Void
    ) async throws {
        try await run(
            simulators: [],
            files: Fixtures.files,
            bridgeYAML: { _ in
                """
                listen: 127.0.0.1:0
                instances:
                  - project_id: home1234
                    url: http://127.0.0.1:\(port)/v1
                    api_key_file: home.key
                \(instanceExtra)
                """
            },
            body
        )
    }

    static let quiet = Logger(label: "test-simulator") { _ in SwiftLogNoOpLogHandler() }

    /// Runs one simulator per config on a free loopback port for the duration of `body`.
    static func withSimulators(
        _ configs: [SimulatorConfig],
        fixedPorts: [Int] = [],
        _ body: ([SimulatorHandle]) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var simulatorGroups: [ServiceGroup] = []
            var handles: [SimulatorHandle] = []
            for config in configs {
                let state = SimulatorState(config: config)
                let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
                let fixedPort = fixedPorts.indices.contains(handles.count) ? fixedPorts[handles.count] : 0
                let app = buildSimulatorApplication(state: state, port: fixedPort, logger: quiet) { port in continuation.yield(port) }
                let serviceGroup = ServiceGroup(services: [app], logger: quiet)
                simulatorGroups.append(serviceGroup)
                group.addTask { try await serviceGroup.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                handles.append(SimulatorHandle(port: port, state: state))
            }
            do {
                try await body(handles)
            } catch {
                for serviceGroup in simulatorGroups { await serviceGroup.triggerGracefulShutdown() }
                throw error
            }
            for serviceGroup in simulatorGroups { await serviceGroup.triggerGracefulShutdown() }
            try await group.waitForAll()
        }
    }

    /// Waits until every instance has left `pending`, so state assertions see a finished check.
    func waitForChecks(timeout: Duration = .seconds(10), token: String? = nil) async throws -> [String: JSONValue] {
        let deadline = ContinuousClock.now + timeout
        let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
        while true {
            let response = try await HTTP.get("\(bridgeURL)/api/instances", headers: headers)
            let instances = try #require(response.json.arrayValue)
            let pending = instances.contains { $0["state"]?.stringValue == "pending" }
            if !pending || ContinuousClock.now > deadline {
                var byProject: [String: JSONValue] = [:]
                for instance in instances { byProject[instance["project_id"]?.stringValue ?? ""] = instance }
                return byProject
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// A tiny HTTP client for tests: raw status, headers and body, no retries.
enum HTTP {
    struct Reply {
        var status: Int
        var contentType: String?
        var retryAfter: String? = nil
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    }

    static func get(_ url: String, headers: [(String, String)] = []) async throws -> Reply {
        try await send("GET", url, body: nil, headers: headers)
    }

    static func post(
        _ url: String,
        json: String? = nil,
        contentType: String? = "application/json",
        headers: [(String, String)] = []
    ) async throws -> Reply {
        var all = headers
        if let contentType { all.append(("Content-Type", contentType)) }
        return try await send("POST", url, body: json.map { Array($0.utf8) }, headers: all)
    }

    static func send(_ method: String, _ url: String, body: [UInt8]?, headers: [(String, String)]) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Reply(
            status: Int(response.status.code),
            contentType: response.headers.first(name: "Content-Type"),
            retryAfter: response.headers.first(name: "Retry-After"),
            body: buffer.readBytes(length: buffer.readableBytes) ?? []
        )
    }
}

extension JSONValue {
    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}

/// A loopback port nothing listens on (bound, read, released): an Appwrite that is down.
func unusedLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
        }
    }
    guard bound else { throw ProcessTestError.timeout }
    return Int(UInt16(bigEndian: address.sin_port))
}
