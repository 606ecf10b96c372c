import BridgeCore
import Foundation
import Synchronization
import Testing

/// The bridge as a Realtime client of the simulator, both real processes on loopback: documents
/// reach `/api/events`, what the bridge user may not read never does, and nothing is missed or
/// repeated across drops, restarts and a SIGKILL.
@Suite("Realtime delivery", .serialized)
struct RealtimeDeliveryTests {
    static let fastReconnect = """
        session_file: home.session
        reconnect_min_seconds: 0.05
        reconnect_max_seconds: 0.5
        """

    /// The bridge with one subscription on `devices`, reconnecting fast, connected.
    func startWithDevices(_ rig: RealtimeRig, more subscriptions: String = "") async throws {
        try await rig.startBridge(
            rig.bridgeYAML(
                realtime: Self.fastReconnect + """

                    subscriptions:
                      - name: devices
                        channels: [databases.home.collections.devices.documents]
                    """ + subscriptions
            )
        )
        try await rig.waitForRealtime("connected")
    }

    @Test("a created document reaches /api/events; one the bridge user may not read never does; no secret anywhere")
    func documentsArrive() async throws {
        let rig = try await RealtimeRig(name: "arrive")
        try await rig.startBridge(
            rig.bridgeYAML(
                realtime: Self.fastReconnect + """

                    subscriptions:
                      - name: devices
                        channels: [databases.home.collections.devices.documents]
                        fields: [name]
                      - name: everything
                        channels: [documents]
                    """
            )
        )
        let connected = try await rig.waitForRealtime("connected")
        #expect(connected["user_id"]?.stringValue == "ha-bridge")
        let stream = try await rig.events()
        try await rig.createDocument("secret1", collection: "private")
        try await rig.createDocument("lamp1", data: #"{"name":"Lamp","watts":60}"#)
        // Events keep Appwrite's order: had secret1 been delivered, it would come before lamp1.
        let seen = try await stream.read(until: { $0.isRealtime && $0.payloadID == "lamp1" && $0.data["subscription"]?.stringValue == "everything" })
        let realtime = seen.filter(\.isRealtime)
        #expect(!realtime.contains { $0.payloadID == "secret1" }, "a document of a collection the user may not read was delivered")
        let devices = try #require(realtime.first { $0.data["subscription"]?.stringValue == "devices" })
        #expect(devices.data["action"]?.stringValue == "create")
        #expect(devices.data["catch_up"] == .bool(false))
        #expect(devices.data["project_id"]?.stringValue == "home1234")
        #expect(devices.data["resource"]?["collection_id"]?.stringValue == "devices")
        #expect(devices.data["payload"]?["name"]?.stringValue == "Lamp")
        #expect(devices.data["payload"]?["watts"] == nil, "fields: [name] passes name and the IDs only")
        #expect(devices.data["events"]?.arrayValue?.first?.stringValue == "databases.home.collections.devices.documents.lamp1.create")

        let metrics = try await HTTP.get(rig.bridgeURL + "/metrics").text
        #expect(metrics.contains(#"appwrite_bridge_realtime_events_total{instance="home1234",subscription="devices",catch_up="false"} 1"#))
        let instances = try await HTTP.get(rig.bridgeURL + "/api/instances").text
        for text in [rig.bridge!.log, metrics, instances, seen.map(\.data.serialized).joined()] {
            #expect(!text.contains(RealtimeRig.sessionSecret) && !text.contains(RealtimeRig.sessionValue), "the session leaked")
        }
    }

    @Test("Realtime dropped 20 times while documents are created and updated: every one arrives, none twice, last versions current")
    func dropsLoseNothing() async throws {
        let count = Int(ProcessInfo.processInfo.environment["APPWRITE_BRIDGE_REALTIME_DOCUMENTS"] ?? "") ?? 1_000
        let drops = 20
        let rig = try await RealtimeRig(name: "drops")
        try await startWithDevices(rig)
        let stream = try await rig.events()
        let collected = Collected()
        let collector = Task {
            for await message in stream.stream where message.isRealtime { collected.append(message) }
        }
        var updates = 0
        var dropped = 0
        let spacing = max(count / (drops + 1), 1)
        for index in 0..<count {
            try await rig.createDocument("d\(index)", data: #"{"n":\#(index)}"#)
            if index > 10, Int.random(in: 0..<5) == 0 {
                try await rig.updateDocument("d\(Int.random(in: 0..<(index - 5)))", data: #"{"n":-1,"u":\#(index)}"#)
                updates += 1
            }
            if index % spacing == spacing / 2, dropped < drops {
                // Only a drop that finds the socket open is a drop: wait for the reconnect first.
                try await rig.waitForRealtime("connected")
                if try await rig.dropConnections() > 0 { dropped += 1 }
            }
        }
        #expect(dropped == drops)
        let current = try await rig.currentDevices()
        #expect(current.count == count)
        func latestVersions() -> [String: String] {
            var latest: [String: String] = [:]
            for message in collected.all {
                guard let id = message.payloadID, let updatedAt = message.data["payload"]?["$updatedAt"]?.stringValue else { continue }
                latest[id] = max(latest[id] ?? "", updatedAt)
            }
            return latest
        }
        // The last catch-up may still be running: wait until every current version is delivered.
        let deadline = ContinuousClock.now + .seconds(60)
        while latestVersions() != current, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        try await Task.sleep(for: .milliseconds(500))  // anything delivered twice would come now
        stream.close()
        collector.cancel()
        let delivered = collected.all
        let latest = latestVersions()
        var versions: [String: Int] = [:]
        for message in delivered {
            guard let id = message.payloadID, let updatedAt = message.data["payload"]?["$updatedAt"]?.stringValue else { continue }
            versions[id + "@" + updatedAt, default: 0] += 1
        }
        let missing = current.keys.filter { latest[$0] == nil }
        let stale = current.filter { latest[$0.key] != nil && latest[$0.key] != $0.value }
        let duplicated = versions.filter { $0.value > 1 }
        if !missing.isEmpty { print("BRIDGELOG\n" + (await rig.bridge?.log ?? "")) }
        #expect(missing.isEmpty, "missing: \(missing.count) e.g. \(missing.prefix(5))")
        #expect(stale.isEmpty, "last version delivered is not the current one for \(stale.count)")
        #expect(duplicated.isEmpty, "delivered twice: \(duplicated.count) e.g. \(duplicated.keys.prefix(5))")
        let caughtUp = delivered.filter(\.isCatchUp).count
        let status = try await rig.realtimeStatus()
        #expect(status["reconnects"] == .number(String(drops)))
        print("Realtime drops: \(count) documents, \(updates) updates, \(drops) drops, \(delivered.count) events, \(caughtUp) caught up")
    }

    @Test("a simulator restart: the bridge reconnects and delivers again")
    func simulatorRestart() async throws {
        let rig = try await RealtimeRig(name: "restart")
        try await startWithDevices(rig)
        let stream = try await rig.events()
        try await rig.restartSimulator()
        let status = try await rig.waitForRealtime("connected")
        #expect(status["reconnects"] == .number("1"))
        try await rig.createDocument("after-restart")
        let seen = try await stream.read(until: { $0.payloadID == "after-restart" })
        #expect(seen.contains { $0.kind == "realtime_gap" && $0.data["subscription"]?.stringValue == "devices" })
    }

    @Test("bridge SIGKILLed and restarted: what was written meanwhile arrives once, marked catch_up, after a gap event")
    func bridgeKilled() async throws {
        let rig = try await RealtimeRig(name: "sigkill")
        try await startWithDevices(rig, more: "\n  - name: files\n    channels: [buckets.snapshots.files]")
        var stream = try await rig.events()
        try await rig.createDocument("before")
        let first: [EventStreamClient.Message]
        do {
            first = try await stream.read(until: { $0.payloadID == "before" })
        } catch {
            Issue.record("bridge log:\n\(rig.bridge?.log ?? "")\n\(rig.simulator.log)")
            throw error
        }
        let lastSeen = try #require(first.last?.id)
        stream.close()
        try await Task.sleep(for: .seconds(1.2))  // the position is saved at most once a second
        try await rig.killBridge()
        for index in 0..<5 { try await rig.createDocument("during\(index)") }
        try await rig.updateDocument("before", data: #"{"on":false}"#)
        try await rig.startBridge()
        // As Home Assistant reconnects: with the last ID it saw, from the previous run. The catch-up
        // may be over by then; the new run replays what it published since its start.
        stream = try await EventStreamClient(url: rig.bridgeURL + "/api/events", headers: [("Last-Event-ID", String(lastSeen))])
        let seen: [EventStreamClient.Message]
        do {
            let gaps = Collected()
            seen = try await stream.read(until: { message in
                if message.kind == "realtime_gap" { gaps.append(message) }
                return gaps.all.count == 2
            })
        } catch {
            Issue.record("bridge log after the restart:\n\(rig.bridge?.log ?? "")")
            throw error
        }
        let caughtUp = seen.filter { $0.isRealtime && $0.isCatchUp }
        #expect(Set(caughtUp.compactMap(\.payloadID)) == ["during0", "during1", "during2", "during3", "during4", "before"])
        #expect(caughtUp.count == 6)
        #expect(caughtUp.first { $0.payloadID == "before" }?.data["action"]?.stringValue == "update")
        let gaps = seen.filter { $0.kind == "realtime_gap" }
        let devicesGap = try #require(gaps.first { $0.data["subscription"]?.stringValue == "devices" })
        #expect(devicesGap.data["caught_up"] == .number("6"))
        #expect(seen.lastIndex { $0.isCatchUp }! < seen.firstIndex { $0.data["subscription"]?.stringValue == "devices" && $0.kind == "realtime_gap" }!)
        let filesGap = try #require(gaps.first { $0.data["subscription"]?.stringValue == "files" })
        #expect(filesGap.data["caught_up"] == .null, "a file subscription cannot be caught up: its gap says so")
    }
}

/// Messages gathered by one task while the test reads them.
final class Collected: Sendable {
    private let messages = Mutex<[EventStreamClient.Message]>([])
    func append(_ message: EventStreamClient.Message) { messages.withLock { $0.append(message) } }
    var all: [EventStreamClient.Message] { messages.withLock { $0 } }
}
