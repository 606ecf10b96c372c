import Foundation

/// listDocuments' `queries[]` (Databases/Collections/Documents/XList.php, utopia-php/database 6.0's
/// Query and its Documents validator). Modelled: equal, notEqual, lessThan(Equal),
/// greaterThan(Equal), isNull, isNotNull, orderAsc, orderDesc, limit, offset, cursorAfter,
/// cursorBefore. Errors are 400 `general_query_invalid`.
struct DocumentQuery: Sendable {
    static let filters: Set<String> = [
        "equal", "notEqual", "lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "isNull", "isNotNull",
    ]
    static let systemAttributes: Set<String> = ["$id", "$sequence", "$createdAt", "$updatedAt"]

    struct Condition: Sendable {
        var method: String
        var attribute: String
        var values: [PHPValue]
    }

    enum Cursor: Sendable {
        case after(String)
        case before(String)
        var id: String {
            switch self {
            case .after(let id), .before(let id): id
            }
        }
    }

    var limit = 25
    var offset = 0
    var conditions: [Condition] = []
    var orders: [(attribute: String, descending: Bool)] = []
    var cursor: Cursor?
    var includeTotal = true

    /// `queries[]=…` (or `queries[0]=…`) and `total`, percent-decoded as PHP decodes them; the
    /// attributes a schema declares, or nil for a schemaless collection.
    init(_ query: String?, attributes: Set<String>?) throws(AppwriteError) {
        var texts: [String] = []
        var total: String?
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if key.hasPrefix("queries["), key.hasSuffix("]") {
                texts.append(value)
            } else if key == "queries" {
                throw .argumentInvalid("queries", "Value must a valid array and Value must be a valid string and no longer than 4096 chars")
            } else if key == "total" {
                total = value
            }
        }
        for text in texts { try add(text, attributes: attributes) }
        if let total {
            guard UtopiaValidators.looseBoolean(.string(total)) else {
                throw .argumentInvalid("total", UtopiaValidators.booleanDescription)
            }
            includeTotal = total == "true" || total == "1"
        }
    }

    private mutating func add(_ text: String, attributes: Set<String>?) throws(AppwriteError) {
        func invalid(_ reason: String) -> AppwriteError { .generalQueryInvalid("Invalid query: \(reason)") }
        guard let decoded = PHPJSONDecoder.decode(Array(text.utf8)) else { throw invalid("Syntax error") }
        guard case .object = decoded else { throw invalid("Invalid query. Must be an array, got \(decoded.phpType)") }
        guard case .string(let method) = decoded["method"] ?? .string("") else { throw invalid("Invalid query method. Must be a string") }
        let attribute: String
        switch decoded["attribute"] ?? .string("") {
        case .string(let name): attribute = name
        default: throw invalid("Invalid query attribute. Must be a string")
        }
        let values: [PHPValue]
        switch decoded["values"] ?? .list([]) {
        case .list(let items): values = items
        default: throw invalid("Invalid query values. Must be an array")
        }
        func checkAttribute(_ name: String) throws(AppwriteError) {
            guard let attributes, !Self.systemAttributes.contains(name) else { return }
            guard attributes.contains(name) else { throw invalid("Attribute not found in schema: \(name)") }
        }
        let range = "Value must be a valid range between %@ and 9,223,372,036,854,775,807"
        switch method {
        case "limit", "offset":
            let minimum = method == "limit" ? 1 : 0
            guard case .int(let number)? = values.first else { throw invalid("Invalid \(method): Value must be a valid number") }
            guard number >= minimum else {
                throw invalid("Invalid \(method): " + range.replacingOccurrences(of: "%@", with: String(minimum)))
            }
            if method == "limit" { limit = number } else { offset = number }
        case "cursorAfter", "cursorBefore":
            guard case .string(let id)? = values.first, UtopiaValidators.uid(id) else {
                throw invalid("Invalid cursor: Cursor must be a valid document ID")
            }
            cursor = method == "cursorAfter" ? .after(id) : .before(id)
        case "orderAsc", "orderDesc":
            let name = attribute.isEmpty ? "$sequence" : attribute
            try checkAttribute(name)
            orders.append((name, method == "orderDesc"))
        case _ where Self.filters.contains(method):
            try checkAttribute(attribute)
            if !["isNull", "isNotNull"].contains(method), values.isEmpty {
                throw invalid("\(method) queries require at least one value.")
            }
            conditions.append(Condition(method: method, attribute: attribute, values: values))
        default:
            throw invalid("Invalid query method: \(method)")
        }
    }

    /// The total (matches, at most APP_LIMIT_COUNT = 5,000) and the page, after the cursor document
    /// (`cursor` is already looked up; nil means no cursor).
    func apply(to documents: [StoredDocument], cursorDocument: StoredDocument?) -> (page: [StoredDocument], total: Int) {
        let matches = documents.filter { document in conditions.allSatisfy { $0.matches(document) } }
        var sorted = matches.sorted { precedes($0, $1) }
        if let cursorDocument, let cursor {
            switch cursor {
            case .after: sorted = sorted.filter { precedes(cursorDocument, $0) }
            case .before:
                sorted = sorted.filter { precedes($0, cursorDocument) }
                sorted = Array(sorted.dropLast(offset).suffix(limit))
                return (sorted, min(matches.count, 5000))
            }
        }
        return (Array(sorted.dropFirst(offset).prefix(limit)), min(matches.count, 5000))
    }

    /// The order: each orderAsc/orderDesc in turn, then `$sequence` ascending (utopia-php/database
    /// appends it, without a direction, unless `$id` or `$sequence` is already ordered on).
    func precedes(_ a: StoredDocument, _ b: StoredDocument) -> Bool {
        for order in orders {
            let (x, y) = (QueryValue(a.value(of: order.attribute)), QueryValue(b.value(of: order.attribute)))
            if x == y { continue }
            return order.descending ? y < x : x < y
        }
        return a.sequence < b.sequence
    }
}

