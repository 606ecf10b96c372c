import Synchronization

/// What each subscription of one instance has delivered: the newest `$updatedAt` of each document
/// (so a document listed after a gap and also seen live goes out once, in its newest version)
/// and the position a catch-up starts from. Live events and the catch-up listing run at once and
/// both ask here before they publish.
final class RealtimeLedger: Sendable {
    /// The newest `$updatedAt` delivered and the documents delivered at exactly that instant: a
    /// catch-up lists from that instant on (`greaterThanEqual`), and skips those.
    struct Position: Codable, Sendable, Equatable {
        var updatedAt: String
        var ids: [String]
    }

    private struct Delivered {
        var updatedAt: String
        var deleted: Bool
    }

    private struct Track {
        var fingerprint: String
        var position: Position?
        var delivered: [String: Delivered] = [:]
        /// Set while a catch-up runs: until it completes, what is persisted stays where it began,
        /// so a crash meanwhile catches up on the same span again instead of skipping its rest.
        var catchingUpFrom: Position?
        var pruneAbove = 10_000
    }

    private let tracks: Mutex<[String: Track]>

    /// `stored`: positions read from `state_dir`, kept only for subscriptions whose channels and
    /// queries are still the same.
    init(subscriptions: [RealtimeSubscription], stored: [String: RealtimePositionFile.Entry]) {
        var tracks: [String: Track] = [:]
        for subscription in subscriptions {
            var track = Track(fingerprint: subscription.fingerprint)
            if let entry = stored[subscription.name], entry.fingerprint == subscription.fingerprint {
                track.position = entry.position
                for id in entry.position?.ids ?? [] {
                    track.delivered[id] = Delivered(updatedAt: entry.position!.updatedAt, deleted: false)
                }
            }
            tracks[subscription.name] = track
        }
        self.tracks = Mutex(tracks)
    }

    /// Whether this version of a document is new to the subscription; records it if so. Deletes
    /// always pass (their payload is the last version, already delivered) and leave a tombstone,
    /// so a listing made before the delete cannot bring the document back.
    func admit(subscription: String, id: String, updatedAt: String, deleted: Bool) -> Bool {
        tracks.withLock { tracks in
            guard tracks[subscription] != nil else { return false }
            // In place: a copy of the track out of the table would copy its whole `delivered`
            // table on write, once per event.
            return Self.admit(&tracks[subscription]!, id: id, updatedAt: updatedAt, deleted: deleted)
        }
    }

    private static func admit(_ track: inout Track, id: String, updatedAt: String, deleted: Bool) -> Bool {
        if let previous = track.delivered[id] {
            if deleted {
                guard !previous.deleted || previous.updatedAt < updatedAt else { return false }
            } else if previous.updatedAt >= updatedAt {
                return false
            }
        }
        track.delivered[id] = Delivered(updatedAt: updatedAt, deleted: deleted)
        if !deleted {
            if let position = track.position, position.updatedAt > updatedAt {
                // Older than what was delivered already: a catch-up item; the position holds.
            } else if track.position?.updatedAt == updatedAt {
                track.position!.ids.append(id)
            } else {
                track.position = Position(updatedAt: updatedAt, ids: [id])
            }
        }
        if track.delivered.count > track.pruneAbove { prune(&track) }
        return true
    }

    /// Versions older than the persisted position can never be listed again: forget them.
    private static func prune(_ track: inout Track) {
        if let floor = (track.catchingUpFrom ?? track.position)?.updatedAt {
            track.delivered = track.delivered.filter { $0.value.updatedAt >= floor }
        }
        track.pruneAbove = max(10_000, track.delivered.count * 2)
    }

    /// Where a catch-up of `subscription` starts, and marks it running; nil when the
    /// subscription has never delivered anything (nothing to catch up on).
    func beginCatchUp(_ subscription: String) -> Position? {
        tracks.withLock { tracks in
            guard var track = tracks[subscription], let position = track.position else { return nil }
            track.catchingUpFrom = track.catchingUpFrom ?? position
            tracks[subscription] = track
            return track.catchingUpFrom
        }
    }

    func endCatchUp(_ subscription: String, completed: Bool) {
        tracks.withLock { tracks in
            // A failed catch-up keeps its start, so the next connection tries the span again.
            if completed { tracks[subscription]?.catchingUpFrom = nil }
        }
    }

    func hasPosition(_ subscription: String) -> Bool {
        tracks.withLock { $0[subscription]?.position != nil }
    }

    /// The first connection of a subscription that never delivered: later gaps are measured from
    /// here (Appwrite's own format, so positions compare as text).
    func startIfNew(_ subscription: String, at instant: String) {
        tracks.withLock { tracks in
            if tracks[subscription]?.position == nil { tracks[subscription]?.position = Position(updatedAt: instant, ids: []) }
        }
    }

    /// What goes to `state_dir`.
    func persistedPositions() -> [String: RealtimePositionFile.Entry] {
        tracks.withLock { tracks in
            tracks.mapValues { track in
                RealtimePositionFile.Entry(fingerprint: track.fingerprint, position: track.catchingUpFrom ?? track.position)
            }
        }
    }
}
