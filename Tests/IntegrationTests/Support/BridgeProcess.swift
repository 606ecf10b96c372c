import Foundation

/// The real `appwrite-bridge` binary as a child process, for tests of signals, exit codes and
/// the systemd protocol: things an in-process server cannot show.
final class BridgeProcess: ChildProcess {
    static var binaryDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static var binary: URL { binaryDirectory.appendingPathComponent("appwrite-bridge") }

    /// Starts `<binary> <arguments>` (the bridge unless named, e.g. appwrite-simulator) with the
    /// given environment added to a minimal one.
    init(_ arguments: [String], environment: [String: String] = [:], binary: String = "appwrite-bridge") throws {
        try super.init(
            executable: Self.binaryDirectory.appendingPathComponent(binary),
            arguments: arguments,
            environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()].merging(environment) { $1 }
        )
    }
}
