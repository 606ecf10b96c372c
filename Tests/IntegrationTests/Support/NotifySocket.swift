import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A fake systemd: a Unix datagram socket that collects what the daemon sends to `$NOTIFY_SOCKET`.
final class NotifySocket: Sendable {
    let path: String
    private let fd: Int32
    private let messages = Mutex<[String]>([])

    init() throws {
        path = NSTemporaryDirectory() + "notify-\(UUID().uuidString.prefix(8)).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessTestError.timeout }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw ProcessTestError.timeout }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
        Thread.detachNewThread { [self] in self.receiveLoop() }
    }

    private func receiveLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                let message = String(decoding: buffer[0..<count], as: UTF8.self)
                messages.withLock { $0.append(message) }
            } else if count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                return
            }
        }
    }

    var received: [String] { messages.withLock { $0 } }

    /// The lifecycle messages (READY, RELOADING, STOPPING) in arrival order; watchdog pings and
    /// status-only updates, which may come at any time, are left out.
    var lifecycle: [String] { received.filter { $0 != "WATCHDOG=1" && !$0.hasPrefix("STATUS=") } }

    func waitFor(count: Int, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while lifecycle.count < count {
            if ContinuousClock.now > deadline { throw ProcessTestError.timeout }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    deinit {
        close(fd)
        unlink(path)
    }
}
