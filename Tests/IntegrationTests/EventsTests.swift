import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

/// `/api/events` as a client that keeps a cache (Home Assistant's integration) relies on it:
/// resuming with Last-Event-ID, catalogue and instance announcements, limits, and the bridge's
/// identity.
@Suite struct EventsTests {
    func withBridge(extra: String = "", _ body: (TestServers) async throws -> Void) async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { Fixtures.twoInstanceYAML($0, extra: extra) },
            body
        )
    }

    func runAsync(_ servers: TestServers, function: String = "echo") async throws -> String {
        let reply = try await HTTP.post(
            "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234?return_response",
            json: #"{"function_id": "\#(function)", "function_async": true}"#
        )
        #expect(reply.status == 200)
        return try #require(reply.json["service_response"]?["$id"]?.stringValue)
    }

    @Test func apiRootNamesTheBridgeWithAnIdentityKeptInStateDir() async throws {
        try await withBridge { servers in
            let root = try await HTTP.get("\(servers.bridgeURL)/api/")
            #expect(root.json["message"] == "API running.")
            #expect(root.json["version"]?.stringValue == BridgeVersion.current)
            let identity = try #require(root.json["bridge_id"]?.stringValue)
            let stateDirectory = (servers.configPath as NSString).deletingLastPathComponent + "/state"
            let kept = try String(contentsOfFile: stateDirectory + "/bridge-id", encoding: .utf8)
            #expect(kept.trimmingCharacters(in: .whitespacesAndNewlines) == identity)
            // The same folder gives the same identity, as after a restart.
            #expect(try BridgeIdentity.load(stateDirectory: stateDirectory) == identity)
        }
    }

    @Test func identityIsCreatedOnceAndAGarbledFileIsReplaced() throws {
        let folder = NSTemporaryDirectory() + "bridge-id-\(UUID().uuidString)"
        let first = try BridgeIdentity.load(stateDirectory: folder)
        #expect(try BridgeIdentity.load(stateDirectory: folder) == first)
        try "not an id !\n".write(toFile: folder + "/bridge-id", atomically: true, encoding: .utf8)
        let replaced = try BridgeIdentity.load(stateDirectory: folder)
        #expect(replaced != first && BridgeIdentity.valid(replaced) == replaced)
    }

    @Test func reconnectingWithLastEventIDMissesNothingAndRepeatsNothing() async throws {
        try await withBridge { servers in
            let first = try await EventStreamClient(url: "\(servers.bridgeURL)/api/events?channels=instances.home1234")
            let firstExecution = try await runAsync(servers)
            let seen = try await first.read { $0.data["payload"]?["$id"]?.stringValue == firstExecution }
            let lastID = try #require(seen.last?.id)
            first.close()

            // While nobody listens, two more executions: their events must wait in the buffer.
            let missed = [try await runAsync(servers), try await runAsync(servers)]
            let resumed = try await EventStreamClient(
                url: "\(servers.bridgeURL)/api/events?channels=instances.home1234",
                headers: [("Last-Event-ID", String(lastID))]
            )
            let replay = try await resumed.read { $0.data["payload"]?["$id"]?.stringValue == missed[1] }
            let ids = replay.compactMap(\.id)
            #expect(ids.allSatisfy { $0 > lastID }, "nothing at or before Last-Event-ID is sent again")
            #expect(ids == ids.sorted() && Set(ids).count == ids.count)
            let executions = replay.compactMap { $0.data["payload"]?["$id"]?.stringValue }
            #expect(executions.contains(missed[0]))
            #expect(!executions.contains(firstExecution) || replay.contains { $0.data["payload"]?["status"] != "waiting" })
            #expect(replay.allSatisfy { $0.kind == "execution" || $0.kind == "instance" })
        }
    }

    // Not one of the bridge's IDs at all (beyond 64 bits, text, negative) is unknown just the same.
    @Test(arguments: ["17", "99999999999999999999999", "abc", "-5"])
    func anUnknownLastEventIDStartsWithAResync(lastEventID: String) async throws {
        try await withBridge { servers in
            let stream = try await EventStreamClient(url: "\(servers.bridgeURL)/api/events", headers: [("Last-Event-ID", lastEventID)])
            let execution = try await runAsync(servers)
            let seen = try await stream.read { $0.data["payload"]?["$id"]?.stringValue == execution }
            #expect(seen.first?.kind == "resync")
            #expect(seen.first?.data["events"]?.arrayValue?.first == "bridge.resync")
            #expect(seen.first?.data["channels"]?.arrayValue?.first == "bridge")
            let resyncID = try #require(seen.first?.id)
            #expect(seen.dropFirst().allSatisfy { ($0.id ?? 0) > resyncID })
        }
    }

    @Test func aReloadThatAddsAnInstanceAnnouncesTheCatalogueAndTheInstance() async throws {
        try await withBridge { servers in
            _ = try await servers.waitForChecks()
            let stream = try await EventStreamClient(url: "\(servers.bridgeURL)/api/events")
            let urls = servers.simulators.map(\.baseURL)
            let grown =
                Fixtures.twoInstanceYAML(urls) + """

                      - project_id: shed77
                        url: \(urls[1])
                        api_key_env: GARAGE_KEY
                    """
            try grown.write(toFile: servers.configPath, atomically: true, encoding: .utf8)
            let reload = try await HTTP.post("\(servers.bridgeURL)/api/reload")
            #expect(reload.status == 200)
            let seen = try await stream.read { $0.kind == "instance" && $0.data["payload"]?["project_id"] == "shed77" }
            let catalogue = try #require(seen.first { $0.kind == "catalogue" })
            #expect(catalogue.data["events"]?.arrayValue?.first == "bridge.catalogue.update")
            #expect(catalogue.data["payload"]?["generation"] == reload.json["generation"])
            let shed = try #require(seen.last)
            #expect(shed.data["events"]?.arrayValue?.first == "instances.shed77.update")
            #expect(shed.data["payload"]?["outbox_pending"] == .number("0"))

            // A reload that changes nothing in the catalogue announces nothing about it.
            let again = try await HTTP.post("\(servers.bridgeURL)/api/reload")
            #expect(again.status == 200)
            let marker = try await runAsync(servers)
            let after = try await stream.read { $0.data["payload"]?["$id"]?.stringValue == marker }
            #expect(!after.contains { $0.kind == "catalogue" })
        }
    }

    @Test func outboxBacklogIsAnnouncedPerInstance() async throws {
        let port = try unusedLoopbackPort()
        try await TestServers.withAppwriteDown(port: port) { servers in
            _ = try await servers.waitForChecks()
            let stream = try await EventStreamClient(url: "\(servers.bridgeURL)/api/events?channels=instances.home1234")
            let queued = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                json: #"{"function_id": "echo", "function_async": true}"#
            )
            #expect(queued.status == 202)
            let seen = try await stream.read { $0.kind == "instance" && $0.data["payload"]?["outbox_pending"] == .number("1") }
            #expect(seen.last?.data["payload"]?["state"] == "unreachable")
            let instances = try await HTTP.get("\(servers.bridgeURL)/api/instances")
            #expect(instances.json.arrayValue?.first?["outbox_pending"] == .number("1"))
        }
    }

    @Test func eventStreamsBeyondTheLimitAreRefused() async throws {
        try await withBridge(extra: "limits:\n  max_event_streams: 2") { servers in
            let open = [
                try await EventStreamClient(url: "\(servers.bridgeURL)/api/events"),
                try await EventStreamClient(url: "\(servers.bridgeURL)/api/events"),
            ]
            #expect(open.allSatisfy { $0.status == 200 })
            let refused = try await HTTP.get("\(servers.bridgeURL)/api/events")
            #expect(refused.status == 503)
            #expect(refused.json["error"]?["code"] == "too_many_event_streams")
            #expect(refused.retryAfter != nil)
            open[0].close()
            // The slot frees once the bridge notices the closed stream (at its next write).
            let execution = try await runAsync(servers)
            _ = try await open[1].read { $0.data["payload"]?["$id"]?.stringValue == execution }
            let metrics = try await HTTP.get("\(servers.bridgeURL)/metrics")
            #expect(metrics.text.contains("appwrite_bridge_event_listeners_refused_total 1"))
        }
    }

    @Test func aCallThatCannotReachAnOKInstanceHasItCheckedAtOnce() async throws {
        let port = try unusedLoopbackPort()
        try await TestServers.withAppwriteDown(port: port) { servers in
            let stream = try await EventStreamClient(url: "\(servers.bridgeURL)/api/events?channels=instances.home1234")
            try await TestServers.withSimulators([Fixtures.homeSimulator()], fixedPorts: [port]) { _ in
                // The first check found it down; the retry (1 s here) finds it up.
                _ = try await stream.read { $0.data["payload"]?["state"] == "ok" }
            }
            // Appwrite is gone; the next re-check is 5 minutes away, but a failed call is enough.
            let failed = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                json: #"{"function_id": "echo"}"#
            )
            #expect(failed.status == 502)
            let seen = try await stream.read(until: { $0.data["payload"]?["state"] == "unreachable" }, timeout: .seconds(5))
            #expect(seen.last?.kind == "instance")
        }
    }
}
