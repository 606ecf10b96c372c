import BridgeCore
import Foundation
import Testing

/// What goes wrong with a Realtime setup shows as a state, not as a silent or a busy socket:
/// a rejected session, a refused configuration, and a reload that touches one instance only.
@Suite("Realtime failures and reloads", .serialized)
struct RealtimeFailureTests {
    static let devices = """
        subscriptions:
          - name: devices
            channels: [databases.home.collections.devices.documents]
        """

    @Test("a wrong session is unauthorized, not a working guest connection, and is retried at most 10 times a minute")
    func wrongSession() async throws {
        let rig = try await RealtimeRig(name: "wrong-session")
        let wrong = Data(#"{"id":"ha-bridge","secret":"not-the-secret"}"#.utf8).base64EncodedString()
        try (wrong + "\n").write(toFile: rig.folder + "/wrong.session", atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        try await rig.startBridge(rig.bridgeYAML(realtime: "session_file: wrong.session\nreconnect_min_seconds: 0.05\n" + Self.devices))
        let status = try await rig.waitForRealtime("unauthorized")
        #expect(status["reason"]?.stringValue?.contains("guest") == true)
        #expect(status["retry_at"] != .null)
        // No event of a collection only the user may read can arrive on a guest socket anyway; what
        // matters is that the bridge does not hammer Appwrite. Watch it for 12 seconds.
        try await Task.sleep(until: started + .seconds(12))
        let connects = try await rig.realtimeStatistics()["connectsTotal"]
        let count = Int(connects.flatMap { if case .number(let n) = $0 { n } else { nil } } ?? "99") ?? 99
        #expect(count <= 2, "\(count) connects in 12 s: more than 10 a minute")
        #expect(rig.bridge!.log.contains("error") && rig.bridge!.log.contains("cannot work as configured"))
        #expect(!rig.bridge!.log.contains(wrong))
    }

    @Test("Appwrite's 1008 (an unknown project) is misconfigured, with a long backoff")
    func policyViolation() async throws {
        let rig = try await RealtimeRig(name: "1008")
        try await rig.startBridge(
            """
            listen: 127.0.0.1:0
            state_dir: state
            instances:
              - project_id: nothere99
                url: \(rig.simulatorURL)/v1
                api_key_file: home.key
                realtime:
                  session_file: home.session
                  reconnect_min_seconds: 0.05
                  subscriptions:
                    - name: devices
                      channels: [databases.home.collections.devices.documents]
            """
        )
        let status = try await rig.waitForRealtime("misconfigured", project: "nothere99")
        #expect(status["reason"]?.stringValue?.contains("1008") == true)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let retryAt = try #require(status["retry_at"]?.stringValue.flatMap(formatter.date(from:)))
        #expect(retryAt.timeIntervalSinceNow > 30, "a refused configuration waits a minute before it tries again")
        let connects = try await rig.realtimeStatistics()["connectsTotal"]
        #expect(connects == .number("1"))
    }

    @Test("SIGHUP adding a subscription to one instance reconnects it alone; the other keeps its socket")
    func reloadTouchesOneInstance() async throws {
        let rig = try await RealtimeRig(name: "sighup")
        let garage = """
              - project_id: garage42
                url: \(rig.simulatorURL)/v1
                api_key_file: garage.key
                realtime:
                  guest: true
                  subscriptions:
                    - name: doors
                      channels: [databases.garage.collections.doors.documents]
            """
        try await rig.startBridge(rig.bridgeYAML(realtime: "session_file: home.session\n" + Self.devices, more: garage))
        try await rig.waitForRealtime("connected")
        try await rig.waitForRealtime("connected", project: "garage42")
        let homeBefore = try await rig.openConnections(project: "home1234")
        let garageBefore = try await rig.openConnections(project: "garage42")
        #expect(homeBefore.count == 1 && garageBefore.count == 1)

        let grown = Self.devices + """

              - name: commands
                channels: [databases.home.collections.commands.documents]
            """
        try rig.bridgeYAML(realtime: "session_file: home.session\n" + grown, more: garage)
            .write(toFile: rig.folder + "/bridge.yaml", atomically: true, encoding: .utf8)
        rig.bridge!.signal(SIGHUP)
        let deadline = ContinuousClock.now + .seconds(20)
        var homeAfter = homeBefore
        while homeAfter.keys.first == homeBefore.keys.first || homeAfter.values.first != 2 {
            #expect(ContinuousClock.now < deadline, "home1234 never reconnected with two subscriptions")
            if ContinuousClock.now > deadline { break }
            try await Task.sleep(for: .milliseconds(50))
            homeAfter = try await rig.openConnections(project: "home1234")
        }
        #expect(try await rig.openConnections(project: "garage42") == garageBefore, "the garage's socket was touched")
        let status = try await rig.waitForRealtime("connected")
        #expect(status["subscriptions"]?.arrayValue?.count == 2)

        // The guest socket of the garage still delivers; the new subscription of home too.
        let stream = try await rig.events()
        try await rig.createDocument("door1", collection: "doors", project: "garage42")
        try await rig.createDocument("open-gate", collection: "commands")
        let seen = try await stream.read(until: { $0.payloadID == "open-gate" && $0.data["subscription"]?.stringValue == "commands" })
        #expect(seen.contains { $0.payloadID == "door1" && $0.data["project_id"]?.stringValue == "garage42" })
    }
}
