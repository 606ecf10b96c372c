import Foundation

/// listExecutions' `queries[]` and `total` (XList.php with Appwrite's Queries\Executions and
/// utopia-php/database 6.0's Query validators). Modelled: limit, offset, equal, notEqual,
/// lessThan(Equal), greaterThan(Equal), orderAsc, orderDesc; other methods are refused.
struct ExecutionQuery: Sendable {
    static let attributes: Set<String> = [
        "trigger", "status", "responseStatusCode", "duration", "requestMethod", "requestPath", "deploymentId", "$id", "$createdAt",
        "$updatedAt", "$sequence",
    ]
    static let filters: Set<String> = ["equal", "notEqual", "lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual"]

    struct Condition: Sendable {
        var method: String
        var attribute: String
        var values: [PHPValue]
    }

    var limit = 25
    var offset = 0
    var conditions: [Condition] = []
    var order: (attribute: String, descending: Bool)?
    var includeTotal = true

    /// The raw query string, read as PHP reads it: keys and values percent-decoded, `+` a space,
    /// `queries[]=…` (or `queries[0]=…`) collected into a list.
    init(_ query: String?) throws(AppwriteError) {
        var queries: [String] = []
        var single: String?
        var total: String?
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if key == "queries" {
                single = value
            } else if key.hasPrefix("queries["), key.hasSuffix("]") {
                queries.append(value)
            } else if key == "total" {
                total = value
            }
        }
        if single != nil && queries.isEmpty { throw .queryInvalid("Queries must be an array") }
        for text in queries { try add(text) }
        if let total {
            guard UtopiaValidators.looseBoolean(.string(total)) else {
                throw .argumentInvalid("total", UtopiaValidators.booleanDescription)
            }
            includeTotal = total == "true" || total == "1"
        }
    }

    private mutating func add(_ text: String) throws(AppwriteError) {
        func invalid(_ reason: String) -> AppwriteError { .queryInvalid("Invalid query: \(reason)") }
        guard let decoded = PHPJSONDecoder.decode(Array(text.utf8)) else { throw invalid("Invalid query: Syntax error") }
        guard case .object(let entries) = decoded else { throw invalid("Invalid query. Must be an array, got \(decoded.phpType)") }
        let fields = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        guard case .string(let method) = fields["method"] ?? .string("") else { throw invalid("Invalid query method. Must be a string") }
        let attribute: String
        switch fields["attribute"] ?? .string("") {
        case .string(let text): attribute = text
        default: throw invalid("Invalid query attribute. Must be a string")
        }
        let values: [PHPValue]
        switch fields["values"] ?? .list([]) {
        case .list(let items): values = items
        default: throw invalid("Invalid query values. Must be an array")
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
        case "orderAsc", "orderDesc":
            let name = attribute.isEmpty ? "$sequence" : attribute
            guard Self.attributes.contains(name) else { throw invalid("Attribute not found in schema: \(name)") }
            order = (name, method == "orderDesc")
        case _ where Self.filters.contains(method):
            guard Self.attributes.contains(attribute) else { throw invalid("Attribute not found in schema: \(attribute)") }
            conditions.append(Condition(method: method, attribute: attribute, values: values))
        default:
            throw invalid("Invalid query method: \(method)")
        }
    }

    /// The page and the total (all matches, at most APP_LIMIT_COUNT = 5,000). Without an order
    /// Appwrite sorts by `$sequence`: oldest first.
    func apply(to executions: [Execution]) -> (page: [Execution], total: Int) {
        var matches = executions.filter { execution in conditions.allSatisfy { $0.matches(execution) } }
        if let order {
            let indexed = Array(matches.enumerated())
            matches = indexed.sorted { a, b in
                let (x, y) = (a.element.sortKey(order.attribute, index: a.offset), b.element.sortKey(order.attribute, index: b.offset))
                return order.descending ? x > y : x < y
            }.map(\.element)
        }
        let page = Array(matches.dropFirst(offset).prefix(limit))
        return (page, min(matches.count, 5000))
    }
}

extension ExecutionQuery.Condition {
    func matches(_ execution: Execution) -> Bool {
        let value = execution.sortKey(attribute, index: 0)
        let given = values.map { SortKey($0) }
        switch method {
        case "equal": return given.contains(value)
        case "notEqual": return !given.contains(value)
        case "lessThan": return given.first.map { value < $0 } ?? false
        case "lessThanEqual": return given.first.map { value <= $0 } ?? false
        case "greaterThan": return given.first.map { value > $0 } ?? false
        default: return given.first.map { value >= $0 } ?? false
        }
    }
}

/// A comparable attribute value: numbers before text.
enum SortKey: Comparable, Sendable {
    case number(Double)
    case text(String)

    init(_ value: PHPValue) {
        switch value {
        case .int(let number): self = .number(Double(number))
        case .float(let number, _): self = .number(number)
        default: self = .text(value.phpString ?? "")
        }
    }
}

extension Execution {
    func sortKey(_ attribute: String, index: Int) -> SortKey {
        switch attribute {
        case "trigger": .text(trigger)
        case "status": .text(status)
        case "responseStatusCode": .number(Double(responseStatusCode))
        case "duration": .number(duration)
        case "requestMethod": .text(requestMethod)
        case "requestPath": .text(requestPath)
        case "deploymentId": .text(deploymentID)
        case "$id": .text(id)
        case "$createdAt": .text(createdAt)
        case "$updatedAt": .text(updatedAt)
        default: .number(Double(index))
        }
    }
}

extension PHPValue {
    /// PHP's `gettype`.
    var phpType: String {
        switch self {
        case .null: "NULL"
        case .bool: "boolean"
        case .int: "integer"
        case .float: "double"
        case .string: "string"
        case .list, .object: "array"
        }
    }
}
