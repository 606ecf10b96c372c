import Foundation

/// `fetch:` as written: `allowed_hosts` (strings, or `{host, headers_file}`) and a default
/// `headers_file` for hosts without their own.
struct FetchSection: Decodable {
    var allowedHosts: [HostEntry]
    var headersFile: String?
    var fields: YAMLFields

    enum CodingKeys: String, CodingKey, CaseIterable {
        case allowed_hosts, headers_file
    }

    struct HostEntry: Decodable {
        var host: String
        var headersFile: String?
        var fields: YAMLFields?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case host, headers_file
        }

        init(from decoder: any Decoder) throws {
            if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
                host = text
                return
            }
            let fields = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            self.fields = fields
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard container.contains(.host) else { throw fields.issue(nil, "missing required key 'host'") }
            host = try container.decode(String.self, forKey: .host)
            headersFile = try container.decodeIfPresent(String.self, forKey: .headers_file)
        }
    }

    init(from decoder: any Decoder) throws {
        fields = try YAMLFields(decoder: decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        allowedHosts = try container.decodeIfPresent([HostEntry].self, forKey: .allowed_hosts) ?? []
        headersFile = try container.decodeIfPresent(String.self, forKey: .headers_file)
    }
}
