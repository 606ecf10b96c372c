import Foundation
import Synchronization
import Testing

@testable import BridgeCore

@Suite("per-function actions, messaging and limits in bridge.yaml")
struct ActionsConfigTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "bridge-actions-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "key\n".write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
    }

    func load(_ instances: String) throws(ConfigError) -> BridgeConfig {
        try ConfigLoader().parse("instances:\n" + instances, file: "bridge.yaml", folder: folder)
    }

    func error(_ instances: String) -> ConfigError? {
        do {
            _ = try load(instances)
            return nil
        } catch {
            return error
        }
    }

    static let gate = """
          - project_id: Home-1234
            url: https://appwrite.lan/v1
            api_key_file: home.key
            messaging: true
            max_concurrency: 8
            functions:
              - id: open_gate
                name: Open the gate
                description: Opens the garden gate for 30 seconds
                method: post
                path: /open
                headers: {X-Source: bridge, X-Zone: garden}
                max_concurrency: 1
                max_queue: 4
              - send_notification
        """

    @Test func objectEntriesBecomeActionsAndPlainIDsStayAllowed() throws {
        let config = try load(Self.gate)
        let instance = try #require(config.instances.first)
        #expect(instance.functions.allows("open_gate") && instance.functions.allows("send_notification"))
        #expect(!instance.functions.allows("other"))
        let action = try #require(instance.functionActions.first)
        #expect(instance.functionActions.count == 1)
        #expect(action.actionName == "execute_home_1234_open_gate")
        #expect(action.name == "Open the gate")
        #expect(action.defaults["function_method"] == "post")
        #expect(action.defaults["function_headers"]?.serialized == #"{"X-Source":"bridge","X-Zone":"garden"}"#)
        #expect(action.limit == ConcurrencyLimit(maxConcurrency: 1, maxQueue: 4, queueTimeoutSeconds: 30))
        #expect(instance.limit == ConcurrencyLimit(maxConcurrency: 8))
        #expect(
            config.target(ofAction: "execute_home_1234_open_gate") == .executeConfigured(projectID: "Home-1234", functionID: "open_gate")
        )
        #expect(config.target(ofAction: "send_sms_Home-1234") == .sendMessage(projectID: "Home-1234", kind: .sms))
        #expect(config.target(ofAction: "execute_function_Home-1234") == .executeFunction(projectID: "Home-1234"))
        #expect(config.target(ofAction: "send_fax_Home-1234") == nil)
    }

    @Test func slugClashIsRefusedWithLineAndColumn() throws {
        let clash = try #require(
            error(
                """
                  - project_id: home
                    url: https://appwrite.lan/v1
                    api_key_file: home.key
                    functions:
                      - id: open-gate
                      - id: open_gate
                """
            )
        )
        #expect(clash.line == 7)
        #expect(clash.column != nil)
        #expect(clash.description.contains("execute_home_open_gate"))
        #expect(clash.description.contains("clashes with function 'open-gate'"))
    }

    @Test func badDefaultsAndLimitsAreConfigErrors() throws {
        let method = try #require(
            error(
                """
                  - project_id: home
                    url: https://appwrite.lan/v1
                    api_key_file: home.key
                    functions:
                      - id: gate
                        method: FETCH
                """
            )
        )
        #expect(method.line == 7)
        #expect(method.description.contains("'FETCH'"))
        let limit = try #require(
            error(
                """
                  - project_id: home
                    url: https://appwrite.lan/v1
                    api_key_file: home.key
                    max_concurrency: 0
                """
            )
        )
        #expect(limit.description.contains("max_concurrency"))
        let orphanQueue = try #require(
            error(
                """
                  - project_id: home
                    url: https://appwrite.lan/v1
                    api_key_file: home.key
                    max_queue: 3
                """
            )
        )
        #expect(orphanQueue.description.contains("only applies together with max_concurrency"))
        let unknown = try #require(
            error(
                """
                  - project_id: home
                    url: https://appwrite.lan/v1
                    api_key_file: home.key
                    functions:
                      - id: gate
                        timeout: 3
                """
            )
        )
        #expect(unknown.description.contains("unknown key 'timeout'"))
    }

    @Test func aBodyMappingIsSentAsJSONLikeFunctionBody() throws {
        let config = try load(
            """
              - project_id: home
                url: https://appwrite.lan/v1
                api_key_file: home.key
                functions:
                  - id: scene
                    body: {scene: evening, level: 5, dim: 0.5, on: true, note: null, rooms: [kitchen, "42"]}
                  - id: report
                    body: '{"room": "kitchen"}'
            """
        )
        let instance = try #require(config.instances.first)
        let scene = try #require(instance.functionAction("scene"))
        let sent = try ExecuteFunctionPayload.translate(
            try ActionCall.merge(.object(JSONObject()), under: scene.defaults, functionID: "scene")
        )
        #expect(sent.body == #"{"scene":"evening","level":5,"dim":0.5,"on":true,"note":null,"rooms":["kitchen","42"]}"#)
        let report = try #require(instance.functionAction("report"))
        #expect(report.defaults["function_body"] == .string(#"{"room": "kitchen"}"#))

        // A value of the wrong kind names the kind it should be, not "a mapping".
        let wrongKind = try #require(
            error(
                """
                  - project_id: home
                    url: https://appwrite.lan/v1
                    api_key_file: home.key
                    functions:
                      - id: scene
                        name: [Evening, scene]
                """
            )
        )
        #expect(wrongKind.description.contains("expected a string here"), "\(wrongKind)")
        #expect(wrongKind.line == 7)
    }

    @Test func defaultsMergeUnderTheCallersPayload() throws {
        let defaults = JSONObject([
            ("function_method", "POST"), ("function_path", "/open"),
            ("function_headers", .object(JSONObject([("X-Source", "bridge"), ("X-Zone", "garden")]))),
        ])
        let merged = try ActionCall.merge(
            try JSONParser.parse(#"{"function_path": "/close", "function_headers": {"x-zone": "front"}}"#),
            under: defaults,
            functionID: "gate"
        )
        let request = try ExecuteFunctionPayload.translate(merged)
        #expect(request.functionID == "gate")
        #expect(request.method == "POST")
        #expect(request.path == "/close")
        #expect(request.headers.map { "\($0.name)=\($0.value)" } == ["X-Source=bridge", "x-zone=front"])
        #expect(throws: PayloadError.self) {
            try ActionCall.merge(try JSONParser.parse(#"{"function_id": "other"}"#), under: defaults, functionID: "gate")
        }
    }
}

@Suite("FIFO concurrency limiter")
struct ConcurrencyLimiterTests {
    @Test func oneAtATimeInArrivalOrderAndAFullQueueIsRefusedAtOnce() async throws {
        let limiter = ConcurrencyLimiter(label: "t", limit: ConcurrencyLimit(maxConcurrency: 1, maxQueue: 2, queueTimeoutSeconds: 5))
        let order = OrderLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<3 {
                group.addTask {
                    try await limiter.run {
                        order.append("start \(n)")
                        try await Task.sleep(for: .milliseconds(300))
                        order.append("end \(n)")
                    }
                }
                // The next caller arrives only once this one holds a slot or a place in the queue.
                while limiter.inFlight + limiter.queued < n + 1 { try await Task.sleep(for: .milliseconds(1)) }
            }
            #expect(limiter.inFlight == 1 && limiter.queued == 2)
            await #expect(throws: ConcurrencyRejection.queueFull) { try await limiter.run {} }
            try await group.waitForAll()
        }
        #expect(order.entries == ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"])
        #expect(limiter.inFlight == 0 && limiter.queued == 0)
    }

    @Test func waitingTooLongIsATimeout() async throws {
        let limiter = ConcurrencyLimiter(label: "t", limit: ConcurrencyLimit(maxConcurrency: 1, maxQueue: 5, queueTimeoutSeconds: 0.1))
        async let holder: Void = limiter.run { try await Task.sleep(for: .milliseconds(500)) }
        try await Task.sleep(for: .milliseconds(20))
        await #expect(throws: ConcurrencyRejection.timedOut) { try await limiter.run {} }
        #expect(limiter.queued == 0)
        try await holder
    }
}

final class OrderLog: Sendable {
    private let storage = Mutex<[String]>([])
    var entries: [String] { storage.withLock { $0 } }
    func append(_ entry: String) { storage.withLock { $0.append(entry) } }
}
