import BridgeCore
import Foundation

/// The table both targets must answer identically, rule by rule (README.md of the simulator).
enum ConformanceCases {
    /// Rules proven by the scenarios of ConformanceTests rather than by a single request.
    static let scenarioRules: Set<String> = Set(["G1", "G3", "L1", "L2", "L3", "X4", "X6", "G2"])
        .union(DatabasesConformanceTests.rules).union(RealtimeConformanceTests.rules)

    static func all() -> [ConformanceCase] {
        access + health + envelope + parameters + schedules + headers + functions + results
    }

    static let access: [ConformanceCase] = [
        .init(
            rule: "A1",
            name: "key without project",
            project: nil,
            body: "{}",
            status: 403,
            type: "project_id_missing",
            message: "When using project API key, make sure to pass x-appwrite-project header with your project ID."
        ),
        .init(
            rule: "A2",
            name: "unknown project",
            project: "nosuch",
            body: "{}",
            status: 404,
            type: "project_not_found",
            message:
                "Project with the requested ID could not be found. Please check the value of the X-Appwrite-Project header to ensure the correct project ID is being used."
        ),
        .init(
            rule: "A2",
            name: "unknown project without key",
            project: "nosuch",
            key: .none,
            body: "{}",
            status: 404,
            type: "project_not_found"
        ),
        .init(
            rule: "A3",
            name: "unknown key",
            key: .unknown,
            body: "{}",
            status: 401,
            type: "user_unauthorized",
            message: "The current user is not authorized to perform the requested action."
        ),
        .init(
            rule: "A4",
            name: "expired key",
            project: "stale1",
            body: "{}",
            status: 401,
            type: "project_key_expired",
            message: "The project key has expired. Please generate a new key using the Appwrite console."
        ),
        .init(
            rule: "A5",
            name: "key without execution scope",
            key: .noScope,
            body: "{}",
            status: 401,
            type: "general_unauthorized_scope",
            message: Messages.keyActor + Messages.writeScopes
        ),
        .init(
            rule: "A5",
            name: "key without read scope",
            method: "GET",
            path: "/functions/echo/executions",
            key: .noScope,
            status: 401,
            type: "general_unauthorized_scope",
            message: Messages.keyActor + Messages.readScopes
        ),
        .init(
            rule: "A6",
            name: "guest may not read executions",
            method: "GET",
            path: "/functions/echo/executions",
            key: .none,
            status: 401,
            type: "general_unauthorized_scope",
            message: Messages.guestActor + Messages.readScopes
        ),
        .init(
            rule: "A7",
            name: "guest reaches the parameters",
            key: .none,
            body: #"{"method": "FETCH"}"#,
            status: 400,
            type: "general_argument_invalid"
        ),
        .init(
            rule: "A7",
            name: "guest on a function without execute permissions",
            key: .none,
            body: "{}",
            status: 401,
            type: "user_unauthorized",
            message: "No permissions provided for action 'execute'"
        ),
        .init(
            rule: "A7",
            name: "guest on a function for users",
            path: "/functions/members/executions",
            key: .none,
            body: "{}",
            status: 401,
            type: "user_unauthorized",
            message:
                #"Missing "execute" permission for role "users". Only "["any","guests"]" scopes are allowed and "["users"]" was given."#
        ),
        .init(
            rule: "A7",
            name: "guest on a public function",
            path: "/functions/open/executions",
            key: .none,
            body: "{}",
            status: 201,
            fields: ["status": "completed", "$permissions": []]
        ),
        .init(
            rule: "A8",
            name: "scope before parameters",
            path: "/functions/_probe/executions",
            key: .noScope,
            body: "{}",
            status: 401,
            type: "general_unauthorized_scope"
        ),
        .init(
            rule: "A8",
            name: "parameters after scope",
            path: "/functions/_probe/executions",
            body: "{}",
            status: 400,
            type: "general_argument_invalid",
            message: "Invalid `functionId` param: " + Messages.uid
        ),
        .init(
            rule: "A8",
            name: "unknown key before parameters",
            path: "/functions/_probe/executions",
            key: .unknown,
            body: "{}",
            status: 401,
            type: "user_unauthorized"
        ),
        .init(rule: "A9", name: "a key runs a disabled function", path: "/functions/disabled/executions", body: "{}", status: 201),
        .init(
            rule: "A9",
            name: "a guest does not see a disabled function",
            path: "/functions/disabled/executions",
            key: .none,
            body: "{}",
            status: 404,
            type: "function_not_found"
        ),
    ]

