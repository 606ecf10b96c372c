import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A bridge (or simulator) started through `/bin/sh -c SCRIPT`, where the script prepares the
/// process (`ulimit -n`, `unshare` and a mount) and ends in `exec "$@"`: after the exec the pid is
/// the bridge's own, so its CPU time, limits and mounts can be read under /proc.
final class WrappedProcess: ChildProcess {
    init(
        script: String,
        launcher: [String] = [],
        binary: String = "appwrite-bridge",
        arguments: [String],
        environment: [String: String] = [:]
    ) throws {
        let shell = ["/bin/sh", "-c", script, "sh", BridgeProcess.binaryDirectory.appendingPathComponent(binary).path] + arguments
        let command = launcher + shell
        try super.init(
            executable: URL(fileURLWithPath: command[0]),
            arguments: Array(command.dropFirst()),
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": NSTemporaryDirectory()].merging(environment) { $1 }
        )
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
}
