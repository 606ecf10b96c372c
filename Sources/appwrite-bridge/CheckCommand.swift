import ArgumentParser
import BridgeCore

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate bridge.yaml and check every instance, like `nginx -t`.",
        discussion:
            "Exit status: 0 when every instance is ok, 1 when the file is invalid, 2 when the file is valid but an instance is not ok."
    )

    @Option(name: .shortAndLong, help: "Path to bridge.yaml.")
    var config = "./bridge.yaml"

    @Flag(help: "Validate the file and resolve secrets, but contact no Appwrite instance.")
    var offline = false

    func run() async throws {
        let (outcome, report) = await ConfigCheck.run(configPath: config, offline: offline)
        if outcome == .invalidFile {
            printError("appwrite-bridge: invalid configuration: \(report)", terminator: "")
        } else {
            print(report, terminator: "")
        }
        if outcome != .allOK { throw ExitCode(outcome.rawValue) }
    }
}
