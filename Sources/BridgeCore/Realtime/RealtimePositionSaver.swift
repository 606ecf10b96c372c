import Foundation
import Logging
import Synchronization

/// Writes an instance's Realtime positions to `state_dir` at most once a second while they move,
/// and at once when the socket drops or the bridge stops. Quiet when nothing moves: no timer runs.
final class RealtimePositionSaver: Sendable {
    private let ledger: RealtimeLedger
    private let stateDirectory: String
    private let projectID: String
    private let logger: Logger
    private let signal = ChangeSignal()
    /// Set by the first change after a save: the rest until the next save cost one atomic
    /// exchange, not a signal each (a thousand events a second).
    private let pending = Atomic<Bool>(false)
    /// nil while connected (a save then records "seen now"); the gap's start while disconnected.
    private let disconnectedSince = Mutex<Date?>(nil)
    private let lastFailure = Mutex<String?>(nil)

    init(ledger: RealtimeLedger, stateDirectory: String, projectID: String, logger: Logger) {
        self.ledger = ledger
        self.stateDirectory = stateDirectory
        self.projectID = projectID
        self.logger = logger
    }

    func changed() {
        if !pending.exchange(true, ordering: .acquiringAndReleasing) { signal.notify() }
    }

    func connected() { disconnectedSince.withLock { $0 = nil } }

    /// The socket dropped; the gap began at `lastHeard`. Saved at once.
    func disconnected(lastHeard: Date) {
        disconnectedSince.withLock { $0 = $0 ?? lastHeard }
        save()
    }

    func run() async {
        for await _ in signal.changes {
            pending.store(false, ordering: .releasing)
            save()
            try? await LoopSleep.sleep(for: .seconds(1))
        }
    }

    func save() {
        let lastSeen = disconnectedSince.withLock { $0 } ?? Date()
        let file = RealtimePositionFile(lastSeen: lastSeen.timeIntervalSince1970, subscriptions: ledger.persistedPositions())
        do {
            try file.save(stateDirectory: stateDirectory, projectID: projectID)
            lastFailure.withLock { $0 = nil }
        } catch {
            let reason = "\(error)"
            // Logged once per distinct failure, not once a second.
            guard lastFailure.withLock({ previous in defer { previous = reason }; return previous != reason }) else { return }
            logger.error(
                "cannot save the Realtime positions of \(projectID) in \(stateDirectory)/realtime: \(reason); a restart would catch up from an older position",
                metadata: ["project_id": "\(projectID)"]
            )
        }
    }

    /// When the file says the socket was last up (a restart's gap start), nil on a first start.
    static func lastSeen(in file: RealtimePositionFile?) -> Date? {
        file?.lastSeen.map(Date.init(timeIntervalSince1970:))
    }
}
