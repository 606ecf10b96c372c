import Foundation

/// A URL query as PHP's `parse_str` reads it: `a[]=1&a[]=2` is a list, `b[x][]=1` nests, and in
/// the name before the first `[` dots and spaces become `_` (so `databases.D.collections.C.documents[0][]`
/// arrives as `databases_D_collections_C_documents`).
enum PHPQueryParameter: Sendable, Equatable {
    case string(String)
    /// Keys in the order they first appeared; `[]` appends the next integer key.
    indirect case array([(key: String, value: PHPQueryParameter)])

    static func == (lhs: PHPQueryParameter, rhs: PHPQueryParameter) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }

    /// The values, in order (for a string, itself alone).
    var values: [PHPQueryParameter] {
        switch self {
        case .string: [self]
        case .array(let entries): entries.map(\.value)
        }
    }

    static func parse(_ query: String?) -> [String: PHPQueryParameter] {
        var root = Node()
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            guard let (base, path) = split(name), !base.isEmpty else { continue }
            root.set(path: [base] + path, value: value)
        }
        guard case .array(let entries) = root.parameter else { return [:] }
        return Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }

    /// A PHP array while it is built: keys in order, found by name in O(1), `[]` taking the next
    /// integer key.
    private struct Node {
        var value: String?
        var keys: [String] = []
        var children: [String: Node] = [:]
        var nextIndex = 0

        var parameter: PHPQueryParameter {
            if let value { return .string(value) }
            return .array(keys.map { ($0, children[$0]?.parameter ?? .string("")) })
        }

        mutating func set(path: [String], value: String) {
            guard let first = path.first else {
                self = Node(value: value)
                return
            }
            self.value = nil
            var key = first
            if key.isEmpty { key = String(nextIndex) }
            if let number = Int(key), number >= nextIndex { nextIndex = number + 1 }
            if children[key] == nil { keys.append(key) }
            children[key, default: Node()].set(path: Array(path.dropFirst()), value: value)
        }
    }

    private static func decode(_ text: Substring) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }

    /// The base name (dots and spaces made `_`) and the bracketed keys after it ("" for `[]`).
    private static func split(_ name: String) -> (String, [String])? {
        guard let open = name.firstIndex(of: "["), name[open...].contains("]") else {
            return (normalize(Substring(name)), [])
        }
        let base = normalize(name[..<open])
        var path: [String] = []
        var rest = name[open...]
        while rest.first == "[", let close = rest.firstIndex(of: "]") {
            path.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return (base, path)
    }

    private static func normalize(_ base: Substring) -> String {
        String(base.map { $0 == "." || $0 == " " ? "_" : $0 })
    }
}
