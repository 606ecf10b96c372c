import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Uploads to Appwrite Storage: the `upload_file_<project_id>` action and the raw-body route
/// `POST /api/files/<project_id>/<bucket_id>?file_name=…`. Every upload is spooled to disk first
/// (streamed, so memory holds one 5 MiB chunk at most), then sent in Appwrite's chunked protocol.
struct StorageAPI: Sendable {
    let state: BridgeState
    let client: AppwriteClient
    let outbox: Outbox
    let logger: Logger

    func register(on api: RouterGroup<BridgeRequestContext>) {
        _ = ChunkMemory.configured
        api.post("files/:project/:bucket") { request, context in
            try await uploadRaw(request: request, context: context)
        }
    }

    /// `upload_file_<project_id>`, dispatched from BridgeAPI's action route.
    func uploadAction(projectID: String, request: Request, context: BridgeRequestContext) async throws -> Response {
        let config = state.current.config
        let instance = try storageInstance(
            projectID,
            config: config,
            context: context,
            unknown: .unknownAction(ActionName.uploadFile(projectID: projectID))
        )
        // Base64 adds a third: the JSON limit grows with max_upload_bytes for this action only.
        let limit = max(config.limits.maximumBodyBytes, config.limits.maximumUploadBytes / 3 * 4 + 64 * 1024)
        let payload = try await RequestBody.json(request, limit: limit)
        let file: UploadFileRequest
        let source: UploadFileRequest.Source
        do {
            let translated = try UploadFilePayload.translate(payload)
            file = translated.0
            source = translated.1
        } catch {
            throw BridgeError.invalidPayload(error)
        }
        try checkBucket(file.bucketID, of: instance)
        let spool: SpoolFile
        switch source {
        case .inline(let bytes):
            guard bytes.count <= config.limits.maximumUploadBytes else {
                throw BridgeError.payloadTooLarge(limit: config.limits.maximumUploadBytes)
            }
            spool = try await SpoolFile.write(bytes, stateDirectory: config.outbox.stateDirectory, limit: config.limits.maximumUploadBytes)
        case .url(let url):
            guard let host = config.fetch.host(for: url) else {
                let name = URLParts(url).map { "\($0.host):\($0.port)" } ?? "?"
                throw BridgeError.notAllowed(field: "source_url", "the host \(name) is not on fetch.allowed_hosts in bridge.yaml")
            }
            spool = try await SourceFetcher(httpClient: client.httpClient).fetch(
                url,
                host: host,
                stateDirectory: config.outbox.stateDirectory,
                limit: config.limits.maximumUploadBytes
            )
        }
        switch try await deliver(file, spool: spool, instance: instance) {
        case .stored(let result): return Self.answer(result, returnResponse: ReturnResponseFlag.isSet(in: request.uri.query))
        case .queued(let receipt): return receipt
        }
    }

