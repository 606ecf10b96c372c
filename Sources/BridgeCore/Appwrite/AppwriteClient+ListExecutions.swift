import Foundation
import NIOHTTP1

extension AppwriteClient {
    /// listExecutions (scope executions.read) with JSON queries, as the SDKs send them
    /// (`queries[]=<JSON>`), without the total count Appwrite would otherwise compute.
    public func listExecutions(functionID: String, queries: [JSONValue], on instance: InstanceConfig) async throws(AppwriteClientError)
        -> AppwriteResponse
    {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let parameters =
            queries.map { "queries%5B%5D=" + ($0.serialized.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") } + ["total=false"]
        return try await send(.GET, "/functions/\(functionID)/executions?" + parameters.joined(separator: "&"), body: nil, to: instance)
    }
}
