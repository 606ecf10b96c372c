import Foundation

/// Appwrite's own parameter rules (server 1.9.6, see Sources/AppwriteSimulator/README.md), checked
/// locally so a call Appwrite would refuse never leaves the bridge, and a call it would take is
/// never refused here. Lengths are PHP's: `mb_strlen` (Unicode code points) for Utopia's Text
/// validator, `strlen` (UTF-8 bytes) where Appwrite's Headers validator counts.
public enum AppwriteRules {
    public static let maximumIDLength = 36
    public static let idRuleDescription =
        "at most 36 characters of a-z, A-Z, 0-9, period, hyphen and underscore, not starting with a special character"
    /// Utopia's UID validator, word for word: what Appwrite answers for a bad ID in a path.
    public static let uidDescription =
        "UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore"
    public static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    public static let maximumPathLength = 2048
    public static let maximumBodyLength = 10_485_760
    public static let maximumHeaderCount = 100
    public static let maximumHeadersSize = 16_384
    /// `headers` given as a JSON string: Text(65535); as an object: its json_encode at most this.
    public static let maximumHeadersTextLength = 65_535
    public static let maximumScheduleLength = 100
    /// Appwrite needs a schedule strictly more than this far in the future.
    public static let minimumScheduleLead: TimeInterval = 60

    /// PHP's `mb_strlen`: Unicode code points, not grapheme clusters (a letter followed by 300,000
    /// combining marks is 300,001 long, not 1).
    public static func length(_ text: String) -> Int { text.unicodeScalars.count }

    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.utf8.first, id.utf8.count <= maximumIDLength else { return false }
        guard isAlphanumeric(first) else { return false }
        return id.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// Utopia's loose Boolean: true, false, "true", "false", "1", "0", 1, 0 (not 1.0, not "yes").
    public static func looseBoolean(_ value: JSONValue) -> Bool? {
        switch value {
        case .bool(let flag): flag
        case .string("true"), .string("1"), .number("1"): true
        case .string("false"), .string("0"), .number("0"), .number("-0"): false
        default: nil
        }
    }

    /// Returns what is wrong with the headers, or nil when Appwrite's Headers validator passes them.
    /// Names are checked as given: "x-appwrite-" is refused, "X-Appwrite-" is not (Appwrite's
    /// check is case-sensitive). Sizes add `strlen(name) + strlen(value)` in order and must stay
    /// below 16,384 bytes.
    public static func headersProblem(_ headers: [(name: String, value: String)]) -> String? {
        if headers.count > maximumHeaderCount {
            return "at most \(maximumHeaderCount) headers are allowed, got \(headers.count)"
        }
        var size = 0
        for (name, value) in headers {
            guard !name.isEmpty else { return "header names must not be empty" }
            size += name.utf8.count + value.utf8.count
            if size >= maximumHeadersSize {
                return "header names and values add up to \(size) bytes or more; Appwrite allows fewer than \(maximumHeadersSize)"
            }
            guard let first = name.utf8.first, let last = name.utf8.last, isAlphanumeric(first), isAlphanumeric(last),
                name.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") })
            else {
                return "header name '\(name)' may hold only letters, digits and hyphens, and must start and end with a letter or digit"
            }
            if name.hasPrefix("x-appwrite-") {
                return "header name '\(name)' is reserved: names must not start with x-appwrite-"
            }
            if isPHPIntegerKey(name) {
                return "header name '\(name)' is a number, which Appwrite does not take as a header name"
            }
        }
        return nil
    }

    /// A key PHP turns into an integer array key ("0", "12", "-3"; not "012" or "1.5").
    static func isPHPIntegerKey(_ key: String) -> Bool {
        let digits = key.hasPrefix("-") ? key.dropFirst() : Substring(key)
        return !digits.isEmpty && digits.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            && (digits == "0" || !digits.hasPrefix("0")) && key != "-0" && Int(key) != nil
    }

    /// The byte length of PHP's `json_encode` of a string (`/` and non-ASCII escaped).
    static func phpJSONLength(_ text: String) -> Int {
        var length = 2
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"", "\\", "/", "\u{08}", "\u{0C}", "\n", "\r", "\t": length += 2
            case _ where scalar.value < 0x20: length += 6
            case _ where scalar.isASCII: length += 1
            case _ where scalar.value > 0xFFFF: length += 12
            default: length += 6
            }
        }
        return length
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