    static let health: [ConformanceCase] = [
        .init(
            rule: "H1",
            name: "health",
            method: "GET",
            path: "/health",
            status: 200,
            fields: ["name": "http", "ping": 0, "status": "pass"]
        ),
        .init(
            rule: "H1",
            name: "health with a key lacking execution scopes",
            method: "GET",
            path: "/health",
            key: .noScope,
            status: 200
        ),
        .init(
            rule: "H2",
            name: "version without key",
            method: "GET",
            path: "/health/version",
            key: .none,
            status: 200,
            fields: ["version": "1.9.6"]
        ),
        .init(
            rule: "H2",
            name: "version without project or key",
            method: "GET",
            path: "/health/version",
            project: nil,
            key: .none,
            status: 200,
            fields: ["version": "1.9.6"]
        ),
        .init(
            rule: "H3",
            name: "version with a key",
            method: "GET",
            path: "/health/version",
            status: 401,
            type: "general_unauthorized_scope",
            message: Messages.keyActor + #"(["public"])"#
        ),
        .init(
            rule: "H4",
            name: "health without key",
            method: "GET",
            path: "/health",
            key: .none,
            status: 401,
            type: "general_unauthorized_scope",
            message: Messages.guestActor + #"(["health.read"])"#
        ),
        .init(
            rule: "A3",
            name: "health with an unknown key",
            method: "GET",
            path: "/health",
            key: .unknown,
            status: 401,
            type: "user_unauthorized"
        ),
    ]

