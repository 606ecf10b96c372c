import Foundation

#if canImport(Glibc)
    import Glibc
#endif

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

    /// The same body with `count` bytes of `spool` from `offset` read straight into it: one
    /// allocation per chunk, so a 5 MiB chunk costs 5 MiB here (and one copy in the client).
    func bytes(
        fileID: String,
        permissions: [String]?,
        fileName: String,
        contentType fileType: String,
        spool: SpoolFile,
        offset: Int,
        count: Int
    )
        throws -> [UInt8]
    {
        let empty = bytes(fileID: fileID, permissions: permissions, fileName: fileName, contentType: fileType, data: [])
        let tail = Array("\r\n--\(boundary)--\r\n".utf8)
        let head = empty.prefix(empty.count - tail.count)
        let descriptor = open(spool.path, O_RDONLY)
        guard descriptor >= 0 else { throw CocoaError(.fileReadNoSuchFile) }
        defer { close(descriptor) }
        var failed = false
        let body = [UInt8](unsafeUninitializedCapacity: head.count + count + tail.count) { buffer, initialized in
            _ = buffer.initialize(from: head)
            var done = 0
            while done < count {
                let got = pread(descriptor, buffer.baseAddress! + head.count + done, count - done, off_t(offset + done))
                if got <= 0 {
                    failed = true
                    break
                }
                done += got
            }
            guard !failed else {
                initialized = 0
                return
            }
            _ = UnsafeMutableBufferPointer(rebasing: buffer[(head.count + count)...]).initialize(from: tail)
            initialized = head.count + count + tail.count
        }
        guard !failed else { throw CocoaError(.fileReadCorruptFile) }
        return body
    }
}
