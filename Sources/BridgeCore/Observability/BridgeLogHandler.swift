import Foundation
import Logging

/// One line per event on standard error, as text or JSON. Under systemd (`$JOURNAL_STREAM` set)
/// lines carry no timestamp of their own, since journald adds one, and start with the syslog
/// priority (`<3>` … `<7>`) so `journalctl -p warning` filters them.
public struct BridgeLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let format: Format
    let journald: Bool
    let write: @Sendable (String) -> Void

    public init(
        format: Format,
        journald: Bool,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.format = format
        self.journald = journald
        self.write = write
    }

    /// systemd sets `$JOURNAL_STREAM` when standard error is connected to journald.
    public static func journaldIsListening(environment: [String: String]) -> Bool {
        !(environment["JOURNAL_STREAM"] ?? "").isEmpty
    }

    /// A message written straight to standard error (a configuration error, a fatal one) at
    /// `level`: under journald each line starts with the syslog priority, so `journalctl -p err`
    /// shows why the service stopped; otherwise the text is unchanged.
    public static func plainLines(_ message: String, level: Logger.Level, environment: [String: String]) -> String {
        guard journaldIsListening(environment: environment) else { return message }
        let prefix = "<\(syslogPriority(level))>"
        return message.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            // The text after the last newline is empty: it is the terminator, not a line.
            line.isEmpty && index > 0 ? "" : prefix + line
        }.joined(separator: "\n")
    }

    public static func bootstrap(format: Format, level: Logger.Level, environment: [String: String]) -> Logger {
        let journald = journaldIsListening(environment: environment)
        LoggingSystem.bootstrap { _ in
            var handler = BridgeLogHandler(format: format, journald: journald)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "appwrite-bridge")
        logger.logLevel = level
        return logger
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        write(render(level: event.level, message: "\(event.message)", metadata: merged, date: Date()))
    }

    func render(level: Logger.Level, message: String, metadata: Logger.Metadata, date: Date) -> String {
        let prefix = journald ? "<\(Self.syslogPriority(level))>" : ""
        let entries = metadata.sorted { $0.key < $1.key }
        switch format {
        case .text:
            var line = prefix
            if !journald { line += Timestamp.iso8601(date) + " " }
            line += level.rawValue + String(repeating: " ", count: max(8 - level.rawValue.utf8.count, 1)) + message
            for (key, value) in entries { line += " \(key)=\(Self.quoteIfNeeded("\(value)"))" }
            return line + "\n"
        case .json:
            var object = JSONObject()
            if !journald { object["time"] = .string(Timestamp.iso8601(date)) }
            object["level"] = .string(level.rawValue)
            object["message"] = .string(message)
            for (key, value) in entries where object[key] == nil { object[key] = .string("\(value)") }
            return prefix + JSONValue.object(object).serialized + "\n"
        }
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    private static func quoteIfNeeded(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : value
    }
}
