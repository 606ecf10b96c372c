/// Why no answer came back from an Appwrite instance.
public enum AppwriteClientError: Error, Sendable, Equatable {
    /// Connection refused, DNS failure, TLS failure: nothing reached Appwrite, or we cannot tell.
    case unreachable(String)
    /// No complete answer within the instance's `timeout_seconds`; Appwrite may have acted.
    case timeout(seconds: Double)
    /// Something answered, but not like Appwrite (e.g. a redirect or an oversized body).
    case invalidResponse(String)

    public var reason: String {
        switch self {
        case .unreachable(let detail): "cannot connect: \(detail)"
        case .timeout(let seconds): "no answer within \(Self.format(seconds)) s"
        case .invalidResponse(let detail): detail
        }
    }

    public var isTimeout: Bool {
        if case .timeout = self { return true }
        return false
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
