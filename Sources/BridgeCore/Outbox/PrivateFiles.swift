import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The outbox and the spool hold what callers sent (message texts, files): folders 0700 and files
/// 0600 whatever the umask, set explicitly after creation (the umask only ever takes bits away).
enum PrivateFiles {
    /// Creates the folder (and missing parents) 0700; an existing folder of ours is made 0700.
    static func makeFolder(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.ownerAccountID] as? NSNumber)?.uint32Value == getuid()
        else { return }
        _ = chmod(path, 0o700)
    }

    /// Creates an empty file 0600 unless it exists; an existing one is made 0600.
    static func makeFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        _ = fchmod(descriptor, 0o600)
        close(descriptor)
    }
}
