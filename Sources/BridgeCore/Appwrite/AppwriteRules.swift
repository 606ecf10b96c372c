import Foundation

/// Appwrite's own parameter rules (server 1.9.6), checked locally so a call Appwrite would refuse
/// never leaves the bridge.
public enum AppwriteRules {
    public static let maximumIDLength = 36
    public static let idRuleDescription =
        "at most 36 characters of a-z, A-Z, 0-9, period, hyphen and underscore, not starting with a special character"
    public static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    public static let maximumPathLength = 2048
    public static let maximumBodyLength = 10_485_760
    public static let maximumHeaderCount = 100
    public static let maximumHeadersSize = 16_384
    /// Appwrite needs a schedule strictly more than this far in the future.
    public static let minimumScheduleLead: TimeInterval = 60

    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.utf8.first, id.utf8.count <= maximumIDLength else { return false }
        guard isAlphanumeric(first) else { return false }
        return id.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// Returns what is wrong with the headers, or nil when Appwrite would accept them.
    public static func headersProblem(_ headers: [(name: String, value: String)]) -> String? {
        if headers.count > maximumHeaderCount {
            return "at most \(maximumHeaderCount) headers are allowed, got \(headers.count)"
        }
        var size = 0
        for (name, value) in headers {
            guard let first = name.utf8.first, let last = name.utf8.last, isAlphanumeric(first), isAlphanumeric(last),
                name.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") })
            else {
                return "header name '\(name)' may hold only letters, digits and hyphens, and must start and end with a letter or digit"
            }
            if name.lowercased().hasPrefix("x-appwrite-") {
                return "header name '\(name)' is reserved: names must not start with x-appwrite-"
            }
            size += name.count + value.count
        }
        if size >= maximumHeadersSize {
            return "header names and values add up to \(size) characters; Appwrite allows fewer than \(maximumHeadersSize)"
        }
        return nil
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
