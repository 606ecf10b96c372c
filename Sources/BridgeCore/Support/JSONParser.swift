import OrderedCollections

/// A strict RFC 8259 parser that keeps key order and number text, refuses repeated keys, and
/// bounds nesting so a hostile body cannot exhaust the stack.
///
/// Every byte is looked at a bounded number of times whatever the shape: members go into a hash
/// table as they are read, strings are sliced or built in one scratch buffer, and the UTF-8 check
/// is one pass up front. A body four times larger costs about four times as much.
public struct JSONParser {
    public static let defaultMaximumDepth = 64

    private let bytes: [UInt8]
    private var index = 0
    private let maximumDepth: Int
    /// The decoded text of a string with escapes, reused from one string to the next.
    private var scratch: [UInt8] = []
    private var spanMembers: (keys: [String], depth: Int)?
    private var spans: [String: Range<Int>] = [:]

    /// Counts parses in the current task (and its children) while set: how a test proves that a
    /// call parses Appwrite's answer once. Unset, it costs one task-local read per parse.
    @TaskLocal public static var parseCounter: ParseCounter?

    public static func parse(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError)
        -> JSONValue
    {
        try parse(bytes, maximumDepth: maximumDepth, spansOf: nil).value
    }

    /// Also where the values of members `keys` of objects nested `depth` deep (the top-level
    /// object is 1) lie in `bytes`, each key's first occurrence: a caller that passes such a value
    /// on unchanged can copy its text instead of writing it again.
    public static func parse(_ bytes: [UInt8], spansOfMembers keys: [String], atDepth depth: Int) throws(JSONParseError)
        -> (value: JSONValue, spans: [String: Range<Int>])
    {
        try parse(bytes, maximumDepth: defaultMaximumDepth, spansOf: (keys, depth))
    }

    private static func parse(_ bytes: [UInt8], maximumDepth: Int, spansOf members: (keys: [String], depth: Int)?) throws(JSONParseError)
        -> (value: JSONValue, spans: [String: Range<Int>])
    {
        parseCounter?.increment()
        if let offset = firstInvalidUTF8Offset(bytes) { throw .invalidUTF8(offset: offset) }
        var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth)
        parser.spanMembers = members
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw .syntax(offset: parser.index, expected: "end of input") }
        return (value, parser.spans)
    }

    public static func parse(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError)
        -> JSONValue
    {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }

    private init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let byte = current else { throw .syntax(offset: index, expected: "a value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw .syntax(offset: index, expected: "a value")
        }
    }

    private mutating func expectLiteral(_ literal: String) throws(JSONParseError) {
        for expected in literal.utf8 {
            guard current == expected else { throw .syntax(offset: index, expected: "'\(literal)'") }
            index += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw .tooDeep(limit: maximumDepth) }
        index += 1
        var members = OrderedDictionary<JSONKey, JSONValue>()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject(members: members))
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw .syntax(offset: index, expected: "a string key") }
            let keyOffset = index
            let key = try parseString()
            // One hash lookup per member: claim the slot now (so a repeat is caught in document
            // order, before its value is read), fill it once the value is parsed.
            let (previous, slot) = members.updateValue(.null, forKey: JSONKey(key), insertingAt: members.count)
            if previous != nil { throw .duplicateKey(path: JSONPathComponent.key(key).description, offset: keyOffset) }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw .syntax(offset: index, expected: "':'") }
            index += 1
            skipWhitespace()
            let valueStart = index
            do {
                members.values[slot] = try parseValue(depth: depth)
            } catch {
                throw error.nested(in: .key(key))
            }
            if let spanMembers, depth == spanMembers.depth, spanMembers.keys.contains(key), spans[key] == nil {
                spans[key] = valueStart..<index
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(JSONObject(members: members))
            default: throw .syntax(offset: index, expected: "',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw .tooDeep(limit: maximumDepth) }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            do {
                elements.append(try parseValue(depth: depth))
            } catch {
                throw error.nested(in: .index(elements.count))
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default: throw .syntax(offset: index, expected: "',' or ']'")
            }
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> String {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, isDigit(first) else { throw .syntax(offset: index, expected: "a digit") }
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            skipDigits()
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard let byte = current, isDigit(byte) else { throw .syntax(offset: index, expected: "a digit") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let byte = current, isDigit(byte) else { throw .syntax(offset: index, expected: "a digit") }
            skipDigits()
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { index += 1 }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        let start = index
        // Most strings have no escape: they become one String straight from their bytes (already
        // known to be UTF-8).
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
            case UInt8(ascii: "\\"):
                return try parseEscapedString(from: start)
            case 0..<0x20:
                throw .syntax(offset: index, expected: "an escaped control character")
            default:
                index += 1
            }
        }
        throw .syntax(offset: index, expected: "'\"'")
    }

    /// The rest of a string that has escapes, decoded into `scratch` and turned into a String once.
    private mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: bytes[start..<index])
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                appendUTF8(try parseEscape())
            case 0..<0x20:
                throw .syntax(offset: index, expected: "an escaped control character")
            default:
                scratch.append(byte)
                index += 1
            }
        }
        throw .syntax(offset: index, expected: "'\"'")
    }

    private mutating func appendUTF8(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            scratch.append(UInt8(value))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (value >> 6)))
            scratch.append(UInt8(0x80 | (value & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (value >> 12)))
            scratch.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (value & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (value >> 18)))
            scratch.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (value & 0x3F)))
        }
    }

    private mutating func parseEscape() throws(JSONParseError) -> Unicode.Scalar {
        guard let byte = current else { throw .syntax(offset: index, expected: "an escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try parseHex4()
            if (0xD800...0xDBFF).contains(high) {
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                else { throw .syntax(offset: index, expected: "a low surrogate") }
                index += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw .syntax(offset: index, expected: "a low surrogate") }
                let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                return Unicode.Scalar(combined)!
            }
            guard let scalar = Unicode.Scalar(high) else { throw .syntax(offset: index, expected: "a valid code point") }
            return scalar
        default:
            throw .syntax(offset: index - 1, expected: "a valid escape")
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw .syntax(offset: index, expected: "a hex digit") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw .syntax(offset: index, expected: "a hex digit")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }
}
