import AppwriteSimulator
import AsyncHTTPClient
import BridgeCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Testing

/// upload_file and /api/files against the simulator's Storage: the exact multipart Appwrite
/// receives, the SDKs' 5 MiB chunks, source_url fetches, local refusals and email attachments.
@Suite("storage uploads over real sockets")
struct StorageTests {
    static let haToken = "ha_longlived_token_3c9e1a7f5b2d4e68"
    static let chunk = 5 * 1024 * 1024

    static func simulators() -> [SimulatorConfig] {
        var home = Fixtures.homeSimulator()
        home.projects[0].keys[0].scopes += ["files.write", "files.read", "messages.write"]
        home.projects[0].buckets = [
            .init(id: "snapshots", maximumFileSize: 100 << 20, allowedFileExtensions: ["jpg", "bin"]),
            .init(id: "private"),
        ]
        return [home, Fixtures.garageSimulator()]
    }

    func withBridge(sourcePort: Int? = nil, limits: String = "", _ body: (TestServers) async throws -> Void) async throws {
        var files = Fixtures.files
        files["ha-headers.txt"] = "# Home Assistant\nAuthorization: Bearer \(Self.haToken)\n"
        try await TestServers.run(
            simulators: Self.simulators(),
            files: files,
            environment: Fixtures.environment,
            bridgeYAML: { urls in
                """
                listen: 127.0.0.1:0
                \(limits)
                fetch:
                  allowed_hosts:
                    - host: 127.0.0.1:\(sourcePort ?? 9)
                      headers_file: ha-headers.txt
                instances:
                  - project_id: home1234
                    url: \(urls[0])
                    api_key_file: home.key
                    messaging: true
                    storage: true
                    buckets: [snapshots]
                  - project_id: garage42
                    url: \(urls[1])
                    api_key_env: GARAGE_KEY
                """
            },
            body
        )
    }

    func upload(_ servers: TestServers, _ payload: String, project: String = "home1234") async throws -> HTTP.Reply {
        try await HTTP.post("\(servers.bridgeURL)/api/services/appwrite/upload_file_\(project)?return_response", json: payload)
    }

    func uploads(_ servers: TestServers) async -> [ReceivedUpload] { await servers.simulators[0].state.storage.uploads() }

    func stored(_ servers: TestServers, _ fileID: String) async -> StoredFile? {
        await servers.simulators[0].state.storage.file(projectID: "home1234", bucketID: "snapshots", fileID: fileID)
    }

