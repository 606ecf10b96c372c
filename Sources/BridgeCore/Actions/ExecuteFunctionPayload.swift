import Foundation

/// The `execute_function_<project_id>` payload of Home Assistant's Appwrite integration, and its
/// translation into Appwrite's createExecution.
public enum ExecuteFunctionPayload {
    public static let fieldNames = [
        "function_id", "function_body", "function_method", "function_path", "function_headers", "function_async",
        "function_scheduled_at", "function_scheduled_in", "function_wait", "function_wait_timeout", "function_callback_url",
    ]

    public static let defaultWaitSeconds = 60
    public static let maximumWaitSeconds = 900

    /// The request plus what the bridge itself does around it.
    public struct Call: Sendable {
        public var request: CreateExecutionRequest
        /// `function_wait`: poll until the execution is final, for at most this long.
        public var wait: Duration?
        public var callbackURL: String?
    }

    /// Validates every field with Appwrite's rules and builds the request Appwrite will receive.
    /// `now` is a parameter so schedule checks are testable.
    public static func translate(_ payload: JSONValue, now: Date = Date()) throws(PayloadError) -> CreateExecutionRequest {
        try translateCall(payload, now: now).request
    }

    public static func translateCall(_ payload: JSONValue, now: Date = Date()) throws(PayloadError) -> Call {
        var call = Call(request: try translateRequest(payload, now: now))
        guard case .object(let fields) = payload else { return call }
        // Checked even when unused: a form that sends the default 60 beside function_wait: false
        // is fine, a timeout of 5000 is a mistake whichever way function_wait is set.
        let timeout = try waitTimeout(fields["function_wait_timeout"])
        if let wait = try flag(fields["function_wait"], field: "function_wait"), wait {
            // function_async: false is the form's default, not a request for a synchronous run:
            // waiting needs an asynchronous execution, so it wins.
            call.request.isAsync = true
            call.wait = .seconds(timeout)
        }
        if let value = fields["function_callback_url"], value != .null {
            guard case .string(let url) = value, let components = URLComponents(string: url),
                let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https", components.host?.isEmpty == false
            else {
                throw PayloadError(field: "function_callback_url", "must be an http or https URL")
            }
            call.callbackURL = url
        }
        return call
    }

    static func waitTimeout(_ value: JSONValue?) throws(PayloadError) -> Int {
        guard let value, value != .null else { return defaultWaitSeconds }
        guard case .number(let text) = value, let seconds = Double(text), seconds >= 1, seconds <= Double(maximumWaitSeconds) else {
            throw PayloadError(field: "function_wait_timeout", "must be a number of seconds from 1 to \(maximumWaitSeconds)")
        }
        return Int(seconds.rounded(.up))
    }

    /// A boolean field, as Appwrite's loose Boolean takes it: true, false, "true", "false", "1",
    /// "0", 1, 0 (shell scripts and templates often send them quoted).
    static func flag(_ value: JSONValue?, field: String) throws(PayloadError) -> Bool? {
        guard let value, value != .null else { return nil }
        guard let flag = AppwriteRules.looseBoolean(value) else {
            throw PayloadError(field: field, "must be true or false (or \"true\", \"false\", 1, 0), got \(value.typeName)")
        }
        return flag
    }

