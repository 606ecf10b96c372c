import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A child process whose standard output and error are collected into `log` as they come, for
/// tests that wait for what it says and how it exits.
class ChildProcess {
    let process: Process
    private let output = OutputBuffer()

    init(executable: URL, arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        self.process = process
        try ProcessLaunch.run(process)
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [output] in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                output.append(String(decoding: data, as: UTF8.self))
            }
            output.close()
        }
    }

    var log: String { output.text }
    var pid: Int32 { process.processIdentifier }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for a line of the log that contains `text`.
    func waitForLog(_ text: String, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !log.contains(text) {
            if ContinuousClock.now > deadline || !process.isRunning && !log.contains(text) {
                Issue.record("never logged '\(text)'; log so far:\n\(log)")
                throw ProcessTestError.timeout
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The port from "appwrite-bridge listening on http://127.0.0.1:PORT/api/".
    func waitForPort() async throws -> Int {
        try await waitForLog("appwrite-bridge listening on http://")
        let line = try #require(log.split(separator: "\n").first { $0.contains("appwrite-bridge listening on http://") })
        let afterHost = try #require(line.split(separator: "http://").last)
        let port = afterHost.split(separator: ":").dropFirst().first?.split(separator: "/").first
        return try #require(port.flatMap { Int($0) })
    }

    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                throw ProcessTestError.timeout
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // The last lines may still be in the pipe: read to its end before anyone looks at the log.
        let drained = ContinuousClock.now + .seconds(5)
        while !output.isClosed, ContinuousClock.now < drained { try await Task.sleep(for: .milliseconds(5)) }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

final class OutputBuffer: Sendable {
    private let storage = Mutex<(text: String, closed: Bool)>(("", false))
    var text: String { storage.withLock { $0.text } }
    var isClosed: Bool { storage.withLock { $0.closed } }
    func append(_ more: String) { storage.withLock { $0.text += more } }
    func close() { storage.withLock { $0.closed = true } }
}

enum ProcessTestError: Error {
    case timeout
}
