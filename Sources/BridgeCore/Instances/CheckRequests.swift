import Synchronization

/// Instances whose health a real call has put in doubt (Appwrite unreachable or timing out), to
/// be checked now rather than at the next scheduled re-check, which may be minutes away: the
/// state in `/api/instances`, `/readyz` and the `instance` events then follows within a second.
public final class CheckRequests: Sendable {
    private let projectIDs = Mutex<Set<String>>([])
    /// Notified at every request: the instance monitor sleeps on it between scheduled checks.
    let requested = ChangeSignal()

    public init() {}

    public func request(_ projectID: String) {
        projectIDs.withLock { _ = $0.insert(projectID) }
        requested.notify()
    }

    /// The instances asked for since the last call, forgetting them.
    func take() -> Set<String> {
        projectIDs.withLock { requested in
            defer { requested = [] }
            return requested
        }
    }
}
