import Foundation

/// createExecution's parameters, checked in Appwrite 1.9.6's order with its messages
/// (src/Appwrite/Platform/Modules/Functions/Http/Executions/Create.php).
struct ExecutionParameters: Sendable {
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]

    var body = ""
    var isAsync = false
    var path = "/"
    var method = "POST"
    /// In the order given, values as PHP's `strval` prints them.
    var headers: [(String, String)] = []
    var scheduledAt: String?

    /// Step 1, the framework's: each declared parameter that is present, in declaration order.
    /// A present `null` skips validation but reaches the action, where a `string` argument makes
    /// PHP throw a TypeError (500); that only shows once every parameter has passed.
    init(_ params: [String: PHPValue]) throws(AppwriteError) {
        typealias V = UtopiaValidators
        func check(_ name: String, _ valid: (PHPValue) -> Bool, _ description: String) throws(AppwriteError) -> PHPValue? {
            guard let value = params[name] else { return nil }
            if value == .null { return .null }
            guard valid(value) else { throw .argumentInvalid(name, description) }
            return value
        }
        let body = try check("body", { V.text($0, length: 10_485_760, min: 0) }, V.textDescription(length: 10_485_760, min: 0))
        let async = try check("async", V.looseBoolean, V.booleanDescription)
        let path = try check("path", { V.text($0, length: 2048) }, V.textDescription(length: 2048))
        let method = try check("method", { V.whiteList($0, Self.methods) }, V.whiteListDescription(Self.methods))
        let headers = try check("headers", { V.assoc($0) || V.text($0, length: 65_535) }, V.textDescription(length: 65_535))
        let scheduledAt = try check("scheduledAt", { V.text($0, length: 100) }, V.textDescription(length: 100) + " or null")
        for value in [body, path, method] where value == .null { throw AppwriteError.serverError }

        if case .string(let text)? = body { self.body = text }
        // `$async = strval($async) === 'true' || strval($async) === '1'`
        isAsync = ["true", "1"].contains(async?.phpString ?? "")
        if case .string(let text)? = path { self.path = text }
        if case .string(let text)? = method { self.method = text }
        if case .string(let text)? = scheduledAt { self.scheduledAt = text }

        // Step 2, the action's: the schedule, then the headers (a JSON string is decoded first).
        if self.scheduledAt != nil && !isAsync { throw AppwriteError.scheduleNotAsync }
        if let schedule = self.scheduledAt, !PHPDateTime.isValidSchedule(schedule) { throw AppwriteError.scheduleInvalid }
        var decoded = headers ?? .list([])
        if case .string(let text) = decoded { decoded = PHPJSONDecoder.decode(Array(text.utf8)) ?? .null }
        switch UtopiaValidators.headers(decoded) {
        case true?: break
        case false?: throw AppwriteError.invalidHeaders
        case nil: throw AppwriteError.serverError
        }
        switch decoded {
        case .null, .bool(false), .list([]): break
        case .object(let entries): self.headers = entries.map { ($0.key, $0.value.phpString ?? "") }
        // Valid as "empty", but then `$headers['x-appwrite-…'] = …` fails on a scalar: a 500.
        default: throw AppwriteError.serverError
        }
    }
}
