import Foundation

/// `<state_dir>/realtime/<project_id>.json`: each subscription's position and when the instance
/// was last known connected, so a restart catches up from where the last run stopped and reports
/// the gap it could not cover.
struct RealtimePositionFile: Codable, Sendable, Equatable {
    struct Entry: Codable, Sendable, Equatable {
        var fingerprint: String
        var position: RealtimeLedger.Position?
    }

    var version = 1
    /// The last moment (Unix seconds) the socket was known to be up (written on each save while connected, and
    /// when it drops): the start of the gap a restart reports.
    var lastSeen: Double?
    var subscriptions: [String: Entry] = [:]

    static func path(stateDirectory: String, projectID: String) -> String {
        stateDirectory + "/realtime/" + projectID + ".json"
    }

    /// A missing or unreadable file is a first start: nothing to catch up on.
    static func load(stateDirectory: String, projectID: String) -> RealtimePositionFile? {
        guard let data = FileManager.default.contents(atPath: path(stateDirectory: stateDirectory, projectID: projectID)) else {
            return nil
        }
        return try? JSONDecoder().decode(RealtimePositionFile.self, from: data)
    }

    /// Written to a temporary file and renamed over the old one, so a crash mid-write leaves the
    /// previous positions, never half of a file.
    func save(stateDirectory: String, projectID: String) throws {
        let folder = stateDirectory + "/realtime"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let target = Self.path(stateDirectory: stateDirectory, projectID: projectID)
        let temporary = target + ".tmp"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(self)
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        guard rename(temporary, target) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