    /// The raw body is the file; `file_name` (required), `file_id` and `permissions` (repeated)
    /// come from the query, the content type from the request's own header.
    private func uploadRaw(request: Request, context: BridgeRequestContext) async throws -> Response {
        let config = state.current.config
        let projectID = try context.parameters.require("project")
        let bucketID = try context.parameters.require("bucket")
        let instance = try storageInstance(projectID, config: config, context: context, unknown: .unknownInstance(projectID))
        let query = request.uri.queryParameters
        var object = JSONObject([("bucket_id", .string(bucketID))])
        if let name = query.get("file_name") { object["file_name"] = .string(name) }
        if let id = query.get("file_id") { object["file_id"] = .string(id) }
        let permissions = query.getAll("permissions")
        if !permissions.isEmpty { object["permissions"] = .array(permissions.map(JSONValue.string)) }
        if let type = request.headers[.contentType], !type.isEmpty, type != "application/x-www-form-urlencoded" {
            object["content_type"] = .string(type)
        }
        object["content_base64"] = "AA=="  // stands in for the body, which is checked below
        let file: UploadFileRequest
        do {
            file = try UploadFilePayload.translate(.object(object)).0
        } catch {
            throw BridgeError.invalidPayload(error)
        }
        try checkBucket(file.bucketID, of: instance)
        let limit = config.limits.maximumUploadBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw BridgeError.payloadTooLarge(limit: limit)
        }
        let spool = try await SpoolFile.write(request.body, stateDirectory: config.outbox.stateDirectory, limit: limit)
        guard spool.size > 0 else {
            spool.remove()
            throw BridgeError.invalidPayload(PayloadError(field: nil, "the body is empty; it must be the file's bytes"))
        }
        switch try await deliver(file, spool: spool, instance: instance) {
        case .stored(let result): return JSONResponse.make(bytes: result.body, status: .init(code: result.status))
        case .queued(let receipt): return receipt
        }
    }

    private func storageInstance(_ projectID: String, config: BridgeConfig, context: BridgeRequestContext, unknown: BridgeError) throws
        -> InstanceConfig
    {
        guard let instance = config.instance(projectID: projectID), instance.storage != nil else { throw unknown }
        if let token = context.token, !token.instances.allows(projectID) {
            throw BridgeError.forbidden(tokenName: token.name, projectID: projectID)
        }
        return instance
    }

    private func checkBucket(_ bucketID: String, of instance: InstanceConfig) throws {
        guard instance.storage?.buckets.allows(bucketID) ?? false else {
            throw BridgeError.notAllowed(
                field: "bucket_id",
                "bucket '\(bucketID)' is not on the buckets list of instance '\(instance.projectID)'"
            )
        }
    }

    /// What became of an upload: Appwrite's answer, or the outbox's receipt.
    enum Outcome {
        case stored(AppwriteResponse)
        case queued(Response)
    }

    /// Sends the spooled file (removed once Appwrite has it). When Appwrite cannot take it now,
    /// or earlier items of the instance are still queued, the spool file and a queue row keep it.
    private func deliver(_ file: UploadFileRequest, spool: SpoolFile, instance: InstanceConfig) async throws -> Outcome {
        if outbox.hasPending(projectID: instance.projectID) {
            return .queued(try await queue(file, spool: spool, instance: instance, reason: BridgeAPI.behindQueueReason))
        }
        let started = ContinuousClock.now
        let result: AppwriteResponse
        do {
            result = try await client.createFile(file, from: spool, on: instance)
        } catch {
            return .queued(try await queue(file, spool: spool, instance: instance, reason: error.reason))
        }
        if !result.isSuccess, Outbox.retryableStatuses.contains(result.status) {
            let reason = "Appwrite answered HTTP \(result.status)" + (result.error.map { " \($0.type)" } ?? "")
            return .queued(try await queue(file, spool: spool, instance: instance, reason: reason))
        }
        spool.remove()
        guard result.isSuccess else { throw BridgeError.upstreamRejected(projectID: instance.projectID, response: result) }
        logger.info(
            "file uploaded",
            metadata: [
                "project_id": "\(instance.projectID)", "bucket_id": "\(file.bucketID)",
                "file_id": "\(result.json?["$id"]?.stringValue ?? file.fileID)", "bytes": "\(spool.size)",
                "duration_ms": "\(Int((ContinuousClock.now - started) / .milliseconds(1)))",
            ]
        )
        return .stored(result)
    }

    /// Queues an upload, its bytes already fsync'd in the spool file; 507 past outbox.max_bytes.
    private func queue(_ file: UploadFileRequest, spool: SpoolFile, instance: InstanceConfig, reason: String) async throws -> Response {
        let limit = state.current.config.outbox.maximumBytes
        let queuedBytes: Int
        do {
            let queued = try await outbox.store.all().compactMap { item -> SpoolFile? in
                if case .upload(let upload) = item.request { return upload.spool }
                return nil
            }
            SpoolFile.sweep(stateDirectory: state.current.config.outbox.stateDirectory, keeping: Set(queued.map(\.path) + [spool.path]))
            queuedBytes = queued.reduce(0) { $0 + $1.size }
        } catch {
            spool.remove()
            throw BridgeError.outboxUnavailable(projectID: instance.projectID, reason: "\(error)")
        }
        guard queuedBytes + spool.size <= limit else {
            spool.remove()
            logger.error(
                "upload lost: Appwrite is unreachable and the outbox is full",
                metadata: ["project_id": "\(instance.projectID)", "bucket_id": "\(file.bucketID)", "bytes": "\(spool.size)"]
            )
            throw BridgeError.outboxFull(limit: limit)
        }
        var fixed = file
        // A concrete ID makes a retry after a lost answer recognisable (409, or a resumed upload).
        if fixed.fileID == "unique()" { fixed.fileID = Self.newFileID() }
        let id: Int64
        do {
            id = try await outbox.enqueue(.upload(QueuedUpload(file: fixed, spool: spool)), projectID: instance.projectID, reason: reason)
        } catch {
            spool.remove()
            throw BridgeError.outboxUnavailable(projectID: instance.projectID, reason: "\(error)")
        }
        logger.notice(
            "upload queued in the outbox",
            metadata: [
                "outbox_id": "\(id)", "project_id": "\(instance.projectID)", "bucket_id": "\(fixed.bucketID)",
                "file_id": "\(fixed.fileID)", "bytes": "\(spool.size)", "reason": "\(reason)",
            ]
        )
        let body: JSONValue = .object(
            JSONObject([
                ("queued", .bool(true)),
                ("outbox_id", .number(String(id))),
                ("project_id", .string(instance.projectID)),
                ("bucket_id", .string(fixed.bucketID)),
                ("file_id", .string(fixed.fileID)),
                ("size", .number(String(spool.size))),
                ("reason", .string(reason)),
            ])
        )
        return JSONResponse.make(body, status: .accepted)
    }

    /// Appwrite's ID.unique() shape: 20 hex digits.
    static func newFileID() -> String {
        String((0..<20).map { _ in "0123456789abcdef".randomElement()! })
    }

    /// Home Assistant's answer: `[]`, or `{"changed_states": [], "service_response": <File>}`.
    static func answer(_ result: AppwriteResponse, returnResponse: Bool) -> Response {
        guard returnResponse else { return JSONResponse.make(bytes: Array("[]".utf8)) }
        var body = Array(#"{"changed_states":[],"service_response":"#.utf8)
        body += result.body
        body.append(UInt8(ascii: "}"))
        return JSONResponse.make(bytes: body)
    }
}
