import Foundation

/// One file for a bucket, checked against Appwrite's rules; its bytes come separately.
public struct UploadFileRequest: Sendable, Equatable {
    public var bucketID: String
    /// `unique()` until Appwrite (or the first chunk's answer) names it.
    public var fileID: String
    public var fileName: String
    public var contentType: String
    /// nil: Appwrite's default (the API key's upload gets no permissions).
    public var permissions: [String]?

    /// Where the `upload_file_<project_id>` payload's bytes come from.
    public enum Source: Sendable, Equatable {
        case inline([UInt8])
        case url(String)
    }
}

/// The `upload_file_<project_id>` payload: field checks, each refusal naming its field.
public enum UploadFilePayload {
    static let fields = ["bucket_id", "file_id", "file_name", "content_base64", "source_url", "content_type", "permissions"]

    public static func translate(_ payload: JSONValue) throws(PayloadError) -> (UploadFileRequest, UploadFileRequest.Source) {
        guard case .object(let object) = payload else {
            throw PayloadError(field: nil, "the payload must be a JSON object, got \(payload.typeName)")
        }
        for key in object.keys where !fields.contains(key) {
            throw PayloadError(field: key, "unknown field; upload_file takes \(fields.joined(separator: ", "))")
        }
        let bucketID = try requiredString(object, "bucket_id")
        guard AppwriteRules.isValidID(bucketID) else {
            throw PayloadError(field: "bucket_id", "must be \(AppwriteRules.idRuleDescription)")
        }
        let fileID = try optionalString(object, "file_id") ?? "unique()"
        guard fileID == "unique()" || AppwriteRules.isValidID(fileID) else {
            throw PayloadError(field: "file_id", "must be unique() or \(AppwriteRules.idRuleDescription)")
        }
        let fileName = try requiredString(object, "file_name")
        try checkFileName(fileName, field: "file_name")
        let contentType = try optionalString(object, "content_type") ?? MediaTypes.guess(fileName: fileName)
        try checkContentType(contentType, field: "content_type")
        let permissions = try permissionList(object["permissions"])

        let base64 = try optionalString(object, "content_base64")
        let url = try optionalString(object, "source_url")
        let source: UploadFileRequest.Source
        switch (base64, url) {
        case (let text?, nil):
            guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !data.isEmpty else {
                throw PayloadError(field: "content_base64", "must be non-empty base64")
            }
            source = .inline(Array(data))
        case (nil, let text?):
            guard let parts = URLParts(text), ["http", "https"].contains(parts.scheme) else {
                throw PayloadError(field: "source_url", "must be an absolute http or https URL")
            }
            source = .url(text)
        case (nil, nil):
            throw PayloadError(field: "content_base64", "give the file as content_base64 or source_url")
        case (.some, .some):
            throw PayloadError(field: "source_url", "give content_base64 or source_url, not both")
        }
        let request = UploadFileRequest(
            bucketID: bucketID,
            fileID: fileID,
            fileName: fileName,
            contentType: contentType,
            permissions: permissions
        )
        return (request, source)
    }

    /// File names travel in a multipart header: no quotes, no line breaks, no path.
    static func checkFileName(_ name: String, field: String) throws(PayloadError) {
        guard !name.isEmpty, name.utf8.count <= 255 else { throw PayloadError(field: field, "must be 1 to 255 bytes") }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\"" || $0 == "/" || $0 == "\\" || $0.value == 0x7F }) else {
            throw PayloadError(field: field, "must not contain quotes, slashes or control characters")
        }
    }

    static func checkContentType(_ type: String, field: String) throws(PayloadError) {
        let pieces = type.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty, type.utf8.count <= 255,
            !type.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { throw PayloadError(field: field, "must be a media type like image/jpeg") }
    }

    static func permissionList(_ value: JSONValue?) throws(PayloadError) -> [String]? {
        guard let value, value != .null else { return nil }
        guard case .array(let items) = value else { throw PayloadError(field: "permissions", "must be a list of permission strings") }
        guard items.count <= PermissionRules.maximumCount else {
            throw PayloadError(field: "permissions", "at most \(PermissionRules.maximumCount) permissions")
        }
        var permissions: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else { throw PayloadError(field: "permissions[\(index)]", "must be a string") }
            if let problem = PermissionRules.problem(text) { throw PayloadError(field: "permissions[\(index)]", problem) }
            permissions.append(text)
        }
        return permissions
    }

    private static func requiredString(_ object: JSONObject, _ key: String) throws(PayloadError) -> String {
        guard let value = try optionalString(object, key) else { throw PayloadError(field: key, "is required") }
        return value
    }

    private static func optionalString(_ object: JSONObject, _ key: String) throws(PayloadError) -> String? {
        guard let value = object[key], value != .null else { return nil }
        guard case .string(let text) = value else { throw PayloadError(field: key, "must be a string, got \(value.typeName)") }
        return text
    }
}
