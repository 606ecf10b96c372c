import BridgeCore
import Foundation
import Logging

/// Writes to standard error; under journald each line carries `level`'s syslog priority (errors
/// are `<3>`, so `journalctl -p err` finds them). Messages for a person at a terminal are unchanged.
func printError(_ message: String, terminator: String = "\n", level: Logger.Level = .error) {
    let text = BridgeLogHandler.plainLines(message + terminator, level: level, environment: ProcessInfo.processInfo.environment)
    FileHandle.standardError.write(Data(text.utf8))
}
