/// A content type from a file name's extension, for uploads that do not give one.
enum MediaTypes {
    static let byExtension: [String: String] = [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
        "heic": "image/heic", "svg": "image/svg+xml", "bmp": "image/bmp", "mp4": "video/mp4", "mov": "video/quicktime",
        "webm": "video/webm", "mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg", "pdf": "application/pdf",
        "json": "application/json", "txt": "text/plain", "csv": "text/csv", "html": "text/html", "xml": "application/xml",
        "zip": "application/zip", "gz": "application/gzip", "tar": "application/x-tar", "log": "text/plain",
    ]

    static func guess(fileName: String) -> String {
        guard let dot = fileName.lastIndex(of: ".") else { return "application/octet-stream" }
        return byExtension[fileName[fileName.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
