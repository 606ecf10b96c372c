import HTTPTypes
import Hummingbird
import NIOCore

/// Uploads to Appwrite Storage: the `upload_file_<project_id>` action and the raw-body route
/// `POST /api/files/<project_id>/<bucket_id>?file_name=…`. Every upload is spooled to disk first
/// (streamed, so memory holds one 5 MiB chunk at most), then goes through the pipeline, which
/// sends it in Appwrite's chunked protocol or queues it.
struct StorageRoutes: Sendable {
    let state: BridgeState
    let pipeline: ExecutionPipeline

    var collection: RouteCollection<BridgeRequestContext> {
        _ = ChunkMemory.configured
        let routes = RouteCollection(context: BridgeRequestContext.self)
        routes.post("files/:project/:bucket") { request, context in
            try await uploadRaw(request: request, context: context)
        }
        return routes
    }

    /// `upload_file_<project_id>`, dispatched from the action route.
    func uploadAction(projectID: String, config: BridgeConfig, request: Request, context: BridgeRequestContext) async throws -> Response {
        let instance = try storageInstance(
            projectID,
            config: config,
            context: context,
            unknown: .unknownAction(ActionName.uploadFile(projectID: projectID))
        )
        // Base64 adds a third: the JSON limit grows with max_upload_bytes for this action only.
        let limit = max(config.limits.maximumBodyBytes, config.limits.maximumUploadBytes / 3 * 4 + 64 * 1024)
        let payload = try await RequestBody.json(request, limit: limit)
        let (file, source): (UploadFileRequest, UploadFileRequest.Source)
        do {
            (file, source) = try UploadFilePayload.translate(payload)
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
            spool = try await SourceFetcher(httpClient: pipeline.client.httpClient).fetch(
                url,
                host: host,
                stateDirectory: config.outbox.stateDirectory,
                limit: config.limits.maximumUploadBytes
            )
        }
        switch try await upload(file, spool: spool, config: config, instance: instance, token: context.token) {
        case .answered(let result), .unfinished(let result, _, _):
            return JSONResponse.serviceResponse(result, returnResponse: ReturnResponseFlag.isSet(in: request.uri.query))
        case .queued(let receipt):
            return JSONResponse.receipt(receipt)
        }
    }

    /// The raw body is the file; `file_name` (required), `file_id` and `permissions` (repeated)
    /// come from the query, the content type from the request's own header.
    private func uploadRaw(request: Request, context: BridgeRequestContext) async throws -> Response {
        let config = state.current.config
        let projectID = try context.parameters.require("project")
        let bucketID = try context.parameters.require("bucket")
        let instance = try storageInstance(
            projectID,
            config: config,
            context: context,
            unknown: .unknownInstance(projectID),
            withoutStorage: .storageNotEnabled(projectID: projectID)
        )
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
        switch try await upload(file, spool: spool, config: config, instance: instance, token: context.token) {
        case .answered(let result), .unfinished(let result, _, _):
            return JSONResponse.make(bytes: result.body, status: .init(code: result.status))
        case .queued(let receipt):
            return JSONResponse.receipt(receipt)
        }
    }

    /// The spool file stays only when the outbox keeps the upload for later.
    private func upload(_ file: UploadFileRequest, spool: SpoolFile, config: BridgeConfig, instance: InstanceConfig, token: AccessToken?)
        async throws -> PipelineOutcome
    {
        let call = PipelineCall(
            origin: .action,
            config: config,
            instance: instance,
            request: .upload(QueuedUpload(file: file, spool: spool)),
            token: token
        )
        do {
            let outcome = try await pipeline.run(call)
            if case .queued = outcome { return outcome }
            spool.remove()
            return outcome
        } catch {
            spool.remove()
            throw error
        }
    }

    /// The action names an action that does not exist without storage (`unknown`); the raw route
    /// names an instance, so one that exists without storage says so (`withoutStorage`) once the
    /// token may see it.
    private func storageInstance(
        _ projectID: String,
        config: BridgeConfig,
        context: BridgeRequestContext,
        unknown: BridgeError,
        withoutStorage: BridgeError? = nil
    ) throws -> InstanceConfig {
        guard let instance = config.storageInstance(projectID: projectID) else {
            guard let withoutStorage, config.instance(projectID: projectID) != nil else { throw unknown }
            try context.requireAccess(to: projectID)
            throw withoutStorage
        }
        try context.requireAccess(to: projectID)
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
}
