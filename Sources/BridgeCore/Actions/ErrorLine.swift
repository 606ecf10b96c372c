/// One line for a person at a terminal (`call`, `upload`) from the bridge's error envelope,
/// keeping everything the envelope holds: the stable code, the field at fault and, when Appwrite
/// refused the call, Appwrite's own status, type and message. Through a bridge (`--via`) and
/// straight to Appwrite (`--config`) the same error reads the same.
enum ErrorLine {
    /// `HTTP 404 function_not_found: Appwrite refused the call to instance 'home1234'
    /// (Appwrite 404 function_not_found: Function with the requested ID could not be found.)`
    static func describe(status: Int, envelope: JSONValue, fallback: String) -> String {
        guard let error = envelope["error"], let message = error["message"]?.stringValue else {
            return "HTTP \(status): \(fallback)"
        }
        var line = "HTTP \(status)"
        if let code = error["code"]?.stringValue { line += " \(code)" }
        if let field = error["field"]?.stringValue { line += " (\(field))" }
        line += ": \(message)"
        if let upstream = error["upstream"] {
            var detail: [String] = []
            if case .number(let upstreamStatus)? = upstream["status"] { detail.append(upstreamStatus) }
            if let type = upstream["type"]?.stringValue { detail.append(type) }
            let said = upstream["message"]?.stringValue.map { ": \($0)" } ?? ""
            line += " (Appwrite \(detail.joined(separator: " "))\(said))"
        }
        return line
    }

    static func describe(_ error: BridgeError) -> String {
        describe(status: error.statusCode, envelope: error.envelope, fallback: error.message)
    }
}
