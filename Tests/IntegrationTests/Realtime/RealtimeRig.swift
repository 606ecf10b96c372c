import BridgeCore
import Foundation
import Testing

/// A simulator and a bridge as real processes on loopback, with Realtime between them: the
/// simulator knows the bridge's user `ha-bridge` with a session that survives its restarts, and
/// the test controls that drop connections and count connects.
final class RealtimeRig {
    static let sessionSecret = "5f1e0c3a9b7d2e4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f"
    /// What `POST /v1/users/ha-bridge/sessions` would return as `secret`.
    static let sessionValue = Data(#"{"id":"ha-bridge","secret":"\#(sessionSecret)"}"#.utf8).base64EncodedString()

    let folder: String
    let simulatorPort: Int
    private(set) var simulator: BridgeProcess
    private(set) var bridge: BridgeProcess?
    private(set) var bridgePort = 0

    var simulatorURL: String { "http://127.0.0.1:\(simulatorPort)" }
    var bridgeURL: String { "http://127.0.0.1:\(bridgePort)" }

    static let simulatorYAML = """
        test_controls: true
        projects:
          - id: home1234
            keys:
              - secret: \(Fixtures.homeKey)
                scopes: [documents.read, documents.write, sessions.write, executions.write, executions.read]
            functions:
              - id: echo
            users:
              - id: ha-bridge
                labels: [bridge]
                session_secrets: [\(sessionSecret)]
            databases:
              - id: home
                collections:
                  - id: devices
                    permissions: ['read("label:bridge")']
                  - id: commands
                    permissions: ['read("label:bridge")']
                  - id: private
                    permissions: ['read("user:someone-else")']
          - id: garage42
            keys:
              - secret: \(Fixtures.garageKey)
                scopes: [documents.read, documents.write, executions.write]
            functions:
              - id: echo
            databases:
              - id: garage
                collections:
                  - id: doors
                    permissions: ['read("any")']
        """

    init(name: String) async throws {
        folder = NSTemporaryDirectory() + "realtime-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Self.simulatorYAML.write(toFile: folder + "/simulator.yaml", atomically: true, encoding: .utf8)
        try (Fixtures.homeKey + "\n").write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        try (Fixtures.garageKey + "\n").write(toFile: folder + "/garage.key", atomically: true, encoding: .utf8)
        try (Self.sessionValue + "\n").write(toFile: folder + "/home.session", atomically: true, encoding: .utf8)
        simulatorPort = try unusedLoopbackPort()
        simulator = try Self.startSimulator(folder: folder, port: simulatorPort)
        try await simulator.waitForLog("Appwrite simulator listening on")
    }

    deinit {
        bridge?.signal(SIGKILL)
        simulator.signal(SIGKILL)
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func startSimulator(folder: String, port: Int) throws -> BridgeProcess {
        try BridgeProcess(
            ["--config", folder + "/simulator.yaml", "--host", "127.0.0.1", "--port", String(port)],
            binary: "appwrite-simulator"
        )
    }

    /// The home instance with `realtime` (indented under the instance) and optional more YAML.
    func bridgeYAML(realtime: String, more: String = "") -> String {
        """
        listen: 127.0.0.1:0
        state_dir: state
        instances:
          - project_id: home1234
            url: \(simulatorURL)/v1
            api_key_file: home.key
            realtime:
        \(realtime.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        \(more)
        """
    }

    func startBridge(_ yaml: String) async throws {
        try yaml.write(toFile: folder + "/bridge.yaml", atomically: true, encoding: .utf8)
        try await startBridge()
    }

    /// Starts the bridge on the bridge.yaml already written (a restart keeps its state_dir).
    func startBridge() async throws {
        let bridge = try BridgeProcess(["serve", "--config", folder + "/bridge.yaml"])
        self.bridge = bridge
        bridgePort = try await bridge.waitForPort()
    }

    func killBridge() async throws {
        bridge?.signal(SIGKILL)
        _ = try await bridge?.waitForExit()
    }

    func restartSimulator(downFor pause: Duration = .milliseconds(300)) async throws {
        simulator.signal(SIGTERM)
        _ = try await simulator.waitForExit()
        try await Task.sleep(for: pause)
        simulator = try Self.startSimulator(folder: folder, port: simulatorPort)
        try await simulator.waitForLog("Appwrite simulator listening on")
    }

    func events() async throws -> EventStreamClient {
        try await EventStreamClient(url: bridgeURL + "/api/events")
    }

    // MARK: Appwrite side

    @discardableResult
    func createDocument(_ id: String, collection: String = "devices", data: String = #"{"on":true}"#, project: String = "home1234") async throws
        -> JSONObject
    {
        let key = project == "home1234" ? Fixtures.homeKey : Fixtures.garageKey
        let database = project == "home1234" ? "home" : "garage"
        let reply = try await HTTP.post(
            simulatorURL + "/v1/databases/\(database)/collections/\(collection)/documents",
            json: #"{"documentId":"\#(id)","data":\#(data)}"#,
            headers: [("X-Appwrite-Project", project), ("X-Appwrite-Key", key)]
        )
        #expect(reply.status == 201, "create \(id): \(reply.text)")
        return try #require(reply.json.objectValue)
    }

    @discardableResult
    func updateDocument(_ id: String, data: String) async throws -> JSONObject {
        let reply = try await HTTP.send(
            "PATCH",
            simulatorURL + "/v1/databases/home/collections/devices/documents/\(id)",
            body: Array(#"{"data":\#(data)}"#.utf8),
            headers: [("X-Appwrite-Project", "home1234"), ("X-Appwrite-Key", Fixtures.homeKey), ("Content-Type", "application/json")]
        )
        #expect(reply.status == 200, "update \(id): \(reply.text)")
        return try #require(reply.json.objectValue)
    }

    /// Every document of `devices` as the simulator holds it now: id → `$updatedAt`.
    func currentDevices() async throws -> [String: String] {
        var versions: [String: String] = [:]
        var cursor: String?
        while true {
            var queries = [#"{"method":"limit","values":[500]}"#]
            if let cursor { queries.append(#"{"method":"cursorAfter","values":["\#(cursor)"]}"#) }
            let query = queries.map { "queries%5B%5D=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }
            let reply = try await HTTP.get(
                simulatorURL + "/v1/databases/home/collections/devices/documents?" + query.joined(separator: "&"),
                headers: [("X-Appwrite-Project", "home1234"), ("X-Appwrite-Key", Fixtures.homeKey)]
            )
            let documents = try #require(reply.json["documents"]?.arrayValue, "\(reply.text)")
            for document in documents {
                if let id = document["$id"]?.stringValue { versions[id] = document["$updatedAt"]?.stringValue }
            }
            guard documents.count == 500 else { return versions }
            cursor = documents.last?["$id"]?.stringValue
        }
    }

    /// `GET /_simulator/realtime`.
    func realtimeStatistics() async throws -> JSONValue {
        try await HTTP.get(simulatorURL + "/_simulator/realtime").json
    }

    /// Closes every Realtime connection, as a restarting Appwrite would; returns how many.
    @discardableResult
    func dropConnections() async throws -> Int {
        let reply = try await HTTP.post(simulatorURL + "/_simulator/realtime/drop")
        return Int(reply.json["dropped"].flatMap { if case .number(let n) = $0 { n } else { nil } } ?? "0") ?? 0
    }

    /// Open connections of a project: connection ID → subscription count.
    func openConnections(project: String) async throws -> [String: Int] {
        var result: [String: Int] = [:]
        for connection in try await realtimeStatistics()["connections"]?.arrayValue ?? [] where connection["projectId"]?.stringValue == project {
            let id: String
            switch connection["id"] {
            case .number(let text)?: id = text
            case .string(let text)?: id = text
            default: continue
            }
            result[id] = connection["subscriptions"]?.arrayValue?.count ?? 0
        }
        return result
    }

    // MARK: Bridge side

    func realtimeStatus(_ project: String = "home1234") async throws -> JSONValue {
        let instances = try await HTTP.get(bridgeURL + "/api/instances").json.arrayValue ?? []
        return instances.first { $0["project_id"]?.stringValue == project }?["realtime"] ?? .null
    }

    /// Polls `/api/instances` until the instance's Realtime state is `state`.
    @discardableResult
    func waitForRealtime(_ state: String, project: String = "home1234", timeout: Duration = .seconds(30)) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while true {
            let status = try await realtimeStatus(project)
            if status["state"]?.stringValue == state { return status }
            if ContinuousClock.now > deadline {
                Issue.record("Realtime of \(project) never became \(state): \(status.serialized)\n\(bridge?.log ?? "")")
                throw ProcessTestError.timeout
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

extension EventStreamClient.Message {
    var payloadID: String? { data["payload"]?["$id"]?.stringValue }
    var isRealtime: Bool { kind == "realtime" }
    var isCatchUp: Bool { data["catch_up"] == .bool(true) }
}
