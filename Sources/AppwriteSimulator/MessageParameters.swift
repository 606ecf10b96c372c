import Foundation

/// The create-message parameters of one provider, validated in Appwrite's declaration order with
/// Appwrite's messages, so the first bad parameter is the one reported.
struct MessageParameters: Sendable {
    static let priorities = ["normal", "high"]

    /// The requested ID: a custom ID or `unique()`.
    var messageID: String
    var topics: [String] = []
    var users: [String] = []
    var targets: [String] = []
    /// Further target IDs that must be of the endpoint's kind too: email `cc` and `bcc`.
    var copyTargets: [String] = []
    var draft = false
    var scheduledAt: Date?
    /// What the Message's `data` carries.
    var data: [String: AnyJSON] = [:]

    var hasRecipients: Bool { !(topics.isEmpty && users.isEmpty && targets.isEmpty) }

    init(_ provider: Message.ProviderType, _ params: [String: AnyJSON]) throws(AppwriteError) {
        let reader = ParameterReader(params: params)
        messageID = try reader.messageID()
        switch provider {
        case .push: try readPush(reader)
        case .email: try readEmail(reader)
        case .sms: try readSMS(reader)
        }
    }

    /// Like Appwrite, `data` keeps only the push fields that say something: non-empty texts and
    /// objects, a badge ≥ 0, flags that are true, and always the priority. The image stays the
    /// `<bucketId>:<fileId>` received (Appwrite resolves it to a file URL; the simulator has no storage).
    private mutating func readPush(_ reader: ParameterReader) throws(AppwriteError) {
        let title = try reader.text("title", max: 256)
        let body = try reader.text("body", max: 64_230)
        try readRecipients(reader)
        let extra = try reader.object("data")
        let action = try reader.text("action", max: 256)
        let image = try reader.compoundID("image")
        var texts: [(String, String?)] = [("title", title), ("body", body), ("action", action), ("image", image)]
        for name in ["icon", "sound", "color", "tag"] { texts.append((name, try reader.text(name, max: 256))) }
        let badge = try reader.integer("badge") ?? -1
        draft = try reader.bool("draft") ?? false
        scheduledAt = try reader.futureDate("scheduledAt")
        let contentAvailable = try reader.bool("contentAvailable") ?? false
        let critical = try reader.bool("critical") ?? false
        let priority = try reader.oneOf("priority", Self.priorities) ?? "high"

        for case let (name, text?) in texts { data[name] = .string(text) }
        if let extra, !extra.isEmpty { data["data"] = .object(extra) }
        if badge >= 0 { data["badge"] = .number(Double(badge)) }
        if contentAvailable { data["contentAvailable"] = .bool(true) }
        if critical { data["critical"] = .bool(true) }
        data["priority"] = .string(priority)
    }

    /// Attachments stay the `<bucketId>:<fileId>` strings received.
    private mutating func readEmail(_ reader: ParameterReader) throws(AppwriteError) {
        let subject = try reader.text("subject", max: 998, required: true) ?? ""
        let content = try reader.text("content", max: 64_230, required: true) ?? ""
        try readRecipients(reader)
        let cc = try reader.idList("cc")
        let bcc = try reader.idList("bcc")
        let attachments = try reader.compoundIDList("attachments")
        draft = try reader.bool("draft") ?? false
        let html = try reader.bool("html") ?? false
        scheduledAt = try reader.futureDate("scheduledAt")

        copyTargets = cc + bcc
        data = [
            "subject": .string(subject), "content": .string(content), "html": .bool(html),
            "cc": .array(cc.map(AnyJSON.string)), "bcc": .array(bcc.map(AnyJSON.string)),
            "attachments": .array(attachments.map(AnyJSON.string)),
        ]
    }

    private mutating func readSMS(_ reader: ParameterReader) throws(AppwriteError) {
        let content = try reader.text("content", max: 64_230, required: true) ?? ""
        try readRecipients(reader)
        draft = try reader.bool("draft") ?? false
        scheduledAt = try reader.futureDate("scheduledAt")
        data = ["content": .string(content)]
    }

    private mutating func readRecipients(_ reader: ParameterReader) throws(AppwriteError) {
        topics = try reader.idList("topics")
        users = try reader.idList("users")
        targets = try reader.idList("targets")
    }
}

