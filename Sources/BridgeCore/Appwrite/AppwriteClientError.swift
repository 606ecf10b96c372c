/// Why no answer came back from an Appwrite instance.
public enum AppwriteClientError: Error, Sendable, Equatable {
    /// Connection refused, DNS failure, TLS failure: nothing reached Appwrite, or we cannot tell.
    case unreachable(String)
    /// The connection closed after the request was written, before a whole answer came back:
    /// Appwrite may have acted.
    case answerLost(String)
    /// No complete answer within the instance's `timeout_seconds`; Appwrite may have acted.
    case timeout(seconds: Double)
    /// Something answered, but not like Appwrite (e.g. a redirect or an oversized body).
    case invalidResponse(String)

    public var reason: String {
        switch self {
        case .unreachable(let detail): "cannot connect: \(detail)"
        case .answerLost(let detail): "the connection closed before Appwrite's answer arrived: \(detail)"
        case .timeout(let seconds): "no answer within \(Self.format(seconds)) s"
        case .invalidResponse(let detail): detail
        }
    }

    /// Whether the request may have reached Appwrite (and been acted on) although no answer
    /// came: only a connection that was never made rules it out.
    public var mayHaveReachedAppwrite: Bool {
        if case .unreachable = self { return false }
        return true
    }

    public var isTimeout: Bool {
        if case .timeout = self { return true }
        return false
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
