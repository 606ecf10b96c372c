/// The files of every bucket of every project, and a log of the upload requests received.
public actor SimulatorStorage {
    private var files: [String: StoredFile] = [:]
    private var uploadLog: [ReceivedUpload] = []

    public init() {}

    /// A stored (or partly uploaded) file.
    public func file(projectID: String, bucketID: String, fileID: String) -> StoredFile? {
        files[Self.key(projectID, bucketID, fileID)]
    }

    /// Upload requests in arrival order.
    public func uploads() -> [ReceivedUpload] { uploadLog }

    public func reset() {
        files = [:]
        uploadLog = []
    }

    func record(_ upload: ReceivedUpload) {
        uploadLog.append(upload)
        if uploadLog.count > 1_000 { uploadLog.removeFirst(uploadLog.count - 1_000) }
    }

    /// Applies one request's part to the file, all checks done in one actor turn so two chunks of
    /// the same file cannot interleave.
    func apply(_ part: UploadPart, projectID: String, now: String) throws(AppwriteError) -> (StoredFile, created: Bool) {
        let key = Self.key(projectID, part.bucketID, part.fileID)
        if var existing = files[key] {
            if existing.isComplete {
                guard part.range != nil else { throw .storageFileAlreadyExists }
                return (existing, created: false)
            }
            // Appwrite accepts chunks in any order; the simulator insists on the SDKs' order so a
            // bridge that skips or repeats a chunk is caught.
            guard let range = part.range, range.start == existing.bytes.count, range.total == existing.sizeOriginal else {
                throw .storageInvalidContentRange
            }
            existing.bytes += part.data
            existing.chunksUploaded += 1
            existing.updatedAt = now
            if existing.isComplete { Self.finish(&existing, mimeType: part.mimeType) }
            files[key] = existing
            return (existing, created: true)
        }
        if let range = part.range, range.start != 0 { throw .storageInvalidContentRange }
        var file = StoredFile(
            id: part.fileID,
            bucketID: part.bucketID,
            createdAt: now,
            updatedAt: now,
            permissions: part.permissions,
            name: part.fileName,
            sizeOriginal: part.range?.total ?? part.data.count,
            chunksTotal: part.chunksTotal
        )
        file.bytes = part.data
        file.chunksUploaded = 1
        if file.isComplete { Self.finish(&file, mimeType: part.mimeType) }
        files[key] = file
        return (file, created: true)
    }

    /// updateFile: a new name and/or permissions; nil when there is no such file.
    func update(projectID: String, bucketID: String, fileID: String, name: String?, permissions: [String]?, now: String) -> StoredFile? {
        let key = Self.key(projectID, bucketID, fileID)
        guard var file = files[key] else { return nil }
        if let name { file.name = name }
        if let permissions { file.permissions = permissions }
        file.updatedAt = now
        files[key] = file
        return file
    }

    /// deleteFile: the file that was removed, or nil.
    func delete(projectID: String, bucketID: String, fileID: String) -> StoredFile? {
        files.removeValue(forKey: Self.key(projectID, bucketID, fileID))
    }

    private static func finish(_ file: inout StoredFile, mimeType: String) {
        file.sizeActual = file.bytes.count
        file.mimeType = mimeType
    }

    private static func key(_ projectID: String, _ bucketID: String, _ fileID: String) -> String {
        "\(projectID)/\(bucketID)/\(fileID)"
    }
}

/// What one create-file request brings, after the checks that need no stored state.
struct UploadPart: Sendable {
    var bucketID: String
    var fileID: String
    var fileName: String
    var mimeType: String
    var permissions: [String]
    var data: [UInt8]
    var range: ContentRange?
    var chunksTotal: Int
}

/// `Content-Range: bytes start-end/total`.
struct ContentRange: Sendable, Equatable {
    var start: Int
    var end: Int
    var total: Int

    init?(_ text: String) {
        let trimmed = text.trimmingPrefix("bytes ")
        guard trimmed.count < text.count else { return nil }
        let halves = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, let total = Int(halves[1]) else { return nil }
        let bounds = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let start = Int(bounds[0]), let end = Int(bounds[1]) else { return nil }
        self.start = start
        self.end = end
        self.total = total
    }
}