extension DocumentQuery.Condition {
    func matches(_ document: StoredDocument) -> Bool {
        let stored = document.value(of: attribute)
        switch method {
        case "isNull": return stored == nil || stored == .null
        case "isNotNull": return stored != nil && stored != .null
        default: break
        }
        guard let stored, stored != .null else { return false }
        // A list attribute matches when one of its elements does (as a MariaDB JSON column would for
        // equal); scalars compare directly.
        let candidates: [PHPValue] = if case .list(let items) = stored { items } else { [stored] }
        let value = candidates.map { QueryValue($0) }
        let given = values.map { QueryValue($0) }
        switch method {
        case "equal": return value.contains { v in given.contains(v) }
        case "notEqual": return !value.contains { v in given.contains(v) }
        case "lessThan": return value.contains { v in given.contains { v.comparable(with: $0) && v < $0 } }
        case "lessThanEqual": return value.contains { v in given.contains { v.comparable(with: $0) && v <= $0 } }
        case "greaterThan": return value.contains { v in given.contains { v.comparable(with: $0) && v > $0 } }
        default: return value.contains { v in given.contains { v.comparable(with: $0) && v >= $0 } }
        }
    }
}

/// A value as a query compares it: null first, then booleans, numbers (integers and floats alike),
/// then text.
enum QueryValue: Comparable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case text(String)
    case other(String)

    init(_ value: PHPValue?) {
        switch value {
        case nil, .null?: self = .null
        case .bool(let flag)?: self = .bool(flag)
        case .int(let number)?: self = .number(Double(number))
        case .float(let number, _)?: self = .number(number)
        case .string(let text)?: self = .text(text)
        case let value?: self = .other(PHPJSONEncoder.encode(value))
        }
    }

    func comparable(with other: QueryValue) -> Bool {
        switch (self, other) {
        case (.number, .number), (.text, .text), (.bool, .bool): true
        default: false
        }
    }

    static func < (lhs: QueryValue, rhs: QueryValue) -> Bool {
        switch (lhs, rhs) {
        case (.bool(let a), .bool(let b)): !a && b
        case (.number(let a), .number(let b)): a < b
        case (.text(let a), .text(let b)): a < b
        case (.other(let a), .other(let b)): a < b
        default: lhs.rank < rhs.rank
        }
    }

    private var rank: Int {
        switch self {
        case .null: 0
        case .bool: 1
        case .number: 2
        case .text: 3
        case .other: 4
        }
    }
}
