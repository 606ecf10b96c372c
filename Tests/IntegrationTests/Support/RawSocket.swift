import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP client socket on loopback, for what an HTTP client library hides: idle
/// connections, bodies sent a byte at a time, pipelined requests, raw answers.
///
/// Reads block in poll(2), so they run on a thread of their own: blocking the two threads of
/// Swift's cooperative pool would stall an in-process bridge's handlers (and every other test).
/// `@unchecked Sendable`: a socket is used by one test at a time, and the thread a read runs on
/// is awaited before anything else touches the descriptor, so no two threads use it at once.
final class RawSocket: @unchecked Sendable {
    let descriptor: Int32

    /// Connects to 127.0.0.1:`port`. `blocking: false` returns at once, even while the server's
    /// backlog is full (the connection then completes whenever the server gets to it).
    init(port: Int, blocking: Bool = true) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawSocketError.failed("socket", errno) }
        if !blocking { _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 && !(errno == EINPROGRESS && !blocking) {
            let code = errno
            Glibc.close(descriptor)
            throw RawSocketError.failed("connect", code)
        }
    }

    deinit { Glibc.close(descriptor) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw RawSocketError.failed("send", errno) }
            offset += written
        }
    }

    /// Everything the server sends until it closes the connection or `timeout` passes.
    func readUntilClosed(timeout: Duration) async -> (bytes: [UInt8], closed: Bool) {
        await Self.onOwnThread { self.readUntilClosedBlocking(timeout: timeout) }
    }

    /// Reads until `received` satisfies `done`, the peer closes, or `timeout` passes.
    func read(timeout: Duration, until done: @escaping @Sendable ([UInt8]) -> Bool) async -> [UInt8] {
        await Self.onOwnThread { self.readBlocking(timeout: timeout, until: done) }
    }

    static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }

    /// A blocking connect, off the cooperative pool: it waits while the server's backlog is full.
    static func connected(port: Int) async throws -> RawSocket {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try RawSocket(port: port) }) }
        }
    }

    private func readUntilClosedBlocking(timeout: Duration) -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while true {
            guard let chunk = readChunk(until: deadline) else { return (received, false) }
            if chunk.isEmpty { return (received, true) }
            received += chunk
        }
    }

    private func readBlocking(timeout: Duration, until done: ([UInt8]) -> Bool) -> [UInt8] {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while !done(received) {
            guard let chunk = readChunk(until: deadline), !chunk.isEmpty else { break }
            received += chunk
        }
        return received
    }

    /// One read: bytes, [] at end of stream, nil when the deadline passed first.
    private func readChunk(until deadline: ContinuousClock.Instant) -> [UInt8]? {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { return nil }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(
            min(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000, 60_000)
        )
        guard poll(&poller, 1, max(milliseconds, 1)) > 0 else { return ContinuousClock.now >= deadline ? nil : readChunk(until: deadline) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        if count < 0 { return errno == EAGAIN ? readChunk(until: deadline) : [] }
        return Array(buffer[0..<count])
    }
}

enum RawSocketError: Error {
    case failed(String, Int32)
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}
