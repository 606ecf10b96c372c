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

/// Who calls: the same role means a different secret on each target (a project key on the
/// simulator, a bridge token on the gateway), and must get the same answer.
enum KeyRole: Sendable {
    /// May execute and read.
    case full
    /// A key without the execution scopes; on the gateway a token whose `functions:` list excludes
    /// every function used here.
    case noScope
    /// A secret neither knows.
    case unknown
    case none
}

/// One side of the suite: the simulator itself, or the bridge's gateway in front of it.
struct ConformanceTarget: Sendable {
    var name: String
    /// Ends in `/v1`.
    var baseURL: String
    var keys: @Sendable (KeyRole, String) -> String?
    var simulator: SimulatorState
}

enum Conformance {
    static let fullKey = "standard_conformance_full_4f7a1c"
    static let noScopeKey = "standard_conformance_noscope_8b2e"
    static let expiredKey = "standard_conformance_expired_6d1c"
    static let fullToken = "bridge_conformance_full_3c9d"
    static let narrowToken = "bridge_conformance_narrow_7e5a"
    static let unknownKey = "standard_conformance_unknown_1a2b"

    /// conf1: every kind of function. stale1: its only key has expired (the bridge holds that key).
    static let simulatorConfig = SimulatorConfig(
        syncTimeoutSeconds: 1,
        projects: [
            .init(
                id: "conf1",
                keys: [
                    .init(secret: fullKey, scopes: ["executions.write", "executions.read"]),
                    .init(secret: noScopeKey, scopes: ["functions.read"]),
                ],
                functions: [
                    .init(id: "echo"), .init(id: "slow", sleepSeconds: 0.3), .init(id: "hang", sleepSeconds: 3),
                    .init(id: "broken", responseStatus: 500), .init(id: "nodeploy", deployment: false),
                    .init(id: "building", buildReady: false), .init(id: "disabled", enabled: false),
                    .init(id: "open", execute: ["any"]), .init(id: "members", execute: ["users"]),
                ]
            ),
            .init(
                id: "stale1",
                keys: [.init(secret: expiredKey, scopes: ["executions.write"], expired: true)],
                functions: [.init(id: "echo")]
            ),
        ]
    )

    static let quiet = Logger(label: "conformance") { _ in SwiftLogNoOpLogHandler() }

    /// Runs `body` against a fresh simulator, then against a bridge in front of another fresh one.
    static func withEachTarget(_ body: (ConformanceTarget) async throws -> Void) async throws {
        try await withSimulator { port, state in
            let keys: @Sendable (KeyRole, String) -> String? = { role, project in
                switch role {
                case .full: project == "stale1" ? expiredKey : fullKey
                case .noScope: noScopeKey
                case .unknown: unknownKey
                case .none: nil
                }
            }
            try await body(ConformanceTarget(name: "simulator", baseURL: "http://127.0.0.1:\(port)/v1", keys: keys, simulator: state))
        }
        try await withSimulator { port, state in
            try await withGateway(simulatorPort: port) { bridgePort in
                let keys: @Sendable (KeyRole, String) -> String? = { role, _ in
                    switch role {
                    case .full: fullToken
                    case .noScope: narrowToken
                    case .unknown: unknownKey
                    case .none: nil
                    }
                }
                try await body(
                    ConformanceTarget(name: "gateway", baseURL: "http://127.0.0.1:\(bridgePort)/v1", keys: keys, simulator: state)
                )
            }
        }
    }

    static func withSimulator(_ body: (Int, SimulatorState) async throws -> Void) async throws {
        let state = SimulatorState(config: simulatorConfig)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildSimulatorApplication(state: state, logger: quiet) { continuation.yield($0) }
        try await runUntilDone(app) {
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port, state)
        }
    }

    /// The bridge's configuration for the gateway target: inline secrets are fine in a test.
    static func bridgeYAML(simulatorPort port: Int, extra: String = "") -> String {
        """
        listen: 127.0.0.1:0
        auth:
          tokens:
            - name: full
              token: \(fullToken)
            - name: narrow
              token: \(narrowToken)
              functions: [nothing_here]
        instances:
          - project_id: conf1
            url: http://127.0.0.1:\(port)/v1
            api_key: \(fullKey)
            timeout_seconds: 10
        \(extra)
          - project_id: stale1
            url: http://127.0.0.1:\(port)/v1
            api_key: \(expiredKey)
        """
    }

    static func withGateway(simulatorPort: Int, extra: String = "", _ body: (Int) async throws -> Void) async throws {
        let folder = NSTemporaryDirectory() + "conformance-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/bridge.yaml"
        try bridgeYAML(simulatorPort: simulatorPort, extra: extra).write(toFile: path, atomically: true, encoding: .utf8)
        let loader = ConfigLoader(environment: [:])
        let config = try loader.load(path: path)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let (bridge, _) = try await BridgeApplication.make(
            config: config,
            options: .init(configPath: path, handleSIGHUP: false, environment: [:]),
            loader: loader,
            logger: quiet
        ) { continuation.yield($0) }
        try await runUntilDone(bridge) {
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port)
        }
    }

    static func runUntilDone(_ service: some Service, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(services: [service], logger: quiet)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// A raw HTTP exchange: status, Retry-After and the JSON answer.
struct Exchange: Sendable {
    var status: Int
    var retryAfter: String?
    var body: [UInt8]
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    var text: String { String(decoding: body, as: UTF8.self) }

    static func send(
        _ method: String,
        _ url: String,
        project: String?,
        key: String?,
        body: String? = nil,
        contentType: String? = "application/json"
    ) async throws -> Exchange {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let project { request.headers.add(name: "X-Appwrite-Project", value: project) }
        if let key { request.headers.add(name: "X-Appwrite-Key", value: key) }
        if let body {
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Exchange(
            status: Int(response.status.code),
            retryAfter: response.headers.first(name: "Retry-After"),
            body: buffer.readBytes(length: buffer.readableBytes) ?? []
        )
    }
}
