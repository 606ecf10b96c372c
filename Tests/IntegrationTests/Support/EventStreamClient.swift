import AsyncHTTPClient
import BridgeCore
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A Server-Sent Events reader for `GET /api/events`: parses `id:`, `event:` and `data:` lines
/// into messages, in order, as they arrive on a real socket.
final class EventStreamClient: Sendable {
    struct Message: Sendable {
        var id: Int?
        var kind: String?
        var data: JSONValue
    }

    let status: Int
    let retryAfter: String?
    private let messages: AsyncStream<Message>
    private let reader: Task<Void, Never>

    init(url: String, headers: [(String, String)] = []) async throws {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        status = Int(response.status.code)
        retryAfter = response.headers.first(name: "Retry-After")
        let (messages, continuation) = AsyncStream.makeStream(of: Message.self)
        self.messages = messages
        reader = Task {
            var pending = ""
            do {
                for try await buffer in response.body {
                    pending += String(buffer: buffer)
                    while let end = pending.range(of: "\n\n") {
                        let block = String(pending[..<end.lowerBound])
                        pending = String(pending[end.upperBound...])
                        if let message = Self.parse(block) { continuation.yield(message) }
                    }
                }
            } catch {}
            continuation.finish()
        }
    }

    deinit { reader.cancel() }

    func close() { reader.cancel() }

    /// The messages in order; ends when the bridge closes the stream.
    var stream: AsyncStream<Message> { messages }

    /// Reads until a message satisfies `match`, returning everything read on the way (inclusive).
    func read(until match: @escaping @Sendable (Message) -> Bool, timeout: Duration = .seconds(20)) async throws -> [Message] {
        try await withThrowingTaskGroup(of: [Message]?.self) { group in
            group.addTask { [messages] in
                var seen: [Message] = []
                for await message in messages {
                    seen.append(message)
                    if match(message) { return seen }
                }
                return seen
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try #require(try await group.next() ?? nil, "no matching event within \(timeout)")
            group.cancelAll()
            return first
        }
    }

    private static func parse(_ block: String) -> Message? {
        var id: Int?
        var kind: String?
        var data: String?
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
            if line.hasPrefix("event: ") { kind = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
        }
        guard let data, let json = try? JSONParser.parse(data) else { return nil }
        return Message(id: id, kind: kind, data: json)
    }
}
