/// The Utopia validators createExecution's parameters go through (utopia-php/validators 0.2.6,
/// utopia-php/database 6.0.0 and Appwrite's own Headers), with their exact descriptions. Lengths
/// are PHP's: `mb_strlen` counts Unicode code points, `strlen` counts UTF-8 bytes.
enum UtopiaValidators {
    /// `Text($length, $min)`: a string of min…length code points (`length` 0: no maximum).
    static func text(_ value: PHPValue, length: Int, min: Int = 1) -> Bool {
        guard case .string(let text) = value else { return false }
        let count = text.unicodeScalars.count
        return count >= min && (length == 0 || count <= length)
    }

    static func textDescription(length: Int, min: Int = 1) -> String {
        var message = "Value must be a valid string"
        if min == length {
            message += " and exactly \(length) chars"
        } else {
            if min != 0 { message += " and at least \(min) chars" }
            if length != 0 { message += " and no longer than \(length) chars" }
        }
        return message
    }

    /// `Boolean(true)`: true, false, "true", "false", "1", "0", 1, 0.
    static func looseBoolean(_ value: PHPValue) -> Bool {
        switch value {
        case .bool, .string("true"), .string("false"), .string("1"), .string("0"), .int(1), .int(0): true
        default: false
        }
    }

    static let booleanDescription = "Value must be a valid boolean"

    /// `WhiteList($list, true)`: exactly one of the list, case-sensitive.
    static func whiteList(_ value: PHPValue, _ list: [String]) -> Bool {
        guard case .string(let text) = value else { return false }
        return list.contains(text)
    }

    static func whiteListDescription(_ list: [String]) -> String { "Value must be one of (\(list.joined(separator: ", ")))" }

    /// `UID(36)` (Key without internal IDs): 1 to 36 of A-Z a-z 0-9 . - _, not starting with . - _.
    static func uid(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, !["_", ".", "-", "$"].contains(first) else { return false }
        guard value.unicodeScalars.count <= 36 else { return false }
        return value.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_-.".unicodeScalars.contains(scalar))
        }
    }

    static let uidDescription =
        "UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore"

    /// Appwrite's CustomId (the Key validator's rule, as for `messageId`) in its own words.
    static let keyDescription =
        "Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char"

    /// `Assoc()`: an array whose keys are not exactly 0…n-1 (PHP's `range(0, -1)` is `[0, -1]`,
    /// so an empty array passes) and whose `json_encode` is at most 65,535 bytes.
    static func assoc(_ value: PHPValue) -> Bool {
        guard value.isArray, PHPJSONLength.of(value) <= 65_535 else { return false }
        let keys = value.arrayKeys
        return keys.isEmpty || keys != keys.indices.map { PHPKey.int($0) }
    }

    static let headersDescription =
        "Invalid headers: Alphanumeric characters or hyphens only, cannot start with \"x-appwrite\", maximum 100 keys, and total size 16384."

    /// Appwrite's `Functions\Validator\Headers`: empty passes; at most 100 keys; string keys of
    /// ASCII letters, digits and inner hyphens, not starting with "x-appwrite-" (case-sensitive);
    /// the running `strlen(key) + strlen(value)` must stay below 16,384 bytes. nil: PHP throws a
    /// TypeError (a value that is itself an array), which Appwrite answers 500.
    static func headers(_ value: PHPValue) -> Bool? {
        if value.isEmpty { return true }
        guard value.isArray else { return false }
        let entries: [(PHPKey, PHPValue)]
        switch value {
        case .list(let items): entries = items.enumerated().map { (.int($0.offset), $0.element) }
        case .object(let pairs): entries = pairs.map { (PHPKey($0.key), $0.value) }
        default: return false
        }
        guard entries.count <= 100 else { return false }
        var size = 0
        for (key, element) in entries {
            guard case .string(let name) = key, !name.isEmpty else { return false }
            guard let text = element.phpString else { return nil }
            size += name.utf8.count + text.utf8.count
            guard size < 16_384 else { return false }
            let bytes = Array(name.utf8)
            guard isAlphanumeric(bytes[0]), isAlphanumeric(bytes[bytes.count - 1]) else { return false }
            guard bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else { return false }
            guard !name.hasPrefix("x-appwrite-") else { return false }
        }
        return true
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

/// The byte length of PHP's `json_encode` (default flags: `/` and non-ASCII escaped).
enum PHPJSONLength {
    static func of(_ value: PHPValue) -> Int {
        switch value {
        case .null: return 4
        case .bool(let flag): return flag ? 4 : 5
        case .int(let number): return String(number).utf8.count
        case .float(_, let text): return text.utf8.count
        case .string(let text): return string(text)
        case .list(let items): return 2 + items.map(of).reduce(0, +) + max(items.count - 1, 0)
        case .object(let entries):
            // A PHP array with keys 0…n-1 is encoded as a JSON list.
            if PHPValue.object(entries).arrayKeys == entries.indices.map({ PHPKey.int($0) }) {
                return 2 + entries.map { of($0.value) }.reduce(0, +) + max(entries.count - 1, 0)
            }
            return 2 + entries.map { string($0.key) + 1 + of($0.value) }.reduce(0, +) + max(entries.count - 1, 0)
        }
    }

    static func string(_ text: String) -> Int {
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
}
