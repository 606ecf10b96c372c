import AsyncHTTPClient
import Foundation
import Testing

@testable import BridgeCore

#if canImport(Glibc)
    import Glibc
#endif

/// The pieces that make a resend recognisable: concrete IDs, the execution marker, the outbox's
/// may-exist flag and history, private files, and which failures may have reached Appwrite.
@Suite("nothing sent twice: the pieces", .serialized)
struct SentOnceTests {
    let folder = NSTemporaryDirectory() + "bridge-sent-once-\(UUID().uuidString)"

    @Test func idsHaveAppwritesShapeAndSortByTime() {
        let early = AppwriteID.unique(now: Date(timeIntervalSince1970: 1_700_000_000.25))
        let late = AppwriteID.unique(now: Date(timeIntervalSince1970: 1_700_000_001))
        #expect(early.count == 20 && early.allSatisfy(\.isHexDigit))
        #expect(early.hasPrefix("6553f1003d090"))
        #expect(early < late)
        #expect(AppwriteID.concrete("door-1") == "door-1")
        #expect(AppwriteID.concrete("unique()") != "unique()")
    }

    @Test func messagesAndFilesGetTheirIDBeforeTheFirstAttempt() throws {
        let message = try MessagePayload.translate(["message": "Door open", "topics": ["family"]], kind: .push)
        guard case .message(let concrete) = UpstreamRequest.message(message).withConcreteIDs() else {
            Issue.record("not a message")
            return
        }
        #expect(concrete.messageID.count == 20)
        #expect(concrete.parameters["messageId"] == .string(concrete.messageID))
        #expect(concrete.parameters.keys.first == "messageId")
        let own = try MessagePayload.translate(["message": "x", "topics": ["f"], "message_id": "door-1"], kind: .sms)
        guard case .message(let kept) = UpstreamRequest.message(own).withConcreteIDs() else { return }
        #expect(kept.messageID == "door-1")
    }

    @Test func asyncExecutionsCarryOneMarkerUnlessTheCallerSetAgent() {
        let plain = CreateExecutionRequest(functionID: "echo", isAsync: true)
        let marked = ExecutionMarker.marked(plain)
        let value = ExecutionMarker.value(of: marked)
        #expect(value?.hasPrefix("appwrite-bridge/") == true)
        #expect(ExecutionMarker.marked(marked).headers.count == 1, "a resend keeps the same marker")
        let own = CreateExecutionRequest(functionID: "echo", isAsync: true, headers: [("Agent", "ha-automation-7")])
        #expect(ExecutionMarker.marked(own) == own)
        #expect(ExecutionMarker.value(of: own) == "ha-automation-7")
        guard case .execution(let sync) = UpstreamRequest.execution(CreateExecutionRequest(functionID: "echo")).withExecutionMarker()
        else { return }
        #expect(sync.headers.isEmpty, "a synchronous execution is never queued, so never marked")
    }

    @Test func onlyAConnectionNeverMadeRulesOutThatAppwriteActed() {
        #expect(AppwriteClient.closedAfterRequest(HTTPClientError.remoteConnectionClosed))
        #expect(!AppwriteClient.closedAfterRequest(HTTPClientError.connectTimeout))
        #expect(!AppwriteClientError.unreachable("connection refused").mayHaveReachedAppwrite)
        #expect(AppwriteClientError.answerLost("reset").mayHaveReachedAppwrite)
        #expect(AppwriteClientError.timeout(seconds: 1).mayHaveReachedAppwrite)
        #expect(AppwriteClientError.answerLost("x").reason.hasPrefix("the connection closed before Appwrite's answer arrived"))
    }

    /// A real refused connection (nothing listens on the port) is "cannot connect", which rules
    /// out that Appwrite acted; everything unknown counts as "may have".
    @Test func aRefusedConnectionIsUnreachableNotALostAnswer() async throws {
        let socket = try NIOLessPort.unused()
        let httpClient = AppwriteClient.makeHTTPClient()
        let instance = InstanceConfig(projectID: "p", baseURL: "http://127.0.0.1:\(socket)/v1", apiKey: Secret("k"))
        do {
            _ = try await AppwriteClient(httpClient: httpClient).health(of: instance)
            Issue.record("something answered on port \(socket)")
        } catch {
            #expect(!error.mayHaveReachedAppwrite, "\(error)")
            #expect(error.reason.hasPrefix("cannot connect"), "\(error.reason)")
        }
        try await httpClient.shutdown()
    }

    @Test func theOutboxIsPrivateWhateverTheUmask() async throws {
        let previous = umask(0)
        defer { umask(previous) }
        let path = folder + "/state/outbox.sqlite"
        let outbox = try await Outbox(path: path)
        _ = try await outbox.enqueue(.execution(CreateExecutionRequest(functionID: "f", isAsync: true)), projectID: "p", reason: "down")
        let spool = try await SpoolFile.write(Array("bytes".utf8), stateDirectory: folder + "/state", limit: 100)
        func mode(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        #expect(mode(folder + "/state") == 0o700)
        #expect(mode(path) == 0o600)
        #expect(mode(folder + "/state/uploads") == 0o700)
        #expect(mode(spool.path) == 0o600)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder + "/state") where name.hasPrefix("outbox.sqlite") {
            #expect(mode(folder + "/state/" + name) == 0o600, "\(name)")
        }
    }

    @Test func mayExistIsKeptAndHistoryRecordsHowAnItemLeft() async throws {
        let outbox = try await Outbox(path: folder + "/outbox.sqlite")
        let request = OutboxRequest.execution(CreateExecutionRequest(functionID: "f", isAsync: true))
        let unsure = try await outbox.enqueue(request, projectID: "p", reason: "no answer within 1 s", mayExist: true)
        let sure = try await outbox.enqueue(request, projectID: "p", reason: "cannot connect")
        #expect(try await outbox.store.item(id: unsure)?.mayExist == true)
        #expect(try await outbox.store.item(id: sure)?.mayExist == false)
        try await outbox.store.markMayExist(id: sure)
        let item = try #require(try await outbox.store.item(id: sure))
        #expect(item.mayExist)
        let entry = OutboxHistoryEntry(item, outcome: "delivered", createdID: "abc", note: "found")
        try await outbox.remove(id: sure, outcome: "delivered", history: entry)
        let history = try await outbox.store.history()
        #expect(history.map(\.outboxID) == [sure])
        #expect(history.first?.note == "found" && history.first?.createdID == "abc")
    }

    @Test func aQueuedUploadShowsItsNameAndSizeNeverItsSpoolPath() {
        let upload = QueuedUpload(
            file: UploadFileRequest(bucketID: "b", fileID: "f1", fileName: "door.jpg", contentType: "image/jpeg", permissions: nil),
            spool: SpoolFile(path: "/var/lib/appwrite-bridge/uploads/secret-name.part", size: 42)
        )
        let item = OutboxItem(
            id: 1,
            projectID: "p",
            request: .upload(upload),
            createdAt: Date(),
            attempts: 0,
            nextAttemptAt: Date()
        )
        let text = item.document(includeBody: true).serialized
        #expect(!text.contains("secret-name") && !text.contains("spool"))
        #expect(text.contains(#""file_name":"door.jpg""#) && text.contains(#""size":42"#))
    }
}

/// A loopback port nothing listens on: bound, read, closed.
enum NIOLessPort {
    static func unused() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
