/// Why a request body is not acceptable JSON.
public enum JSONParseError: Error, Equatable, Sendable {
    case invalidUTF8(offset: Int)
    case syntax(offset: Int, expected: String)
    case tooDeep(limit: Int)
    /// An object names the same member twice. RFC 8259 leaves the meaning open and Appwrite's PHP
    /// would silently take the last one (`"function_async": true, "function_async": false` ran
    /// synchronously), so the bridge refuses instead of guessing. `path` leads from the document's
    /// root to the repeated key (`function_body.items[2].id`); `offset` is the byte where the
    /// second occurrence starts.
    case duplicateKey(path: String, offset: Int)

    public var message: String {
        switch self {
        case .invalidUTF8(let offset): "the body is not valid UTF-8 (byte \(offset))"
        case .syntax(let offset, let expected): "the body is not valid JSON: expected \(expected) at byte \(offset)"
        case .tooDeep(let limit): "the body nests arrays and objects deeper than \(limit) levels"
        case .duplicateKey(let path, let offset):
            "the body repeats the key '\(path)' (again at byte \(offset)); a key may appear only once in an object"
        }
    }

    /// The same error seen from one level further out: a duplicate key's path gains the member
    /// name or array index that leads to it. Other errors already say where they are by offset.
    func nested(in component: JSONPathComponent) -> JSONParseError {
        guard case .duplicateKey(let path, let offset) = self else { return self }
        let separator = path.hasPrefix("[") ? "" : "."
        return .duplicateKey(path: component.description + separator + path, offset: offset)
    }
}

/// One step of the path to a value: a member name or an array index.
enum JSONPathComponent: CustomStringConvertible {
    case key(String)
    case index(Int)

    /// Names are shown as written, cut after 64 code points so a hostile 500 KB key does not come
    /// back whole in an error body.
    var description: String {
        switch self {
        case .index(let index): return "[\(index)]"
        case .key(let key):
            let limit = 64
            guard key.unicodeScalars.count > limit else { return key }
            var shown = String.UnicodeScalarView()
            shown.append(contentsOf: key.unicodeScalars.prefix(limit))
            return String(shown) + "…"
        }
    }
}
