import Yams

/// The keys of one YAML mapping with the position of each value, read before decoding so unknown
/// keys are refused by name and every later check can point at the right line and column.
struct YAMLFields {
    let path: String
    let mark: Mark?
    private let marks: [String: Mark]

    init(decoder: any Decoder, allowed: [String]) throws {
        path = Self.describe(decoder.codingPath)
        mark = decoder.nodeMark
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        var marks: [String: Mark] = [:]
        for key in container.allKeys {
            let valueMark = try container.superDecoder(forKey: key).nodeMark
            guard allowed.contains(key.stringValue) else {
                throw ConfigIssue(
                    line: valueMark?.line,
                    column: valueMark?.column,
                    path: path,
                    message: "unknown key '\(key.stringValue)'; allowed keys are \(allowed.joined(separator: ", "))"
                )
            }
            marks[key.stringValue] = valueMark
        }
        self.marks = marks
    }

    func has(_ key: String) -> Bool { marks[key] != nil }

    /// A located problem with the value of `key` (or with the mapping itself when it is absent).
    func issue(_ key: String?, _ message: String) -> ConfigIssue {
        let position = key.flatMap { marks[$0] } ?? mark
        let fieldPath = [path, key ?? ""].filter { !$0.isEmpty }.joined(separator: ".")
        return ConfigIssue(line: position?.line, column: position?.column, path: fieldPath, message: message)
    }

    static func describe(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }
}

struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}
