import Foundation

/// Starts child processes one at a time. Foundation's `Process.run()` on Linux crashed (a bad
/// pointer in memmove inside `run()`) when many tests launched bridges, wrappers and SDK scripts
/// at the same moment; launches are rare and quick, so serialising them costs nothing.
enum ProcessLaunch {
    private static let lock = NSLock()

    static func run(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
