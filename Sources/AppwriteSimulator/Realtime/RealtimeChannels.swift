/// Channel names (src/Appwrite/Messaging/Adapter/Realtime.php): what an event is published to
/// (`fromPayload`), and what a subscriber's channel list becomes (`convertChannels`).
enum RealtimeChannels {
    static let actions = ["create", "update", "upsert", "delete"]
    static let resourceLeaves: Set<String> = [
        "documents", "rows", "files", "executions", "functions", "account", "teams", "memberships", "presences",
    ]

    /// A document of a (legacy) database: its documents channels, their rows/tables and
    /// `tablesdb.` mirrors (8 channels), then each one's action twin.
    static func document(databaseID: String, collectionID: String, documentID: String) -> [String] {
        let base = "\(databaseID).collections.\(collectionID).documents"
        let rows = "\(databaseID).tables.\(collectionID).rows"
        return EventNames.unique([
            "documents", "databases.\(base)", "databases.\(base).\(documentID)",
            "rows", "databases.\(rows)", "databases.\(rows).\(documentID)",
            "rows", "tablesdb.\(rows)", "tablesdb.\(rows).\(documentID)",
        ])
    }

    static func file(bucketID: String, fileID: String) -> [String] {
        ["files", "buckets.\(bucketID).files", "buckets.\(bucketID).files.\(fileID)"]
    }

    /// The action-suffixed twins: every channel whose last or second-to-last segment is a
    /// resource gets `.<action>`, where the action is the event's last segment (or its
    /// second-to-last, for attribute events such as `update.name`).
    static func withActionTwins(_ channels: [String], event: String) -> [String] {
        let parts = event.split(separator: ".").map(String.init)
        guard let last = parts.last else { return channels }
        var action: String?
        if actions.contains(last) {
            action = last
        } else if parts.count >= 2, actions.contains(parts[parts.count - 2]) {
            action = parts[parts.count - 2]
        }
        if parts.first == "users", parts.count > 2, parts[2] != action { action = nil }
        guard let action, !channels.isEmpty else { return channels }
        var augmented = channels
        for channel in channels {
            let segments = channel.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let leaf = segments.last.map { resourceLeaves.contains($0) } ?? false
            let parent = segments.count >= 2 && resourceLeaves.contains(segments[segments.count - 2])
            if leaf || parent { augmented.append(channel + "." + action) }
        }
        return EventNames.unique(augmented)
    }

    /// convertChannels: duplicates dropped; `account` adds `account.<userId>` for a user;
    /// `account.<action>` becomes `account.<userId>.<action>` for a user (kept as is for a guest);
    /// any other `account.…` is dropped.
    static func convert(_ channels: [String], userID: String) -> [String] {
        // A PHP array keyed by channel: a new key goes last, setting a present one keeps its place,
        // an unset one may come back last (positions make each step O(1)).
        var position: [String: Int] = [:]
        var counter = 0
        func set(_ key: String) {
            guard position[key] == nil else { return }
            position[key] = counter
            counter += 1
        }
        for channel in channels { set(channel) }
        for channel in EventNames.unique(channels) {
            if channel == "account" {
                if !userID.isEmpty { set("account.\(userID)") }
            } else if channel.hasPrefix("account."), actions.contains(String(channel.dropFirst("account.".count))) {
                if !userID.isEmpty {
                    position[channel] = nil
                    set("account.\(userID).\(channel.dropFirst("account.".count))")
                }
            } else if channel.hasPrefix("account.") {
                position[channel] = nil
            }
        }
        return position.sorted { $0.value < $1.value }.map(\.key)
    }
}
