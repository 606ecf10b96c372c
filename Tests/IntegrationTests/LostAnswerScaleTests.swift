import AppwriteSimulator
@testable import BridgeCore
import Foundation
import Testing

/// The issue's scale: 200 of each through the outbox while Appwrite acts on requests and loses
/// every third answer (uploads: every fourth request's answer lost, every ninth refused with 503
/// before acting, so one-shot files, first, middle and last chunks all meet both): exactly 200
/// each. Each failure waits out the outbox's backoff (0.5 to 1 s), which is most of the run time.
@Suite("lost answers at scale", .serialized)
struct LostAnswerScaleTests {
    static let count = 200
    /// 200 uploads take about three minutes in a debug build (each lost answer waits out the
    /// backoff), so `swift test` sends 50 unless APPWRITE_BRIDGE_LOST_ANSWER_UPLOADS says more.
    static let uploadCount = ProcessInfo.processInfo.environment["APPWRITE_BRIDGE_LOST_ANSWER_UPLOADS"].flatMap(Int.init) ?? 50

    func post(_ servers: TestServers, _ action: String, _ json: String) async throws -> HTTP.Reply {
        try await HTTP.post("\(servers.bridgeURL)/api/services/appwrite/\(action)_home1234", json: json)
    }

    @Test("uploads of mixed sizes (200 with APPWRITE_BRIDGE_LOST_ANSWER_UPLOADS=200) each end as one complete file")
    func uploads() async throws {
        try await LostAnswerTests().withBridge(timeout: 30) { servers in
            _ = try await servers.waitForChecks()
            try await LostAnswerTests.fault(
                servers,
                #"{"method": "POST", "path": "\#(LostAnswerTests.filesPath)", "every": 9, "action": "fail"}"#
            )
            try await LostAnswerTests.fault(
                servers,
                #"{"method": "POST", "path": "\#(LostAnswerTests.filesPath)", "every": 4, "action": "drop"}"#
            )
            var sent: [String: [UInt8]] = [:]
            for index in 0..<Self.uploadCount {
                // Every 25th is chunked (6 MiB: two chunks), the rest 1 byte to 64 KiB.
                let size = index % 25 == 0 ? 6 * 1024 * 1024 : Int.random(in: 1...65_536)
                let bytes = StorageTests.randomBytes(size)
                let reply = try await StorageTests.slowPost(
                    "\(servers.bridgeURL)/api/files/home1234/snapshots?file_name=f\(index).bin",
                    body: bytes,
                    contentType: "application/octet-stream"
                )
                #expect([201, 202].contains(reply.status), "\(reply.text)")
                let id = try #require((reply.json["file_id"] ?? reply.json["$id"])?.stringValue)
                sent[id] = bytes
            }
            #expect(sent.count == Self.uploadCount)
            _ = try await LostAnswerTests.waitForEmptyOutbox(servers, timeout: .seconds(420))
            #expect(await LostAnswerTests.createdFileIDs(servers) == Set(sent.keys))
            var complete = 0
            for (id, bytes) in sent {
                let stored = await servers.simulators[0].state.storage.file(projectID: "home1234", bucketID: "snapshots", fileID: id)
                if stored?.bytes == bytes { complete += 1 }
            }
            #expect(complete == Self.uploadCount)
        }
    }

    @Test("200 messages end as 200 messages")
    func messages() async throws {
        try await LostAnswerTests().withBridge { servers in
            _ = try await servers.waitForChecks()
            try await LostAnswerTests.fault(
                servers,
                #"{"method": "POST", "path": "/v1/messaging/messages/*", "every": 3, "action": "drop"}"#
            )
            let kinds = [("push", "tablet"), ("email", "owner-email"), ("sms", "phone")]
            var ids: Set<String> = []
            for index in 0..<Self.count {
                let (kind, target) = kinds[index % 3]
                let title = kind == "sms" ? "" : #""title": "n\#(index)", "#
                let reply = try await post(servers, "send_\(kind)", #"{\#(title)"message": "m\#(index)", "targets": ["\#(target)"]}"#)
                #expect([200, 202].contains(reply.status), "\(reply.text)")
                if let id = reply.json["message_id"]?.stringValue { ids.insert(id) }
            }
            _ = try await LostAnswerTests.waitForEmptyOutbox(servers, timeout: .seconds(240))
            let messages = await servers.simulators[0].state.messages(projectID: "home1234")
            #expect(messages.count == Self.count)
            #expect(Set(messages.map(\.id)).count == Self.count)
            #expect(ids.isSubset(of: Set(messages.map(\.id))))
        }
    }

    @Test("200 async executions end as 200 executions when the key has executions.read")
    func executions() async throws {
        try await LostAnswerTests().withBridge { servers in
            _ = try await servers.waitForChecks()
            try await LostAnswerTests.fault(
                servers,
                #"{"method": "POST", "path": "/v1/functions/echo/executions", "every": 3, "action": "drop"}"#
            )
            for index in 0..<Self.count {
                let reply = try await post(
                    servers,
                    "execute_function",
                    #"{"function_id": "echo", "function_async": true, "function_path": "/scene", "function_body": "\#(index)"}"#
                )
                #expect([200, 202].contains(reply.status), "\(reply.text)")
            }
            _ = try await LostAnswerTests.waitForEmptyOutbox(servers, timeout: .seconds(240))
            let executions = await servers.simulators[0].state.executions(projectID: "home1234")
            #expect(executions.count == Self.count)
        }
    }
}
