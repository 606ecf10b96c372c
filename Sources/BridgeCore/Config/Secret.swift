/// A credential (API key or bridge token). Its description never shows the value, so a secret that
/// ends up in string interpolation or a log metadata dump stays hidden.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }

    /// Compares in time that depends only on the lengths, so response timing does not leak how
    /// much of a guessed token was right.
    public func constantTimeEquals(_ candidate: some StringProtocol) -> Bool {
        let expected = Array(value.utf8)
        let given = Array(candidate.utf8)
        var difference = UInt8(expected.count == given.count ? 0 : 1)
        for index in 0..<given.count {
            difference |= given[index] ^ (index < expected.count ? expected[index] : 0)
        }
        return difference == 0
    }
}

/// Where bridge.yaml says a secret lives. An inline value is allowed for quick tests only.
public enum SecretSource: Sendable, Equatable {
    case file(String)
    case environment(String)
    case inline(String)
}
