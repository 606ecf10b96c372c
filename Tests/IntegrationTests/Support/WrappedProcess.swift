import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A bridge (or simulator) started through `/bin/sh -c SCRIPT`, where the script prepares the
/// process (`ulimit -n`, `unshare` and a mount) and ends in `exec "$@"`: after the exec the pid is
/// the bridge's own, so its CPU time, limits and mounts can be read under /proc.
final class WrappedProcess {
    let process: Process
    private let output = OutputBuffer()

    init(
        script: String,
        launcher: [String] = [],
        binary: String = "appwrite-bridge",
        arguments: [String],
        environment: [String: String] = [:]
    ) throws {
        let process = Process()
        let shell = ["/bin/sh", "-c", script, "sh", BridgeProcess.binaryDirectory.appendingPathComponent(binary).path] + arguments
        let command = launcher + shell
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": NSTemporaryDirectory()].merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        self.process = process
        try process.run()
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
        let drained = ContinuousClock.now + .seconds(5)
        while !output.isClosed, ContinuousClock.now < drained { try await Task.sleep(for: .milliseconds(5)) }
        return process.terminationStatus
    }

    /// User plus system CPU time the process has used so far.
    var cpuTime: Duration {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let afterName = stat.range(of: ") ")?.upperBound
        else { return .zero }
        // Fields after the command name start at field 3 (state); utime and stime are 14 and 15.
        let fields = stat[afterName...].split(separator: " ")
        let ticks = (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
        return .milliseconds(ticks * 1000 / Int(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// The "Max open files" soft and hard limits from /proc/PID/limits.
    var openFilesLimit: (soft: Int, hard: Int)? {
        guard let limits = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8),
            let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") })
        else { return nil }
        let numbers = line.split(separator: " ").compactMap { Int($0) }
        return numbers.count >= 2 ? (numbers[0], numbers[1]) : nil
    }

    /// Open descriptors right now.
    var descriptorCount: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
