/// The `multipart/form-data` body of one createFile request, as Appwrite's SDKs build it:
/// `fileId`, `permissions[]`, then the file part.
struct MultipartBody: Sendable {
    let boundary: String

    init(boundary: String = "appwrite-bridge-" + String((0..<24).map { _ in "0123456789abcdef".randomElement()! })) {
        self.boundary = boundary
    }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    func bytes(fileID: String, permissions: [String]?, fileName: String, contentType fileType: String, data: [UInt8]) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(data.count + 1_024)
        func field(_ name: String, _ value: String) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        field("fileId", fileID)
        for permission in permissions ?? [] { field("permissions[]", permission) }
        body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: \(fileType)\r\n\r\n"
                .utf8
        )
        body += data
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return body
    }
}
