/// A request parameter as PHP's `json_decode($body, true)` hands it to Appwrite: integers and
/// floats stay apart (`1` is a loose boolean, `1.0` is not), and objects keep their key order,
/// which Appwrite's header checks walk in.
enum PHPValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// A float, with the text it was written as (for lengths the way PHP prints it).
    case float(Double, String)
    case string(String)
    /// A JSON array: PHP makes it a list, keys 0, 1, 2 …
    case list([PHPValue])
    /// A JSON object: an associative array, in the order written, later duplicates replacing earlier.
    case object([(key: String, value: PHPValue)])

    static func == (lhs: PHPValue, rhs: PHPValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.float(let a, _), .float(let b, _)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.object(let a), .object(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }

    /// PHP's `is_array`: lists and objects.
    var isArray: Bool {
        switch self {
        case .list, .object: true
        default: false
        }
    }

    /// PHP's `empty()`.
    var isEmpty: Bool {
        switch self {
        case .null: true
        case .bool(let flag): !flag
        case .int(let number): number == 0
        case .float(let number, _): number == 0
        case .string(let text): text.isEmpty || text == "0"
        case .list(let items): items.isEmpty
        case .object(let entries): entries.isEmpty
        }
    }

    /// PHP's `strval` for scalars (nil for arrays, where PHP throws a TypeError).
    var phpString: String? {
        switch self {
        case .null: ""
        case .bool(let flag): flag ? "1" : ""
        case .int(let number): String(number)
        case .float(_, let text): text
        case .string(let text): text
        case .list, .object: nil
        }
    }

    /// The keys of the PHP array: a list's are 0…n-1; an object's numeric-string keys ("0", "12",
    /// "-3", but not "012" or "1.5") become integers, as PHP array keys do.
    var arrayKeys: [PHPKey] {
        switch self {
        case .list(let items): items.indices.map { .int($0) }
        case .object(let entries): entries.map { PHPKey($0.key) }
        default: []
        }
    }
}

/// A PHP array key: an integer or a string.
enum PHPKey: Equatable, Sendable {
    case int(Int)
    case string(String)

    init(_ text: String) {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let canonical =
            !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber } && (digits == "0" || !digits.hasPrefix("0"))
            && text != "-0"
        if canonical, let number = Int(text) { self = .int(number) } else { self = .string(text) }
    }
}
