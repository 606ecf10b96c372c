import Foundation
import Logging

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

func makeLogger(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap(StreamLogHandler.standardError)
    var logger = Logger(label: "appwrite-bridge")
    logger.logLevel = level
    return logger
}
