import Foundation
import NIOHTTP1

extension AppwriteClient {
    /// listDocuments (`GET /databases/{D}/collections/{C}/documents`) or listRows
    /// (`GET /tablesdb/{D}/tables/{T}/rows`) with JSON queries, without the total count.
    func listDocuments(_ source: CatchUpSource, queries: [String], as caller: Caller, on instance: InstanceConfig)
        async throws(AppwriteClientError) -> AppwriteResponse
    {
        let path =
            source.api == .rows
            ? "/tablesdb/\(source.databaseID)/tables/\(source.collectionID)/rows"
            : "/databases/\(source.databaseID)/collections/\(source.collectionID)/documents"
        let parameters = queries.map { "queries%5B%5D=" + RealtimeEndpoint.encode($0) } + ["total=false"]
        return try await send(.GET, path + "?" + parameters.joined(separator: "&"), body: nil, to: instance, as: caller)
    }
}
