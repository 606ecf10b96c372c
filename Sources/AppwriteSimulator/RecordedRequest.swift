/// One request as the simulator received it, for tests that check exactly what Appwrite got.
public struct RecordedRequest: Codable, Sendable, Equatable {
    public var method: String
    /// Path with the query string.
    public var path: String
    /// Header names lower-cased.
    public var headers: [String: String]
    /// The raw body text.
    public var body: String
    public var receivedAt: String
}
