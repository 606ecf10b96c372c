import Foundation

/// Where and how an instance's Realtime socket connects: `ws(s)://<host>/v1/realtime` with the
/// project, every channel (`channels[]=`, PHP's array syntax, which Appwrite 1.8 and 1.9 both
/// read) and one query slot per subscription, so `connected.data.subscriptions` and each event's
/// `subscriptions` name the bridge's subscriptions exactly.
struct RealtimeEndpoint: Sendable, Equatable {
    let useTLS: Bool
    let host: String
    let port: Int
    let pathAndQuery: String

    /// Every subscription gets a slot, a subscription without queries the `select("*")` Appwrite
    /// gives a channel without queries: a channel with queries in one slot would otherwise leave
    /// the channel's plain subscribers with nothing (`Realtime::constructSubscriptions`).
    static let selectAll = #"{"method":"select","values":["*"]}"#

    init?(baseURL: String, projectID: String, subscriptions: [RealtimeSubscription]) {
        guard let components = URLComponents(string: baseURL), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return nil }
        useTLS = scheme == "https"
        self.host = host
        port = components.port ?? (useTLS ? 443 : 80)
        var parameters = ["project=" + Self.encode(projectID)]
        var channels: [String] = []
        for subscription in subscriptions {
            for channel in subscription.channels where !channels.contains(channel) { channels.append(channel) }
        }
        parameters += channels.map { "channels%5B%5D=" + Self.encode($0) }
        for (slot, subscription) in subscriptions.enumerated() {
            let queries = subscription.queries.isEmpty ? [Self.selectAll] : subscription.queries
            for channel in subscription.channels {
                // PHP turns dots in a parameter's name into underscores; Appwrite looks it up so.
                let name = Self.encode(channel.replacingOccurrences(of: ".", with: "_")) + "%5B\(slot)%5D%5B%5D="
                parameters += queries.map { name + Self.encode($0) }
            }
        }
        pathAndQuery = components.path + "/realtime?" + parameters.joined(separator: "&")
    }

    /// The Host header: the port only when it is not the scheme's default.
    var hostHeader: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return port == (useTLS ? 443 : 80) ? shownHost : "\(shownHost):\(port)"
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
