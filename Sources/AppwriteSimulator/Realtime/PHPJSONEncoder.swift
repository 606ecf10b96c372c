import Foundation

/// Writes a PHPValue back as JSON, keys in their order, as `json_encode` does (slashes unescaped).
enum PHPJSONEncoder {
    static func encode(_ value: PHPValue) -> String {
        var output = ""
        write(value, to: &output)
        return output
    }

    static func write(_ value: PHPValue, to output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let number): output += String(number)
        case .float(let number, let text):
            output += number.isFinite ? (text.isEmpty ? String(number) : text) : "0"
        case .string(let text): writeString(text, to: &output)
        case .list(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                write(item, to: &output)
            }
            output += "]"
        case .object(let entries):
            output += "{"
            for (index, entry) in entries.enumerated() {
                if index > 0 { output += "," }
                writeString(entry.key, to: &output)
                output += ":"
                write(entry.value, to: &output)
            }
            output += "}"
        }
    }

    static func writeString(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20: output += String(format: "\\u%04x", scalar.value)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension PHPValue {
    /// The value of an object's key (the last one written wins, as in a PHP array).
    subscript(key: String) -> PHPValue? {
        guard case .object(let entries) = self else { return nil }
        return entries.last { $0.key == key }?.value
    }

    static func strings(_ items: [String]) -> PHPValue { .list(items.map { .string($0) }) }
}