/// Reads parameters the way Appwrite's router does: an absent required parameter answers
/// `Param "<name>" is not optional.`, null leaves an optional one at its default, and any other
/// value must pass the validator or answers ``Invalid `<name>` param: <rule>`` (both 400
/// `general_argument_invalid`). Like Appwrite's `Text`, an explicit empty string is too short.
struct ParameterReader: Sendable {
    static let uidRule =
        "UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char"
    static let compoundIDRule =
        "Must consist of multiple UIDs separated by a colon. Each UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a special char."

    let params: [String: AnyJSON]

    /// The value to validate, or nil for an optional parameter that is absent or null.
    func value(_ name: String, required: Bool = false) throws(AppwriteError) -> AnyJSON? {
        guard let value = params[name] else {
            if required { throw .paramNotOptional(name) }
            return nil
        }
        if case .null = value, !required { return nil }
        return value
    }

    /// A custom ID, or the literal `unique()` for the server to pick one.
    func messageID() throws(AppwriteError) -> String {
        guard case .string(let id)? = try value("messageId", required: true),
            id == "unique()" || UtopiaValidators.uid(id)
        else { throw .argumentInvalid("messageId", UtopiaValidators.keyDescription) }
        return id
    }

    func text(_ name: String, max: Int, required: Bool = false) throws(AppwriteError) -> String? {
        guard let value = try value(name, required: required) else { return nil }
        guard case .string(let text) = value, (1...max).contains(text.unicodeScalars.count) else {
            throw .argumentInvalid(
                name,
                "Value must be a valid string and at least 1 chars and no longer than \(max) chars"
            )
        }
        return text
    }

    /// A list of IDs (topics, users, targets, cc, bcc); absent or null is empty.
    func idList(_ name: String) throws(AppwriteError) -> [String] {
        try list(name, rule: Self.uidRule, where: UtopiaValidators.uid)
    }

    func compoundIDList(_ name: String) throws(AppwriteError) -> [String] {
        try list(name, rule: Self.compoundIDRule, where: Self.isValidCompoundID)
    }

    /// `<bucketId>:<fileId>`.
    func compoundID(_ name: String) throws(AppwriteError) -> String? {
        guard let value = try value(name) else { return nil }
        guard case .string(let text) = value, Self.isValidCompoundID(text) else {
            throw .argumentInvalid(name, Self.compoundIDRule)
        }
        return text
    }

    /// A JSON object (or null).
    func object(_ name: String) throws(AppwriteError) -> [String: AnyJSON]? {
        guard let value = try value(name) else { return nil }
        guard case .object(let object) = value else {
            throw .argumentInvalid(name, "Value must be a valid JSON object or null")
        }
        return object
    }

    /// Strictly a JSON boolean: these parameters use Appwrite's non-loose `Boolean` validator.
    func bool(_ name: String) throws(AppwriteError) -> Bool? {
        guard let value = try value(name) else { return nil }
        guard case .bool(let flag) = value else { throw .argumentInvalid(name, "Value must be a valid boolean") }
        return flag
    }

    func integer(_ name: String) throws(AppwriteError) -> Int? {
        guard let value = try value(name) else { return nil }
        guard case .number(let number) = value, let whole = Int(exactly: number) else {
            throw .argumentInvalid(name, "Value must be a valid integer")
        }
        return whole
    }

    func oneOf(_ name: String, _ choices: [String]) throws(AppwriteError) -> String? {
        guard let value = try value(name) else { return nil }
        guard case .string(let text) = value, choices.contains(text) else {
            throw .argumentInvalid(name, "Value must be one of (\(choices.joined(separator: ", ")))")
        }
        return text
    }

    /// An ISO 8601 date that is still in the future.
    func futureDate(_ name: String) throws(AppwriteError) -> Date? {
        guard let value = try value(name) else { return nil }
        guard case .string(let text) = value, let date = AppwriteDate.parse(text), date > Date() else {
            throw .argumentInvalid(name, "Value must be valid date in future.")
        }
        return date
    }

    /// "Value must a valid array" is Appwrite's wording, missing word included.
    private func list(_ name: String, rule: String, where isValid: (String) -> Bool) throws(AppwriteError) -> [String] {
        guard let value = try value(name) else { return [] }
        guard case .array(let items) = value else { throw .argumentInvalid(name, "Value must a valid array and \(rule)") }
        var strings: [String] = []
        for item in items {
            guard case .string(let text) = item, isValid(text) else {
                throw .argumentInvalid(name, "Value must a valid array and \(rule)")
            }
            strings.append(text)
        }
        return strings
    }

    static func isValidCompoundID(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy { UtopiaValidators.uid(String($0)) }
    }
}
