import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Fire-and-forget calls made while Appwrite is down are kept and delivered later, in order.
@Suite("the outbox over real sockets", .serialized)
struct OutboxIntegrationTests {
    static func payload(_ seq: Int, async: Bool = true) -> String {
        #"{"function_id": "echo", "function_async": \#(async), "function_body": {"seq": \#(seq)}}"#
    }

    /// The `seq` of each createExecution the simulator received for `project`, in arrival order.
    static func deliveredSequence(_ requests: [RecordedRequest], project: String) -> [Int] {
        requests.filter { $0.path == "/v1/functions/echo/executions" && $0.headers["x-appwrite-project"] == project }
            .compactMap { request in
                guard let outer = try? JSONParser.parse(request.body), let inner = outer["body"]?.stringValue,
                    let seq = (try? JSONParser.parse(inner))?["seq"], case .number(let text) = seq
                else { return nil }
                return Int(text)
            }
    }

    @Test func queuedWhileDownListedDeletableThenDeliveredInOrder() async throws {
        let port = try unusedLoopbackPort()
        try await TestServers.withAppwriteDown(port: port) { servers in
            let url = "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234?return_response"
            var ids: [Int] = []
            for seq in 0..<5 {
                let reply = try await HTTP.post(url, json: Self.payload(seq))
                #expect(reply.status == 202, "\(reply.text)")
                #expect(reply.json["queued"] == .bool(true))
                ids.append(try #require(reply.json["outbox_id"].flatMap { if case .number(let n) = $0 { Int(n) } else { nil } }))
            }
            #expect(ids == ids.sorted() && Set(ids).count == 5)

            // A synchronous call has a caller waiting: it fails fast and is never queued.
            let sync = try await HTTP.post(url, json: Self.payload(99, async: false))
            #expect(sync.status == 502)
            #expect(sync.json["error"]?["code"] == "appwrite_unreachable")

            let listing = try await HTTP.get("\(servers.bridgeURL)/api/outbox")
            #expect(listing.json["pending"] == .number("5"))
            #expect(!listing.text.contains("seq"))
            #expect(!listing.text.contains(Fixtures.homeKey))
            let withBodies = try await HTTP.get("\(servers.bridgeURL)/api/outbox?bodies=true")
            #expect(withBodies.text.contains(#"\"seq\":2"#))

            let deleted = try await HTTP.send("DELETE", "\(servers.bridgeURL)/api/outbox/\(ids[2])", body: nil, headers: [])
            #expect(deleted.status == 200)
            let again = try await HTTP.send("DELETE", "\(servers.bridgeURL)/api/outbox/\(ids[2])", body: nil, headers: [])
            #expect(again.status == 404)
            #expect(again.json["error"]?["code"] == "outbox_item_not_found")

            // Appwrite comes back on the same address: the queue drains, oldest first.
            try await TestServers.withSimulators([Fixtures.homeSimulator()], fixedPorts: [port]) { simulators in
                let deadline = ContinuousClock.now + .seconds(30)
                while try await HTTP.get("\(servers.bridgeURL)/api/outbox").json["pending"] != .number("0") {
                    guard ContinuousClock.now < deadline else {
                        Issue.record("the outbox never drained")
                        return
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let requests = await simulators[0].state.recordedRequests()
                #expect(Self.deliveredSequence(requests, project: "home1234") == [0, 1, 3, 4])
                // Once drained, calls go straight through again.
                let direct = try await HTTP.post(url, json: Self.payload(5))
                #expect(direct.status == 200)
                #expect(direct.json["service_response"]?["status"] == "waiting")
            }
            let metrics = try await HTTP.get("\(servers.bridgeURL)/metrics").text
            #expect(metrics.contains(#"appwrite_bridge_outbox_events_total{instance="home1234",event="delivered"} 4"#))
            #expect(metrics.contains(#"appwrite_bridge_outbox_events_total{instance="home1234",event="deleted"} 1"#))
            #expect(servers.bridgeLogs.contains("execution queued in the outbox"))
            #expect(servers.bridgeLogs.contains("queued execution delivered"))
            #expect(!servers.bridgeLogs.all.contains { $0.contains(Fixtures.homeKey) })
        }
    }
}

/// The issue's acceptance test with real processes: Appwrite dies, 200 fire-and-forget calls are
/// queued, the bridge is SIGKILLed, both come back, and every call arrives exactly once, in order.
@Suite("the outbox across SIGKILL", .serialized)
struct OutboxProcessTests {
    static let simulatorYAML = """
        projects:
          - id: home1234
            keys:
              - secret: \(Fixtures.homeKey)
                scopes: [executions.write]
            functions:
              - id: echo
          - id: garage42
            keys:
              - secret: \(Fixtures.garageKey)
                scopes: [execution.write]
            functions:
              - id: echo
        """

    func startSimulator(config: String, port: Int) async throws -> BridgeProcess {
        let simulator = try BridgeProcess(
            ["--config", config, "--host", "127.0.0.1", "--port", String(port)],
            binary: "appwrite-simulator"
        )
        try await simulator.waitForLog("Appwrite simulator listening on")
        return simulator
    }

    @Test func twoHundredQueuedCallsSurviveSIGKILLAndArriveOnceInOrder() async throws {
        let folder = NSTemporaryDirectory() + "bridge-outbox-kill-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let port = try unusedLoopbackPort()
        let simulatorConfig = folder + "/simulator.yaml"
        try Self.simulatorYAML.write(toFile: simulatorConfig, atomically: true, encoding: .utf8)
        try (Fixtures.homeKey + "\n").write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        try (Fixtures.garageKey + "\n").write(toFile: folder + "/garage.key", atomically: true, encoding: .utf8)
        let configPath = folder + "/bridge.yaml"
        try """
        listen: 127.0.0.1:0
        instances:
          - project_id: home1234
            url: http://127.0.0.1:\(port)/v1
            api_key_file: home.key
          - project_id: garage42
            url: http://127.0.0.1:\(port)/v1
            api_key_file: garage.key
        """.write(toFile: configPath, atomically: true, encoding: .utf8)

        let simulator = try await startSimulator(config: simulatorConfig, port: port)
        let bridge = try BridgeProcess(["serve", "--config", configPath])
        let bridgePort = try await bridge.waitForPort()
        try await bridge.waitForLog("instance garage42 is ok")

        simulator.signal(SIGKILL)
        _ = try await simulator.waitForExit()

        let base = "http://127.0.0.1:\(bridgePort)/api/services/appwrite/execute_function_"
        let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
            for (offset, project) in ["home1234", "garage42"].enumerated() {
                group.addTask {
                    var statuses: [Int] = []
                    for seq in stride(from: offset, to: 200, by: 2) {
                        let reply = try await HTTP.post(base + project, json: OutboxIntegrationTests.payload(seq))
                        statuses.append(reply.json["queued"] == .bool(true) ? reply.status : -reply.status)
                    }
                    return statuses
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(statuses.count == 200)
        #expect(statuses.allSatisfy { $0 == 202 }, "not all queued: \(Set(statuses))")

        bridge.signal(SIGKILL)
        _ = try await bridge.waitForExit()

        let revived = try await startSimulator(config: simulatorConfig, port: port)
        let restarted = try BridgeProcess(["serve", "--config", configPath])
        _ = try await restarted.waitForPort()
        try await restarted.waitForLog("holds 200 queued execution(s)")

        let requestsURL = "http://127.0.0.1:\(port)/_simulator/requests"
        var requests: [RecordedRequest] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let reply = try await HTTP.get(requestsURL)
            requests = try JSONDecoder().decode([RecordedRequest].self, from: Data(reply.body))
            if requests.filter({ $0.path == "/v1/functions/echo/executions" }).count >= 200 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await Task.sleep(for: .milliseconds(500))  // anything extra would be a duplicate
        requests = try JSONDecoder().decode([RecordedRequest].self, from: Data(try await HTTP.get(requestsURL).body))

        let home = OutboxIntegrationTests.deliveredSequence(requests, project: "home1234")
        let garage = OutboxIntegrationTests.deliveredSequence(requests, project: "garage42")
        #expect(home == Array(stride(from: 0, to: 200, by: 2)))
        #expect(garage == Array(stride(from: 1, to: 200, by: 2)))
        #expect(home.count + garage.count == 200)

        restarted.signal(SIGTERM)
        #expect(try await restarted.waitForExit() == 0)
        revived.signal(SIGTERM)
        _ = try await revived.waitForExit()
    }
}
