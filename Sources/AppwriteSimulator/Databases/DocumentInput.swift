/// The `data` and `permissions` parameters of the document routes, read as Appwrite's validators
/// read them (utopia-php/validators `JSON`, utopia-php/database `Permissions`), and the data
/// checked against the collection's attributes when it declares any.
struct DocumentInput: Sendable {

    /// The attributes written, in order; `$createdAt`/`$updatedAt` only from an API key.
    var data: [(key: String, value: PHPValue)]
    var createdAt: String?
    var updatedAt: String?
    /// nil: not given (keep, or Appwrite's default).
    var permissions: [String]?

    /// `data` as a JSON object or JSON text; `permissions` nullable.
    init(_ parameters: [String: PHPValue], isKey: Bool) throws(AppwriteError) {
        var raw = parameters["data"] ?? .list([])
        if case .string(let text) = raw {
            guard let decoded = PHPJSONDecoder.decode(Array(text.utf8)), decoded.isArray else {
                throw .argumentInvalid("data", "Value must be a valid JSON string")
            }
            raw = decoded
        }
        switch raw {
        case .object(let entries): data = entries
        case .list(let items) where items.isEmpty: data = []
        case .null: data = []
        default: throw .argumentInvalid("data", "Value must be a valid JSON string")
        }
        if let given = parameters["permissions"], given != .null {
            if let problem = PermissionRules.problem(inJSON: given) {
                throw .argumentInvalid("permissions", problem)
            }
            if case .list(let items) = given {
                permissions = PermissionRules.aggregate(items.compactMap { if case .string(let text) = $0 { text } else { nil } })
            } else {
                permissions = []
            }
        }
        // removeReadonlyAttributes: `$sequence`, `$databaseId`, `$collectionId` always; the dates
        // unless the caller is privileged (an API key keeps them: withPreserveDates).
        var kept: [(key: String, value: PHPValue)] = []
        for entry in data {
            switch entry.key {
            case "$sequence", "$databaseId", "$collectionId", "$id", "$permissions", "$collection", "$tenant": continue
            case "$createdAt", "$updatedAt":
                guard isKey, case .string(let date) = entry.value else { continue }
                if entry.key == "$createdAt" { createdAt = date } else { updatedAt = date }
            default: kept.append(entry)
            }
        }
        data = kept
    }

    /// utopia-php/database's Structure validator, for collections that declare attributes.
    static func checkStructure(_ data: [(key: String, value: PHPValue)], against collection: SimulatorConfig.Collection, creating: Bool)
        throws(AppwriteError)
    {
        for entry in data where entry.key.hasPrefix("$") {
            throw .documentInvalidStructure("Unknown attribute: \"\(entry.key)\"")
        }
        guard !collection.attributes.isEmpty else { return }
        for entry in data {
            guard let attribute = collection.attributes.first(where: { $0.key == entry.key }) else {
                throw .documentInvalidStructure("Unknown attribute: \"\(entry.key)\"")
            }
            if entry.value == .null {
                if attribute.required { throw .documentInvalidStructure("Missing required attribute \"\(entry.key)\"") }
                continue
            }
            let values: [PHPValue]
            if attribute.array {
                guard case .list(let items) = entry.value else {
                    throw .documentInvalidStructure("Attribute \"\(entry.key)\" must be an array")
                }
                values = items
            } else {
                values = [entry.value]
            }
            for value in values where !matches(value, type: attribute.type) {
                throw .documentInvalidStructure("Attribute \"\(entry.key)\" has invalid type. \(typeRule(attribute.type))")
            }
        }
        if creating {
            for attribute in collection.attributes where attribute.required {
                guard let value = data.last(where: { $0.key == attribute.key })?.value, value != .null else {
                    throw .documentInvalidStructure("Missing required attribute \"\(attribute.key)\"")
                }
            }
        }
    }

    private static func matches(_ value: PHPValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("integer", .int), ("double", .float), ("double", .int), ("boolean", .bool): true
        case ("datetime", .string(let text)): AppwriteDate.parse(text) != nil || PHPDateTime(parsing: text) != nil
        default: false
        }
    }

    private static func typeRule(_ type: String) -> String {
        switch type {
        case "string": "Value must be a valid string"
        case "integer": "Value must be a valid integer"
        case "double": "Value must be a valid float"
        case "boolean": "Value must be a valid boolean"
        default: "Value must be valid date between 0000-01-01 00:00:00 and 9999-12-31 23:59:59."
        }
    }
}
