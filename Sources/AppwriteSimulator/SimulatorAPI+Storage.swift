import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Appwrite Storage: create a file (one request, or the SDKs' 5 MiB chunks) and get one, plus
/// `/_simulator/files/...` and `/_simulator/uploads` for tests to see the bytes and the requests.
extension SimulatorAPI {
    /// APP_LIMIT_UPLOAD_CHUNK_SIZE.
    static let chunkSize = 5 * 1024 * 1024

    func registerStorage(on router: Router<BasicRequestContext>) {
        router.post("/v1/storage/buckets/:bucketId/files") { request, context in
            try await createFile(request, bucketID: try context.parameters.require("bucketId"))
        }
        router.get("/v1/storage/buckets/:bucketId/files/:fileId") { request, context in
            let project = try authorize(request, anyOf: ["files.read"])
            let bucketID = try context.parameters.require("bucketId")
            guard project.buckets.contains(where: { $0.id == bucketID }) else { throw AppwriteError.storageBucketNotFound }
            let fileID = try context.parameters.require("fileId")
            guard let file = await storage.file(projectID: project.id, bucketID: bucketID, fileID: fileID) else {
                throw AppwriteError.storageFileNotFound
            }
            return try encode(file, status: .ok)
        }
        router.get("/_simulator/files/:projectId/:bucketId/:fileId") { _, context in
            let projectID = try context.parameters.require("projectId")
            let bucketID = try context.parameters.require("bucketId")
            let fileID = try context.parameters.require("fileId")
            guard let file = await storage.file(projectID: projectID, bucketID: bucketID, fileID: fileID) else {
                return Response(status: .notFound)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes))
            )
        }
        router.get("/_simulator/uploads") { _, _ in try encode(await storage.uploads(), status: .ok) }
        registerFileChanges(on: router)
    }

    /// Appwrite's order: scope, parameters (bucketId, fileId, permissions), bucket, file present,
    /// Content-Range and x-appwrite-id, extension, size, then the stored state (duplicate ID,
    /// chunk order).
    func createFile(_ request: Request, bucketID: String) async throws -> Response {
        var request = request
        let project = try authorize(request, anyOf: ["files.write"])
        // Appwrite's first parameter check, before the action: such a request is not an upload.
        guard UtopiaValidators.uid(bucketID) else { throw AppwriteError.argumentInvalid("bucketId", ParameterReader.uidRule) }
        let body = try await request.collectBody(upTo: 12 * 1024 * 1024)
        let bytes = body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? []
        let contentType = request.headers[.contentType] ?? ""
        let contentRange = request.headers[HTTPField.Name("Content-Range")!]
        let appwriteID = request.headers[HTTPField.Name("X-Appwrite-ID")!]
        let form = MultipartForm.boundary(contentType: contentType).flatMap { MultipartForm(body: bytes, boundary: $0) }
        var received = ReceivedUpload(
            projectID: project.id,
            bucketID: bucketID,
            contentType: contentType,
            contentRange: contentRange,
            appwriteID: appwriteID,
            fileID: form?.values("fileId").first,
            fileName: form?.file("file")?.fileName,
            partBytes: form?.file("file")?.data.count ?? 0,
            body: bytes.count <= 64 * 1024 ? bytes : nil,
            status: 201
        )
        do {
            let (file, created) = try await storeFile(
                form,
                project: project,
                bucketID: bucketID,
                contentRange: contentRange,
                appwriteID: appwriteID
            )
            received.status = created ? 201 : 200
            await storage.record(received)
            return try encode(file, status: created ? .created : .ok)
        } catch let error as AppwriteError {
            received.status = error.status
            await storage.record(received)
            throw error
        }
    }

    private func storeFile(
        _ form: MultipartForm?,
        project: SimulatorConfig.Project,
        bucketID: String,
        contentRange: String?,
        appwriteID: String?
    ) async throws(AppwriteError) -> (StoredFile, created: Bool) {
        guard UtopiaValidators.uid(bucketID) else { throw .argumentInvalid("bucketId", ParameterReader.uidRule) }
        guard var fileID = form?.values("fileId").first else { throw .paramNotOptional("fileId") }
        guard fileID == "unique()" || UtopiaValidators.uid(fileID) else {
            throw .argumentInvalid("fileId", ParameterReader.uidRule)
        }
        let givenPermissions = form?.values("permissions") ?? []
        if let problem = PermissionRules.problem(in: givenPermissions) { throw .argumentInvalid("permissions", problem) }

        guard let bucket = project.buckets.first(where: { $0.id == bucketID }) else { throw .storageBucketNotFound }
        guard let part = form?.file("file"), !part.data.isEmpty else { throw .storageFileEmpty }

        if fileID == "unique()" { fileID = Self.newID() }
        var range: ContentRange?
        var chunksTotal = 1
        if let contentRange, !contentRange.isEmpty {
            guard let parsed = ContentRange(contentRange), parsed.end <= parsed.total else { throw .storageInvalidContentRange }
            if let appwriteID, !appwriteID.isEmpty { fileID = appwriteID }
            guard UtopiaValidators.uid(fileID) else { throw .storageInvalidAppwriteID }
            // The simulator also insists the chunk is as long as its range says.
            guard parsed.end - parsed.start + 1 == part.data.count else { throw .storageInvalidContentRange }
            range = parsed
            chunksTotal = Int((Double(parsed.total) / Double(Self.chunkSize)).rounded(.up))
        }
        let fileName = part.fileName ?? ""
        let fileExtension = fileName.contains(".") ? String(fileName.split(separator: ".").last ?? "").lowercased() : ""
        if !bucket.allowedFileExtensions.isEmpty, !bucket.allowedFileExtensions.contains(fileExtension) {
            throw .storageFileTypeUnsupported
        }
        let size = range?.total ?? part.data.count
        guard size <= bucket.maximumFileSize else { throw .storageInvalidFileSize }

        let upload = UploadPart(
            bucketID: bucketID,
            fileID: fileID,
            fileName: fileName,
            mimeType: part.contentType ?? "application/octet-stream",
            permissions: PermissionRules.aggregate(givenPermissions),
            data: part.data,
            range: range,
            chunksTotal: chunksTotal
        )
        let (file, created) = try await storage.apply(upload, projectID: project.id, now: AppwriteDate.string(Date()))
        // Appwrite publishes the create event once, with the last chunk.
        if created && file.isComplete {
            await state.realtime.publish(RealtimeEvents.file(.create, file, bucket: bucket, projectID: project.id))
        }
        return (file, created)
    }

    /// Appwrite checks each `<bucketId>:<fileId>` attachment of an email: bucket, then file. Like
    /// unlisted targets, a project that declares no buckets skips the check, so configurations
    /// written before storage existed keep working.
    func checkAttachments(_ attachments: [String], project: SimulatorConfig.Project) async throws(AppwriteError) {
        guard !project.buckets.isEmpty else { return }
        for attachment in attachments {
            let pieces = attachment.split(separator: ":", maxSplits: 1).map(String.init)
            guard pieces.count == 2, project.buckets.contains(where: { $0.id == pieces[0] }) else {
                throw .storageBucketNotFound
            }
            guard await storage.file(projectID: project.id, bucketID: pieces[0], fileID: pieces[1]) != nil else {
                throw .storageFileNotFound
            }
        }
    }
}
