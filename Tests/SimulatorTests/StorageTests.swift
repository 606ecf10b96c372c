import AppwriteSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Appwrite Storage's createFile and getFile as the simulator answers them (server 1.9's checks
/// and error types), and the attachment check of createEmail.
@Suite("Appwrite simulator: storage")
struct StorageTests {
    static let writer = "sim-key-files"
    static let executor = "sim-key-executions-only"
    static let chunk = 5 * 1024 * 1024

    static let config: SimulatorConfig = {
        var project = SimulatorConfig.Project(
            id: "p1",
            keys: [
                .init(secret: writer, scopes: ["files.write", "files.read", "messages.write"]),
                .init(secret: executor, scopes: ["executions.write"]),
            ],
            functions: []
        )
        project.buckets = [
            .init(id: "snaps", maximumFileSize: 12 << 20, allowedFileExtensions: ["jpg", "bin"]),
            .init(id: "tiny", maximumFileSize: 4),
        ]
        return SimulatorConfig(projects: [project])
    }()

    func withSimulator(_ test: @Sendable @escaping (any TestClientProtocol, SimulatorState) async throws -> Void) async throws {
        let state = SimulatorState(config: Self.config)
        try await buildSimulatorApplication(state: state).test(.live) { client in try await test(client, state) }
    }

