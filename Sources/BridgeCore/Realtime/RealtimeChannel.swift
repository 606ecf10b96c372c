/// One Realtime channel in the forms Appwrite 1.9 publishes (`Realtime::fromPayload`): checked at
/// load, so a typo is a located configuration error instead of a subscription that never fires
/// (Appwrite accepts unknown channel names and simply never matches them).
public struct RealtimeChannel: Sendable, Equatable {
    public enum Scope: Sendable, Equatable {
        /// A document or row channel of one collection or table, optionally of one document.
        case collection(CatchUpSource.API, databaseID: String, collectionID: String, documentID: String?, action: RealtimeAction?)
        /// Any other published form (files, executions, account, teams, …): live only.
        case other
    }

    public let name: String
    public let scope: Scope

    /// The forms, for the error message.
    static let forms = [
        "documents", "rows", "files", "executions", "teams", "memberships", "presences", "account",
        "databases.<db>.collections.<collection>.documents[.<id>]", "databases.<db>.tables.<table>.rows[.<id>]",
        "tablesdb.<db>.tables.<table>.rows[.<id>]", "documentsdb.<db>.collections.<collection>.documents[.<id>]",
        "vectorsdb.<db>.collections.<collection>.documents[.<id>]", "buckets.<bucket>.files[.<id>]",
        "executions.<id>", "functions.<id>", "teams.<id>", "memberships.<id>", "presences.<id>", "account.<userId>",
    ]

    public init?(parsing name: String) {
        var segments = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var action: RealtimeAction?
        // Action twins: `<channel>.create` … of a resource list or of one resource.
        if segments.count > 1, let last = RealtimeAction(rawValue: segments[segments.count - 1]) {
            action = last
            segments.removeLast()
        }
        guard segments.allSatisfy({ !$0.isEmpty }) else { return nil }
        func isID(_ text: String) -> Bool { AppwriteRules.isValidID(text) }
        func id(at index: Int) -> String?? {
            // .some(nil): no such segment; nil: a segment that is not a valid ID.
            guard index < segments.count else { return .some(nil) }
            return isID(segments[index]) ? .some(segments[index]) : nil
        }
        let lists: Set<String> = ["documents", "rows", "files", "executions", "teams", "memberships", "presences", "account"]
        let ownIDs: Set<String> = ["executions", "functions", "teams", "memberships", "presences", "account"]
        let shape = segments.enumerated().map { $0.offset % 2 == 0 || $0.offset >= 4 ? $0.element : "_" }
        switch (segments.count, segments[0]) {
        case (1, _) where lists.contains(segments[0]):
            scope = .other
        case (2, _) where ownIDs.contains(segments[0]) && isID(segments[1]):
            scope = .other
        case (3...4, "buckets") where segments[2] == "files" && isID(segments[1]):
            guard case .some = id(at: 3) else { return nil }
            scope = .other
        case (5...6, _):
            guard isID(segments[1]), isID(segments[3]), case .some(let document) = id(at: 5) else { return nil }
            let api: CatchUpSource.API?
            switch (shape[0], shape[2], shape[4]) {
            case ("databases", "collections", "documents"), ("databases", "tables", "rows"): api = .documents
            case ("tablesdb", "tables", "rows"): api = .rows
            case ("documentsdb", "collections", "documents"), ("vectorsdb", "collections", "documents"): api = nil
            default: return nil
            }
            if let api {
                scope = .collection(api, databaseID: segments[1], collectionID: segments[3], documentID: document, action: action)
            } else {
                scope = .other
            }
        default:
            return nil
        }
        self.name = name
    }
}