    /// `function_scheduled_in`: "90s", "15m", "2h" from now, rounded up to the next whole minute
    /// (Appwrite schedules to the minute) and written as an ISO 8601 UTC time.
    static func scheduledIn(_ value: JSONValue?, now: Date) throws(PayloadError) -> String? {
        guard let value, value != .null else { return nil }
        guard case .string(let text) = value, let seconds = ConfigLoader.parseDuration(text), text.last?.isLetter == true else {
            throw PayloadError(field: "function_scheduled_in", "must be a duration like \"90s\", \"15m\" or \"2h\"")
        }
        let target = (now.timeIntervalSince1970 + Double(seconds)) / 60
        let minute = Date(timeIntervalSince1970: target.rounded(.up) * 60)
        guard minute.timeIntervalSince(now) > AppwriteRules.minimumScheduleLead else {
            throw PayloadError(field: "function_scheduled_in", "Appwrite needs a schedule more than a minute ahead; '\(text)' is too soon")
        }
        return minute.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    /// At most ten names: a body with thousands of stray keys must not get an error as large as itself.
    static func list(_ names: [String]) -> String {
        let shown = names.prefix(10).map { "'\(String($0.prefix(64)))'" }.joined(separator: ", ")
        return names.count > 10 ? "\(shown) and \(names.count - 10) more" : shown
    }

    static func translateRequest(_ payload: JSONValue, now: Date) throws(PayloadError) -> CreateExecutionRequest {
        guard case .object(let fields) = payload else {
            throw PayloadError(field: nil, "the payload must be a JSON object, got \(payload.typeName)")
        }
        let unknown = fields.keys.filter { !fieldNames.contains($0) }
        if let first = unknown.first {
            throw PayloadError(
                field: first,
                "unknown field\(unknown.count > 1 ? "s" : "") \(Self.list(unknown)); allowed fields are \(fieldNames.joined(separator: ", "))"
            )
        }

        var request = CreateExecutionRequest(functionID: try functionID(fields["function_id"]))
        request.body = try body(fields["function_body"])
        request.method = try method(fields["function_method"])
        request.path = try path(fields["function_path"])
        request.headers = try headers(fields["function_headers"])
        let explicitAsync = try flag(fields["function_async"], field: "function_async")
        request.isAsync = explicitAsync ?? false
        let explicitSchedule = try scheduledAt(fields["function_scheduled_at"], now: now)
        let relativeSchedule = try scheduledIn(fields["function_scheduled_in"], now: now)
        if explicitSchedule != nil && relativeSchedule != nil {
            throw PayloadError(field: "function_scheduled_in", "give function_scheduled_at or function_scheduled_in, not both")
        }
        if let schedule = explicitSchedule ?? relativeSchedule {
            // Appwrite refuses a synchronous schedule; function_async: false beside one is the
            // form's pre-filled default, so the schedule decides.
            request.isAsync = true
            request.scheduledAt = schedule
        }
        return request
    }

    static func functionID(_ value: JSONValue?) throws(PayloadError) -> String {
        guard let value, value != .null else { throw PayloadError(field: "function_id", "function_id is required") }
        guard case .string(let id) = value else {
            throw PayloadError(field: "function_id", "must be a string, got \(value.typeName)")
        }
        guard AppwriteRules.isValidID(id) else {
            throw PayloadError(field: "function_id", "'\(id)' is not a valid Appwrite function ID (\(AppwriteRules.idRuleDescription))")
        }
        return id
    }

    static func body(_ value: JSONValue?) throws(PayloadError) -> String {
        let text: String
        switch value {
        case nil, .null?: return ""
        case .string(let string)?: text = string
        case let other?: text = other.serialized
        }
        let length = text.unicodeScalars.count
        guard length <= AppwriteRules.maximumBodyLength else {
            throw PayloadError(
                field: "function_body",
                "is \(length) characters long; Appwrite accepts at most \(AppwriteRules.maximumBodyLength)"
            )
        }
        return text
    }

    static func method(_ value: JSONValue?) throws(PayloadError) -> String {
        guard let value, value != .null else { return "GET" }
        guard case .string(let text) = value else {
            throw PayloadError(field: "function_method", "must be a string, got \(value.typeName)")
        }
        let method = text.uppercased()
        guard AppwriteRules.methods.contains(method) else {
            throw PayloadError(
                field: "function_method",
                "'\(text)' is not one of \(AppwriteRules.methods.joined(separator: ", "))"
            )
        }
        return method
    }

    static func path(_ value: JSONValue?) throws(PayloadError) -> String {
        guard let value, value != .null else { return "/" }
        guard case .string(let path) = value else {
            throw PayloadError(field: "function_path", "must be a string, got \(value.typeName)")
        }
        guard (1...AppwriteRules.maximumPathLength).contains(AppwriteRules.length(path)) else {
            throw PayloadError(field: "function_path", "must be 1 to \(AppwriteRules.maximumPathLength) characters (code points) long")
        }
        return path
    }

    /// `function_headers`: an object, or (as Appwrite also takes) its JSON text. Values may be
    /// strings, numbers, booleans or null, sent as text the way PHP's `strval` reads them.
    static func headers(_ value: JSONValue?) throws(PayloadError) -> [(name: String, value: String)] {
        guard var value, value != .null else { return [] }
        var fromText = false
        if case .string(let text) = value {
            guard (1...AppwriteRules.maximumHeadersTextLength).contains(AppwriteRules.length(text)) else {
                throw PayloadError(
                    field: "function_headers",
                    "as text, must be 1 to \(AppwriteRules.maximumHeadersTextLength) characters long"
                )
            }
            // Appwrite decodes it; text that is not JSON is no headers at all, as there.
            guard let decoded = try? JSONParser.parse(text) else { return [] }
            value = decoded
            fromText = true
        }
        switch value {
        case .object: break
        case .array([]): return []
        case .null,
            .bool(false) where fromText:
            return []
        default:
            // Other scalars and lists: Appwrite refuses them (400) or, for text such as "0" that
            // PHP calls empty, fails adding its own headers to them (500).
            throw PayloadError(field: "function_headers", "must be an object of header names to values, got \(value.typeName)")
        }
        guard case .object(let object) = value else { return [] }
        var headers: [(name: String, value: String)] = []
        var encodedLength = 2 + max(object.count - 1, 0)
        for (name, headerValue) in object.entries {
            let text: String
            switch headerValue {
            case .string(let string):
                text = string
                encodedLength += AppwriteRules.phpJSONLength(string)
            case .number(let number):
                text = number
                encodedLength += number.utf8.count
            case .bool(let flag):
                text = flag ? "1" : ""
                encodedLength += flag ? 4 : 5
            case .null:
                text = ""
                encodedLength += 4
            default:
                throw PayloadError(field: "function_headers.\(name)", "header values must be strings, got \(headerValue.typeName)")
            }
            encodedLength += AppwriteRules.phpJSONLength(name) + 1
            headers.append((name, text))
        }
        // An object given directly must pass Utopia's Assoc (json_encode at most 65,535 bytes).
        if !fromText && encodedLength > AppwriteRules.maximumHeadersTextLength {
            throw PayloadError(
                field: "function_headers",
                "encoded as JSON, the headers are longer than \(AppwriteRules.maximumHeadersTextLength) bytes"
            )
        }
        if let problem = AppwriteRules.headersProblem(headers) {
            throw PayloadError(field: "function_headers", problem)
        }
        return headers
    }

    static func scheduledAt(_ value: JSONValue?, now: Date) throws(PayloadError) -> String? {
        guard let value, value != .null else { return nil }
        guard case .string(let text) = value else {
            throw PayloadError(field: "function_scheduled_at", "must be an ISO 8601 string, got \(value.typeName)")
        }
        if let problem = AppwriteRules.scheduleProblem(text, now: now) {
            throw PayloadError(field: "function_scheduled_at", problem)
        }
        return text
    }
}
