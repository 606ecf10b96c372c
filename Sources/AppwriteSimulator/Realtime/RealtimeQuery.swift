/// A Realtime subscription's queries (src/Appwrite/Utopia/Database/RuntimeQuery.php): parsed from
/// Query JSON, limited to the allowed methods, and matched against an event's payload.
indirect enum RealtimeQuery: Sendable, Equatable {
    case selectAll
    case condition(method: String, attribute: String, values: [PHPValue])
    case and([RealtimeQuery])
    case or([RealtimeQuery])

    static let allowed = [
        "equal", "notEqual", "lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "isNull", "isNotNull", "and", "or",
        "select",
    ]
    /// Every method utopia-php/database's Query knows; the others are "Invalid query method".
    static let known: Set<String> =
        Set(allowed).union([
            "search", "notSearch", "between", "notBetween", "contains", "notContains", "startsWith", "notStartsWith", "endsWith",
            "notEndsWith", "limit", "offset", "cursorAfter", "cursorBefore", "orderAsc", "orderDesc", "orderRandom", "exists",
            "notExists", "containsAny", "containsAll", "regex", "elemMatch", "createdBefore", "createdAfter", "updatedBefore",
            "updatedAfter", "distanceEqual", "distanceNotEqual", "distanceGreaterThan", "distanceLessThan", "intersects",
            "notIntersects", "crosses", "notCrosses", "overlaps", "notOverlaps", "touches", "notTouches", "vectorDot",
            "vectorCosine", "vectorEuclidean",
        ])

    struct Invalid: Error, Sendable {
        var message: String
        /// false: the InvalidArgumentException of a `select` other than `*`, which Appwrite does
        /// not treat as a query error.
        var isQueryError = true
    }

    /// Realtime::convertQueries: each Query JSON text parsed, every method (inside and/or too) allowed.
    static func parse(_ texts: [String]) throws(Invalid) -> [RealtimeQuery] {
        var queries: [RealtimeQuery] = []
        for text in texts {
            guard let value = PHPJSONDecoder.decode(Array(text.utf8)) else { throw Invalid(message: "Invalid query: Syntax error") }
            queries.append(try parse(value))
        }
        return queries
    }

    static func parse(_ value: PHPValue) throws(Invalid) -> RealtimeQuery {
        guard case .object = value else { throw Invalid(message: "Invalid query. Must be an array, got \(value.phpType)") }
        guard case .string(let method) = value["method"] ?? .string("") else {
            throw Invalid(message: "Invalid query method. Must be a string, got \((value["method"] ?? .null).phpType)")
        }
        guard known.contains(method) else { throw Invalid(message: "Invalid query method: \(method)") }
        guard allowed.contains(method) else {
            throw Invalid(
                message: "Query method '\(method)' is not supported in Realtime queries. Allowed: \(allowed.joined(separator: ", "))"
            )
        }
        let attribute: String
        switch value["attribute"] ?? .string("") {
        case .string(let text): attribute = text
        default: throw Invalid(message: "Invalid query attribute. Must be a string, got \((value["attribute"] ?? .null).phpType)")
        }
        guard case .list(let values) = value["values"] ?? .list([]) else {
            throw Invalid(message: "Invalid query values. Must be an array, got \((value["values"] ?? .null).phpType)")
        }
        switch method {
        case "and", "or":
            var children: [RealtimeQuery] = []
            for child in values { children.append(try parse(child)) }
            return method == "and" ? .and(children) : .or(children)
        case "select":
            guard values == [.string("*")] else {
                throw Invalid(
                    message: "Only select(\"*\") is allowed in Realtime queries. select(\"*\") means \"listen to all events\".",
                    isQueryError: false
                )
            }
            return .selectAll
        default:
            return .condition(method: method, attribute: attribute, values: values)
        }
    }

    /// RuntimeQuery::filter: no queries or a select("*") match everything; otherwise all must hold.
    static func matches(_ queries: [RealtimeQuery], payload: PHPValue) -> Bool {
        if queries.isEmpty || queries.contains(.selectAll) { return true }
        return queries.allSatisfy { $0.holds(for: payload) }
    }

    func holds(for payload: PHPValue) -> Bool {
        switch self {
        case .selectAll: return true
        case .and(let children): return children.allSatisfy { $0.holds(for: payload) }
        case .or(let children): return children.contains { $0.holds(for: payload) }
        case .condition(let method, let attribute, let targets):
            guard let value = payload[attribute] else { return false }
            switch method {
            case "isNull": return value == .null
            case "isNotNull": return value != .null
            // PHP's `===`: an integer never equals a float, nor a number a string.
            case "equal": return targets.contains(value)
            case "notEqual": return !targets.contains(value)
            default:
                let left = QueryValue(value)
                return targets.map { QueryValue($0) }.contains { right in
                    guard left.comparable(with: right) else { return false }
                    switch method {
                    case "lessThan": return left < right
                    case "lessThanEqual": return left <= right
                    case "greaterThan": return left > right
                    default: return left >= right
                    }
                }
            }
        }
    }

    /// Query::toString, as the subscribe response and the stored subscription show it.
    var text: String {
        PHPJSONEncoder.encode(array)
    }

    private var array: PHPValue {
        switch self {
        case .selectAll: .object([("method", .string("select")), ("values", .strings(["*"]))])
        case .and(let children): .object([("method", .string("and")), ("values", .list(children.map(\.array)))])
        case .or(let children): .object([("method", .string("or")), ("values", .list(children.map(\.array)))])
        case .condition(let method, let attribute, let values):
            .object(
                [("method", .string(method))] + (attribute.isEmpty ? [] : [("attribute", .string(attribute))]) + [("values", .list(values))]
            )
        }
    }
}