    /// A random block of 65 537 bytes (which no chunk size divides) tiled to `count`: chunks
    /// differ, and building 12 MB is fast in a debug build.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let block = (0..<65_537).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + block.count)
        while bytes.count < count { bytes += block }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    @Test("a small file goes up in one multipart request, exactly as the SDKs send it")
    func smallUpload() async throws {
        try await withBridge { servers in
            let reply = try await upload(
                servers,
                #"{"bucket_id": "snapshots", "file_id": "door-1", "file_name": "door.jpg", "content_base64": "aGVsbG8gZG9vcg==", "permissions": ["read(\"any\")", "update(\"user:abc\")"]}"#
            )
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["changed_states"] == .array([]))
            let file = try #require(reply.json["service_response"])
            #expect(file["$id"] == "door-1")
            #expect(file["bucketId"] == "snapshots")
            #expect(file["sizeOriginal"] == .number("10"))
            #expect(file["mimeType"] == "image/jpeg")
            #expect(file["$permissions"] == .array(["read(\"any\")", "update(\"user:abc\")"]))

            let received = await uploads(servers)
            #expect(received.count == 1)
            let first = try #require(received.first)
            #expect(first.contentRange == nil)
            #expect(first.appwriteID == nil)
            let boundary = try #require(first.contentType.components(separatedBy: "boundary=").last)
            #expect(first.contentType == "multipart/form-data; boundary=\(boundary)")
            let expected =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"fileId\"\r\n\r\ndoor-1\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"permissions[]\"\r\n\r\nread(\"any\")\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"permissions[]\"\r\n\r\nupdate(\"user:abc\")\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"door.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
                + "hello door\r\n--\(boundary)--\r\n"
            #expect(first.body == Array(expected.utf8))
            #expect(await stored(servers, "door-1")?.bytes == Array("hello door".utf8))
            // The same ID again: Appwrite's 409 passes through.
            let again = try await upload(
                servers,
                #"{"bucket_id": "snapshots", "file_id": "door-1", "file_name": "door.jpg", "content_base64": "aGk="}"#
            )
            #expect(again.status == 409, "\(again.text)")
            #expect(again.json["error"]?["upstream"]?["type"] == "storage_file_already_exists")
        }
    }

    /// HTTP.post with room for a debug build moving 12 MB through two servers in this process.
    static func slowPost(_ url: String, body: [UInt8], contentType: String) async throws -> HTTP.Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
        var buffer = try await response.body.collect(upTo: 1 << 20)
        return HTTP.Reply(status: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    /// Each chunk's Content-Range as the official SDKs write it, x-appwrite-id from the second on.
    func expectThreeChunks(_ servers: TestServers, size: Int, fileID: String) async throws {
        let received = await uploads(servers)
        #expect(
            received.map(\.contentRange) == [
                "bytes 0-\(Self.chunk - 1)/\(size)",
                "bytes \(Self.chunk)-\(2 * Self.chunk - 1)/\(size)",
                "bytes \(2 * Self.chunk)-\(size - 1)/\(size)",
            ]
        )
        #expect(received.map(\.appwriteID) == [nil, fileID, fileID])
        #expect(received.map(\.partBytes) == [Self.chunk, Self.chunk, size - 2 * Self.chunk])
        #expect(received.map(\.status) == [201, 201, 201])
    }

    @Test("a 12 MB file through the action arrives byte-identical in three chunks")
    func chunkedAction() async throws {
        try await withBridge { servers in
            let bytes = Self.randomBytes(12 * 1024 * 1024)
            let payload =
                #"{"bucket_id": "snapshots", "file_name": "clip.bin", "content_base64": ""# + Data(bytes).base64EncodedString() + #""}"#
            let reply = try await Self.slowPost(
                "\(servers.bridgeURL)/api/services/appwrite/upload_file_home1234?return_response",
                body: Array(payload.utf8),
                contentType: "application/json"
            )
            #expect(reply.status == 200, "\(reply.text.prefix(300))")
            let fileID = try #require(reply.json["service_response"]?["$id"]?.stringValue)
            #expect(reply.json["service_response"]?["chunksUploaded"] == .number("3"))
            try await expectThreeChunks(servers, size: bytes.count, fileID: fileID)
            #expect(await stored(servers, fileID)?.bytes == bytes)
            let metrics = try await HTTP.get("\(servers.bridgeURL)/metrics").text
            #expect(metrics.contains(#"appwrite_bridge_requests_total{action="upload_file_home1234",status="200"} 1"#), "\(metrics)")
        }
    }

    @Test("a 12 MB raw body through /api/files arrives byte-identical in three chunks")
    func chunkedRaw() async throws {
        try await withBridge { servers in
            let bytes = Self.randomBytes(12 * 1024 * 1024)
            let reply = try await Self.slowPost(
                "\(servers.bridgeURL)/api/files/home1234/snapshots?file_name=clip.bin&file_id=clip-raw",
                body: bytes,
                contentType: "application/octet-stream"
            )
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply.json["$id"] == "clip-raw")
            #expect(reply.json["sizeOriginal"] == .number(String(bytes.count)))
            try await expectThreeChunks(servers, size: bytes.count, fileID: "clip-raw")
            #expect(await stored(servers, "clip-raw")?.bytes == bytes)
        }
    }

    @Test("source_url on fetch.allowed_hosts is fetched with the secret headers; other hosts are refused")
    func sourceURL() async throws {
        let image = Self.randomBytes(70_000)
        try await withCamera(image) { port, seen in
            try await withBridge(sourcePort: port) { servers in
                let reply = try await upload(
                    servers,
                    #"{"bucket_id": "snapshots", "file_id": "cam-1", "file_name": "door.jpg", "source_url": "http://127.0.0.1:\#(port)/api/camera_proxy/camera.front_door?token=querysecret"}"#
                )
                #expect(reply.status == 200, "\(reply.text)")
                #expect(await stored(servers, "cam-1")?.bytes == image)
                #expect(seen.values.withLock { $0 } == ["Bearer \(Self.haToken)"])

                let refused = try await upload(
                    servers,
                    #"{"bucket_id": "snapshots", "file_name": "door.jpg", "source_url": "http://127.0.0.2:\#(port)/api/camera_proxy/camera.front_door"}"#
                )
                #expect(refused.status == 403)
                #expect(refused.json["error"]?["code"] == "not_allowed")
                #expect(refused.json["error"]?["field"] == "source_url")
                #expect(await uploads(servers).count == 1)
                for line in servers.bridgeLogs.all {
                    #expect(!line.contains(Self.haToken) && !line.contains("querysecret") && !line.contains(Fixtures.homeKey))
                }
            }
        }
    }

    @Test(
        "every local refusal names its field and never reaches Appwrite",
        arguments: [
            (#"{"file_name": "a.jpg", "content_base64": "aGk="}"#, 400, "bucket_id"),
            (#"{"bucket_id": "-bad", "file_name": "a.jpg", "content_base64": "aGk="}"#, 400, "bucket_id"),
            (#"{"bucket_id": "snapshots", "file_id": "no spaces", "file_name": "a.jpg", "content_base64": "aGk="}"#, 400, "file_id"),
            (#"{"bucket_id": "snapshots", "content_base64": "aGk="}"#, 400, "file_name"),
            (#"{"bucket_id": "snapshots", "file_name": "a\"b.jpg", "content_base64": "aGk="}"#, 400, "file_name"),
            (#"{"bucket_id": "snapshots", "file_name": "a.jpg"}"#, 400, "content_base64"),
            (
                #"{"bucket_id": "snapshots", "file_name": "a.jpg", "content_base64": "aGk=", "source_url": "http://127.0.0.1:9/x"}"#, 400,
                "source_url"
            ),
            (#"{"bucket_id": "snapshots", "file_name": "a.jpg", "content_base64": "!!!"}"#, 400, "content_base64"),
            (#"{"bucket_id": "snapshots", "file_name": "a.jpg", "source_url": "ftp://127.0.0.1/x"}"#, 400, "source_url"),
            (#"{"bucket_id": "snapshots", "file_name": "a.jpg", "content_base64": "aGk=", "content_type": "jpeg"}"#, 400, "content_type"),
            (
                #"{"bucket_id": "snapshots", "file_name": "a.jpg", "content_base64": "aGk=", "permissions": "read(\"any\")"}"#, 400,
                "permissions"
            ),
            (
                #"{"bucket_id": "snapshots", "file_name": "a.jpg", "content_base64": "aGk=", "permissions": ["read(any)"]}"#, 400,
                "permissions[0]"
            ),
            (
                #"{"bucket_id": "snapshots", "file_name": "a.jpg", "content_base64": "aGk=", "permissions": ["read(\"any\")", "create(\"any\")"]}"#,
                400, "permissions[1]"
            ),
            (
                #"{"bucket_id": "snapshots", "file_name": "a.jpg", "content_base64": "aGk=", "permissions": ["read(\"user:\")"]}"#, 400,
                "permissions[0]"
            ),
            (#"{"bucket_id": "snapshots", "file_name": "a.jpg", "content_base64": "aGk=", "extra": 1}"#, 400, "extra"),
            (#"{"bucket_id": "private", "file_name": "a.jpg", "content_base64": "aGk="}"#, 403, "bucket_id"),
        ]
    )
    func localRefusals(payload: String, status: Int, field: String) async throws {
        try await withBridge { servers in
            let reply = try await upload(servers, payload)
            #expect(reply.status == status, "\(reply.text)")
            #expect(reply.json["error"]?["field"] == .string(field), "\(reply.text)")
            #expect(await uploads(servers).isEmpty)
        }
    }

    @Test("the raw route refuses a missing file_name (400) and a body over limits.max_upload_bytes (413)")
    func rawRefusals() async throws {
        try await withBridge(limits: "limits:\n  max_upload_bytes: 2048") { servers in
            let unnamed = try await HTTP.send("POST", "\(servers.bridgeURL)/api/files/home1234/snapshots", body: [1, 2, 3], headers: [])
            #expect(unnamed.status == 400)
            #expect(unnamed.json["error"]?["field"] == "file_name")
            let large = try await HTTP.send(
                "POST",
                "\(servers.bridgeURL)/api/files/home1234/snapshots?file_name=big.bin",
                body: Self.randomBytes(4096),
                headers: []
            )
            #expect(large.status == 413, "\(large.text)")
            let off = try await HTTP.send(
                "POST",
                "\(servers.bridgeURL)/api/files/garage42/snapshots?file_name=a.bin",
                body: [1],
                headers: []
            )
            #expect(off.status == 404)
            // garage42 is configured, only without storage: the answer says so.
            #expect(off.json["error"]?["code"] == "storage_not_enabled", "\(off.text)")
            #expect(off.json["error"]?["message"]?.stringValue?.contains("storage: true") == true)
            let unknown = try await HTTP.send(
                "POST",
                "\(servers.bridgeURL)/api/files/nosuch/snapshots?file_name=a.bin",
                body: [1],
                headers: []
            )
            #expect(unknown.json["error"]?["code"] == "unknown_instance")
            #expect(await uploads(servers).isEmpty)
        }
    }

    @Test("an uploaded snapshot is attached to an email; a missing file is refused as Appwrite does")
    func attachment() async throws {
        try await withBridge { servers in
            let reply = try await upload(
                servers,
                #"{"bucket_id": "snapshots", "file_id": "ring-1", "file_name": "ring.jpg", "content_base64": "aGk="}"#
            )
            #expect(reply.status == 200, "\(reply.text)")
            let email =
                #"{"title": "Doorbell", "message": "Someone rang", "targets": ["owner-email"], "attachments": ["snapshots:ring-1"]}"#
            let sent = try await HTTP.post("\(servers.bridgeURL)/api/services/appwrite/send_email_home1234?return_response", json: email)
            #expect(sent.status == 200, "\(sent.text)")
            #expect(sent.json["service_response"]?["data"]?["attachments"] == .array(["snapshots:ring-1"]))
            let missing = try await HTTP.post(
                "\(servers.bridgeURL)/api/services/appwrite/send_email_home1234",
                json: #"{"title": "Doorbell", "message": "Someone rang", "targets": ["owner-email"], "attachments": ["snapshots:nope"]}"#
            )
            #expect(missing.status == 404, "\(missing.text)")
            #expect(missing.json["error"]?["upstream"]?["type"] == "storage_file_not_found")
        }
    }

    @Test("/api/services describes upload_file for storage instances only")
    func catalogue() async throws {
        try await withBridge { servers in
            let reply = try await HTTP.get("\(servers.bridgeURL)/api/services")
            let services = try #require(reply.json.arrayValue?.first?["services"])
            let fields = try #require(services["upload_file_home1234"]?["fields"])
            #expect(fields.objectValue?.keys == UploadFilePayloadFields.names)
            #expect(fields["bucket_id"]?["required"] == true)
            #expect(services["upload_file_garage42"] == nil)
        }
    }

    /// A stand-in for Home Assistant's camera_proxy: answers `image` to a request with the
    /// expected bearer token (401 otherwise) and records the Authorization headers it saw.
    func withCamera(_ image: [UInt8], _ body: (Int, SeenHeaders) async throws -> Void) async throws {
        let seen = SeenHeaders()
        let router = Router()
        router.get("/api/camera_proxy/:entity") { request, _ -> Response in
            let authorization = request.headers[.authorization] ?? ""
            seen.values.withLock { $0.append(authorization) }
            guard authorization == "Bearer \(Self.haToken)" else { return Response(status: .unauthorized) }
            return Response(status: .ok, headers: [.contentType: "image/jpeg"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: image)))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: Logger(label: "camera") { _ in SwiftLogNoOpLogHandler() }
        )
        let group = ServiceGroup(services: [app], logger: Logger(label: "camera") { _ in SwiftLogNoOpLogHandler() })
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await body(port, seen)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

enum UploadFilePayloadFields {
    static let names = ["bucket_id", "file_id", "file_name", "content_base64", "source_url", "content_type", "permissions"]
}

/// Authorization headers the stand-in camera saw.
final class SeenHeaders: Sendable {
    let values = Mutex<[String]>([])
}

/// The raw route with real processes: a 100 MB body streams through the bridge in bounded memory.
@Suite("storage uploads in bounded memory", .serialized)
struct StorageProcessTests {
    static let simulatorYAML = """
        projects:
          - id: home1234
            keys:
              - secret: \(Fixtures.homeKey)
                scopes: [files.write, files.read]
            functions: []
            buckets:
              - id: snapshots
                maximum_file_size: 209715200
        retain: 50
        """

    /// VmRSS of a process in bytes.
    static func residentBytes(pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test func hundredMegabytesStayUnderEightyMiB() async throws {
        let folder = NSTemporaryDirectory() + "bridge-storage-rss-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let port = try unusedLoopbackPort()
        try Self.simulatorYAML.write(toFile: folder + "/simulator.yaml", atomically: true, encoding: .utf8)
        try (Fixtures.homeKey + "\n").write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        try """
        listen: 127.0.0.1:0
        state_dir: state
        limits:
          max_upload_bytes: 209715200
        instances:
          - project_id: home1234
            url: http://127.0.0.1:\(port)/v1
            api_key_file: home.key
            storage: true
        """.write(toFile: folder + "/bridge.yaml", atomically: true, encoding: .utf8)
        let simulator = try BridgeProcess(
            ["--config", folder + "/simulator.yaml", "--host", "127.0.0.1", "--port", String(port)],
            binary: "appwrite-simulator"
        )
        try await simulator.waitForLog("Appwrite simulator listening on")
        let bridge = try BridgeProcess(["serve", "--config", folder + "/bridge.yaml"])
        let bridgePort = try await bridge.waitForPort()

        let size = 100 * 1024 * 1024
        let pid = bridge.pid
        let before = Self.residentBytes(pid: pid)
        let sampling = Task {
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, Self.residentBytes(pid: pid))
                try? await Task.sleep(for: .milliseconds(10))
            }
            return peak
        }
        let started = ContinuousClock.now
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(bridgePort)/api/files/home1234/snapshots?file_name=big.bin&file_id=big")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(PatternBody(pieces: size / 65_536), length: .known(Int64(size)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
        let answer = try await response.body.collect(upTo: 1 << 20)
        let elapsed = ContinuousClock.now - started
        sampling.cancel()
        let peak = await sampling.value
        print("storage: 100 MB raw upload in \(elapsed), bridge RSS \(before / 1_048_576) MiB before, peak \(peak / 1_048_576) MiB")
        #expect(response.status.code == 201, "\(String(buffer: answer))")
        #expect(peak > 0 && peak < 80 * 1024 * 1024, "peak RSS \(peak / 1_048_576) MiB")

        let uploads = try JSONDecoder().decode(
            [ReceivedUpload].self,
            from: Data(try await HTTP.get("http://127.0.0.1:\(port)/_simulator/uploads").body)
        )
        #expect(uploads.count == 20)
        #expect(uploads.last?.contentRange == "bytes \(19 * 5 * 1024 * 1024)-\(size - 1)/\(size)")
        let file = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/_simulator/files/home1234/snapshots/big"),
            timeout: .seconds(120)
        )
        let stored = Array(buffer: try await file.body.collect(upTo: 200 << 20))
        #expect(stored.count == size)
        let expected = (0..<(size / 65_536)).allSatisfy { index in stored[index * 65_536] == UInt8(truncatingIfNeeded: index) }
        #expect(expected, "the stored file differs from the 64 KiB pattern sent")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/state/uploads").isEmpty)

        bridge.signal(SIGTERM)
        _ = try await bridge.waitForExit()
        simulator.signal(SIGTERM)
        _ = try await simulator.waitForExit()
    }
}

extension StorageProcessTests {
    @Test func uploadsDuringAnOutageSurviveSIGKILLAndArrive() async throws {
        let folder = NSTemporaryDirectory() + "bridge-storage-outbox-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let port = try unusedLoopbackPort()
        try Self.simulatorYAML.write(toFile: folder + "/simulator.yaml", atomically: true, encoding: .utf8)
        try (Fixtures.homeKey + "\n").write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        let configPath = folder + "/bridge.yaml"
        try """
        listen: 127.0.0.1:0
        state_dir: state
        outbox:
          max_bytes: 8000000
        instances:
          - project_id: home1234
            url: http://127.0.0.1:\(port)/v1
            api_key_file: home.key
            storage: true
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        func startSimulator() async throws -> BridgeProcess {
            let simulator = try BridgeProcess(
                ["--config", folder + "/simulator.yaml", "--host", "127.0.0.1", "--port", String(port)],
                binary: "appwrite-simulator"
            )
            try await simulator.waitForLog("Appwrite simulator listening on")
            return simulator
        }
        let simulator = try await startSimulator()
        let bridge = try BridgeProcess(["serve", "--config", configPath])
        let bridgePort = try await bridge.waitForPort()
        simulator.signal(SIGKILL)
        _ = try await simulator.waitForExit()

        let small = StorageTests.randomBytes(1_000)
        let large = StorageTests.randomBytes(6 * 1024 * 1024)
        let api = "http://127.0.0.1:\(bridgePort)/api"
        let first = try await HTTP.post(
            "\(api)/services/appwrite/upload_file_home1234",
            json: #"{"bucket_id": "snapshots", "file_name": "ring.jpg", "content_base64": "\#(Data(small).base64EncodedString())"}"#
        )
        #expect(first.status == 202, "\(first.text)")
        #expect(first.json["queued"] == true)
        let firstID = try #require(first.json["file_id"]?.stringValue)
        #expect(firstID != "unique()")
        let second = try await HTTP.send(
            "POST",
            "\(api)/files/home1234/snapshots?file_name=clip.bin&file_id=clip-1",
            body: large,
            headers: []
        )
        #expect(second.status == 202, "\(second.text)")
        let third = try await HTTP.send("POST", "\(api)/files/home1234/snapshots?file_name=more.bin", body: large, headers: [])
        #expect(third.status == 507, "\(third.text)")
        #expect(third.json["error"]?["code"] == "outbox_full")

        let listed = try await HTTP.get("\(api)/outbox")
        let items = try #require(listed.json["items"]?.arrayValue)
        #expect(items.map { $0["kind"] } == ["upload", "upload"])
        #expect(items.map { $0["size"] } == [.number("1000"), .number(String(large.count))])
        #expect(items.map { $0["file_id"] } == [.string(firstID), "clip-1"])

        bridge.signal(SIGKILL)
        _ = try await bridge.waitForExit()
        let revived = try await startSimulator()
        let restarted = try BridgeProcess(["serve", "--config", configPath])
        _ = try await restarted.waitForPort()

        let files = "http://127.0.0.1:\(port)/_simulator/files/home1234/snapshots/"
        let deadline = ContinuousClock.now + .seconds(60)
        var delivered: [[UInt8]] = []
        while ContinuousClock.now < deadline {
            let one = try await HTTP.get(files + firstID)
            let two = try await HTTP.get(files + "clip-1")
            // A chunked file is listed from its first chunk on: wait for all of it.
            if one.status == 200 && two.status == 200 && two.body.count == large.count {
                delivered = [one.body, two.body]
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let identical = delivered == [small, large]
        #expect(identical, "delivered sizes \(delivered.map(\.count)), expected \([small.count, large.count])")
        let uploads = try JSONDecoder().decode(
            [ReceivedUpload].self,
            from: Data(try await HTTP.get("http://127.0.0.1:\(port)/_simulator/uploads").body)
        )
        #expect(uploads.map(\.fileID) == [firstID, "clip-1", "clip-1"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/state/uploads").isEmpty)
        for line in (bridge.log + restarted.log).split(separator: "\n") { #expect(!line.contains(Fixtures.homeKey)) }

        restarted.signal(SIGTERM)
        _ = try await restarted.waitForExit()
        revived.signal(SIGTERM)
        _ = try await revived.waitForExit()
    }
}

extension StorageProcessTests {
    @Test func uploadCommandThroughTheBridgeAndStraightToAppwrite() async throws {
        let folder = NSTemporaryDirectory() + "bridge-storage-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let port = try unusedLoopbackPort()
        try Self.simulatorYAML.write(toFile: folder + "/simulator.yaml", atomically: true, encoding: .utf8)
        try (Fixtures.homeKey + "\n").write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        try """
        listen: 127.0.0.1:0
        state_dir: state
        instances:
          - project_id: home1234
            url: http://127.0.0.1:\(port)/v1
            api_key_file: home.key
            storage: true
        """.write(toFile: folder + "/bridge.yaml", atomically: true, encoding: .utf8)
        let bytes = StorageTests.randomBytes(6 * 1024 * 1024)
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/clip.bin"))
        let simulator = try BridgeProcess(
            ["--config", folder + "/simulator.yaml", "--host", "127.0.0.1", "--port", String(port)],
            binary: "appwrite-simulator"
        )
        try await simulator.waitForLog("Appwrite simulator listening on")
        let bridge = try BridgeProcess(["serve", "--config", folder + "/bridge.yaml"])
        let bridgePort = try await bridge.waitForPort()

        let via = try BridgeProcess([
            "upload", "home1234", "snapshots", folder + "/clip.bin", "--file-id", "via-1", "--via", "http://127.0.0.1:\(bridgePort)",
        ])
        #expect(try await via.waitForExit() == 0, "\(via.log)")
        #expect(via.log.contains(#""$id":"via-1""#))
        let direct = try BridgeProcess([
            "upload", "home1234", "snapshots", folder + "/clip.bin", "--file-id", "direct-1", "--name", "renamed.bin", "--config",
            folder + "/bridge.yaml",
        ])
        #expect(try await direct.waitForExit() == 0, "\(direct.log)")
        #expect(direct.log.contains(#""name":"renamed.bin""#))
        let missing = try BridgeProcess(["upload", "home1234", "nobucket", folder + "/clip.bin", "--config", folder + "/bridge.yaml"])
        #expect(try await missing.waitForExit() == 1)
        #expect(missing.log.contains("storage_bucket_not_found"))

        for id in ["via-1", "direct-1"] {
            let file = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/_simulator/files/home1234/snapshots/\(id)"),
                timeout: .seconds(60)
            )
            let stored = Array(buffer: try await file.body.collect(upTo: 20 << 20))
            let identical = stored == bytes
            #expect(identical, "\(id): \(stored.count) bytes stored")
        }
        #expect(!direct.log.contains(Fixtures.homeKey) && !via.log.contains(Fixtures.homeKey))

        bridge.signal(SIGTERM)
        _ = try await bridge.waitForExit()
        simulator.signal(SIGTERM)
        _ = try await simulator.waitForExit()
    }
}

@Suite("storage configuration")
struct StorageConfigTests {
    func load(_ yaml: String, files: [String: String] = [:]) throws -> BridgeConfig {
        let folder = NSTemporaryDirectory() + "bridge-storage-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        try yaml.write(toFile: folder + "/bridge.yaml", atomically: true, encoding: .utf8)
        return try ConfigLoader(environment: [:]).load(path: folder + "/bridge.yaml")
    }

    static let instance = """
        instances:
          - project_id: home1234
            url: http://127.0.0.1:9/v1
            api_key: k
        """

    @Test func storageBucketsFetchAndLimits() throws {
        let config = try load(
            """
            limits:
              max_upload_bytes: 2048
            outbox:
              max_bytes: 4096
            fetch:
              headers_file: shared.txt
              allowed_hosts:
                - 127.0.0.1:8123
                - host: HA.local:8123
                  headers_file: ha.txt
            \(Self.instance)
                buckets: [snapshots]
            """,
            files: ["shared.txt": "# shared\nX-Shared: one\n", "ha.txt": "Authorization: Bearer secret-token\n"]
        )
        #expect(config.limits.maximumUploadBytes == 2048)
        #expect(config.outbox.maximumBytes == 4096)
        #expect(config.instances[0].storage == StorageSettings(buckets: .only(["snapshots"])))
        #expect(config.fetch.host(for: "http://ha.local:8123/api/camera_proxy/x")?.headers.map(\.name) == ["Authorization"])
        #expect(config.fetch.host(for: "http://127.0.0.1:8123/x")?.headers.map(\.value.value) == ["one"])
        #expect(config.fetch.host(for: "http://127.0.0.1:8124/x") == nil)
        #expect(!"\(config.fetch)".contains("secret-token"))
    }

    @Test(arguments: [
        ("fetch:\n  allowed_hosts: [\"http://x/y\"]\n", "allowed_hosts"),
        ("fetch:\n  allowed_hosts:\n    - host: a:1\n      headers_file: missing.txt\n", "headers_file"),
        ("limits:\n  max_upload_bytes: 10\n", "max_upload_bytes"),
    ])
    func refused(section: String, key: String) throws {
        #expect(throws: ConfigError.self) { try load(section + Self.instance) }
        do {
            _ = try load(section + Self.instance)
        } catch {
            #expect("\(error)".contains(key), "\(error)")
        }
    }

    @Test func bucketsNeedStorage() throws {
        #expect(throws: ConfigError.self) { try load(Self.instance + "\n    storage: false\n    buckets: [a]") }
        #expect(try load(Self.instance).instances[0].storage == nil)
    }
}

/// `pieces` buffers of 64 KiB, the n-th filled with byte n, made as they are sent.
struct PatternBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let pieces: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        let pieces: Int
        var index = 0
        mutating func next() async -> ByteBuffer? {
            guard index < pieces else { return nil }
            defer { index += 1 }
            return ByteBuffer(repeating: UInt8(truncatingIfNeeded: index), count: 65_536)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pieces: pieces) }
}