    static let envelope: [ConformanceCase] = [
        .init(
            rule: "E3",
            name: "unknown route",
            method: "GET",
            path: "/nothing/here",
            status: 404,
            type: "general_route_not_found",
            message:
                "Route not found. Please ensure the endpoint is configured correctly and that the API route is valid for this SDK version. Refer to the API docs for more details."
        ),
        .init(rule: "E3", name: "unknown method", method: "PUT", path: "/health", body: "{}", status: 404, type: "general_route_not_found"),
        .init(
            rule: "E3",
            name: "the wildcard checks the key first",
            method: "GET",
            path: "/nothing",
            key: .unknown,
            status: 401,
            type: "user_unauthorized"
        ),
        .init(
            rule: "E3",
            name: "and the project",
            method: "DELETE",
            path: "/functions/echo/executions/x",
            project: "nosuch",
            status: 404,
            type: "project_not_found"
        ),
        .init(
            rule: "E2",
            name: "null body reaches a string argument",
            body: #"{"body": null}"#,
            status: 500,
            type: "general_unknown",
            message: "Server Error"
        ),
        .init(rule: "E2", name: "null path", body: #"{"path": null}"#, status: 500, type: "general_unknown"),
        .init(
            rule: "P8",
            name: "null async, headers and schedule are defaults",
            body: #"{"async": null, "headers": null, "scheduledAt": null}"#,
            status: 201,
            fields: ["status": "completed"]
        ),
        .init(
            rule: "P8",
            name: "a bad parameter after a null body wins",
            body: #"{"body": null, "method": "FETCH"}"#,
            status: 400,
            type: "general_argument_invalid"
        ),
    ]

    static func invalid(_ param: String, _ rule: String) -> String { "Invalid `\(param)` param: \(rule)" }

    static let parameters: [ConformanceCase] = [
        .init(
            rule: "P2",
            name: "body not a string",
            body: #"{"body": 5}"#,
            status: 400,
            type: "general_argument_invalid",
            message: invalid("body", "Value must be a valid string and no longer than 10485760 chars")
        ),
        .init(
            rule: "P3",
            name: "async \"yes\"",
            body: #"{"async": "yes"}"#,
            status: 400,
            type: "general_argument_invalid",
            message: invalid("async", "Value must be a valid boolean")
        ),
        .init(rule: "P3", name: "async 1.0 is not 1", body: #"{"async": 1.0}"#, status: 400, type: "general_argument_invalid"),
        .init(rule: "P3", name: "async \"1\"", body: #"{"async": "1"}"#, status: 202, fields: ["status": "waiting"]),
        .init(rule: "P3", name: "async 1", body: #"{"async": 1}"#, status: 202, fields: ["status": "waiting"]),
        .init(rule: "P3", name: "async \"0\"", body: #"{"async": "0"}"#, status: 201, fields: ["status": "completed"]),
        .init(rule: "P3", name: "async \"true\"", body: #"{"async": "true"}"#, status: 202),
        .init(rule: "P3", name: "async 0", body: #"{"async": 0}"#, status: 201),
        .init(
            rule: "P4",
            name: "empty path",
            body: #"{"path": ""}"#,
            status: 400,
            type: "general_argument_invalid",
            message: invalid("path", "Value must be a valid string and at least 1 chars and no longer than 2048 chars")
        ),
        .init(
            rule: "P4",
            name: "path of 2,048 code points in more bytes",
            body: #"{"path": "/\#(String(repeating: "é", count: 2047))"}"#,
            status: 201
        ),
        .init(
            rule: "P4",
            name: "path of 2,049 code points that look like one character",
            body: #"{"path": "/\#(String(repeating: "\u{301}", count: 2048))"}"#,
            status: 400,
            type: "general_argument_invalid"
        ),
        .init(
            rule: "P5",
            name: "method in lower case",
            body: #"{"method": "get"}"#,
            status: 400,
            type: "general_argument_invalid",
            message: invalid("method", "Value must be one of (GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD)")
        ),
        .init(rule: "P5", name: "HEAD", body: #"{"method": "HEAD"}"#, status: 201, fields: ["requestMethod": "HEAD"]),
        .init(
            rule: "P6",
            name: "headers true",
            body: #"{"headers": true}"#,
            status: 400,
            type: "general_argument_invalid",
            message: invalid("headers", "Value must be a valid string and at least 1 chars and no longer than 65535 chars")
        ),
        .init(rule: "P6", name: "headers a list", body: #"{"headers": ["a"]}"#, status: 400, type: "general_argument_invalid"),
        .init(
            rule: "P6",
            name: "headers {\"0\": …} is a list to PHP",
            body: #"{"headers": {"0": "a"}}"#,
            status: 400,
            type: "general_argument_invalid"
        ),
        .init(rule: "P6", name: "headers empty text", body: #"{"headers": ""}"#, status: 400, type: "general_argument_invalid"),
        .init(rule: "P6", name: "headers an empty list", body: #"{"headers": []}"#, status: 201),
        .init(
            rule: "P7",
            name: "scheduledAt not text",
            body: #"{"async": true, "scheduledAt": 5}"#,
            status: 400,
            type: "general_argument_invalid",
            message: invalid("scheduledAt", "Value must be a valid string and at least 1 chars and no longer than 100 chars or null")
        ),
        .init(
            rule: "P9",
            name: "text/plain body is ignored",
            body: #"{"method": "FETCH"}"#,
            contentType: "text/plain",
            status: 201,
            fields: ["requestMethod": "POST"]
        ),
        .init(
            rule: "P9",
            name: "charset parameter is fine",
            body: #"{"method": "PUT"}"#,
            contentType: "application/json; charset=utf-8",
            status: 201,
            fields: ["requestMethod": "PUT"]
        ),
        .init(
            rule: "P9",
            name: "invalid JSON is no parameters",
            body: #"{"method": "PUT""#,
            status: 201,
            fields: ["requestMethod": "POST"]
        ),
        .init(
            rule: "P10",
            name: "unknown parameters are ignored",
            body: #"{"nope": 1, "path": "/x"}"#,
            status: 201,
            fields: ["requestPath": "/x"]
        ),
    ]

    static let schedules: [ConformanceCase] = [
        .init(
            rule: "S1",
            name: "schedule without async",
            body: #"{"scheduledAt": "\#(futureMinute(10))"}"#,
            status: 400,
            type: "general_bad_request",
            message: Messages.scheduleNotAsync
        ),
        .init(
            rule: "S1",
            name: "async is checked before the date",
            body: #"{"scheduledAt": "tomorrow"}"#,
            status: 400,
            message: Messages.scheduleNotAsync
        ),
        .init(
            rule: "S2",
            name: "seconds",
            body: #"{"async": true, "scheduledAt": "\#(futureMinute(10, seconds: 30))"}"#,
            status: 400,
            type: "general_bad_request",
            message: Messages.scheduleInvalid
        ),
        .init(
            rule: "S2",
            name: "milliseconds",
            body: #"{"async": true, "scheduledAt": "\#(futureMinute(10, suffix: ".500Z"))"}"#,
            status: 400,
            message: Messages.scheduleInvalid
        ),
        .init(
            rule: "S2",
            name: "a minute ahead is too soon",
            body: #"{"async": true, "scheduledAt": "\#(futureMinute(1))"}"#,
            status: 400,
            message: Messages.scheduleInvalid
        ),
        .init(
            rule: "S2",
            name: "relative formats",
            body: #"{"async": true, "scheduledAt": "tomorrow"}"#,
            status: 400,
            message: Messages.scheduleInvalid
        ),
        .init(
            rule: "S2",
            name: "headers are checked after the schedule",
            body: #"{"async": true, "scheduledAt": "2000-01-01T00:00:00Z", "headers": {"x-appwrite-a": "b"}}"#,
            status: 400,
            message: Messages.scheduleInvalid
        ),
        .init(
            rule: "S3",
            name: "no offset is UTC",
            body: #"{"async": true, "scheduledAt": "\#(futureMinute(10, suffix: ""))"}"#,
            status: 202,
            fields: ["status": "scheduled", "trigger": "schedule"]
        ),
        .init(
            rule: "S3",
            name: "offset converted to UTC",
            body: #"{"async": "1", "scheduledAt": "2031-01-01T07:30:00+01:00"}"#,
            status: 202,
            fields: ["scheduledAt": "2031-01-01T06:30:00.000+00:00"]
        ),
        .init(
            rule: "S3",
            name: "PHP rolls February 30th over",
            body: #"{"async": true, "scheduledAt": "2031-02-30T10:00:00Z"}"#,
            status: 202,
            fields: ["scheduledAt": "2031-03-02T10:00:00.000+00:00"]
        ),
        .init(
            rule: "S3",
            name: "a date alone is midnight",
            body: #"{"async": true, "scheduledAt": "2031-01-01"}"#,
            status: 202,
            fields: ["scheduledAt": "2031-01-01T00:00:00.000+00:00"]
        ),
    ]

    static let headers: [ConformanceCase] = [
        .init(
            rule: "HD2",
            name: "x-appwrite- prefix",
            body: #"{"headers": {"x-appwrite-key": "k"}}"#,
            status: 400,
            type: Messages.headersType,
            message: ""
        ),
        .init(rule: "HD2", name: "the prefix check is case-sensitive", body: #"{"headers": {"X-Appwrite-Key": "k"}}"#, status: 201),
        .init(rule: "HD2", name: "space in a name", body: #"{"headers": {"bad header": "v"}}"#, status: 400, type: Messages.headersType),
        .init(rule: "HD2", name: "name ending in a hyphen", body: #"{"headers": {"a-": "v"}}"#, status: 400, type: Messages.headersType),
        .init(
            rule: "HD2",
            name: "a numeric name is an integer key",
            body: #"{"headers": {"1": "v"}}"#,
            status: 400,
            type: Messages.headersType
        ),
        .init(
            rule: "HD2",
            name: "101 headers",
            body: #"{"headers": {\#((0...100).map { "\"H\($0)\": \"v\"" }.joined(separator: ","))}}"#,
            status: 400,
            type: Messages.headersType
        ),
        .init(
            rule: "HD2",
            name: "100 headers",
            body: #"{"headers": {\#((0..<100).map { "\"H\($0)\": \"v\"" }.joined(separator: ","))}}"#,
            status: 201
        ),
        .init(rule: "HD2", name: "16,383 bytes", body: #"{"headers": {"A": "\#(String(repeating: "v", count: 16_382))"}}"#, status: 201),
        .init(
            rule: "HD2",
            name: "16,384 bytes",
            body: #"{"headers": {"A": "\#(String(repeating: "v", count: 16_383))"}}"#,
            status: 400,
            type: Messages.headersType
        ),
        .init(
            rule: "HD2",
            name: "sizes are bytes, not code points",
            body: #"{"headers": {"A": "\#(String(repeating: "é", count: 8192))"}}"#,
            status: 400,
            type: Messages.headersType
        ),
        .init(
            rule: "HD2",
            name: "numbers, booleans and null are values",
            body: #"{"headers": {"A": 1, "B": true, "C": null}}"#,
            status: 201
        ),
        .init(rule: "HD3", name: "an object as a value", body: #"{"headers": {"A": {"b": "c"}}}"#, status: 500, type: "general_unknown"),
        .init(
            rule: "HD1",
            name: "headers as JSON text",
            body: #"{"headers": "{\"X-A\": \"b\", \"Content-Type\": \"text/plain\"}"}"#,
            status: 201,
            check: { json in
                json["requestHeaders"] == [
                    ["name": "Content-Type", "value": "text/plain"], ["name": "x-appwrite-client-ip", "value": "127.0.0.1"],
                ]
                    ? nil : "requestHeaders \(String(describing: json["requestHeaders"]))"
            }
        ),
        .init(rule: "HD1", name: "text that is not JSON is no headers", body: #"{"headers": "not json"}"#, status: 201),
        .init(rule: "HD1", name: "JSON text of a list", body: #"{"headers": "[1]"}"#, status: 400, type: Messages.headersType),
        .init(rule: "HD3", name: "JSON text \"0\"", body: #"{"headers": "0"}"#, status: 500, type: "general_unknown"),
    ]

    static let functions: [ConformanceCase] = [
        .init(
            rule: "F1",
            name: "no such function",
            path: "/functions/nosuch/executions",
            body: "{}",
            status: 404,
            type: "function_not_found",
            message: "Function with the requested ID could not be found."
        ),
        .init(
            rule: "F1",
            name: "parameters before the function",
            path: "/functions/nosuch/executions",
            body: #"{"path": ""}"#,
            status: 400,
            type: "general_argument_invalid"
        ),
        .init(
            rule: "F2",
            name: "no deployment",
            path: "/functions/nodeploy/executions",
            body: "{}",
            status: 404,
            type: "deployment_not_found",
            message: "Deployment not found. Create a deployment before trying to execute a function"
        ),
        .init(
            rule: "F3",
            name: "build not ready",
            path: "/functions/building/executions",
            body: "{}",
            status: 400,
            type: "build_not_ready",
            message: "Build with the requested ID is building and not ready for execution."
        ),
        .init(
            rule: "P1",
            name: "function ID of 37 characters",
            path: "/functions/\(String(repeating: "a", count: 37))/executions",
            body: "{}",
            status: 400,
            message: invalid("functionId", Messages.uid)
        ),
        .init(
            rule: "G2",
            name: "execution ID '..'",
            method: "GET",
            path: "/functions/echo/executions/..",
            status: 400,
            type: "general_argument_invalid",
            message: invalid("executionId", Messages.uid)
        ),
        .init(
            rule: "G2",
            name: "execution ID with %2F",
            method: "GET",
            path: "/functions/echo/executions/a%2F..%2Fb",
            status: 400,
            type: "general_argument_invalid"
        ),
        .init(
            rule: "G2",
            name: "function ID with %3F",
            method: "GET",
            path: "/functions/echo%3Fx/executions/abc",
            status: 400,
            type: "general_argument_invalid",
            message: invalid("functionId", Messages.uid)
        ),
        .init(
            rule: "G2",
            name: "unknown execution",
            method: "GET",
            path: "/functions/echo/executions/nosuch",
            status: 404,
            type: "execution_not_found",
            message: "Execution with the requested ID could not be found."
        ),
        .init(
            rule: "G2",
            name: "function before execution",
            method: "GET",
            path: "/functions/nosuch/executions/nosuch",
            status: 404,
            type: "function_not_found"
        ),
        .init(
            rule: "L2",
            name: "an unknown query attribute",
            method: "GET",
            path:
                "/functions/echo/executions?queries%5B%5D=%7B%22method%22%3A%22equal%22%2C%22attribute%22%3A%22nope%22%2C%22values%22%3A%5B1%5D%7D",
            status: 400,
            type: "general_argument_invalid",
            message: invalid("queries", "Invalid query: Attribute not found in schema: nope")
        ),
        .init(
            rule: "L3",
            name: "total not a boolean",
            method: "GET",
            path: "/functions/echo/executions?total=maybe",
            status: 400,
            message: invalid("total", "Value must be a valid boolean")
        ),
    ]

    static let results: [ConformanceCase] = [
        .init(
            rule: "X3",
            name: "scheduled reply",
            body: #"{"async": true, "scheduledAt": "2031-06-01T08:00:00Z"}"#,
            status: 202,
            fields: [
                "status": "scheduled", "trigger": "schedule", "scheduledAt": "2031-06-01T08:00:00.000+00:00", "responseStatusCode": 0,
                "responseBody": "",
            ]
        ),
        .init(rule: "E1", name: "the envelope of every error", key: .unknown, body: "{}", status: 401, type: "user_unauthorized"),
        .init(
            rule: "X1",
            name: "sync reply",
            body: #"{"body": "hi", "headers": {"X-One": "1", "agent": "t"}}"#,
            status: 201,
            fields: ["status": "completed", "trigger": "http", "responseStatusCode": 200, "scheduledAt": .null, "$permissions": []],
            check: { json in
                guard json["responseBody"]?.stringValue?.contains(#""body":"hi""#) == true else {
                    return "responseBody \(String(describing: json["responseBody"]))"
                }
                let names = json["responseHeaders"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                guard names == ["content-type", "x-appwrite-execution-id"] else { return "responseHeaders \(names)" }
                let kept = json["requestHeaders"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                return kept == ["agent", "x-appwrite-client-ip"] ? nil : "requestHeaders \(kept)"
            }
        ),
        .init(
            rule: "X1",
            name: "function answering 500",
            path: "/functions/broken/executions",
            body: "{}",
            status: 201,
            fields: ["status": "failed", "responseStatusCode": 500]
        ),
        .init(
            rule: "X2",
            name: "async reply",
            body: #"{"async": true}"#,
            status: 202,
            fields: [
                "status": "waiting", "trigger": "http", "responseStatusCode": 0, "responseBody": "", "responseHeaders": [],
                "duration": 0, "scheduledAt": .null, "logs": "", "errors": "",
            ]
        ),
        .init(
            rule: "X5",
            name: "sync timeout",
            path: "/functions/hang/executions",
            body: "{}",
            status: 408,
            type: "function_synchronous_timeout",
            message:
                "Synchronous function execution timed out. Use asynchronous execution instead, or ensure the execution duration doesn't exceed 30 seconds."
        ),
    ]
}

extension JSONValue {
    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}
