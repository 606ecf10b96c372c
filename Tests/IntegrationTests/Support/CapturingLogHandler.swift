@testable import BridgeCore
import Logging
import Synchronization

/// Keeps every log line (message and metadata, rendered) so tests can check what the daemon
/// told the operator, and that no secret ever appears there, or await a line instead of polling.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    private let written = ChangeSignal()

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
        written.notify()
    }

    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }

    /// True once a line containing `text` was logged; false after `timeout`.
    func wait(for text: String, within timeout: Duration) async -> Bool {
        await waitWoken(by: written, within: timeout) { contains(text) }
    }

    func logger(label: String = "test") -> Logger {
        Logger(label: label) { _ in CapturingLogHandler(capture: self) }
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.append("\(event.level) \(event.message) \(rendered)")
    }
}
