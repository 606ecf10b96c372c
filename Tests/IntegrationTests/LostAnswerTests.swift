import AppwriteSimulator
@testable import BridgeCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Appwrite acts on a request and its answer is lost (held past `timeout_seconds`, or the
/// connection closed before the answer): the outbox sends again, and Appwrite still ends with
/// exactly one file, one message, one execution.
@Suite("nothing sent twice after a lost answer", .serialized)
struct LostAnswerTests {
    static let chunk = 5 * 1024 * 1024
    static let noReadKey = "standard_noread_key_2b4d6f8a0c1e3a57"
    static let noFilesKey = "standard_nofiles_key_8e6c4a2b0d9f7153"

    static func simulator() -> SimulatorConfig {
        var home = Fixtures.homeSimulator()
        home.projects[0].keys[0].scopes += ["files.write", "files.read", "messages.write"]
        home.projects[0].keys.append(.init(secret: noReadKey, scopes: ["executions.write", "files.write", "files.read"]))
        home.projects[0].keys.append(.init(secret: noFilesKey, scopes: ["executions.write", "executions.read", "files.read"]))
        home.projects[0].buckets = [.init(id: "snapshots", maximumFileSize: 100 << 20)]
        home.projects[0].targets = [
            .init(id: "tablet", type: .push), .init(id: "owner-email", type: .email), .init(id: "phone", type: .sms),
        ]
        return home
    }

    /// `timeout`: the instance's timeout_seconds, short so held answers are given up on quickly;
    /// chunked uploads need longer for a 5 MiB chunk in a debug build.
    func withBridge(key: String = Fixtures.homeKey, timeout: Int = 1, _ body: (TestServers) async throws -> Void) async throws {
        var files = Fixtures.files
        files["lost.key"] = key + "\n"
        try await TestServers.run(
            simulators: [Self.simulator()],
            files: files,
            bridgeYAML: { urls in
                """
                listen: 127.0.0.1:0
                instances:
                  - project_id: home1234
                    url: \(urls[0])
                    api_key_file: lost.key
                    timeout_seconds: \(timeout)
                    messaging: true
                    storage: true
                    buckets: [snapshots]
                """
            },
            body
        )
    }

    /// Tells the simulator to act and then lose (or fail) the answer of some matching requests.
    static func fault(_ servers: TestServers, _ rule: String) async throws {
        let reply = try await HTTP.post(
            servers.simulators[0].baseURL.replacingOccurrences(of: "/v1", with: "") + "/_simulator/faults",
            json: rule
        )
        #expect(reply.status == 201)
    }

    static func waitForEmptyOutbox(_ servers: TestServers, timeout: Duration = .seconds(60)) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while true {
            let listing = try await HTTP.get("\(servers.bridgeURL)/api/outbox").json
            if listing["pending"] == .number("0") { return listing }
            guard ContinuousClock.now < deadline else {
                Issue.record("the outbox never drained: \(listing)")
                return listing
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// IDs of the files Appwrite created or added chunks to.
    static func createdFileIDs(_ servers: TestServers) async -> Set<String> { await createdFileIDs(servers.simulators[0]) }

    static func createdFileIDs(_ simulator: TestServers.SimulatorHandle) async -> Set<String> {
        let uploads = await simulator.state.storage.uploads()
        return Set(uploads.filter { (200..<300).contains($0.status) }.compactMap { $0.appwriteID ?? $0.fileID })
    }

    static func isAppwriteID(_ id: String?) -> Bool {
        guard let id else { return false }
        return id.count == 20 && id.allSatisfy(\.isHexDigit)
    }

    /// The newest entry of `/api/outbox`'s history.
    func history(_ listing: JSONValue) -> JSONValue? { listing["history"]?.arrayValue?.first }

    static let filesPath = "/v1/storage/buckets/snapshots/files"

    @Test(
        "a lost answer on an upload: one complete file under the ID the caller was given",
        arguments: [
            // one request; a lost answer held past the timeout, or cut off
            (1_000, #""attempts": [1], "action": "hold", "seconds": 3"#),
            (1_000, #""attempts": [1], "action": "drop""#),
            // three chunks: the first chunk's answer lost, the last chunk's, a 503 on the middle one
            (11 * 1024 * 1024, #""attempts": [1], "action": "drop""#),
            (11 * 1024 * 1024, #""attempts": [3], "action": "drop""#),
            (11 * 1024 * 1024, #""attempts": [2], "action": "fail", "status": 503"#),
        ]
    )
    func upload(size: Int, fault: String) async throws {
        try await withBridge(timeout: size > Self.chunk ? 30 : 1) { servers in
            _ = try await servers.waitForChecks()
            try await Self.fault(servers, #"{"method": "POST", "path": "\#(Self.filesPath)", \#(fault)}"#)
            let bytes = StorageTests.randomBytes(size)
            let reply = try await StorageTests.slowPost(
                "\(servers.bridgeURL)/api/files/home1234/snapshots?file_name=clip.bin",
                body: bytes,
                contentType: "application/octet-stream"
            )
            #expect(reply.status == 202, "\(reply.text)")
            let fileID = try #require(reply.json["file_id"]?.stringValue)
            #expect(Self.isAppwriteID(fileID))
            let listing = try await Self.waitForEmptyOutbox(servers)
            #expect(await Self.createdFileIDs(servers) == [fileID])
            let stored = await servers.simulators[0].state.storage.file(projectID: "home1234", bucketID: "snapshots", fileID: fileID)
            let identical = stored?.bytes == bytes
            #expect(identical, "stored \(stored?.bytes.count ?? 0) of \(bytes.count) bytes")
            #expect(stored?.chunksUploaded == stored?.chunksTotal)
            #expect(history(listing)?["outcome"] == "delivered")
            #expect(history(listing)?["created_id"] == .string(fileID))
            #expect(servers.bridgeLogs.contains(fileID))
        }
    }

    @Test("a lost answer on a message: one message", arguments: ["push", "email", "sms"])
    func message(kind: String) async throws {
        let target = ["push": "tablet", "email": "owner-email", "sms": "phone"][kind]!
        try await withBridge { servers in
            _ = try await servers.waitForChecks()
            try await Self.fault(
                servers,
                #"{"method": "POST", "path": "/v1/messaging/messages/\#(kind)", "attempts": [1], "action": "drop"}"#
            )
            let reply = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/send_\(kind)_home1234",
                json: #"{\#(kind == "sms" ? "" : #""title": "Door", "#)"message": "Front door open", "targets": ["\#(target)"]}"#
            )
            #expect(reply.status == 202, "\(reply.text)")
            let messageID = try #require(reply.json["message_id"]?.stringValue)
            #expect(Self.isAppwriteID(messageID))
            let listing = try await Self.waitForEmptyOutbox(servers)
            let messages = await servers.simulators[0].state.messages(projectID: "home1234")
            #expect(messages.map(\.id) == [messageID])
            // A connection closed after the request is not "cannot connect".
            #expect(servers.bridgeLogs.contains("the connection closed before Appwrite's answer arrived"))
            #expect(history(listing)?["created_id"] == .string(messageID))
            #expect(history(listing)?["note"]?.stringValue?.contains("already had message") == true)
        }
    }

    static func scheduleText() -> String {
        let minute = (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 + 600
        return Timestamp.iso8601(Date(timeIntervalSince1970: minute))
    }

    @Test(
        "a lost answer on an async or scheduled execution: one execution with executions.read, a logged resend without",
        arguments: [(false, true), (true, true), (false, false), (true, false)]
    )
    func execution(scheduled: Bool, canRead: Bool) async throws {
        try await withBridge(key: canRead ? Fixtures.homeKey : Self.noReadKey) { servers in
            _ = try await servers.waitForChecks()
            try await Self.fault(
                servers,
                #"{"method": "POST", "path": "/v1/functions/echo/executions", "attempts": [1], "action": "drop"}"#
            )
            let schedule = scheduled ? #", "function_scheduled_at": "\#(Self.scheduleText())""# : ""
            let reply = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234",
                json: #"{"function_id": "echo", "function_async": true, "function_path": "/lights"\#(schedule)}"#
            )
            #expect(reply.status == 202, "\(reply.text)")
            let listing = try await Self.waitForEmptyOutbox(servers)
            let executions = await servers.simulators[0].state.executions(projectID: "home1234")
            let entry = history(listing)
            if canRead {
                #expect(executions.count == 1)
                #expect(entry?["created_id"] == executions.first.map { .string($0.id) })
                #expect(entry?["note"]?.stringValue?.contains("not sent again") == true)
            } else {
                // Cannot look: sent again, and said so.
                #expect(executions.count == 2)
                #expect(entry?["note"]?.stringValue?.contains("executions.read") == true)
                #expect(servers.bridgeLogs.contains("cannot tell whether an earlier attempt created an execution"))
            }
            #expect(executions.allSatisfy { $0.requestHeaders.contains { $0.name == "agent" && $0.value.hasPrefix("appwrite-bridge/") } })
        }
    }

    @Test("the storage capability is checked before any upload: files.write missing, then present")
    func storageScopeProbe() async throws {
        for (key, expected) in [(Self.noFilesKey, "missing_scope"), (Fixtures.homeKey, "ok")] {
            try await withBridge(key: key) { servers in
                let instances = try await servers.waitForChecks()
                let storage = instances["home1234"]?["capabilities"]?["storage"]
                #expect(storage?["state"] == .string(expected), "\(String(describing: instances["home1234"]))")
                #expect(instances["home1234"]?["capabilities"]?["storage_read"]?["state"] == "ok")
                if expected != "ok" {
                    #expect(storage?["reason"]?.stringValue?.contains("files.write") == true)
                    let ready = try await HTTP.get("\(servers.bridgeURL)/readyz").json
                    #expect(ready["summary"]?.stringValue?.contains("storage missing_scope on home1234") == true)
                }
                // The probes stored nothing.
                #expect(await Self.createdFileIDs(servers).isEmpty)
            }
        }
    }
}
