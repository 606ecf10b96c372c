import Foundation

/// Appwrite's File model (server 1.9), plus the bytes received so far, which are never encoded.
public struct StoredFile: Encodable, Sendable {
    public var id: String
    public var bucketID: String
    public var createdAt: String
    public var updatedAt: String
    public var permissions: [String]
    public var name: String
    public var signature: String = ""
    public var mimeType: String = ""
    public var sizeOriginal: Int
    public var sizeActual: Int = 0
    public var chunksTotal: Int
    public var chunksUploaded: Int = 0
    public var encryption = false
    public var compression = "none"
    /// The file's bytes as reassembled from its chunks.
    public var bytes: [UInt8] = []

    public var isComplete: Bool { chunksUploaded == chunksTotal }

    enum CodingKeys: String, CodingKey {
        case id = "$id"
        case bucketID = "bucketId"
        case createdAt = "$createdAt"
        case updatedAt = "$updatedAt"
        case permissions = "$permissions"
        case name, signature, mimeType, sizeOriginal, sizeActual, chunksTotal, chunksUploaded, encryption, compression
    }
}

/// One request to create a file as the simulator received it, for tests to check what the bridge
/// sent: the chunk headers and the exact multipart body.
public struct ReceivedUpload: Codable, Sendable {
    public var projectID: String
    public var bucketID: String
    public var contentType: String
    public var contentRange: String?
    public var appwriteID: String?
    /// The multipart field `fileId` as sent.
    public var fileID: String?
    public var fileName: String?
    /// Size of the file part in this request.
    public var partBytes: Int
    /// The whole multipart body; only kept for bodies up to 64 KiB so chunks do not pile up.
    public var body: [UInt8]?
    public var status: Int
}
