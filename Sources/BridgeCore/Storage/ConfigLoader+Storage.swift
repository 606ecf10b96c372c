import Foundation

extension ConfigLoader {
    /// `storage:` and `buckets:` of an instance: nil when storage is off. A `buckets:` list turns
    /// storage on by itself.
    static func validateStorage(_ entry: InstanceEntry) throws -> StorageSettings? {
        guard entry.storage == true || (entry.storage == nil && entry.buckets != nil) else {
            if entry.buckets != nil {
                throw entry.fields.issue("buckets", "buckets: needs storage: true (or leave storage out)")
            }
            return nil
        }
        for bucket in entry.buckets ?? [] where bucket != "*" && !AppwriteRules.isValidID(bucket) {
            throw entry.fields.issue("buckets", "'\(bucket)' is not a valid Appwrite bucket ID (\(AppwriteRules.idRuleDescription))")
        }
        return StorageSettings(buckets: Scope(entry.buckets))
    }

    /// `fetch:`: hosts checked like callbacks.allowed_hosts, header files read now (a reload
    /// re-reads them).
    func validateFetch(_ section: FetchSection?, folder: String) throws -> FetchSettings {
        guard let section else { return FetchSettings() }
        let shared = try section.headersFile.map {
            try Self.readHeaders(resolveSecretPath($0, folder: folder), fields: section.fields, key: "headers_file")
        }
        var hosts: [FetchSettings.Host] = []
        for entry in section.allowedHosts {
            let fields = entry.fields ?? section.fields
            let key = entry.fields == nil ? "allowed_hosts" : "host"
            guard !entry.host.isEmpty, !entry.host.contains("/"), URLComponents(string: "http://\(entry.host)")?.host?.isEmpty == false
            else {
                throw fields.issue(key, "'\(entry.host)' is not a host or host:port (e.g. homeassistant.local:8123)")
            }
            let own = try entry.headersFile.map {
                try Self.readHeaders(resolveSecretPath($0, folder: folder), fields: fields, key: "headers_file")
            }
            hosts.append(FetchSettings.Host(host: entry.host.lowercased(), headers: own ?? shared ?? []))
        }
        return FetchSettings(allowedHosts: hosts)
    }

    /// A headers file: one `Name: value` per line, as curl's -H takes them; `#` lines and blank
    /// lines are skipped. Values are never echoed in errors.
    static func readHeaders(_ path: String, fields: YAMLFields, key: String) throws -> [FetchHeader] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw fields.issue(key, "cannot read the headers file '\(path)'")
        }
        var headers: [FetchHeader] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw fields.issue(key, "line \(index + 1) of '\(path)' is not 'Name: value'")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.utf8.allSatisfy({ AppwriteRules.isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else {
                throw fields.issue(key, "line \(index + 1) of '\(path)' has an invalid header name")
            }
            headers.append(FetchHeader(name: name, value: Secret(value)))
        }
        return headers
    }
}
