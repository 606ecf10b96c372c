import Foundation

/// An upload waiting in the outbox: its parameters in the queue row, its bytes in a spool file
/// under `<state_dir>/uploads/`, fsync'd before the row is written. The file ID is fixed before
/// the first attempt, so a retry after a lost answer is recognised (409, or a resumed upload).
public struct QueuedUpload: Sendable, Equatable {
    static let kind = "upload"

    public var file: UploadFileRequest
    public var spool: SpoolFile

    var jsonBody: JSONValue {
        var object = JSONObject([
            ("bucket_id", .string(file.bucketID)),
            ("file_id", .string(file.fileID)),
            ("file_name", .string(file.fileName)),
            ("content_type", .string(file.contentType)),
        ])
        if let permissions = file.permissions { object["permissions"] = .array(permissions.map(JSONValue.string)) }
        object["spool_path"] = .string(spool.path)
        object["size"] = .number(String(spool.size))
        return .object(object)
    }

    /// What `GET /api/outbox?bodies=true` shows as its request: the parameters, never the spool
    /// path (the bytes are summed up by `size`).
    var displayedBody: JSONValue {
        var object = summary
        object["content_type"] = .string(file.contentType)
        if let permissions = file.permissions { object["permissions"] = .array(permissions.map(JSONValue.string)) }
        return .object(object)
    }

    /// What `GET /api/outbox` lists for it (the spool path stays private).
    var summary: JSONObject {
        JSONObject([
            ("bucket_id", .string(file.bucketID)),
            ("file_id", .string(file.fileID)),
            ("file_name", .string(file.fileName)),
            ("size", .number(String(spool.size))),
        ])
    }

    init(file: UploadFileRequest, spool: SpoolFile) {
        self.file = file
        self.spool = spool
    }

    init?(storedJSON: String) {
        guard case .object(let object)? = try? JSONParser.parse(storedJSON),
            let bucketID = object["bucket_id"]?.stringValue, let fileID = object["file_id"]?.stringValue,
            let fileName = object["file_name"]?.stringValue, let contentType = object["content_type"]?.stringValue,
            let path = object["spool_path"]?.stringValue, case .number(let sizeText)? = object["size"], let size = Int(sizeText)
        else { return nil }
        var permissions: [String]?
        if case .array(let items)? = object["permissions"] { permissions = items.compactMap(\.stringValue) }
        file = UploadFileRequest(bucketID: bucketID, fileID: fileID, fileName: fileName, contentType: contentType, permissions: permissions)
        spool = SpoolFile(path: path, size: size)
    }

    /// The delivery's verdict on Appwrite's answer; the spool file goes once the item leaves the
    /// queue for good.
    func outcome(of response: AppwriteResponse) -> OutboxDelivery.Outcome {
        let description = "HTTP \(response.status)" + (response.error.map { " \($0.type): \($0.explanation)" } ?? "")
        if response.isSuccess {
            spool.remove()
            return .delivered(createdID: response.json?["$id"]?.stringValue ?? file.fileID)
        }
        // The ID was fixed before the first attempt: Appwrite has the whole file from an attempt
        // whose answer was lost.
        if response.status == 409 && response.error?.type == "storage_file_already_exists" {
            spool.remove()
            return .delivered(
                createdID: file.fileID,
                note: "Appwrite already had file \(file.fileID) from an earlier attempt whose answer was lost; not sent again"
            )
        }
        if Outbox.retryableStatuses.contains(response.status) || [401, 403, 408].contains(response.status) {
            return .retry(reason: "Appwrite answered \(description)")
        }
        spool.remove()
        return .drop(reason: "Appwrite refused it: \(description)")
    }
}
