/// Lists again, over REST and as the Realtime user, what a subscription's collection changed
/// since a position: Realtime has no replay, so this is how a gap is filled. Ordered by
/// `$updatedAt`, paged by cursor, so a long gap costs pages, never one huge answer.
struct RealtimeCatchUp: Sendable {
    static let pageSize = 100

    let client: AppwriteClient
    let instance: InstanceConfig
    let caller: AppwriteClient.Caller

    struct Failure: Error {
        var reason: String
    }

    /// Hands each document changed at or after `position` to `deliver`, oldest first; returns
    /// how many were listed.
    func run(
        _ source: CatchUpSource,
        filters: [String],
        from position: RealtimeLedger.Position,
        deliver: (JSONObject) -> Void
    ) async throws(Failure) -> Int {
        var fixed = filters
        fixed.append(Self.query("greaterThanEqual", attribute: "$updatedAt", values: [.string(position.updatedAt)]))
        if let ids = source.documentIDs { fixed.append(Self.query("equal", attribute: "$id", values: ids.map(JSONValue.string))) }
        fixed.append(Self.query("orderAsc", attribute: "$updatedAt", values: nil))
        fixed.append(Self.query("limit", attribute: nil, values: [.number(String(Self.pageSize))]))
        var cursor: String?
        var listed = 0
        while true {
            try Self.checkCancellation()
            var queries = fixed
            if let cursor { queries.append(Self.query("cursorAfter", attribute: nil, values: [.string(cursor)])) }
            let response: AppwriteResponse
            do {
                response = try await client.listDocuments(source, queries: queries, as: caller, on: instance)
            } catch {
                throw Failure(reason: error.reason)
            }
            guard let object = response.object else {
                let detail = response.error.map { "\($0.explanation) (\($0.type))" } ?? "an answer that is not a list"
                throw Failure(reason: "listing \(source.collectionID) answered HTTP \(response.status): \(detail)")
            }
            guard case .array(let documents)? = object[source.api == .rows ? "rows" : "documents"] else {
                throw Failure(reason: "listing \(source.collectionID) answered without a list of documents")
            }
            for case .object(let document) in documents {
                listed += 1
                deliver(document)
            }
            guard documents.count == Self.pageSize, let last = documents.last?.objectValue?["$id"]?.stringValue else { return listed }
            cursor = last
        }
    }

    private static func checkCancellation() throws(Failure) {
        if Task.isCancelled { throw Failure(reason: "cancelled") }
    }

    static func query(_ method: String, attribute: String?, values: [JSONValue]?) -> String {
        var object = JSONObject([("method", .string(method))])
        if let attribute { object["attribute"] = .string(attribute) }
        if let values { object["values"] = .array(values) }
        return JSONValue.object(object).serialized
    }
}
