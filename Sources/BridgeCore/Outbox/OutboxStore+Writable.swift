import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why an outbox cannot be opened for writing, found before the first execution needs it.
public struct OutboxUnwritable: Error, CustomStringConvertible {
    public var folder: String
    public var reason: String

    public var description: String { "cannot write in \(folder): \(reason)" }
}

extension OutboxStore {
    /// SQLite writes its journal next to the database, so the folder itself must take new files:
    /// a read-only folder would open an existing database fine and then fail every enqueue.
    /// Creates and removes a probe file (root ignores permission bits, so asking `access()` is
    /// not enough; a read-only mount still refuses).
    static func verifyWritable(folder: String) throws(OutboxUnwritable) {
        let probe = folder + "/.appwrite-bridge-probe-\(getpid())"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw OutboxUnwritable(folder: folder, reason: String(cString: strerror(errno)))
        }
        close(descriptor)
        unlink(probe)
    }

    /// What `serve` would hit opening the outbox at `path`, without creating it: an existing
    /// database is opened as `serve` opens it (a corrupt file is refused the same way); a missing
    /// one needs its nearest existing folder to be writable. nil when `serve` could open it.
    public static func problemOpening(path: String) -> String? {
        if FileManager.default.fileExists(atPath: path) {
            do {
                _ = try OutboxStore(path: path)
                return nil
            } catch {
                return "\(error)"
            }
        }
        var folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) && folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        guard isDirectory.boolValue else { return "\(folder.path) is not a folder" }
        do {
            try verifyWritable(folder: folder.path)
            return nil
        } catch {
            return error.description
        }
    }
}
