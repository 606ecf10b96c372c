import BridgeCore
import Foundation

/// One request and what Appwrite 1.9.6 answers to it. `rule` names the rule in
/// Sources/AppwriteSimulator/README.md the case proves.
struct ConformanceCase: Sendable, CustomStringConvertible {
    var rule: String
    var name: String
    var method = "POST"
    var path = "/functions/echo/executions"
    var project: String? = "conf1"
    var key = KeyRole.full
    var body: String? = nil
    var contentType: String? = "application/json"
    var status: Int
    var type: String? = nil
    /// The exact message; "" for an empty one.
    var message: String? = nil
    /// Top-level fields that must have these values.
    var fields: [String: JSONValue] = [:]
    var check: (@Sendable (JSONValue) -> String?)? = nil

    var description: String { "\(rule) \(name)" }

    /// What is wrong with `exchange`, or nil.
    func problems(_ exchange: Exchange, target: ConformanceTarget) -> [String] {
        var problems: [String] = []
        let json = exchange.json
        if exchange.status != status { problems.append("status \(exchange.status), expected \(status): \(exchange.text.prefix(300))") }
        if let type, json["type"]?.stringValue != type { problems.append("type \(json["type"]?.stringValue ?? "none"), expected \(type)") }
        if let message, json["message"]?.stringValue != message {
            problems.append("message '\(json["message"]?.stringValue ?? "none")', expected '\(message)'")
        }
        if status >= 400 {
            // Appwrite's envelope: message, code, type, version, nothing else.
            if json["code"] != .number(String(status)) { problems.append("code \(String(describing: json["code"]))") }
            if json["version"]?.stringValue != "1.9.6" { problems.append("version \(String(describing: json["version"]))") }
            if json.objectValue.map({ Set($0.keys) }) != ["message", "code", "type", "version"] {
                problems.append("envelope keys \(json.objectValue?.keys ?? [])")
            }
        }
        for (field, expected) in fields.sorted(by: { $0.key < $1.key }) where json[field] != expected {
            problems.append("\(field) = \(String(describing: json[field])), expected \(expected)")
        }
        if let check, let problem = check(json) { problems.append(problem) }
        return problems
    }
}

enum Messages {
    static let headersType =
        "Invalid headers: Alphanumeric characters or hyphens only, cannot start with \"x-appwrite\", maximum 100 keys, and total size 16384."
    static let uid =
        "UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore"
    static let scheduleNotAsync = "Scheduled executions must run asynchronously. Set scheduledAt to a future date, or set async to true."
    static let scheduleInvalid = "Execution schedule must be a valid date, and at least 1 minute from now"
    static let writeScopes = #"(["executions.write","execution.write"])"#
    static let readScopes = #"(["executions.read","execution.read"])"#
    static let keyActor = "app.conf1@service.127.0.0.1 (role: applications) missing scopes "
    static let guestActor = "User (role: guests) missing scopes "
}

/// A whole-minute instant `minutes` from now, written with `Z`.
func futureMinute(_ minutes: Int, seconds: Int = 0, suffix: String = "Z") -> String {
    let minute = (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 + Double(minutes * 60 + seconds)
    let text = Date(timeIntervalSince1970: minute).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    return String(text.dropLast()) + suffix
}
