import NIOHTTP1

extension AppwriteClient {
    /// APP_LIMIT_UPLOAD_CHUNK_SIZE, the official SDKs' chunk size.
    public static let uploadChunkSize = 5 * 1024 * 1024

    /// createFile as the official SDKs do it: a file smaller than one chunk in one request;
    /// otherwise 5 MiB chunks with `Content-Range: bytes start-end/total`, each after the first
    /// carrying `x-appwrite-id` from the previous answer's `$id`. Answers Appwrite's last reply, or
    /// the first that is not a success.
    public func createFile(_ file: UploadFileRequest, from spool: SpoolFile, on instance: InstanceConfig) async throws(AppwriteClientError)
        -> AppwriteResponse
    {
        let path = "/storage/buckets/\(file.bucketID)/files"
        let multipart = MultipartBody()
        let typeHeader = ("Content-Type", multipart.contentType)
        func body(_ offset: Int, _ count: Int) throws(AppwriteClientError) -> [UInt8] {
            do {
                return try multipart.bytes(
                    fileID: file.fileID,
                    permissions: file.permissions,
                    fileName: file.fileName,
                    contentType: file.contentType,
                    spool: spool,
                    offset: offset,
                    count: count
                )
            } catch {
                throw .invalidResponse("cannot read the spooled upload: \(error)")
            }
        }
        if spool.size < Self.uploadChunkSize {
            return try await send(.POST, path, body: try body(0, spool.size), to: instance, extraHeaders: [typeHeader])
        }
        var offset = 0
        var uploadID: String?
        var last = AppwriteResponse(status: 0, body: [])
        // Like the SDKs: a file with its own ID may be half there from an earlier attempt, so ask
        // first and go on after its last chunk (or answer it, when it is complete). Not being able
        // to ask fails the attempt: starting over could not add to a half-stored file.
        if file.fileID != AppwriteID.placeholder {
            let existing = try await getFile(bucketID: file.bucketID, fileID: file.fileID, on: instance)
            if existing.status == 200, let uploaded = existing.json?["chunksUploaded"].flatMap(Self.integer),
                let total = existing.json?["chunksTotal"].flatMap(Self.integer), uploaded > 0
            {
                if uploaded >= total { return existing }
                offset = uploaded * Self.uploadChunkSize
                uploadID = file.fileID
            }
        }
        while offset < spool.size {
            let count = min(Self.uploadChunkSize, spool.size - offset)
            var headers = [typeHeader, ("Content-Range", "bytes \(offset)-\(offset + count - 1)/\(spool.size)")]
            if let uploadID { headers.append(("x-appwrite-id", uploadID)) }
            last = try await send(.POST, path, body: try body(offset, count), to: instance, extraHeaders: headers)
            guard last.isSuccess else { return last }
            offset += Self.uploadChunkSize
            if let id = last.json?["$id"]?.stringValue { uploadID = id }
        }
        return last
    }

    static func integer(_ value: JSONValue) -> Int? {
        if case .number(let text) = value { return Int(text) }
        return nil
    }

    public func getFile(bucketID: String, fileID: String, on instance: InstanceConfig) async throws(AppwriteClientError) -> AppwriteResponse
    {
        try await send(.GET, "/storage/buckets/\(bucketID)/files/\(fileID)", body: nil, to: instance)
    }
}
