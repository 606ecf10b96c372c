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
        var result: [(key: String, value: PHPQueryParameter)] = []
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            guard let (base, path) = split(name), !base.isEmpty else { continue }
            var root = PHPQueryParameter.array(result)
            root.set(path: [base] + path, value: value)
            if case .array(let entries) = root { result = entries }
        }
        return Dictionary(result.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
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

    private mutating func set(path: [String], value: String) {
        guard let first = path.first else {
            self = .string(value)
            return
        }
        var entries: [(key: String, value: PHPQueryParameter)]
        if case .array(let existing) = self { entries = existing } else { entries = [] }
        var key = first
        if key.isEmpty {
            let next = (entries.compactMap { Int($0.key) }.max() ?? -1) + 1
            key = String(next)
        }
        if let index = entries.firstIndex(where: { $0.key == key }) {
            if path.count == 1 {
                entries[index].value = .string(value)
            } else {
                entries[index].value.set(path: Array(path.dropFirst()), value: value)
            }
        } else {
            var child = PHPQueryParameter.array([])
            child.set(path: Array(path.dropFirst()), value: value)
            entries.append((key, child))
        }
        self = .array(entries)
    }
}
