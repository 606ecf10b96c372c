import Foundation

/// Scheme, host and port of an absolute http(s) URL, lower-cased, default ports filled in.
struct URLParts: Sendable, Equatable {
    var scheme: String
    var host: String
    var port: Int

    init?(_ text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
    }
}