    static func multipart(fileID: String?, permissions: [String] = [], name: String = "a.jpg", data: [UInt8]) -> (String, [UInt8]) {
        let boundary = "test-boundary-1234"
        var body: [UInt8] = []
        if let fileID { body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"fileId\"\r\n\r\n\(fileID)\r\n".utf8) }
        for permission in permissions {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"permissions[]\"\r\n\r\n\(permission)\r\n".utf8)
        }
        body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8
        )
        body += data
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    func create(
        _ client: any TestClientProtocol,
        bucket: String = "snaps",
        fileID: String? = "f1",
        permissions: [String] = [],
        name: String = "a.jpg",
        data: [UInt8] = Array("hello".utf8),
        key: String = writer,
        headers extra: [(String, String)] = []
    ) async throws -> (status: Int, body: [String: Any]) {
        let (type, body) = Self.multipart(fileID: fileID, permissions: permissions, name: name, data: data)
        var headers: HTTPFields = [.contentType: type]
        headers[HTTPField.Name("X-Appwrite-Project")!] = "p1"
        headers[HTTPField.Name("X-Appwrite-Key")!] = key
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let response = try await client.execute(
            uri: "/v1/storage/buckets/\(bucket)/files",
            method: .post,
            headers: headers,
            body: ByteBuffer(bytes: body)
        )
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), object)
    }

    @Test("a single-request file is stored and answered as Appwrite's File, then found by getFile")
    func single() async throws {
        try await withSimulator { client, state in
            let created = try await create(client, permissions: ["read(\"any\")", "write(\"user:u1\")"])
            #expect(created.status == 201)
            #expect(created.body["$id"] as? String == "f1")
            #expect(created.body["bucketId"] as? String == "snaps")
            #expect(created.body["name"] as? String == "a.jpg")
            #expect(created.body["sizeOriginal"] as? Int == 5)
            #expect(created.body["chunksTotal"] as? Int == 1)
            #expect(created.body["chunksUploaded"] as? Int == 1)
            #expect(created.body["$permissions"] as? [String] == ["read(\"any\")", "update(\"user:u1\")", "delete(\"user:u1\")"])
            #expect(await state.storage.file(projectID: "p1", bucketID: "snaps", fileID: "f1")?.bytes == Array("hello".utf8))
            let got = try await sendToSimulator(
                client,
                .get,
                "/v1/storage/buckets/snaps/files/f1",
                project: "p1",
                key: Self.writer,
                body: nil
            )
            #expect(got.status == 200)
            #expect(got.body["$id"] as? String == "f1")
            let missing = try await sendToSimulator(
                client,
                .get,
                "/v1/storage/buckets/snaps/files/nope",
                project: "p1",
                key: Self.writer,
                body: nil
            )
            #expect(missing.status == 404)
            #expect(missing.body["type"] as? String == "storage_file_not_found")
            let duplicate = try await create(client)
            #expect(duplicate.status == 409)
            #expect(duplicate.body["type"] as? String == "storage_file_already_exists")
        }
    }

    /// bucket, fileId, permissions, file name, size, then the expected status and type.
    static let refusalCases: [(String, String, [String], String, Int, Int, String)] = [
        ("nobucket", "f1", [], "a.jpg", 5, 404, "storage_bucket_not_found"),
        ("snaps", "-bad", [], "a.jpg", 5, 400, "general_argument_invalid"),
        ("snaps", "f1", ["read(any)"], "a.jpg", 5, 400, "general_argument_invalid"),
        ("snaps", "f1", ["create(\"any\")"], "a.jpg", 5, 400, "general_argument_invalid"),
        ("snaps", "f1", ["read(\"role:all\")"], "a.jpg", 5, 400, "general_argument_invalid"),
        ("snaps", "f1", [], "a.png", 5, 400, "storage_file_type_unsupported"),
        ("tiny", "f1", [], "a.jpg", 5, 400, "storage_invalid_file_size"),
        ("snaps", "f1", [], "a.jpg", 0, 400, "storage_file_empty"),
    ]

    @Test("Appwrite's refusals", arguments: refusalCases)
    func refusals(bucket: String, fileID: String, permissions: [String], name: String, size: Int, status: Int, type: String) async throws {
        try await withSimulator { client, state in
            let reply = try await create(
                client,
                bucket: bucket,
                fileID: fileID,
                permissions: permissions,
                name: name,
                data: Array(repeating: 7, count: size)
            )
            #expect(reply.status == status)
            #expect(reply.body["type"] as? String == type, "\(reply.body)")
            #expect(await state.storage.file(projectID: "p1", bucketID: bucket, fileID: fileID) == nil)
        }
    }

    @Test("files.write is required")
    func scope() async throws {
        try await withSimulator { client, _ in
            let reply = try await create(client, key: Self.executor)
            #expect(reply.status == 401)
            #expect(reply.body["type"] as? String == "general_unauthorized_scope")
        }
    }

    @Test("chunks in the SDKs' order are reassembled; a skipped chunk and a bad range are refused")
    func chunks() async throws {
        try await withSimulator { client, state in
            // A 251-byte pattern tiled: chunks differ from each other, and building it is fast in debug.
            let pattern = (0..<251).map { UInt8($0) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(11 * 1024 * 1024 + 251)
            while bytes.count < 11 * 1024 * 1024 { bytes += pattern }
            bytes.removeLast(bytes.count - 11 * 1024 * 1024)
            let total = bytes.count
            func send(_ start: Int, _ end: Int, id: String?) async throws -> (status: Int, body: [String: Any]) {
                var headers = [("Content-Range", "bytes \(start)-\(end)/\(total)")]
                if let id { headers.append(("X-Appwrite-Id", id)) }
                return try await create(client, fileID: "unique()", name: "big.bin", data: Array(bytes[start...end]), headers: headers)
            }
            let first = try await send(0, Self.chunk - 1, id: nil)
            #expect(first.status == 201)
            let id = try #require(first.body["$id"] as? String)
            #expect(first.body["chunksTotal"] as? Int == 3)
            #expect(first.body["chunksUploaded"] as? Int == 1)
            let skipped = try await send(2 * Self.chunk, total - 1, id: id)
            #expect(skipped.status == 400)
            #expect(skipped.body["type"] as? String == "storage_invalid_content_range")
            let second = try await send(Self.chunk, 2 * Self.chunk - 1, id: id)
            #expect(second.body["chunksUploaded"] as? Int == 2)
            let third = try await send(2 * Self.chunk, total - 1, id: id)
            #expect(third.status == 201)
            #expect(third.body["chunksUploaded"] as? Int == 3)
            #expect(third.body["sizeActual"] as? Int == total)
            #expect(await state.storage.file(projectID: "p1", bucketID: "snaps", fileID: id)?.bytes == bytes)
            let uploads = await state.storage.uploads()
            #expect(uploads.map(\.appwriteID) == [nil, id, id, id])

            let malformed = try await create(client, fileID: "x1", headers: [("Content-Range", "bytes five/ten")])
            #expect(malformed.body["type"] as? String == "storage_invalid_content_range")
            let uniqueID = try await create(
                client,
                fileID: "unique()",
                headers: [("Content-Range", "bytes 0-4/5"), ("X-Appwrite-Id", "unique()")]
            )
            #expect(uniqueID.body["type"] as? String == "storage_invalid_appwrite_id")
        }
    }

    @Test("an email's attachments must name stored files: bucket first, then file")
    func attachments() async throws {
        try await withSimulator { client, _ in
            _ = try await create(client, fileID: "snap")
            func email(_ attachment: String) async throws -> (status: Int, body: [String: Any]) {
                try await sendToSimulator(
                    client,
                    .post,
                    "/v1/messaging/messages/email",
                    project: "p1",
                    key: Self.writer,
                    body:
                        #"{"messageId": "unique()", "subject": "s", "content": "c", "targets": ["t1"], "attachments": ["\#(attachment)"]}"#
                )
            }
            #expect(try await email("snaps:snap").status == 201)
            let noBucket = try await email("other:snap")
            #expect(noBucket.status == 404)
            #expect(noBucket.body["type"] as? String == "storage_bucket_not_found")
            let noFile = try await email("snaps:gone")
            #expect(noFile.status == 404)
            #expect(noFile.body["type"] as? String == "storage_file_not_found")
        }
    }
}
