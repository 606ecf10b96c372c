import NIOCore

/// One request as the simulator received it, for tests that check exactly what Appwrite got.
public struct RecordedRequest: Codable, Sendable, Equatable {
    public var method: String
    /// Path with the query string.
    public var path: String
    /// Header names lower-cased.
    public var headers: [String: String]
    /// The raw body text; empty when the body is not UTF-8 text (a file's bytes: storage keeps its
    /// own log of uploads, `/_simulator/uploads`).
    public var body: String
    /// The body's size in bytes, whether or not it was text.
    public var bodyBytes: Int
    public var receivedAt: String

    /// The body as text if it is valid UTF-8. A file chunk is 5 MiB of arbitrary bytes: repairing
    /// it into a String would keep up to three times its size per recorded request, and every
    /// invalid sequence costs a thrown error inside the standard library's decoder, which a test
    /// process (Swift Testing records a backtrace per throw) turns into seconds of CPU per chunk.
    static func text(of buffer: ByteBuffer) -> String {
        String(validating: buffer.readableBytesView, as: UTF8.self) ?? ""
    }
}
