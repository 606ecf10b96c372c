enum ReturnResponseFlag {
    /// Home Assistant's flag is `?return_response` with no value; `=true`/`=1` are accepted too.
    static func isSet(in query: String?) -> Bool {
        guard let query else { return false }
        return query.split(separator: "&").contains { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.first == "return_response" else { return false }
            return parts.count == 1 || !["false", "0"].contains(parts[1].lowercased())
        }
    }
}
