import Yams

extension JSONValue {
    /// A bridge.yaml value as the JSON a caller would have sent: a function's `body:` may be a
    /// mapping, as an action's `function_body` may be an object, and is serialised the same way.
    /// Scalars keep YAML's meaning (`true`, `5`, `1.5`, `null`; quoted text stays a string) and
    /// mappings keep the file's key order.
    init(yaml node: Node, codingPath: [any CodingKey]) throws {
        switch node {
        case .scalar(let scalar):
            self = Self.scalar(scalar, tag: Tag.Name(rawValue: node.tag.description))
        case .sequence(let sequence):
            self = .array(try sequence.map { try JSONValue(yaml: $0, codingPath: codingPath) })
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                guard case .scalar(let name) = key else {
                    throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "a key here must be plain text"))
                }
                object[name.string] = try JSONValue(yaml: value, codingPath: codingPath)
            }
            self = .object(object)
        case .alias:
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "YAML aliases are not supported here"))
        }
    }

    private static func scalar(_ scalar: Node.Scalar, tag: Tag.Name) -> JSONValue {
        switch tag {
        case .null: return .null
        case .bool: return Bool.construct(from: scalar).map(JSONValue.bool) ?? .string(scalar.string)
        case .int: return Int.construct(from: scalar).map { .number(String($0)) } ?? .string(scalar.string)
        case .float:
            // JSON has no NaN or infinity: those stay the text that was written.
            guard let number = Double.construct(from: scalar), number.isFinite else { return .string(scalar.string) }
            return .number(String(number))
        default: return .string(scalar.string)
        }
    }
}
