import BridgeCore
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOWebSocket

/// A Realtime client for the suite: hummingbird-websocket's WebSocketClient, each text frame
/// parsed as JSON in arrival order, messages sent as text, and the server's close code kept.
actor RealtimeTestClient {
    enum Failure: Error, CustomStringConvertible {
        case timeout(String)
        case closed(String)
        var description: String {
            switch self {
            case .timeout(let what): "timed out waiting for \(what)"
            case .closed(let what): "socket closed while waiting for \(what)"
            }
        }
    }

    private var buffer: [JSONValue] = []
    private var finished = false
    private var waiters: [(id: Int, continuation: CheckedContinuation<JSONValue?, any Error>)] = []
    private var nextWaiter = 0
    private let outgoing: AsyncStream<String>.Continuation
    private var session: Task<WebSocketCloseFrame?, any Error>?

    private let sending: AsyncStream<String>

    private init() {
        (sending, outgoing) = AsyncStream.makeStream(of: String.self)
    }

    /// Connects to the simulator's `/v1/realtime`; `query` without the `?`, headers such as
    /// `X-Appwrite-Session` or `x-appwrite-jwt`.
    static func connect(port: Int, query: String, headers: HTTPFields = [:]) async -> RealtimeTestClient {
        let client = RealtimeTestClient()
        await client.start(url: "ws://127.0.0.1:\(port)/v1/realtime" + (query.isEmpty ? "" : "?" + query), headers: headers)
        return client
    }

    private func start(url: String, headers: HTTPFields) {
        let sending = sending
        session = Task {
            defer { Task { await self.finish() } }
            return try await WebSocketClient.connect(
                url: url,
                configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers, autoPing: .disabled),
                logger: Logger(label: "realtime-test") { _ in SwiftLogNoOpLogHandler() }
            ) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await text in sending { try await outbound.write(.text(text)) }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    for try await message in inbound.messages(maxSize: 1 << 22) {
                        if case .text(let text) = message { await self.deliver((try? JSONParser.parse(text)) ?? .string(text)) }
                    }
                    group.cancelAll()
                }
            }
        }
    }

    private func deliver(_ frame: JSONValue) {
        if waiters.isEmpty {
            buffer.append(frame)
        } else {
            waiters.removeFirst().continuation.resume(returning: frame)
        }
    }

    private func finish() {
        finished = true
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
        waiters = []
    }

    private func expire(_ id: Int, line: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: Failure.timeout("a frame at line \(line)"))
    }

    func send(_ text: String) { outgoing.yield(text) }

    /// The next frame, or nil once the socket has closed.
    func next(within seconds: Double = 5, line: Int = #line) async throws -> JSONValue? {
        if !buffer.isEmpty { return buffer.removeFirst() }
        if finished { return nil }
        let id = nextWaiter
        nextWaiter += 1
        return try await withCheckedThrowingContinuation { continuation in
            waiters.append((id, continuation))
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                await self.expire(id, line: line)
            }
        }
    }

    /// Frames already received, without waiting.
    func pending() -> [JSONValue] {
        defer { buffer = [] }
        return buffer
    }

    /// The next frame of this type (others before it are returned too, for inspection).
    func next(type: String, within seconds: Double = 5, line: Int = #line) async throws -> JSONValue {
        var skipped: [JSONValue] = []
        while true {
            let frame: JSONValue?
            do {
                frame = try await next(within: seconds)
            } catch {
                throw Failure.timeout("a \(type) frame (line \(line)), after \(skipped)")
            }
            guard let frame else { throw Failure.closed("a \(type) frame (line \(line)), after \(skipped)") }
            if frame["type"]?.stringValue == type { return frame }
            skipped.append(frame)
        }
    }

    /// Closes from our side and waits for the session to end; the server's close code, if any.
    @discardableResult
    func close() async -> WebSocketErrorCode? {
        outgoing.finish()
        return try? await session?.value?.closeCode
    }

    /// Why the connection failed or ended in error (a refused upgrade, say), or nil.
    func failure() async -> (any Error)? {
        do {
            _ = try await session?.value
            return nil
        } catch {
            return error
        }
    }

    /// Waits for the server to close; its close code.
    func closedByServer(within seconds: Double = 5) async throws -> WebSocketErrorCode? {
        while let _ = try await next(within: seconds) {}
        return try await session?.value?.closeCode
    }
}
