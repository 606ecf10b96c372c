import Foundation
import Synchronization

/// One message of `GET /api/events`, in the envelope of Appwrite's Realtime API.
public struct ExecutionEvent: Sendable {
    public enum Action: String, Sendable { case create, update }

    public var projectID: String
    public var functionID: String
    public var executionID: String
    public var action: Action
    public var timestamp: Date
    /// The Execution as Appwrite sent it.
    public var payload: JSONValue

    /// Appwrite's event names: the exact one and its wildcard generalisations.
    public var events: [String] {
        let function = "functions.\(functionID)"
        let anyFunction = "functions.*"
        var names: [String] = []
        for prefix in [function, anyFunction] {
            for execution in [executionID, "*"] {
                names.append("\(prefix).executions.\(execution).\(action.rawValue)")
                names.append("\(prefix).executions.\(execution)")
            }
            names.append(prefix)
        }
        return names
    }

    /// Appwrite's channels, plus `instances.<project_id>` so a bridge with several instances can
    /// be filtered by instance.
    public var channels: [String] {
        ["executions", "executions.\(executionID)", "functions.\(functionID)", "instances.\(projectID)"]
    }

    public var envelope: JSONValue {
        .object(
            JSONObject([
                ("events", .array(events.map(JSONValue.string))),
                ("channels", .array(channels.map(JSONValue.string))),
                ("timestamp", .string(Timestamp.iso8601(timestamp))),
                ("payload", payload),
            ])
        )
    }
}

/// Fans execution events out to every `GET /api/events` stream. A slow reader loses its oldest
/// unread events rather than holding memory or the bridge back.
public final class ExecutionEventHub: Sendable {
    private struct Subscriber {
        var continuation: AsyncStream<ExecutionEvent>.Continuation
        var channels: Set<String>
        var maySee: @Sendable (String) -> Bool
    }

    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextID = Mutex<UInt64>(0)
    private let finished = Mutex(false)

    public init() {}

    public var hasSubscribers: Bool { subscribers.withLock { !$0.isEmpty } }

    /// A stream of events on any of `channels` (all when empty) of instances `maySee` allows.
    public func subscribe(channels: Set<String>, maySee: @escaping @Sendable (String) -> Bool) -> AsyncStream<ExecutionEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: ExecutionEvent.self, bufferingPolicy: .bufferingNewest(256))
        if finished.withLock({ $0 }) {
            continuation.finish()
            return stream
        }
        let id = nextID.withLock { value -> UInt64 in
            value += 1
            return value
        }
        subscribers.withLock { $0[id] = Subscriber(continuation: continuation, channels: channels, maySee: maySee) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    public func publish(_ event: ExecutionEvent) {
        let targets = subscribers.withLock { table in
            table.values.filter { subscriber in
                subscriber.maySee(event.projectID)
                    && (subscriber.channels.isEmpty || !subscriber.channels.isDisjoint(with: event.channels))
            }
        }
        for subscriber in targets { subscriber.continuation.yield(event) }
    }

    /// Ends every stream (at shutdown, so open connections do not hold the grace period).
    public func finishAll() {
        finished.withLock { $0 = true }
        let all = subscribers.withLock { table -> [Subscriber] in
            defer { table = [:] }
            return Array(table.values)
        }
        for subscriber in all { subscriber.continuation.finish() }
    }
}
